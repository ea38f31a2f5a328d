#!/usr/bin/env python3
"""Attach ClinVar evidence to the annotated cohort VCF (INFO/CLINVAR_*), matched by exact allele.

For every record, the ClinVar record at the same position with the same REF and ALT (contig names
mapped explicitly: NCBI writes `10`, the cohort `chr10`) gives CLINVAR_VARID (variation ID),
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
from typing import Dict, List, Optional

import pysam

from hlhscreen import clinvar
from hlhscreen.annotation import require_biallelic
from hlhscreen.chromosomes import in_natural_order
from hlhscreen.vcf_text import OLD_REC_FORMAT, info_value
from hlhscreen.errors import UserInputError, run_cli
from hlhscreen.files import atomic_output, atomic_path, open_text


def annotate(vcf: Path, clinvar_vcf: Path, out: Path, release_json: Optional[Path]) -> str:
    source = clinvar.open_clinvar(clinvar_vcf)
    release, clinvar_contigs = source.release, source.contigs
    header: List[str] = []
    records = matched = pieces = 0
    not_covered: Dict[str, int] = {}  # cohort contig -> records that could not be looked up
    tabix = pysam.TabixFile(str(clinvar_vcf), index=source.index)
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
                    entry = lookup(tabix, target, int(fields[1]), fields[3], fields[4], clinvar_vcf)
                    old_rec = info_value(fields[7], old_rec_tag) if old_rec_tag and entry is None else None
                    # an atomised piece: ClinVar may list the MNV/complex allele it came from
                    originals = clinvar.original_alleles(old_rec, int(fields[1]), fields[3], fields[4]) if old_rec else []
                    for pos, ref, alt in originals:
                        whole = whole or lookup(tabix, target, pos, ref, alt, clinvar_vcf)
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
                       "contigs_not_covered": lacking_contigs},
                      sink, indent=1, sort_keys=True)
            sink.write("\n")
    lacking = f"; not looked up (chromosome not in the file): {', '.join(lacking_contigs)}" if not_covered else ""
    whole_text = (f"; {pieces} record(s) not in ClinVar themselves are pieces of a longer allele it lists "
                  "(INFO/CLINVAR_PART_OF)") if pieces else ""
    return f"ClinVar: {matched} of {records} records matched{whole_text}{lacking}; {release.citation()}"


def lookup(tabix: "pysam.TabixFile", contig: str, pos: int, ref: str, alt: str,
           path: Path) -> Optional[clinvar.ClinvarEntry]:
    """The best ClinVar entry of this allele (however padded: :func:`clinvar.matching_entries`), or None.
    Fetched over the whole REF: a record written with more or fewer padding bases still overlaps it."""
    records = (r.split("\t") for r in tabix.fetch(contig, pos - 1, pos - 1 + max(len(ref), 1)))
    return clinvar.best_entry(clinvar.matching_entries(records, pos, ref, alt, path))


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--vcf", type=Path, required=True, help="annotated cohort VCF (bgzipped)")
    parser.add_argument("--clinvar", type=Path, required=True, help="ClinVar GRCh38 VCF (bgzipped, .tbi beside it)")
    parser.add_argument("--out", type=Path, required=True, help="output VCF (.vcf.gz, indexed)")
    parser.add_argument("--release-json", type=Path, help="write the release facts and counts here")
    args = parser.parse_args(argv)
    print(annotate(args.vcf, args.clinvar, args.out, args.release_json))
    return 0


if __name__ == "__main__":
    run_cli(main)
