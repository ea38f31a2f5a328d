"""Natural chromosome order: the one sort key for contig names, in outputs and in every message that
lists chromosomes to the user.

chr1..chr22, chrX, chrY, chrM first (Ensembl's 1..22, X, Y, MT the same; "chr" in any case), then
every other contig (unplaced, random, ALT, decoy, EBV, HLA, RefSeq accessions) by name, case aside,
with runs of digits compared as numbers (chr2_KI270715v1_random before chr10_GL383545v1_alt). Text order would put
chr10 before chr2. Standard library only: the start-up checks run on the launch host.
"""

from __future__ import annotations

import re
from typing import Iterable, List, Tuple, Union

_PRIMARY_RANK = {**{str(n): n for n in range(1, 23)}, "X": 23, "Y": 24, "M": 25, "MT": 25}
_DIGIT_RUNS = re.compile(r"([0-9]+)")

# (0 = primary chromosome / 1 = other contig, rank, name in pieces, the name itself as tie-breaker)
SortKey = Tuple[int, int, Tuple[Union[str, int], ...], str]


def _natural_pieces(name: str) -> Tuple[Union[str, int], ...]:
    """The name split into text (case folded) and digit runs, digits as numbers: text at even positions
    and numbers at odd ones in every name, so two names' pieces always compare like with like."""
    return tuple(int(piece) if index % 2 else piece.casefold() for index, piece in enumerate(_DIGIT_RUNS.split(name)))


def chrom_sort_key(name: str) -> SortKey:
    """Sort key for a contig name in natural chromosome order (see the module's description)."""
    base = name[3:] if name[:3].lower() == "chr" else name
    rank = _PRIMARY_RANK.get(base.upper())
    if rank is not None:
        return (0, rank, (), name)
    return (1, 0, _natural_pieces(name), name)


def in_natural_order(names: Iterable[str]) -> List[str]:
    """The names sorted by :func:`chrom_sort_key` (for lists shown to the user)."""
    return sorted(names, key=chrom_sort_key)
