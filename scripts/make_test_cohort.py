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
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Tuple

sys.path.insert(0, str(Path(__file__).resolve().parent))

from testcohort import design  # noqa: E402
from testcohort.gene_models import Transcript, read_transcripts  # noqa: E402
from testcohort.genome import (  # noqa: E402
    VcfVariant, Window, last_coding_position_of_exon, to_vcf, verify_protein_change, write_transcript,
)
from testcohort.reads import ReadPair, name_pairs, simulate_region  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
GRCH38_LENGTHS = {"chr6": 170805979, "chr10": 133797422, "chr17": 83257441, "chr19": 58617616}
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
        window = Window(model.chrom, start, end, rng)
        write_transcript(window, model, [p for p in design.PLANTED if p.gene == gene], rng)
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


def simulate_sample(sample: str, windows: Dict[str, Window], models: Dict[str, Transcript],
                    variants: Dict[str, VcfVariant], rng: random.Random) -> List[ReadPair]:
    pairs = []
    for gene in design.GENES:
        window, model = windows[gene], models[gene]
        mine = [p for p in design.PLANTED if p.gene == gene]
        low_cov_sites = [variants[p.key].pos - window.start for p in mine if sample in p.low_coverage_samples]
        for hap_index in (0, 1):
            carried = []
            for planted in mine:
                genotype = dict(planted.genotypes).get(sample, "0|0")
                carried.append((variants[planted.key], genotype.split("|")[hap_index] == "1"))
            seq, shifts = haplotype(window, carried)
            for lo, hi in capture_regions(model, window):
                low = any(lo <= site < hi for site in low_cov_sites)
                coverage = design.LOW_COVERAGE_PER_HAPLOTYPE if low else design.COVERAGE_PER_HAPLOTYPE
                region = (to_haplotype_coordinate(lo, window, shifts), to_haplotype_coordinate(hi, window, shifts))
                pairs.extend(simulate_region(seq, region, coverage, rng))
    rng.shuffle(pairs)
    return name_pairs(sample, pairs)


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
    plain = path.with_suffix("")
    with open(plain, "w") as handle:
        handle.write("\n".join(header) + "\n")
        for _, _, line in sorted(rows):
            handle.write(line + "\n")
    subprocess.run(["bgzip", "-f", str(plain)], check=True)
    subprocess.run(["tabix", "-f", "-p", "vcf", str(path)], check=True)


GRCH38_ORDER = ["chr1", "chr6", "chr10", "chr17", "chr19"]

README = """# Test cohort: SYNTHETIC sequence and reads

Generated by `scripts/make_test_cohort.py` (seed {seed}); do not edit by hand, regenerate:
`.venv/bin/python scripts/make_test_cohort.py` (byte-identical output; checked by tests/test_test_cohort.py).

- `reference/hlh_windows.synthetic.fa`: SYNTHETIC sequence (random bases from a fixed seed), one
  contig per window at the true GRCh38 coordinates of PRF1, UNC13D, STX11 and STXBP2 (gene span
  +/- 1.5 kb). The MANE Select models of `panels/hlh/gene_models.gtf.gz` are honoured: ATG start,
  stop codon, no premature in-frame stop, GT..AG introns, and the real reference codon at every
  planted site, so annotation gives the true protein change (PRF1 c.272C>T p.Ala91Val, ...).
  It is NOT the human reference sequence.
- `reference/windows.tsv`: where each window contig sits on GRCh38 (`--reference_windows`); the
  pipeline aligns and calls on the windows and moves the calls back to GRCh38 (docs/design.md).
- `reads/`: simulated 2x150 bp reads (NovaSeq-like binned qualities, ~40x over the exons), from
  per-sample haplotypes carrying the planted genotypes. case_01 is split over two lanes.
- `samplesheet.csv`: 4 cases, 4 controls; paths relative to this folder.
- `truth.tsv`: every planted genotype (sample, variant, HGVS, expected consequence, phase,
  origin `known` = cited in `source/hlh_known_variants.hg38.tsv`, or `synthetic` = invented for
  the test; coverage `low` marks the one site simulated at ~2x: ctrl_04 at PRF1 A91V).
- `gnomad/gnomad_sites.derived.vcf.gz`: DERIVED sites VCF in gnomAD's INFO style built from the
  cited frequencies of `source/hlh_known_variants.hg38.tsv` (gnomAD v4 joint; UNC13D A59T from
  EVS). NOT a gnomAD release. The per-population AFs of PRF1 N252S are SYNTHETIC (flag
  SYNTHETIC_POPULATION_AF), invented to exercise popmax logic.
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
            sheet_rows.append([sample, group, f"reads/{stem}_R1.fastq.gz", f"reads/{stem}_R2.fastq.gz"])
    with open(args.out / "samplesheet.csv", "w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["sample", "group", "fastq_1", "fastq_2"])
        writer.writerows(sheet_rows)

    with open(args.out / "truth.tsv", "w") as handle:
        handle.write("sample\tgroup\tvariant_id\tkey\tgene\thgvsc\thgvsp\tconsequence\tgenotype\tphased_genotype\torigin\tcoverage\n")
        for planted in design.PLANTED:
            for sample, phased in planted.genotypes:
                coverage = "low" if sample in planted.low_coverage_samples else "normal"
                unphased = "1/1" if phased == "1|1" else "0/1"
                handle.write("\t".join([
                    sample, design.SAMPLES[sample], variants[planted.key].variant_id, planted.key, planted.gene,
                    hgvsc_of(models[planted.gene], planted), planted.hgvsp or "NA", planted.consequence,
                    unphased, phased, planted.origin, coverage]) + "\n")
    (args.out / "gnomad").mkdir(exist_ok=True)
    write_gnomad_vcf(args.out / "gnomad" / "gnomad_sites.derived.vcf.gz", variants, args.known)
    (args.out / "README.md").write_text(README.format(seed=design.SEED))
    print(f"test cohort written to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
