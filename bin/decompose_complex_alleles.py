#!/usr/bin/env python3
"""Decompose FreeBayes complex alleles that contain an indel along their INFO/CIGAR alignment, before
`bcftools norm --atomize` (hlhscreen/decompose.py; BCFTOOLS_NORM).

  bcftools view in.vcf.gz | decompose_complex_alleles.py --decomposed pieces.txt | bcftools norm --atomize ...

Reads VCF text from --vcf (default: standard input); writes the records bcftools may atomise itself
(VCF text, header included) to standard output, the primitives of the decomposed records (VCF body
lines, unsorted) to --decomposed, and one line saying what was done to standard error.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import List, Optional

from hlhscreen import decompose
from hlhscreen.errors import run_cli


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--vcf", type=Path, help="uncompressed VCF (default: standard input)")
    parser.add_argument("--decomposed", type=Path, required=True,
                        help="where the decomposed records go (VCF body lines, no header, unsorted)")
    args = parser.parse_args(argv)
    with open(args.decomposed, "w") as pieces:
        if args.vcf is None:
            counts = decompose.decompose(sys.stdin, sys.stdout, pieces, "<stdin>")
        else:
            with open(args.vcf) as source:
                counts = decompose.decompose(source, sys.stdout, pieces, str(args.vcf))
    sys.stdout.flush()
    print(decompose.describe(counts), file=sys.stderr)
    return 0


if __name__ == "__main__":
    run_cli(main)
