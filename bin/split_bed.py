#!/usr/bin/env python3
"""Split a BED file into N chunks of similar total length (for parallel variant calling).

Writes <prefix>_001.bed ... into the output folder; intervals stay whole and in order. With
--chunks auto the number follows the target size and the number of samples (--samples): about
2e6 sample-bases of joint FreeBayes work per chunk (hlhscreen.bed.auto_chunk_count), 2 to 256.
There are never more chunks than intervals.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import List, Optional

from hlhscreen.bed import auto_chunk_count, read_intervals, split_balanced
from hlhscreen.errors import UserInputError, run_cli
from hlhscreen.files import atomic_output


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("bed", type=Path)
    parser.add_argument("--chunks", required=True, help="a number >= 1, or auto (needs --samples)")
    parser.add_argument("--samples", type=int, default=None, help="samples called jointly (for --chunks auto)")
    parser.add_argument("--outdir", type=Path, default=Path("."))
    parser.add_argument("--prefix", default="chunk")
    args = parser.parse_args(argv)
    intervals = read_intervals(args.bed)
    if args.chunks == "auto":
        if args.samples is None or args.samples < 1:
            raise UserInputError(None, None, "--samples", "--chunks auto needs the number of samples (>= 1)")
        chunks = auto_chunk_count(intervals, args.samples)
        how = (f"auto: {sum(i.length for i in intervals)} bp of targets x {args.samples} samples, "
               f"about 2e6 sample-bases per chunk")
    elif args.chunks.isdigit() and int(args.chunks) >= 1:
        chunks = int(args.chunks)
        how = "as given"
    else:
        raise UserInputError(None, None, "--chunks", f"'{args.chunks}' is not a number >= 1 or auto")
    split = split_balanced(intervals, chunks)
    # the task log says how the calling was split
    print(f"calling chunks: {len(split)} ({how}; {len(intervals)} intervals)")
    for number, chunk in enumerate(split, start=1):
        with atomic_output(args.outdir / f"{args.prefix}_{number:03d}.bed") as out:
            out.writelines(interval.line() for interval in chunk)
    return 0


if __name__ == "__main__":
    run_cli(main)
