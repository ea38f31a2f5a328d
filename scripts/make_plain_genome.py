#!/usr/bin/env python3
"""Write a SYNTHETIC plain mini-genome with its own gene models and a small cohort (deterministic).

Used by the pipeline tests of the plain-reference path (no --reference_windows): a custom panel is
built from the genes and GTF written here (--genes/--gtf), reads are aligned to the plain FASTA
(indexed by the pipeline), annotation runs offline against the synthetic gnomAD-style VCF.

EVERYTHING HERE IS INVENTED: two short contigs named chr21 and chr22 (the panel builder screens
primary chromosomes only; lengths, sequence and genes are not GRCh38's), two genes SYNA1 (+ strand)
and SYNB1 (- strand) with a MANE-tagged GENCODE-style GTF, three planted SNVs (a novel missense, a
novel stop-gain, a common missense) in 2 cases and 2 controls, and a sites VCF giving the common one
AF 0.25. Sequence honours the models (ATG, stop, GT..AG) via the test-cohort generator's code.

Usage: scripts/make_plain_genome.py --out DIR
"""

from __future__ import annotations

import argparse
import csv
import random
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Tuple

sys.path.insert(0, str(Path(__file__).resolve().parent))

from make_test_cohort import haplotype, write_fasta, write_fastq  # noqa: E402
from testcohort.gene_models import Transcript  # noqa: E402
from testcohort.genome import CODON_TO_AA, COMPLEMENT, VcfVariant, Window, write_transcript  # noqa: E402
from testcohort.reads import name_pairs, simulate_region  # noqa: E402

SEED = 20261201
CONTIGS = {"chr21": 9000, "chr22": 8000}
FLANK = 100  # simulated reads cover each exon +/- this
COVERAGE_PER_HAPLOTYPE = 20
SAMPLES = {"case_1": "case", "case_2": "case", "ctrl_1": "control", "ctrl_2": "control"}


@dataclass(frozen=True)
class Gene:
    name: str
    gene_id: str
    transcript_id: str
    chrom: str
    strand: str
    exons: Tuple[Tuple[int, int], ...]   # genomic order, 1-based inclusive
    coding: Tuple[Tuple[int, int], ...]  # CDS + stop codon, genomic order


GENES = (
    Gene("SYNA1", "ENSG90000000001.1", "ENST90000000001.1", "chr21", "+",
         ((1001, 1200), (3001, 3150), (5001, 5300)), ((1101, 1200), (3001, 3150), (5001, 5149))),
    Gene("SYNB1", "ENSG90000000002.1", "ENST90000000002.1", "chr22", "-",
         ((1001, 1300), (3001, 3200), (5001, 5200)), ((1150, 1300), (3001, 3200), (5001, 5150))),
)


@dataclass(frozen=True)
class Planted:
    key: str
    gene: str
    codon: int          # 1-based codon number to change
    kind: str           # "missense" or "stop_gained"
    genotypes: Dict[str, str]
    gnomad_af: float = -1.0  # < 0: not in the sites VCF (novel)


PLANTED = (
    Planted("SYNA1_missense_novel", "SYNA1", 40, "missense", {"case_1": "0|1", "case_2": "1|0"}),
    Planted("SYNB1_stop_novel", "SYNB1", 60, "stop_gained", {"case_2": "0|1"}),
    Planted("SYNA1_missense_common", "SYNA1", 90, "missense", {"case_1": "1|0", "ctrl_1": "1|1"}, gnomad_af=0.25),
)


def transcript(gene: Gene) -> Transcript:
    return Transcript(gene.name, gene.transcript_id, gene.chrom, gene.strand, list(gene.exons), list(gene.coding))


def codon_change(codon: str, kind: str) -> Tuple[int, str]:
    """First (offset, alt base) in a fixed order that turns ``codon`` into the wanted change."""
    ref_aa = CODON_TO_AA[codon]
    for offset in (1, 0, 2):
        for base in "ACGT":
            if base == codon[offset]:
                continue
            alt_aa = CODON_TO_AA[codon[:offset] + base + codon[offset + 1:]]
            if kind == "stop_gained" and alt_aa == "Ter":
                return offset, base
            if kind == "missense" and alt_aa not in ("Ter", ref_aa):
                return offset, base
    raise ValueError(f"codon {codon} allows no {kind}")


def plant(window: Window, model: Transcript, planted: Planted) -> Tuple[VcfVariant, str, str]:
    """Choose the base to change in the wanted codon (searching on for a stop-gain); return the VCF
    record, HGVSc and HGVSp on the transcript."""
    positions = model.coding_positions()
    codon_number = planted.codon
    while True:
        codon_pos = positions[(codon_number - 1) * 3:codon_number * 3]
        codon = "".join(window.get(p) for p in codon_pos)
        if model.strand == "-":
            codon = codon.translate(COMPLEMENT)
        try:
            offset, alt = codon_change(codon, planted.kind)
            break
        except ValueError:
            codon_number += 1  # no single-base stop from this codon: try the next one
    pos = codon_pos[offset]
    genomic_alt = alt if model.strand == "+" else alt.translate(COMPLEMENT)
    ref_aa = CODON_TO_AA[codon]
    alt_aa = CODON_TO_AA[codon[:offset] + alt + codon[offset + 1:]]
    cpos = (codon_number - 1) * 3 + offset + 1
    return (VcfVariant(model.chrom, pos, window.get(pos), genomic_alt),
            f"c.{cpos}{codon[offset]}>{alt}", f"p.{ref_aa}{codon_number}{alt_aa}")


def gtf_lines(gene: Gene) -> List[str]:
    """GENCODE-style lines: gene, transcript (MANE_Select), exons, CDS with frames, start/stop codons."""
    common = (f'gene_id "{gene.gene_id}"; transcript_id "{gene.transcript_id}"; gene_type "protein_coding"; '
              f'gene_name "{gene.name}"; transcript_type "protein_coding"; transcript_name "{gene.name}-201";')
    tags = ' tag "MANE_Select"; tag "Ensembl_canonical";'
    in_order = list(gene.exons) if gene.strand == "+" else list(reversed(gene.exons))
    coding_in_order = list(gene.coding) if gene.strand == "+" else list(reversed(gene.coding))
    start, end = gene.exons[0][0], gene.exons[-1][1]

    def line(feature: str, lo: int, hi: int, frame: str, attrs: str) -> str:
        return "\t".join([gene.chrom, "SYNTHETIC", feature, str(lo), str(hi), ".", gene.strand, frame, attrs])

    out = [line("gene", start, end, ".", f'gene_id "{gene.gene_id}"; gene_type "protein_coding"; gene_name "{gene.name}";'),
           line("transcript", start, end, ".", common + tags)]
    for number, (lo, hi) in enumerate(in_order, start=1):
        out.append(line("exon", lo, hi, ".", f'{common} exon_number {number};{tags}'))
    # CDS excludes the stop codon (GENCODE); frame = bases to skip to the next codon start
    positions = transcript(gene).coding_positions()
    stop = set(positions[-3:])
    done = 0
    for number, (lo, hi) in enumerate(coding_in_order, start=1):
        cds = [p for p in range(lo, hi + 1) if p not in stop]
        if cds:
            out.append(line("CDS", min(cds), max(cds), str((3 - done % 3) % 3), f'{common} exon_number {number};{tags}'))
            done += len(cds)
    first3, last3 = positions[:3], positions[-3:]
    out.append(line("start_codon", min(first3), max(first3), "0", common + tags))
    out.append(line("stop_codon", min(last3), max(last3), "0", common + tags))
    return out


def simulate(sample: str, windows: Dict[str, Window], variants: Dict[str, VcfVariant],
             rng: random.Random) -> list:
    pairs = []
    for gene in GENES:
        window = windows[gene.chrom]
        mine = [p for p in PLANTED if p.gene == gene.name]
        for hap in (0, 1):
            carried = [(variants[p.key], p.genotypes.get(sample, "0|0").split("|")[hap] == "1") for p in mine]
            seq, shifts = haplotype(window, carried)
            assert not shifts  # SNVs only: haplotype coordinates equal reference coordinates
            for lo, hi in gene.exons:
                region = (max(0, lo - 1 - FLANK), min(len(seq), hi + FLANK))
                pairs.extend(simulate_region(seq, region, COVERAGE_PER_HAPLOTYPE, rng))
    rng.shuffle(pairs)
    return name_pairs(sample, pairs)


def write_sites_vcf(path: Path, variants: Dict[str, VcfVariant]) -> None:
    plain = path.with_suffix("")
    with open(plain, "w") as handle:
        handle.write("##fileformat=VCFv4.2\n"
                     "##source=hlhscreen scripts/make_plain_genome.py: SYNTHETIC sites, not a gnomAD release\n")
        for contig, length in CONTIGS.items():
            handle.write(f"##contig=<ID={contig},length={length}>\n")
        handle.write('##INFO=<ID=AF,Number=A,Type=Float,Description="SYNTHETIC allele frequency">\n'
                     "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n")
        rows = sorted((list(CONTIGS).index(v.chrom), v.pos, p) for p in PLANTED if p.gnomad_af >= 0
                      for v in [variants[p.key]])
        for _, _, planted in rows:
            v = variants[planted.key]
            handle.write(f"{v.chrom}\t{v.pos}\trs_syn_{planted.key}\t{v.ref}\t{v.alt}\t.\tPASS\tAF={planted.gnomad_af}\n")
    subprocess.run(["bgzip", "-f", str(plain)], check=True)
    subprocess.run(["tabix", "-f", "-p", "vcf", str(path)], check=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    out: Path = args.out
    (out / "reads").mkdir(parents=True, exist_ok=True)
    rng = random.Random(SEED)

    windows = {contig: Window(contig, 1, length, rng) for contig, length in CONTIGS.items()}
    for gene in GENES:
        write_transcript(windows[gene.chrom], transcript(gene), [], rng)
    variants: Dict[str, VcfVariant] = {}
    truth = []
    for planted in PLANTED:
        gene = next(g for g in GENES if g.name == planted.gene)
        variant, hgvsc, hgvsp = plant(windows[gene.chrom], transcript(gene), planted)
        variants[planted.key] = variant
        truth.append((planted, variant, hgvsc, hgvsp))

    write_fasta(out / "mini_genome.synthetic.fa", [(c, windows[c].sequence()) for c in CONTIGS])
    with open(out / "gene_models.synthetic.gtf", "w") as handle:
        handle.write("##description: SYNTHETIC gene models for scripts/make_plain_genome.py (not GENCODE)\n")
        for gene in GENES:
            handle.write("\n".join(gtf_lines(gene)) + "\n")
    (out / "genes.txt").write_text("".join(f"{g.name}\n" for g in GENES))
    write_sites_vcf(out / "sites.synthetic.vcf.gz", variants)

    with open(out / "samplesheet.csv", "w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["sample", "group", "fastq_1", "fastq_2"])
        for sample, group in SAMPLES.items():
            pairs = simulate(sample, windows, variants, rng)
            for mate in (1, 2):
                write_fastq(out / "reads" / f"{sample}_R{mate}.fastq.gz", pairs, mate)
            writer.writerow([sample, group, f"reads/{sample}_R1.fastq.gz", f"reads/{sample}_R2.fastq.gz"])
    with open(out / "truth.tsv", "w") as handle:
        handle.write("key\tvariant_id\tgene\thgvsc\thgvsp\tkind\tgnomad_af\tsample\tgenotype\n")
        for planted, variant, hgvsc, hgvsp in truth:
            af = "NA" if planted.gnomad_af < 0 else str(planted.gnomad_af)
            for sample in SAMPLES:
                phased = planted.genotypes.get(sample, "0|0")
                genotype = {"0|0": "0/0", "1|1": "1/1"}.get(phased, "0/1")
                handle.write("\t".join([planted.key, variant.variant_id, planted.gene, hgvsc, hgvsp, planted.kind,
                                        af, sample, genotype]) + "\n")
    print(f"synthetic mini-genome written to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
