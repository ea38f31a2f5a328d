#!/usr/bin/env python3
"""Translate between a windows reference and GRCh38 (see hlhscreen/windows.py; the panel BEDs go
onto the windows with panel_to_reference.py).

  reference_windows.py vcf-to-genome   --windows windows.tsv --vcf calls.vcf.gz --out calls.grch38.vcf
  reference_windows.py genome-fasta    --windows windows.tsv --fasta windows.fa --out genome.fa
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import List, Optional

from hlhscreen import windows as win
from hlhscreen.errors import UserInputError, run_cli
from hlhscreen.files import atomic_output


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["vcf-to-genome", "genome-fasta"])
    parser.add_argument("--windows", type=Path, required=True)
    parser.add_argument("--vcf", type=Path)
    parser.add_argument("--fasta", type=Path)
    parser.add_argument("--fai", type=Path, help="check window lengths against this FASTA index")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    windows = win.read_windows(args.windows)
    if args.fai:
        win.check_against_fai(windows, args.fai)
    needed = {"vcf-to-genome": "vcf", "genome-fasta": "fasta"}[args.command]
    if getattr(args, needed) is None:
        raise UserInputError(None, None, f"--{needed}", f"{args.command} needs --{needed}")
    with atomic_output(args.out) as out:
        if args.command == "vcf-to-genome":
            win.vcf_to_genome(args.vcf, windows, out)
        else:
            win.write_genome_fasta(windows, args.fasta, out)
    return 0


if __name__ == "__main__":
    run_cli(main)
