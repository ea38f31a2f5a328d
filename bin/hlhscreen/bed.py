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


# Joint FreeBayes work grows with (target bases x samples). Measured (docs/benchmarks.md, issue 14): 960
# samples over 6.5 kb of targets (6.2e6 sample-bases) took 187 s of one core, so a chunk of 2e6
# sample-bases is about a minute: long enough that a task start (~1 s) is noise, short enough to
# spread a cohort over a node's cores or a cluster. At least 2 chunks, so a laptop's two cores both
# call; at most 256, so a cluster queue is not flooded.
SAMPLE_BASES_PER_CHUNK = 2_000_000
MIN_AUTO_CHUNKS = 2
MAX_AUTO_CHUNKS = 256


def auto_chunk_count(intervals: List[Interval], samples: int) -> int:
    """Calling chunks for --calling_chunks auto: by target size AND sample count (see above)."""
    if samples < 1:
        raise ValueError("auto chunking needs the number of samples (>= 1)")
    work = sum(i.length for i in intervals) * samples
    wanted = -(-work // SAMPLE_BASES_PER_CHUNK)  # ceiling
    return max(MIN_AUTO_CHUNKS, min(MAX_AUTO_CHUNKS, wanted))


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
