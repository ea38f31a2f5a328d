"""Small BED operations the pipeline needs besides the panel loader: splitting targets into chunks."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import List

from .errors import UserInputError
from .files import open_text


@dataclass(frozen=True)
class Interval:
    chrom: str
    start: int
    end: int
    rest: tuple

    @property
    def length(self) -> int:
        return self.end - self.start

    def line(self) -> str:
        return "\t".join([self.chrom, str(self.start), str(self.end), *self.rest]) + "\n"


def read_intervals(path: Path) -> List[Interval]:
    intervals = []
    with open_text(path) as handle:
        for line_no, line in enumerate(handle, start=1):
            if not line.strip() or line.startswith(("#", "track", "browser")):
                continue
            cols = line.rstrip("\n").split("\t")
            try:
                start, end = int(cols[1]), int(cols[2])
            except (IndexError, ValueError):
                raise UserInputError(path, line_no, "start/end", "not a BED line (chrom, start, end)") from None
            if start < 0 or end <= start:
                raise UserInputError(path, line_no, "start/end", f"need 0 <= start < end, got {start}-{end}")
            intervals.append(Interval(cols[0], start, end, tuple(cols[3:])))
    if not intervals:
        raise UserInputError(path, None, "regions", "the BED file has no intervals")
    return intervals


def split_balanced(intervals: List[Interval], chunks: int) -> List[List[Interval]]:
    """Split into at most ``chunks`` runs of consecutive intervals with similar total length.

    Intervals stay whole and in file order, so each chunk is a contiguous, sorted piece.
    """
    chunks = max(1, min(chunks, len(intervals)))
    total = sum(i.length for i in intervals)
    result: List[List[Interval]] = [[]]
    done = 0
    for index, interval in enumerate(intervals):
        remaining_intervals = len(intervals) - index
        remaining_chunks = chunks - len(result)
        target = total * len(result) / chunks
        must_open = remaining_intervals <= remaining_chunks  # keep every chunk non-empty
        if result[-1] and remaining_chunks > 0 and (done >= target or must_open):
            result.append([])
        result[-1].append(interval)
        done += interval.length
    return result
