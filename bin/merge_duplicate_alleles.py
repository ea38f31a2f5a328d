#!/usr/bin/env python3
"""Merge exact duplicate alleles of a normalised, sorted multi-sample VCF, each sample's genotype on
its own (hlhscreen/duplicates.py; BCFTOOLS_NORM's last step, after atomising and splitting).

  bcftools sort in.vcf.gz -Ov | merge_duplicate_alleles.py | bgzip > out.vcf.gz

Reads VCF text from --vcf (default: standard input), writes VCF text to standard output, and one
line saying what was merged to standard error.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import List, Optional

from hlhscreen import duplicates
from hlhscreen.errors import run_cli


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--vcf", type=Path, help="uncompressed VCF (default: standard input)")
    parser.add_argument("--old-rec-tag", default="OLD_REC", help="the bcftools norm --old-rec-tag INFO field")
    args = parser.parse_args(argv)
    if args.vcf is None:
        counts = duplicates.merge_duplicates(sys.stdin, sys.stdout, "<stdin>", args.old_rec_tag)
    else:
        with open(args.vcf) as source:
            counts = duplicates.merge_duplicates(source, sys.stdout, str(args.vcf), args.old_rec_tag)
    sys.stdout.flush()
    print(duplicates.describe(counts), file=sys.stderr)
    return 0


if __name__ == "__main__":
    run_cli(main)
