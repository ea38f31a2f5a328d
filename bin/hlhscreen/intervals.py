"""Capture targets (--intervals) on the reference the reads are aligned to.

A kit's target BED (e.g. Agilent SureSelect) is on GRCh38 (or, for a validation, on whatever build
the reference is). Each interval is placed on the reference like a panel region
(:mod:`hlhscreen.callability`: same contig-name rules, windows translation), then the pieces are put
in reference order and overlapping or touching pieces merged: coverage (mosdepth) would count an
overlap twice, and FreeBayes chunks would call it twice. Intervals on contigs the reference lacks are
counted and named in the summary (a whole-exome BED on a one-chromosome reference is normal for a
validation), never dropped in silence; an interval set of which nothing lies on the reference is an
error.

With a panel, the capture targets also decide which panel bases are assessed at all
(:func:`restrict_to_capture`): a panel gene the kit does not capture has (next to) no reads, so "no
carrier" there means NOT ASSESSED. Such genes are listed in ``panel_callability.tsv`` and the report
like genes the reference lacks, and a capture BED that misses every panel gene (another build, another
kit) is an error (:func:`capture_error`).
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from typing import Dict, IO, List, Optional, Sequence, Tuple

from .assembly import bed_build_problem, reference_assembly
from .callability import NOT_CALLABLE, GeneCallability, Placement, ReferenceLayout, place_bed
from .chromosomes import chrom_sort_key
from .errors import UserInputError
from .files import PathLike

Piece = Tuple[str, int, int]  # reference contig, 0-based start, end


@dataclass(frozen=True)
class PlacedIntervals:
    pieces: List[Piece]               # merged, in reference order
    n_intervals: int
    total_bp: int
    placed_bp: int
    not_placed: Dict[str, int]        # reason -> bp, in natural order of the reasons' chromosomes
    build_warning: Optional[str] = None  # the file name names another assembly than the reference's
    zero_length: int = 0              # intervals with start == end (no base): not placed

    @property
    def incomplete(self) -> bool:
        """Something of the BED is not among the pieces: the user is warned."""
        return bool(self.not_placed or self.zero_length)

    def summary(self) -> str:
        text = (f"{_count(self.n_intervals, 'interval')} ({self.total_bp} bp): {self.placed_bp} bp on the reference "
                f"as {_count(len(self.pieces), 'merged interval')}")
        if self.not_placed:
            text += "; not on the reference: " + "; ".join(f"{bp} bp ({reason})" for reason, bp in
                                                          self.not_placed.items())
        if self.zero_length:
            text += (f"; {_count(self.zero_length, 'zero-length interval')} (start = end: no base; BED is 0-based, "
                     "half-open, so one base at 1-based position P is P-1 P) ignored")
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


def _not_placed(placements: Sequence[Placement]) -> Dict[str, int]:
    """bp not placed, per reason, the reasons in natural order of the contigs they first occur on (a
    whole-exome BED on a one-chromosome reference names chr2 before chr10, as the user reads them)."""
    not_placed: Dict[str, int] = {}
    for placement in sorted(placements, key=lambda p: (chrom_sort_key(p.region.chrom), p.region.start)):
        missing = (placement.region.end - placement.region.start) - placement.callable_bp
        if missing:
            reason = placement.reason or "not on the reference"
            not_placed[reason] = not_placed.get(reason, 0) + missing
    return not_placed


def place_intervals(bed: PathLike, layout: ReferenceLayout, harmonise: bool = False) -> PlacedIntervals:
    error, build_warning = bed_build_problem(bed, reference_assembly(layout), "--intervals BED")
    if error is not None:
        raise UserInputError(bed, error[0], "genome-build", error[1],
                             "Give the kit's BED for the reference's build (vendors publish one per build), or "
                             "lift the BED over (UCSC liftOver, CrossMap) and fix its header.")
    placements = place_bed(bed, layout, harmonise, what="--intervals BED", zero_length=True)
    zero_length = sum(1 for placement in placements if placement.region.start == placement.region.end)
    pieces = [piece for placement in placements for piece in placement.pieces if piece[1] < piece[2]]
    not_placed = _not_placed(placements)
    total = sum(p.region.end - p.region.start for p in placements)
    if not pieces:
        raise UserInputError(bed, None, "chrom",
                             f"no interval lies on the reference {layout.source} "
                             f"({'; '.join(not_placed) or 'nothing placed'})",
                             "Give targets on the reference's build and contig names.")
    order = {contig: index for index, contig in enumerate(layout.contigs)}
    merged = merge_pieces(pieces, order)
    return PlacedIntervals(merged, len(placements), total, sum(end - start for _, start, end in merged), not_placed,
                           build_warning, zero_length)


def write_bed(pieces: List[Piece], out: IO[str]) -> None:
    for contig, start, end in pieces:
        out.write(f"{contig}\t{start}\t{end}\n")


def restrict_to_capture(placements: Sequence[Placement], capture: PlacedIntervals, label: str) -> List[Placement]:
    """The panel placements cut to the capture targets; what is cut is 'outside the capture targets'."""
    starts: Dict[str, List[int]] = {}
    ends: Dict[str, List[int]] = {}
    for contig, start, end in capture.pieces:  # merged and sorted: starts and ends both ascend
        starts.setdefault(contig, []).append(start)
        ends.setdefault(contig, []).append(end)
    reason = f"outside the capture targets ({label})"
    restricted = []
    for placement in placements:
        kept = []
        for contig, start, end in placement.pieces:
            contig_starts, contig_ends = starts.get(contig, []), ends.get(contig, [])
            index = bisect.bisect_right(contig_ends, start)  # first capture interval ending after start
            while index < len(contig_starts) and contig_starts[index] < end:
                low, high = max(start, contig_starts[index]), min(end, contig_ends[index])
                if low < high:
                    kept.append((contig, low, high))
                index += 1
        lost = placement.callable_bp - sum(high - low for _, low, high in kept)
        why = placement.reason
        if lost:
            why = f"{why}; {reason}" if why else reason
        restricted.append(Placement(placement.region, placement.genome_contig, tuple(kept), why))
    return restricted


def capture_error(on_reference: Sequence[GeneCallability], captured: Sequence[GeneCallability],
                  label: str) -> Optional[str]:
    """The problem when panel genes lie on the reference but none in the capture targets, else None."""
    if all(gene.status == NOT_CALLABLE for gene in on_reference):
        return None  # nothing on the reference at all: the reference check says so
    if all(gene.status == NOT_CALLABLE for gene in captured):
        return (f"no panel region lies in the capture targets {label}: not one of the {len(captured)} panel genes "
                "would be assessed (a BED of another build, e.g. GRCh37, or of a kit that does not cover these genes?)")
    return None
