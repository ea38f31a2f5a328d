#!/usr/bin/env python3
"""Attach ClinVar evidence to the annotated cohort VCF (INFO/CLINVAR_*), matched by allele.

For every record, the ClinVar record of the same allele (contig names mapped explicitly: NCBI
writes `10`, the cohort `chr10`; both alleles trimmed and, with --fasta, indels left-aligned on it,
so one written elsewhere in its repeat or with more context is the same variant) gives CLINVAR_VARID (variation ID),
CLINVAR_ALLELEID, CLINVAR_CLNSIG, CLINVAR_CLNREVSTAT, CLINVAR_STARS (ClinVar's documented
review-status -> stars mapping) and CLINVAR_CLNDN; records without a match get none (= not in
ClinVar). A record on a chromosome the ClinVar file has no record on (a file cut to some
chromosomes) gets the flag CLINVAR_NOT_COVERED instead: it was not looked up, which is not the same
as "not in ClinVar". The header gains `##hlhscreen_clinvar=<file,fileDate,source,reference>`, and
--release-json gets the same facts plus the counts, for the report's citation.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from dataclasses import dataclass
from typing import Dict, List, Optional, Set, Tuple

import pysam

from hlhscreen import clinvar, normalise
from hlhscreen.annotation import require_biallelic
from hlhscreen.chromosomes import in_natural_order
from hlhscreen.vcf_text import OLD_REC_FORMAT, info_value
from hlhscreen.errors import UserInputError, run_cli
from hlhscreen.files import atomic_output, atomic_path, open_text


def annotate(vcf: Path, clinvar_vcf: Path, out: Path, release_json: Optional[Path],
             fasta: Optional[Reference] = None) -> str:
    source = clinvar.open_clinvar(clinvar_vcf)
    release, clinvar_contigs = source.release, source.contigs
    header: List[str] = []
    records = matched = pieces = 0
    not_covered: Dict[str, int] = {}  # cohort contig -> records that could not be looked up
    tabix = pysam.TabixFile(str(clinvar_vcf), index=source.index)
    lookup = Lookup(tabix, clinvar_vcf, normalise.Normaliser(fasta.reference() if fasta else None))
    with open_text(vcf) as handle, atomic_path(out) as tmp:
        plain = tmp.with_suffix("")
        with open(plain, "w") as sink:
            contigs: List[str] = []
            mapping = {}
            old_rec_tag: Optional[str] = None  # bcftools norm --old-rec-tag: the record a piece came from
            for number, line in enumerate(handle, start=1):
                if line.startswith("##"):
                    if line.startswith("##contig=<ID="):
                        contigs.append(line[len("##contig=<ID="):].split(",")[0].rstrip(">\n"))
                    if line.startswith("##INFO=<ID=") and OLD_REC_FORMAT in line:
                        old_rec_tag = line[len("##INFO=<ID="):].split(",")[0]
                    if not line.startswith(f"##{clinvar.HEADER_KEY}=") and not any(
                            line.startswith(f"##INFO=<ID={name},") for name in clinvar.INFO_NAMES):
                        header.append(line)
                    continue
                if line.startswith("#CHROM"):
                    for name, number, kind, description in clinvar.INFO_FIELDS:
                        header.append(f'##INFO=<ID={name},Number={number},Type={kind},Description="{description}">\n')
                    header.append(release.header_line() + "\n")
                    sink.writelines(header)
                    sink.write(line)
                    mapping = clinvar.check_naming(clinvar_vcf, contigs, clinvar_contigs)
                    continue
                fields = line.rstrip("\r\n").split("\t")
                if len(fields) < 8:
                    raise UserInputError(vcf, number, "record", "fewer than 8 columns", "Give a VCF file.")
                records += 1
                # a multi-allelic record matches no ClinVar allele whole: it would read "not in ClinVar"
                require_biallelic(vcf, number, fields[0], int(fields[1]), fields[4].split(","))
                target = mapping.get(fields[0]) or clinvar.contig_map([fields[0]], clinvar_contigs).get(fields[0])
                entry = whole = None
                if target is not None and fields[4] not in (".", "*"):
                    entry = lookup.entry(fields[0], target, int(fields[1]), fields[3], fields[4])
                    old_rec = info_value(fields[7], old_rec_tag) if old_rec_tag and entry is None else None
                    # an atomised piece: ClinVar may list the MNV/complex allele it came from
                    originals = clinvar.original_alleles(old_rec, int(fields[1]), fields[3], fields[4]) if old_rec else []
                    for pos, ref, alt in originals:
                        whole = whole or lookup.entry(fields[0], target, pos, ref, alt, count=False)
                info = [item for item in fields[7].split(";")
                        if item not in (".", "") and item.partition("=")[0] not in clinvar.INFO_NAMES]
                if entry is not None:
                    matched += 1
                    info.extend(entry.info_items())
                elif target is None:
                    not_covered[fields[0]] = not_covered.get(fields[0], 0) + 1
                    info.append(clinvar.NOT_COVERED_INFO)
                elif whole is not None:
                    pieces += 1
                    info.append(f"{clinvar.PART_OF_INFO}={whole.variation_id or 'NA'}:"
                                f"{clinvar.clnsig_column(whole)}")
                fields[7] = ";".join(info) or "."
                sink.write("\t".join(fields) + "\n")
        pysam.tabix_compress(str(plain), str(tmp), force=True)
        plain.unlink()
    pysam.tabix_index(str(out), preset="vcf", force=True)
    lacking_contigs = in_natural_order(not_covered)
    if release_json is not None:
        with atomic_output(release_json) as sink:
            json.dump({"file": Path(release.path).name, "fileDate": release.file_date, "source": release.source,
                       "reference": release.reference, "ncbi_release": release.is_ncbi_release,
                       "citation": release.citation(), "records": records, "records_in_clinvar": matched,
                       "records_not_covered": sum(not_covered.values()), "records_part_of_clinvar_allele": pieces,
                       "contigs_not_covered": lacking_contigs, "normalised_against": fasta.name if fasta else None,
                       "indels_not_normalised": lookup.cohort_not_normalised,
                       "clinvar_indels_not_normalised": len(lookup.clinvar_not_normalised)},
                      sink, indent=1, sort_keys=True)
            sink.write("\n")
    lacking = f"; not looked up (chromosome not in the file): {', '.join(lacking_contigs)}" if not_covered else ""
    whole_text = (f"; {pieces} record(s) not in ClinVar themselves are pieces of a longer allele it lists "
                  "(INFO/CLINVAR_PART_OF)") if pieces else ""
    return (f"ClinVar: {matched} of {records} records matched{whole_text}{lacking}; {normalised_text(fasta, lookup)}; "
            f"{release.citation()}")


def normalised_text(fasta: Optional["Reference"], lookup: "Lookup") -> str:
    """How indels were compared, for the step's summary line."""
    if fasta is None:
        return "indels compared as written, trimmed only (no --fasta: one written elsewhere in its repeat is missed)"
    text = f"indels compared left-aligned on {fasta.name}"
    odd = [f"{n} {side}" for n, side in ((lookup.cohort_not_normalised, "cohort"),
                                          (len(lookup.clinvar_not_normalised), "ClinVar"))
           if n]
    if odd:
        text += (f" ({' and '.join(odd)} indel record(s) whose REF is not the reference's there compared as written, "
                 "trimmed only)")
    return text


class Lookup:
    """ClinVar records of a cohort allele, both sides normalised against the reference when there is one
    (:class:`normalise.Normaliser`); counts what could not be normalised."""

    def __init__(self, tabix: "pysam.TabixFile", path: Path, normaliser: normalise.Normaliser) -> None:
        self.tabix, self.path, self.normaliser = tabix, path, normaliser
        self.cohort_not_normalised = 0
        self.clinvar_not_normalised: Set[Tuple[str, int, str, str]] = set()

    def entry(self, contig: str, target: str, pos: int, ref: str, alt: str,
              count: bool = True) -> Optional[clinvar.ClinvarEntry]:
        """The best ClinVar entry of this allele (``contig``: the cohort's name, for the reference;
        ``target``: the ClinVar file's), or None. Fetched over every position the allele can be
        written at, so a record written with other padding or elsewhere in the repeat overlaps."""
        wanted, normalised = self.normaliser.canonical(contig, pos, ref, alt)
        if not normalised and count:
            self.cohort_not_normalised += 1
        start, end = self.normaliser.span(contig, wanted, normalised, pos, ref)
        records = [r.split("\t") for r in self.tabix.fetch(target, start, end)]
        return clinvar.best_entry(clinvar.matching_entries(records, wanted, self.path, self._canonical(contig, target)))

    def _canonical(self, contig: str, target: str) -> clinvar.Canonical:
        def canonical(pos: int, ref: str, alt: str) -> Tuple[int, str, str]:
            allele, normalised = self.normaliser.canonical(contig, pos, ref, alt)
            if not normalised:
                self.clinvar_not_normalised.add((target, pos, ref, alt))
            return allele
        return canonical


@dataclass(frozen=True)
class Reference:
    """The GRCh38-coordinate FASTA the cohort is on (plain, or bgzipped with its .gzi)."""

    fasta: Path
    fai: Optional[Path] = None
    gzi: Optional[Path] = None

    @property
    def name(self) -> str:
        return self.fasta.name

    def reference(self) -> normalise.Reference:
        for path, flag in ((self.fasta, "--fasta"), (self.fai, "--fasta-fai"), (self.gzi, "--fasta-gzi")):
            if path is not None and not path.is_file():
                raise UserInputError(path, None, flag, "file not found", "Give the FASTA the cohort VCF was "
                                     "normalised against, with its .fai (and .gzi when bgzipped).")
        try:
            handle = pysam.FastaFile(str(self.fasta), filepath_index=str(self.fai) if self.fai else None,
                                     filepath_index_compressed=str(self.gzi) if self.gzi else None)
        except (OSError, ValueError) as err:
            raise UserInputError(self.fasta, None, "--fasta", f"not a readable indexed FASTA ({err})",
                                 "Give the FASTA with its .fai (samtools faidx), and its .gzi when bgzipped.") from None
        return normalise.Reference(lambda contig, start, end: handle.fetch(contig, start, end))


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--vcf", type=Path, required=True, help="annotated cohort VCF (bgzipped)")
    parser.add_argument("--clinvar", type=Path, required=True, help="ClinVar GRCh38 VCF (bgzipped, .tbi beside it)")
    parser.add_argument("--out", type=Path, required=True, help="output VCF (.vcf.gz, indexed)")
    parser.add_argument("--release-json", type=Path, help="write the release facts and counts here")
    parser.add_argument("--fasta", type=Path, help="the GRCh38-coordinate FASTA of the cohort VCF: indels of both "
                        "files are compared left-aligned on it (without it: as written, trimmed only)")
    parser.add_argument("--fasta-fai", type=Path, help="its .fai (default: beside it)")
    parser.add_argument("--fasta-gzi", type=Path, help="its .gzi when bgzipped (default: beside it)")
    args = parser.parse_args(argv)
    if (args.fasta_fai or args.fasta_gzi) and not args.fasta:
        parser.error("--fasta-fai and --fasta-gzi need --fasta")
    fasta = Reference(args.fasta, args.fasta_fai, args.fasta_gzi) if args.fasta else None
    print(annotate(args.vcf, args.clinvar, args.out, args.release_json, fasta))
    return 0


if __name__ == "__main__":
    run_cli(main)
