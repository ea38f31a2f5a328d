#!/usr/bin/env python3
"""Split a BED file into N chunks of similar total length (for parallel variant calling).

Writes <prefix>_001.bed ... into the output folder; intervals stay whole and in order.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import List, Optional

from hlhscreen.bed import read_intervals, split_balanced
from hlhscreen.errors import UserInputError, run_cli
from hlhscreen.files import atomic_output


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("bed", type=Path)
    parser.add_argument("--chunks", type=int, required=True)
    parser.add_argument("--outdir", type=Path, default=Path("."))
    parser.add_argument("--prefix", default="chunk")
    args = parser.parse_args(argv)
    if args.chunks < 1:
        raise UserInputError(None, None, "--chunks", "must be at least 1")
    for number, chunk in enumerate(split_balanced(read_intervals(args.bed), args.chunks), start=1):
        with atomic_output(args.outdir / f"{args.prefix}_{number:03d}.bed") as out:
            out.writelines(interval.line() for interval in chunk)
    return 0


if __name__ == "__main__":
    run_cli(main)
