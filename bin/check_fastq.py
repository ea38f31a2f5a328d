#!/usr/bin/env python3
"""Verify a FASTQ pair before alignment (hlhscreen/fastq.py): gzip integrity, whole records, R1/R2 in step.

Writes a one-row TSV (sample, lane, files, read pairs, bases) on success; on the first problem prints
`ERROR <file>:<line>: read <n>: <problem>. <fix>` and exits with status 2.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import List, Optional

from hlhscreen.errors import UserInputError, run_cli
from hlhscreen.fastq import check_pair, summary_tsv
from hlhscreen.files import atomic_output


def _ordinal(number: str) -> str:
    if not number.isdigit():
        return number
    suffix = "th" if number[-2:] in ("11", "12", "13") else {"1": "st", "2": "nd", "3": "rd"}.get(number[-1], "th")
    return number + suffix


def _in_lane(err: UserInputError, sample: str, lane: str) -> UserInputError:
    """The error with the sample and lane it is in: a sample's lanes may have files of the same name
    in different folders, and the task sees only the names."""
    where = f"sample {sample}, lane {lane}: its {_ordinal(lane)} row in the samplesheet"
    return UserInputError(err.path, err.line, err.field, f"{err.problem} ({where})", err.fix)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("fastq_1", type=Path)
    parser.add_argument("fastq_2", type=Path)
    parser.add_argument("--sample", required=True)
    parser.add_argument("--lane", default="1")
    parser.add_argument("--out", type=Path, required=True, help="summary TSV")
    args = parser.parse_args(argv)
    try:
        summary = check_pair(args.fastq_1, args.fastq_2)
    except UserInputError as err:
        raise _in_lane(err, args.sample, args.lane) from None
    with atomic_output(args.out) as out:
        out.write(summary_tsv(args.sample, args.lane, args.fastq_1, args.fastq_2, summary))
    print(f"{args.sample} lane {args.lane}: {summary.reads} read pairs OK")
    return 0


if __name__ == "__main__":
    run_cli(main)
