"""Synthetic window sequence that honours MANE gene models and the real reference codons.

Random bases from a fixed seed everywhere, then for each transcript: a coding sequence of ATG,
random sense codons (never a premature stop) and a stop codon written onto the CDS positions,
GT..AG at every intron, and at each planted site a reference codon that carries the real reference
base and encodes the real reference amino acid, so annotating the alt gives the true protein change.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from typing import Dict, List, Tuple

from .design import CodingSpec, IntronSpec, Planted
from .gene_models import Transcript

BASES = "ACGT"
COMPLEMENT = str.maketrans("ACGTN", "TGCAN")
_CODE = {
    "Phe": "TTT TTC", "Leu": "TTA TTG CTT CTC CTA CTG", "Ile": "ATT ATC ATA", "Met": "ATG",
    "Val": "GTT GTC GTA GTG", "Ser": "TCT TCC TCA TCG AGT AGC", "Pro": "CCT CCC CCA CCG",
    "Thr": "ACT ACC ACA ACG", "Ala": "GCT GCC GCA GCG", "Tyr": "TAT TAC", "Ter": "TAA TAG TGA",
    "His": "CAT CAC", "Gln": "CAA CAG", "Asn": "AAT AAC", "Lys": "AAA AAG", "Asp": "GAT GAC",
    "Glu": "GAA GAG", "Cys": "TGT TGC", "Trp": "TGG", "Arg": "CGT CGC CGA CGG AGA AGG",
    "Gly": "GGT GGC GGA GGG",
}
CODON_TO_AA = {codon: aa for aa, codons in _CODE.items() for codon in codons.split()}
SENSE_CODONS = sorted(c for c, aa in CODON_TO_AA.items() if aa != "Ter")
_HGVSP = re.compile(r"p\.([A-Z][a-z]{2})(\d+)([A-Z][a-z]{2}|=|fs)")


def revcomp(seq: str) -> str:
    return seq.translate(COMPLEMENT)[::-1]


@dataclass(frozen=True)
class VcfVariant:
    chrom: str
    pos: int
    ref: str
    alt: str

    @property
    def variant_id(self) -> str:
        return f"{self.chrom}:{self.pos}:{self.ref}:{self.alt}"


class Window:
    """A mutable window of synthetic sequence at real GRCh38 coordinates [start, end]."""

    def __init__(self, chrom: str, start: int, end: int, rng: random.Random) -> None:
        self.chrom, self.start, self.end = chrom, start, end
        self.bases = [rng.choice(BASES) for _ in range(end - start + 1)]

    @property
    def contig(self) -> str:
        return f"{self.chrom}_{self.start}_{self.end}"

    def get(self, pos: int) -> str:
        return self.bases[pos - self.start]

    def set(self, pos: int, base: str) -> None:
        self.bases[pos - self.start] = base

    def sequence(self) -> str:
        return "".join(self.bases)


def _codon_constraints(planted: List[Planted]) -> Dict[int, Tuple[List[Tuple[int, str]], str, str]]:
    """codon index (0-based) -> (required (offset, base) pairs, reference amino acid, forced codon)."""
    constraints: Dict[int, Tuple[List[Tuple[int, str]], str, str]] = {}
    for variant in planted:
        spec = variant.spec
        if not isinstance(spec, CodingSpec):
            continue
        match = _HGVSP.match(variant.hgvsp)
        if not match:
            raise ValueError(f"{variant.key}: cannot read the reference amino acid of {variant.hgvsp}")
        index, offset = divmod(spec.cpos - 1, 3)
        if int(match.group(2)) != index + 1:
            raise ValueError(f"{variant.key}: {variant.hgvsc} is not in codon {match.group(2)}")
        required, aa, forced = constraints.get(index, ([], match.group(1), ""))
        required.append((offset, spec.ref))
        constraints[index] = (required, aa, spec.ref_codon or forced)
    return constraints


def _choose_codon(rng: random.Random, required: List[Tuple[int, str]], aa: str, forced: str) -> str:
    options = [forced] if forced else _CODE[aa].split()
    options = [c for c in options if all(c[o] == b for o, b in required)]
    if not options or CODON_TO_AA[options[0]] != aa:
        raise ValueError(f"no {aa} codon carries {required}")
    return rng.choice(options)


def write_transcript(window: Window, model: Transcript, planted: List[Planted], rng: random.Random) -> None:
    """Write a coding sequence, splice sites and the planted reference bases for one transcript."""
    positions = model.coding_positions()
    if len(positions) % 3:
        raise ValueError(f"{model.gene}: CDS length {len(positions)} is not a multiple of 3")
    n_codons = len(positions) // 3
    constraints = _codon_constraints(planted)
    codons = ["ATG"] + [rng.choice(SENSE_CODONS) for _ in range(n_codons - 2)] + ["TGA"]
    for index, (required, aa, forced) in constraints.items():
        codons[index] = _choose_codon(rng, required, aa, forced)
    # a 1-base deletion must not sit in a run of the same base (its position would be ambiguous)
    for variant in planted:
        spec = variant.spec
        if isinstance(spec, CodingSpec) and not spec.alt:
            index, offset = divmod(spec.cpos - 1, 3)
            while "".join(codons)[spec.cpos - 2] == spec.ref:
                codons[index - 1 if offset == 0 else index] = rng.choice(SENSE_CODONS)
                codons[index] = _choose_codon(rng, *constraints[index])
    cds = "".join(codons)
    _check_open_reading_frame(model.gene, cds)
    for base, pos in zip(cds, positions):
        window.set(pos, base if model.strand == "+" else base.translate(COMPLEMENT))
    for intron_start, intron_end in model.introns():
        donor, acceptor = ("GT", "AG")
        if model.strand == "+":
            for offset, base in enumerate(donor + acceptor):
                window.set((intron_start, intron_start + 1, intron_end - 1, intron_end)[offset], base)
        else:
            for offset, base in enumerate(donor + acceptor):
                pos = (intron_end, intron_end - 1, intron_start + 1, intron_start)[offset]
                window.set(pos, base.translate(COMPLEMENT))
    for variant in planted:
        if isinstance(variant.spec, IntronSpec):
            pos = intron_position(model, variant.spec)
            base = variant.spec.ref
            window.set(pos, base if model.strand == "+" else base.translate(COMPLEMENT))


def _check_open_reading_frame(gene: str, cds: str) -> None:
    aas = [CODON_TO_AA[cds[i:i + 3]] for i in range(0, len(cds), 3)]
    if aas[0] != "Met" or aas[-1] != "Ter" or "Ter" in aas[:-1]:
        raise ValueError(f"{gene}: synthetic CDS is not an open reading frame")


def intron_position(model: Transcript, spec: IntronSpec) -> int:
    start, end = model.intron_after_exon(spec.exon_rank)
    return start + spec.offset - 1 if model.strand == "+" else end - spec.offset + 1


def last_coding_position_of_exon(model: Transcript, exon_rank: int) -> int:
    """c. number of the last coding base in exon ``exon_rank`` (transcript order)."""
    exon = model.exons_in_transcript_order()[exon_rank - 1]
    coding = [i + 1 for i, pos in enumerate(model.coding_positions()) if exon[0] <= pos <= exon[1]]
    if not coding:
        raise ValueError(f"{model.gene}: exon {exon_rank} has no coding base")
    return max(coding)


def to_vcf(window: Window, model: Transcript, variant: Planted) -> VcfVariant:
    """The planted variant as a left-normalised VCF record on the window's reference."""
    spec = variant.spec
    if isinstance(spec, IntronSpec):
        pos = intron_position(model, spec)
        alt = spec.alt if model.strand == "+" else spec.alt.translate(COMPLEMENT)
        return VcfVariant(window.chrom, pos, window.get(pos), alt)
    pos = model.coding_positions()[spec.cpos - 1]
    if spec.alt:
        alt = spec.alt if model.strand == "+" else spec.alt.translate(COMPLEMENT)
        return VcfVariant(window.chrom, pos, window.get(pos), alt)
    anchor = pos - 1
    if window.get(anchor) == window.get(pos):
        raise ValueError(f"{variant.key}: deletion is not left-normalised")
    return VcfVariant(window.chrom, anchor, window.get(anchor) + window.get(pos), window.get(anchor))


def verify_protein_change(window: Window, model: Transcript, variant: Planted) -> None:
    """Translate the reference and alt codons and check them against the expected HGVSp."""
    spec = variant.spec
    if not isinstance(spec, CodingSpec) or not spec.alt:
        return
    positions = model.coding_positions()
    index, offset = divmod(spec.cpos - 1, 3)
    codon_pos = positions[index * 3:index * 3 + 3]
    codon = "".join(window.get(p) for p in codon_pos)
    if model.strand == "-":
        codon = codon.translate(COMPLEMENT)
    if codon[offset] != spec.ref:
        raise ValueError(f"{variant.key}: reference base is {codon[offset]}, expected {spec.ref}")
    alt_codon = codon[:offset] + spec.alt + codon[offset + 1:]
    ref_aa, alt_aa = CODON_TO_AA[codon], CODON_TO_AA[alt_codon]
    expected = f"p.{ref_aa}{index + 1}{'=' if ref_aa == alt_aa else alt_aa}"
    if expected != variant.hgvsp:
        raise ValueError(f"{variant.key}: the synthetic codon gives {expected}, expected {variant.hgvsp}")
