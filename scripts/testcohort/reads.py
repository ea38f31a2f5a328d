"""A small paired-end read simulator with NovaSeq-like binned qualities.

The study sequenced on a NovaSeq X, whose quality scores are binned (here Q37/Q23/Q12 with 'N' at
Q2). Fragments are drawn around capture regions so coverage tapers at the edges as in a hybrid
capture panel; substitution errors follow each base's quality. Deterministic for a given seed.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Iterator, List, Tuple

from .genome import revcomp

READ_LENGTH = 150
FRAGMENT_MEAN, FRAGMENT_SD, FRAGMENT_MIN, FRAGMENT_MAX = 320, 40, 180, 600
# (phred, character, probability at the read start, probability at the read end)
_QUALITY_BINS = ((37, "F", 0.95, 0.80), (23, "8", 0.04, 0.13), (12, "-", 0.009, 0.06), (2, "#", 0.001, 0.01))


@dataclass(frozen=True)
class ReadPair:
    name: str
    seq1: str
    qual1: str
    seq2: str
    qual2: str


def _qualities(rng: random.Random) -> str:
    out = []
    for i in range(READ_LENGTH):
        t = i / (READ_LENGTH - 1)
        weights = [start + (end - start) * t for _, _, start, end in _QUALITY_BINS]
        out.append(rng.choices(_QUALITY_BINS, weights)[0][1])
    return "".join(out)


def _sequence_errors(seq: str, qual: str, rng: random.Random) -> str:
    bases = list(seq)
    for i, q in enumerate(qual):
        if q == "#":
            bases[i] = "N"
            continue
        phred = {"F": 37, "8": 23, "-": 12}[q]
        if rng.random() < 10 ** (-phred / 10):
            bases[i] = rng.choice([b for b in "ACGT" if b != bases[i]])
    return "".join(bases)


def simulate_region(
    haplotype: str, region: Tuple[int, int], coverage: float, rng: random.Random
) -> Iterator[Tuple[str, str, str, str]]:
    """Pairs (seq1, qual1, seq2, qual2) from fragments overlapping ``region`` (0-based, half-open)."""
    start, end = region
    n_fragments = round(coverage * (end - start + 200) / (2 * READ_LENGTH))
    for _ in range(n_fragments):
        length = int(min(FRAGMENT_MAX, max(FRAGMENT_MIN, rng.gauss(FRAGMENT_MEAN, FRAGMENT_SD))))
        lo = max(0, start - length + 60)
        hi = min(len(haplotype) - length, end - 60)
        if hi < lo:
            continue
        frag_start = rng.randint(lo, hi)
        fragment = haplotype[frag_start:frag_start + length]
        if rng.random() < 0.5:
            fragment = revcomp(fragment)
        qual1, qual2 = _qualities(rng), _qualities(rng)
        yield (
            _sequence_errors(fragment[:READ_LENGTH], qual1, rng), qual1,
            _sequence_errors(revcomp(fragment)[:READ_LENGTH], qual2, rng), qual2,
        )


def name_pairs(sample: str, pairs: List[Tuple[str, str, str, str]]) -> List[ReadPair]:
    return [ReadPair(f"SYN:{sample}:{i:06d}", *pair) for i, pair in enumerate(pairs, start=1)]
