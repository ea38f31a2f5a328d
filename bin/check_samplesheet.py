#!/usr/bin/env python3
"""Validate a hlhscreen samplesheet (sample,group,fastq_1,fastq_2) and write a normalised copy.

Every problem is reported as `ERROR <file>:<line>: <field>: <problem>. <fix>`; exit status 2.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import List, Optional

from hlhscreen.errors import run_cli
from hlhscreen.samplesheet import read_samplesheet, write_validated


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("samplesheet", type=Path)
    parser.add_argument("--out", type=Path, help="write the validated samplesheet here")
    parser.add_argument("--base-url", help="the samplesheet was fetched from this folder URL: its relative FASTQ "
                                           "paths are URLs there")
    parser.add_argument("--display-name", help="name of the samplesheet in messages (e.g. its URL)")
    parser.add_argument("--single-group", action="store_true",
                        help="allow a cohort of cases only or controls only (runs without the cohort comparison)")
    args = parser.parse_args(argv)
    lanes = read_samplesheet(args.samplesheet, base_url=args.base_url, display_name=args.display_name,
                             require_both_groups=not args.single_group)
    if args.out:
        write_validated(lanes, args.out)
    samples = {lane.sample: lane.group for lane in lanes}
    n_case = sum(1 for g in samples.values() if g == "case")
    print(f"samplesheet OK: {len(samples)} samples ({n_case} case, {len(samples) - n_case} control), {len(lanes)} lanes")
    return 0


if __name__ == "__main__":
    run_cli(main)
