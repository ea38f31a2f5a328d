#!/usr/bin/env python3
"""Regenerate the synthetic test cohort in assets/test_cohort/ (deterministic, offline).

SYNTHETIC SEQUENCE: no real GRCh38 sequence or reads exist here. The reference is random sequence
from a fixed seed laid on windows at the true GRCh38 coordinates of PRF1, UNC13D, STX11 and STXBP2,
with their MANE gene models honoured and the real reference codon at every planted site. Reads are
simulated from per-sample haplotypes carrying the planted genotypes (scripts/testcohort/design.py).

Usage: scripts/make_test_cohort.py [--gtf panels/hlh/gene_models.gtf.gz] [--out assets/test_cohort]
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import random
import re
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Optional, Tuple

sys.path.insert(0, str(Path(__file__).resolve().parent))

from testcohort import design  # noqa: E402
from testcohort.gene_models import Transcript, read_transcripts  # noqa: E402
from testcohort.genome import (  # noqa: E402
    VcfVariant, Window, last_coding_position_of_exon, to_vcf, verify_protein_change, write_transcript,
)
from testcohort.reads import ReadPair, name_pairs, simulate_region  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
GRCH38_LENGTHS = {"chr6": 170805979, "chr10": 133797422, "chr17": 83257441, "chr19": 58617616, "chrX": 156040895}
CAPTURE_FLANK = 100
# Synthetic per-population frequencies for one variant, to exercise popmax logic (NOT gnomAD data):
# nfe is the highest grpmax population (above 1 %); fin is higher still but, as in gnomAD, excluded.
SYNTHETIC_POPULATION_AF = {
    "PRF1_N252S": {"afr": 0.0021, "amr": 0.0040, "asj": 0.0009, "eas": 0.0001, "fin": 0.0152,
                   "nfe": 0.0121, "sas": 0.0030},
}


def build_windows(models: Dict[str, Transcript], rng: random.Random) -> Dict[str, Window]:
    windows = {}
    for gene in design.GENES:
        model = models[gene]
        start = min(s for s, _ in model.exons) - design.WINDOW_FLANK
        end = max(e for _, e in model.exons) + design.WINDOW_FLANK
        # X genes draw from their own stream, so the autosomal windows stay as they were
        gene_rng = random.Random(f"{design.SEED}:window:{gene}") if gene in design.X_GENES else rng
        window = Window(model.chrom, start, end, gene_rng)
        write_transcript(window, model, [p for p in design.PLANTED if p.gene == gene], gene_rng)
        windows[gene] = window
    return windows


def hgvsc_of(model: Transcript, planted: design.Planted) -> str:
    spec = planted.spec
    if isinstance(spec, design.IntronSpec):
        cpos = last_coding_position_of_exon(model, spec.exon_rank)
        return f"c.{cpos}+{spec.offset}{spec.ref}>{spec.alt}"
    return planted.hgvsc


def check_against_known_table(variants: Dict[str, VcfVariant], known_tsv: Path) -> None:
    """Known planted variants must land exactly on the cited GRCh38 chrom/pos/ref/alt."""
    with open(known_tsv) as handle:
        rows = {(r["gene"], r["hgvs_c"]): r for r in csv.DictReader(handle, delimiter="\t")}
    for planted in design.PLANTED:
        if planted.origin != "known":
            continue
        row = rows[(planted.gene, planted.hgvsc)]
        cited = f"{row['chrom']}:{row['pos_hg38']}:{row['ref']}:{row['alt']}"
        if variants[planted.key].variant_id != cited:
            raise SystemExit(f"{planted.key}: model gives {variants[planted.key].variant_id}, cited {cited}")


def haplotype(window: Window, variants: List[Tuple[VcfVariant, bool]]) -> Tuple[str, List[Tuple[int, int]]]:
    """Apply the variants carried on one haplotype; return its sequence and (ref_pos, shift) steps."""
    seq = window.sequence()
    shifts: List[Tuple[int, int]] = []
    for variant, carried in sorted(variants, key=lambda v: -v[0].pos):
        if not carried:
            continue
        i = variant.pos - window.start
        assert seq[i:i + len(variant.ref)] == variant.ref
        seq = seq[:i] + variant.alt + seq[i + len(variant.ref):]
        if len(variant.ref) != len(variant.alt):
            shifts.append((variant.pos, len(variant.alt) - len(variant.ref)))
    return seq, shifts


def to_haplotype_coordinate(pos0: int, window: Window, shifts: List[Tuple[int, int]]) -> int:
    return pos0 + sum(delta for at, delta in shifts if at - window.start < pos0)


def capture_regions(model: Transcript, window: Window) -> List[Tuple[int, int]]:
    """Exons +/- CAPTURE_FLANK as 0-based half-open window coordinates, merged."""
    regions: List[Tuple[int, int]] = []
    for start, end in sorted(model.exons):
        lo, hi = start - CAPTURE_FLANK - window.start, end + CAPTURE_FLANK - window.start + 1
        if regions and lo <= regions[-1][1]:
            regions[-1] = (regions[-1][0], max(hi, regions[-1][1]))
        else:
            regions.append((lo, hi))
    return regions


def write_fasta(path: Path, records: List[Tuple[str, str]]) -> None:
    with open(path, "w") as handle:
        for name, seq in records:
            handle.write(f">{name}\n")
            for i in range(0, len(seq), 60):
                handle.write(seq[i:i + 60] + "\n")
    subprocess.run(["samtools", "faidx", str(path)], check=True)


def write_fastq(path: Path, pairs: List[ReadPair], mate: int) -> None:
    with open(path, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as gz:
        text = io.TextIOWrapper(gz, encoding="ascii")
        for pair in pairs:
            seq, qual = (pair.seq1, pair.qual1) if mate == 1 else (pair.seq2, pair.qual2)
            text.write(f"@{pair.name} {mate}:N:0:1\n{seq}\n+\n{qual}\n")
        text.flush()


def _gene_pairs(sample: str, gene: str, windows: Dict[str, Window], models: Dict[str, Transcript],
                variants: Dict[str, VcfVariant], rng: random.Random) -> List[Tuple[str, str, str, str]]:
    """Read pairs of one sample over one gene's capture regions: one haplotype per copy (a male has
    one X), each at COVERAGE_PER_HAPLOTYPE; artefact reads replace a share of a region's reads."""
    window, model = windows[gene], models[gene]
    mine = [p for p in design.PLANTED if p.gene == gene]
    low_cov_sites = [variants[p.key].pos - window.start for p in mine if sample in p.low_coverage_samples]
    copies = 1 if gene in design.X_GENES and design.READS_SEX[sample] == "male" else 2
    artefacts = [a for a in design.ARTEFACTS if a.sample == sample and variants[a.key].chrom == window.chrom
                 and any(p.key == a.key for p in mine)]
    pairs: List[Tuple[str, str, str, str]] = []
    for hap_index in range(copies):
        carried = []
        for planted in mine:
            genotype = dict(planted.genotypes).get(sample, "0|0" if copies == 2 else "0")
            carried.append((variants[planted.key], genotype.split("|")[hap_index] == "1"))
        seq, shifts = haplotype(window, carried)
        for lo, hi in capture_regions(model, window):
            low = any(lo <= site < hi for site in low_cov_sites)
            coverage = design.LOW_COVERAGE_PER_HAPLOTYPE if low else design.COVERAGE_PER_HAPLOTYPE
            region = (to_haplotype_coordinate(lo, window, shifts), to_haplotype_coordinate(hi, window, shifts))
            here = [a for a in artefacts if hap_index == 0 and lo <= variants[a.key].pos - window.start < hi]
            share = sum(a.fraction for a in here)
            pairs.extend(simulate_region(seq, region, coverage * (1 - share), rng))
            for artefact in here:
                alt_seq, alt_shifts = haplotype(window, carried + [(variants[artefact.key], True)])
                alt_region = (to_haplotype_coordinate(lo, window, alt_shifts),
                              to_haplotype_coordinate(hi, window, alt_shifts))
                pairs.extend(simulate_region(alt_seq, alt_region, coverage * artefact.fraction, rng))
    return pairs


def simulate_sample(sample: str, windows: Dict[str, Window], models: Dict[str, Transcript],
                    variants: Dict[str, VcfVariant], rng: random.Random) -> List[ReadPair]:
    pairs = []
    for gene in design.GENES:
        if gene not in design.X_GENES:
            pairs.extend(_gene_pairs(sample, gene, windows, models, variants, rng))
    rng.shuffle(pairs)
    # X genes: their own stream, appended, so the autosomal reads stay as they were
    x_rng = random.Random(f"{design.SEED}:reads:{sample}:X")
    x_pairs = []
    for gene in design.X_GENES:
        x_pairs.extend(_gene_pairs(sample, gene, windows, models, variants, x_rng))
    x_rng.shuffle(x_pairs)
    return name_pairs(sample, pairs + x_pairs)


def write_gnomad_vcf(path: Path, variants: Dict[str, VcfVariant], known_tsv: Path) -> None:
    """Sites VCF in gnomAD's INFO style built from the cited AFs (derived, not a gnomAD release)."""
    with open(known_tsv) as handle:
        known = {(r["chrom"], r["pos_hg38"], r["ref"], r["alt"]): r for r in csv.DictReader(handle, delimiter="\t")}
    pops = sorted({pop for afs in SYNTHETIC_POPULATION_AF.values() for pop in afs})
    header = [
        "##fileformat=VCFv4.2",
        "##source=hlhscreen scripts/make_test_cohort.py: DERIVED from assets/test_cohort/source/hlh_known_variants.hg38.tsv (cited gnomAD v4 / EVS frequencies); NOT a gnomAD release file",
        *[f"##contig=<ID={c},length={n},assembly=GRCh38>" for c, n in GRCH38_LENGTHS.items()],
        '##INFO=<ID=AF,Number=A,Type=Float,Description="Alternate allele frequency (cited, see AF_SOURCE)">',
        '##INFO=<ID=AN,Number=1,Type=Integer,Description="Total number of alleles (cited)">',
        '##INFO=<ID=nhomalt,Number=A,Type=Integer,Description="Number of homozygous individuals (cited)">',
        *[f'##INFO=<ID=AF_{p},Number=A,Type=Float,Description="SYNTHETIC {p} allele frequency, invented to test popmax logic">' for p in pops],
        '##INFO=<ID=SYNTHETIC_POPULATION_AF,Number=0,Type=Flag,Description="Per-population AFs of this record are synthetic">',
        '##INFO=<ID=AF_SOURCE,Number=1,Type=String,Description="Where the AF was cited from">',
        "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO",
    ]
    rows = []
    for key, row in known.items():
        if row["pop_af"] in ("", "."):
            continue
        info = [f"AF={row['pop_af']}"]
        if row["pop_an"] not in ("", "."):
            info.append(f"AN={row['pop_an']}")
        if row["pop_nhomalt"] not in ("", "."):
            info.append(f"nhomalt={row['pop_nhomalt']}")
        planted_key = next((k for k, v in variants.items() if (v.chrom, str(v.pos), v.ref, v.alt) == key), None)
        if planted_key in SYNTHETIC_POPULATION_AF:
            info += [f"AF_{p}={af}" for p, af in sorted(SYNTHETIC_POPULATION_AF[planted_key].items())]
            info.append("SYNTHETIC_POPULATION_AF")
        source = "EVS" if row["af_source"].startswith("EVS") else "gnomAD_v4_joint"
        info.append(f"AF_SOURCE={source}")
        rows.append((GRCH38_ORDER.index(key[0]), int(key[1]), "\t".join(
            [key[0], key[1], row["rsid"] if row["rsid"] not in ("", ".") else ".", key[2], key[3], ".", "PASS", ";".join(info)])))
    write_sorted_vcf(path, header, rows)


def write_sorted_vcf(path: Path, header: List[str], records: List[Tuple[int, int, str]]) -> None:
    """Write ``(chromosome rank, position, line)`` records in that order under ``header``, bgzipped
    to ``path`` (a .vcf.gz name) with its tabix index."""
    plain = path.with_suffix("")
    with open(plain, "w") as handle:
        handle.write("\n".join(header) + "\n")
        for _, _, line in sorted(records):
            handle.write(line + "\n")
    subprocess.run(["bgzip", "-f", str(plain)], check=True)
    subprocess.run(["tabix", "-f", "-p", "vcf", str(path)], check=True)


GRCH38_ORDER = ["chr1", "chr6", "chr10", "chr17", "chr19", "chrX"]

# The derived ClinVar file's date: the day the cited facts of the known-variant table were assembled
# (the shared test data). It is NOT a ClinVar release date; the header says so.
DERIVED_CLINVAR_DATE = "2026-12-01"
# ClinVar's review status for a number of stars when the classification is not conflicting
# (ClinVar "Review status": 4 practice guideline, 3 expert panel, 2 multiple submitters no
# conflicts, 1 single submitter, 0 no assertion criteria)
_STATUS_FOR_STARS = {4: "practice_guideline", 3: "reviewed_by_expert_panel",
                     2: "criteria_provided,_multiple_submitters,_no_conflicts",
                     1: "criteria_provided,_single_submitter", 0: "no_assertion_criteria_provided"}
# Variation IDs and condition names quoted by the cited pages (only these; "." elsewhere).
CITED_CLINVAR_EXTRAS = {
    # ClinVar VCV000013709 (NM_001083116.3(PRF1):c.1122G>A (p.Trp374Ter))
    ("chr10", "70598599", "C", "T"): {"id": "13709"},
    # GeneBe page rs138126912, quoting Invitae: "ClinVar contains an entry for this variant (Variation
    # ID: 300327)"; conditions of its submissions: Familial hemophagocytic lymphohistiocytosis 2, not provided
    ("chr10", "70598411", "G", "A"): {"id": "300327",
                                      "CLNDN": "Familial_hemophagocytic_lymphohistiocytosis_2|not_provided"},
    # ClinVar Miner page for NM_001083116.3(PRF1):c.272C>T: submissions' conditions
    ("chr10", "70600631", "G", "A"): {"CLNDN": "Familial_hemophagocytic_lymphohistiocytosis_2|not_provided|not_specified"},
}


def clinvar_fields(significance: str, source: str) -> Optional[Tuple[str, str]]:
    """(CLNSIG, CLNREVSTAT) from the table's clinical_significance text, or None when the cited
    classification is not ClinVar's (phenopacket curation, GET-Evidence, not checked)."""
    if "ClinVar" not in source and "GeneBe" not in source:
        return None
    if not significance or "not ClinVar" in significance or "ClinVar not checked" in significance:
        return None
    if significance.startswith("Conflicting classifications of pathogenicity"):
        extra = "|risk_factor" if "risk factor" in significance else ""
        # ClinVar gives every conflicting aggregate the status "criteria provided, conflicting classifications"
        return "Conflicting_classifications_of_pathogenicity" + extra, "criteria_provided,_conflicting_classifications"
    match = re.match(r"^([A-Za-z ]+?) \((\d) stars?\b", significance)
    if not match:
        raise SystemExit(f"cannot read a ClinVar classification from {significance!r}")
    return match.group(1).replace(" ", "_"), _STATUS_FOR_STARS[int(match.group(2))]


def write_clinvar_vcf(path: Path, known_tsv: Path) -> None:
    """ClinVar-style VCF in NCBI's layout (contigs without chr, ID = variation ID, CLNSIG, CLNREVSTAT,
    CLNDN, ALLELEID) DERIVED from the cited classifications of the known-variant table; not a release."""
    with open(known_tsv) as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    header = [
        "##fileformat=VCFv4.1",
        f"##fileDate={DERIVED_CLINVAR_DATE}",
        "##source=hlhscreen scripts/make_test_cohort.py: DERIVED from the cited classifications of "
        "assets/test_cohort/source/hlh_known_variants.hg38.tsv (GeneBe / ClinVar Miner / ClinVar pages); "
        "NOT a ClinVar release file",
        "##reference=GRCh38",
        '##ID=<Description="ClinVar Variation ID as quoted by a cited page; . where none was quoted">',
        '##INFO=<ID=ALLELEID,Number=1,Type=Integer,Description="the ClinVar Allele ID (none quoted by the cited pages)">',
        '##INFO=<ID=CLNDN,Number=.,Type=String,Description="ClinVar\'s preferred disease name for the concept specified by disease identifiers in CLNDISDB (conditions quoted by the cited pages)">',
        '##INFO=<ID=CLNREVSTAT,Number=.,Type=String,Description="ClinVar review status for the Variation ID (from the cited stars or conflict)">',
        '##INFO=<ID=CLNSIG,Number=.,Type=String,Description="Clinical significance for this single variant; multiple values are separated by a vertical bar">',
        '##INFO=<ID=GENEINFO,Number=1,Type=String,Description="Gene(s) for the variant reported as gene symbol">',
        "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO",
    ]
    records = []
    for row in rows:
        fields = clinvar_fields(row["clinical_significance"], row["significance_source"])
        if fields is None:
            continue
        key = (row["chrom"], row["pos_hg38"], row["ref"], row["alt"])
        extras = CITED_CLINVAR_EXTRAS.get(key, {})
        info = [f"CLNSIG={fields[0]}", f"CLNREVSTAT={fields[1]}", f"GENEINFO={row['gene']}"]
        if "CLNDN" in extras:
            info.insert(0, f"CLNDN={extras['CLNDN']}")
        chrom = row["chrom"][3:]  # NCBI names contigs without "chr"
        records.append((GRCH38_ORDER.index(row["chrom"]), int(row["pos_hg38"]), "\t".join(
            [chrom, row["pos_hg38"], extras.get("id", "."), row["ref"], row["alt"], ".", ".", ";".join(info)])))
    write_sorted_vcf(path, header, records)

README = """# Test cohort: SYNTHETIC sequence and reads

Generated by `scripts/make_test_cohort.py` (seed {seed}); do not edit by hand, regenerate:
`.venv/bin/python scripts/make_test_cohort.py` (byte-identical output; checked by tests/test_test_cohort.py).

- `reference/hlh_windows.synthetic.fa`: SYNTHETIC sequence (random bases from a fixed seed), one
  contig per window at the true GRCh38 coordinates of PRF1, UNC13D, STX11, STXBP2 and SH2D1A (chrX,
  outside the pseudo-autosomal regions) (gene span +/- 1.5 kb). The MANE Select models of
  `panels/hlh/gene_models.gtf.gz` are honoured: ATG start, stop codon, no premature in-frame stop,
  GT..AG introns, and the real reference codon at every planted site, so annotation gives the true
  protein change (PRF1 c.272C>T p.Ala91Val, ...). It is NOT the human reference sequence.
- `reference/windows.tsv`: where each window contig sits on GRCh38 (`--reference_windows`); the
  pipeline aligns and calls on the windows and moves the calls back to GRCh38 (docs/design.md).
- `reads/`: simulated 2x150 bp reads (NovaSeq-like binned qualities, ~40x over the exons), from
  per-sample haplotypes carrying the planted genotypes. case_01 is split over two lanes. Males
  (`truth_samples.tsv`) have one X: ~20x over SH2D1A, half their autosomal depth.
- `samplesheet.csv`: 4 cases, 4 controls, with the optional `sex` column: case_03 is left blank
  (the run infers male), ctrl_03 is written `female` although its reads are male (the run flags
  the mismatch and uses `unknown`); paths relative to this folder.
- `truth.tsv`: every planted genotype (sample, variant, HGVS, expected consequence, phase,
  origin `known` = cited in `source/hlh_known_variants.hg38.tsv`, or `synthetic` = invented for
  the test; coverage `low` marks the one site simulated at ~2x: ctrl_04 at PRF1 A91V). A hemizygous
  male carrier has genotype `1` (case_01, SH2D1A p.Arg55Ter, synthetic).
- `truth_samples.tsv`: each sample's sex as written in the samplesheet, of its reads, and the sex
  the run must use.
- `truth_artefacts.tsv`: reads that carry an ALT in a sample that does not carry it: ctrl_02 (male)
  has 40 % SH2D1A c.190G>A reads, which a diploid caller calls `0/1`; called haploid, it is `0`.
- `gnomad/gnomad_sites.derived.vcf.gz`: DERIVED sites VCF in gnomAD's INFO style built from the
  cited frequencies of `source/hlh_known_variants.hg38.tsv` (gnomAD v4 joint; UNC13D A59T from
  EVS). NOT a gnomAD release. The per-population AFs of PRF1 N252S are SYNTHETIC (flag
  SYNTHETIC_POPULATION_AF), invented to exercise popmax logic.
- `clinvar/clinvar.derived.vcf.gz`: DERIVED ClinVar-style VCF in NCBI's layout (contigs without
  `chr`, ID = variation ID, INFO CLNSIG/CLNREVSTAT/CLNDN) built from the cited ClinVar
  classifications of `source/hlh_known_variants.hg38.tsv` (PRF1 A91V, W374X, N252S, A437V, Y438C;
  the phenopacket and GET-Evidence classifications are not ClinVar's and are left out). Variation
  IDs and condition names only where a cited page quoted them (`.` otherwise). `##fileDate` is the
  day the facts were assembled. NOT a ClinVar release. Its records are all on chr10 (PRF1), so a run
  warns at start and marks the variants of the other chromosomes `not_looked_up`, not `not_in_clinvar`.
- `source/hlh_known_variants.hg38.tsv`: copy of the shared, cited known-variant table (its
  provenance: the project's shared test data SOURCES.md; phenopacket-store, GeneBe, GET-Evidence).
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gtf", type=Path, default=REPO / "panels/hlh/gene_models.gtf.gz")
    parser.add_argument("--known", type=Path, default=REPO / "assets/test_cohort/source/hlh_known_variants.hg38.tsv")
    parser.add_argument("--out", type=Path, default=REPO / "assets/test_cohort")
    args = parser.parse_args()

    models = read_transcripts(args.gtf)
    rng = random.Random(design.SEED)
    windows = build_windows(models, rng)
    variants: Dict[str, VcfVariant] = {}
    for planted in design.PLANTED:
        window, model = windows[planted.gene], models[planted.gene]
        verify_protein_change(window, model, planted)
        variants[planted.key] = to_vcf(window, model, planted)
    check_against_known_table(variants, args.known)

    ref_dir, reads_dir = args.out / "reference", args.out / "reads"
    ref_dir.mkdir(parents=True, exist_ok=True)
    reads_dir.mkdir(parents=True, exist_ok=True)
    ordered = [windows[g] for g in design.GENES]
    write_fasta(ref_dir / "hlh_windows.synthetic.fa", [(w.contig, w.sequence()) for w in ordered])
    with open(ref_dir / "windows.tsv", "w") as handle:
        handle.write("contig\tchrom\tstart\tend\tchrom_length\n")
        for w in ordered:
            handle.write(f"{w.contig}\t{w.chrom}\t{w.start}\t{w.end}\t{GRCH38_LENGTHS[w.chrom]}\n")

    sheet_rows = []
    for sample, group in design.SAMPLES.items():
        pairs = simulate_sample(sample, windows, models, variants, rng)
        lanes = 2 if sample in design.TWO_LANE_SAMPLES else 1
        for lane in range(1, lanes + 1):
            lane_pairs = pairs[lane - 1::lanes]
            stem = f"{sample}_L00{lane}"
            for mate in (1, 2):
                write_fastq(reads_dir / f"{stem}_R{mate}.fastq.gz", lane_pairs, mate)
            sheet_rows.append([sample, group, design.GIVEN_SEX[sample], f"reads/{stem}_R1.fastq.gz",
                               f"reads/{stem}_R2.fastq.gz"])
    with open(args.out / "samplesheet.csv", "w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["sample", "group", "sex", "fastq_1", "fastq_2"])
        writer.writerows(sheet_rows)

    with open(args.out / "truth.tsv", "w") as handle:
        handle.write("sample\tgroup\tvariant_id\tkey\tgene\thgvsc\thgvsp\tconsequence\tgenotype\tphased_genotype\torigin\tcoverage\n")
        for planted in design.PLANTED:
            for sample, phased in planted.genotypes:
                coverage = "low" if sample in planted.low_coverage_samples else "normal"
                unphased = {"1|1": "1/1", "1": "1"}.get(phased, "0/1")
                handle.write("\t".join([
                    sample, design.SAMPLES[sample], variants[planted.key].variant_id, planted.key, planted.gene,
                    hgvsc_of(models[planted.gene], planted), planted.hgvsp or "NA", planted.consequence,
                    unphased, phased, planted.origin, coverage]) + "\n")
    with open(args.out / "truth_samples.tsv", "w") as handle:
        handle.write("sample\tgroup\tsex_given\tsex_of_reads\tsex_expected\n")
        for sample, group in design.SAMPLES.items():
            handle.write("\t".join([sample, group, design.GIVEN_SEX[sample] or "NA", design.READS_SEX[sample],
                                     design.EXPECTED_SEX[sample]]) + "\n")
    with open(args.out / "truth_artefacts.tsv", "w") as handle:
        handle.write("sample\tgroup\tvariant_id\tkey\tgene\thgvsc\thgvsp\talt_read_fraction\tdiploid_call\t"
                     "expected_call\n")
        for artefact in design.ARTEFACTS:
            planted = next(p for p in design.PLANTED if p.key == artefact.key)
            # one X in a male: the reads are a mixture, but the only genotypes are 0 and 1
            expected = "0" if design.READS_SEX[artefact.sample] == "male" else "0/1"
            handle.write("\t".join([artefact.sample, design.SAMPLES[artefact.sample],
                                     variants[artefact.key].variant_id, artefact.key, planted.gene,
                                     hgvsc_of(models[planted.gene], planted), planted.hgvsp, f"{artefact.fraction:g}",
                                     "0/1", expected]) + "\n")
    (args.out / "clinvar").mkdir(exist_ok=True)
    write_clinvar_vcf(args.out / "clinvar" / "clinvar.derived.vcf.gz", args.known)
    (args.out / "gnomad").mkdir(exist_ok=True)
    write_gnomad_vcf(args.out / "gnomad" / "gnomad_sites.derived.vcf.gz", variants, args.known)
    (args.out / "README.md").write_text(README.format(seed=design.SEED))
    print(f"test cohort written to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
