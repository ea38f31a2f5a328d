#!/usr/bin/env python3
"""COHORT_STATS: compare variant, gene and biallelic carriers between cases and controls.

Writes variant_tests.tsv, gene_tests.tsv, biallelic_tests.tsv, association_summary.tsv and power.tsv
into --outdir (formats: docs/contracts.md, docs/statistics.md). Fisher's exact test and BH q-values
reproduce R's fisher.test and p.adjust; power.tsv gives the exact power of that test per test.
"""

from __future__ import annotations

import argparse
from typing import Optional

from hlhscreen.cohort import run_cohort_stats
from hlhscreen.errors import UserInputError, run_cli


def parse_args(argv: Optional[list]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--carriers", required=True, help="carriers.tsv from SCREEN")
    parser.add_argument("--gene-status", required=True, help="gene_status.tsv from SCREEN")
    parser.add_argument("--samplesheet", required=True, help="validated samplesheet CSV (sample,group,fastq_1,fastq_2)")
    parser.add_argument("--callability", default=None,
                        help="panel_callability.tsv (PANEL_TO_REFERENCE): tests of genes not assessed in this run "
                             "(off the reference or the capture targets) exclude every sample")
    parser.add_argument("--outdir", default=".", help="output folder (default: current folder)")
    parser.add_argument("--conf-level", type=float, default=0.95,
                        help="two-sided confidence level of the odds-ratio interval (default 0.95)")
    parser.add_argument("--alpha", type=float, default=None,
                        help="two-sided significance level of the power calculation (default 1 - conf-level)")
    return parser.parse_args(argv)


def main(argv: Optional[list] = None) -> int:
    args = parse_args(argv)
    if not 0 < args.conf_level < 1:
        raise UserInputError(None, None, "--conf-level", f"{args.conf_level} is not between 0 and 1",
                             "Use for example 0.95.")
    if args.alpha is not None and not 0 < args.alpha < 1:
        raise UserInputError(None, None, "--alpha", f"{args.alpha} is not between 0 and 1", "Use for example 0.05.")
    run_cohort_stats(args.carriers, args.gene_status, args.samplesheet, args.outdir, args.conf_level, args.alpha,
                     args.callability)
    return 0


if __name__ == "__main__":
    run_cli(main)
