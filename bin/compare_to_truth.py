#!/usr/bin/env python3
"""Score one sample of a VCF against a truth VCF (e.g. GIAB) inside confident regions.

Both files are normalised the same way with bcftools (split multi-allelics, atomise MNVs and complex
alleles, left-align against --fasta), restricted to POS inside --regions (BED) and to records whose
genotype carries the alternate allele, then matched exactly. Writes <prefix>.summary.tsv (SNVs and
indels: TP, FP, FN, precision, recall, F1, genotype concordance) and <prefix>.details.tsv (every FP,
FN and genotype mismatch with the query's QUAL and depth). See docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import List, Optional

from hlhscreen.errors import UserInputError, run_cli
from hlhscreen.files import atomic_output
from hlhscreen.truth_compare import DETAIL_COLUMNS, SUMMARY_COLUMNS, compare, normalised_calls, summary_rows


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--query", required=True, type=Path, help="calls to score (bgzipped + indexed VCF)")
    parser.add_argument("--query-sample", help="sample column of --query (default: its only sample)")
    parser.add_argument("--truth", required=True, type=Path, help="truth VCF (bgzipped + indexed)")
    parser.add_argument("--truth-sample", help="sample column of --truth (default: its only sample)")
    parser.add_argument("--regions", required=True, type=Path, help="confident regions BED (name ending .bed)")
    parser.add_argument("--fasta", required=True, type=Path, help="the reference both VCFs are on (indexed)")
    parser.add_argument("--min-qual", type=float, default=0.0, help="ignore query records below this QUAL")
    parser.add_argument("--prefix", required=True, help="output prefix")
    args = parser.parse_args(argv)
    for name in ("query", "truth", "regions", "fasta"):
        path = getattr(args, name)
        if not path.exists():
            raise UserInputError(path, None, f"--{name}", "file not found")
    query = normalised_calls(args.query, args.query_sample, args.fasta, args.regions, args.min_qual)
    truth = normalised_calls(args.truth, args.truth_sample, args.fasta, args.regions)
    result = compare(query, truth)
    with atomic_output(f"{args.prefix}.summary.tsv") as out:
        out.write("\t".join(SUMMARY_COLUMNS) + "\n")
        for row in summary_rows(result):
            out.write("\t".join(row) + "\n")
    with atomic_output(f"{args.prefix}.details.tsv") as out:
        out.write("\t".join(DETAIL_COLUMNS) + "\n")
        for row in result.rows:
            out.write("\t".join(row) + "\n")
    for row in summary_rows(result):
        print("\t".join(row))
    return 0


if __name__ == "__main__":
    run_cli(main)
