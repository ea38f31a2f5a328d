"""Capture targets (--intervals) on the reference the reads are aligned to.

A kit's target BED (e.g. Agilent SureSelect) is on GRCh38 (or, for a validation, on whatever build
the reference is). Each interval is placed on the reference like a panel region
(:mod:`hlhscreen.callability`: same contig-name rules, windows translation), then the pieces are put
in reference order and overlapping or touching pieces merged: coverage (mosdepth) would count an
overlap twice, and FreeBayes chunks would call it twice. Intervals on contigs the reference lacks are
counted and named in the summary (a whole-exome BED on a one-chromosome reference is normal for a
validation), never dropped in silence; an interval set of which nothing lies on the reference is an
error.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, IO, List, Tuple

from .callability import ReferenceLayout, place_bed
from .errors import UserInputError
from .files import PathLike

Piece = Tuple[str, int, int]  # reference contig, 0-based start, end


@dataclass(frozen=True)
class PlacedIntervals:
    pieces: List[Piece]               # merged, in reference order
    n_intervals: int
    total_bp: int
    placed_bp: int
    not_placed: Dict[str, int]        # reason -> bp

    def summary(self) -> str:
        text = (f"{_count(self.n_intervals, 'interval')} ({self.total_bp} bp): {self.placed_bp} bp on the reference "
                f"as {_count(len(self.pieces), 'merged interval')}")
        if self.not_placed:
            text += "; not on the reference: " + "; ".join(f"{bp} bp ({reason})" for reason, bp in
                                                          sorted(self.not_placed.items()))
        return text


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def merge_pieces(pieces: List[Piece], order: Dict[str, int]) -> List[Piece]:
    """Sort by reference contig order and position; merge pieces that overlap or touch."""
    merged: List[Piece] = []
    for contig, start, end in sorted(pieces, key=lambda p: (order[p[0]], p[1], p[2])):
        if merged and merged[-1][0] == contig and start <= merged[-1][2]:
            merged[-1] = (contig, merged[-1][1], max(end, merged[-1][2]))
        else:
            merged.append((contig, start, end))
    return merged


def place_intervals(bed: PathLike, layout: ReferenceLayout, harmonise: bool = False) -> PlacedIntervals:
    placements = place_bed(bed, layout, harmonise, what="--intervals BED")
    pieces = [piece for placement in placements for piece in placement.pieces]
    not_placed: Dict[str, int] = {}
    for placement in placements:
        missing = (placement.region.end - placement.region.start) - placement.callable_bp
        if missing:
            not_placed[placement.reason or "not on the reference"] = \
                not_placed.get(placement.reason or "not on the reference", 0) + missing
    total = sum(p.region.end - p.region.start for p in placements)
    if not pieces:
        raise UserInputError(bed, None, "chrom",
                             f"no interval lies on the reference {layout.source} "
                             f"({'; '.join(sorted(not_placed)) or 'nothing placed'})",
                             "Give targets on the reference's build and contig names.")
    order = {contig: index for index, contig in enumerate(layout.contigs)}
    merged = merge_pieces(pieces, order)
    return PlacedIntervals(merged, len(placements), total, sum(end - start for _, start, end in merged), not_placed)


def write_bed(pieces: List[Piece], out: IO[str]) -> None:
    for contig, start, end in pieces:
        out.write(f"{contig}\t{start}\t{end}\n")
