#!/usr/bin/env python3
"""REPORT: one self-contained HTML report of a screening run, with PNG/SVG figures and a MultiQC table.

Writes hlhscreen_report.html, figures/carrier_matrix.{png,svg}, figures/gene_forest.{png,svg} and
report_summary_mqc.tsv into --outdir (sections and number sources: docs/report.md). Every output is
written to a temporary name and renamed when complete, the HTML last.
"""

from __future__ import annotations

import argparse
import datetime
from typing import Optional

from hlhscreen.errors import UserInputError, run_cli
from hlhscreen.report import run_report


def parse_args(argv: Optional[list]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", required=True, help="samples CSV (sample,group) of the run")
    parser.add_argument("--qc", required=True, help="sample_qc.tsv from QC_SUMMARY")
    parser.add_argument("--variants", required=True, help="variants.tsv from SCREEN")
    parser.add_argument("--carriers", required=True, help="carriers.tsv from SCREEN")
    parser.add_argument("--gene-status", required=True, help="gene_status.tsv from SCREEN")
    parser.add_argument("--variant-tests", required=True, help="variant_tests.tsv from COHORT_STATS")
    parser.add_argument("--gene-tests", required=True, help="gene_tests.tsv from COHORT_STATS")
    parser.add_argument("--biallelic-tests", required=True, help="biallelic_tests.tsv from COHORT_STATS")
    parser.add_argument("--power", required=True, help="power.tsv from COHORT_STATS")
    parser.add_argument("--sex", default=None, help="sex.tsv from SEX_CHECK (given, inferred and used sex)")
    parser.add_argument("--clinvar-release", default=None,
                        help="clinvar_release.json from CLINVAR_ANNOTATE (the ClinVar release cited)")
    parser.add_argument("--frequency-check", default=None,
                        help="frequency_check.json from ANNOTATION_SUMMARY (the chromosomes the gnomAD file has no "
                             "record on: variants there were not looked up, not found absent)")
    parser.add_argument("--risk-factors", default=None,
                        help="the run's risk-factor whitelist (risk_factors.tsv): entries no variant matched are listed "
                             "(needs --regions)")
    parser.add_argument("--regions", default=None,
                        help="the panel regions BED SCREEN screened: whitelist entries outside it are named as not "
                             "screened, not as not seen (as SCREEN counts them)")
    parser.add_argument("--versions", required=True, help="pipeline_info/software_versions.yml ({step: {tool: version}})")
    parser.add_argument("--params", required=True, help="JSON object of the run's parameters")
    parser.add_argument("--panel-callability", default=None,
                        help="panel_callability.tsv from PANEL_TO_REFERENCE (every panel gene, called or why not)")
    parser.add_argument("--panel-genes", default=None,
                        help="the panel's genes.tsv: the transcript of each gene, named in the methods with the padding "
                             "read from --regions (needs --regions)")
    parser.add_argument("--reference-notes", default=None,
                        help="reference_notes.txt from PANEL_TO_REFERENCE (run-level notes on the reference, one a "
                             "line: e.g. ALT contigs aligned ALT-unaware), shown with the panel genes (section 2)")
    parser.add_argument("--gene-coverage", default=None,
                        help="gene_coverage.tsv from SCREEN (every sample x panel gene: status, coverage, exon "
                             "flags): the report lists coverage gaps also in genes without a kept variant")
    parser.add_argument("--outdir", default=".", help="output folder (default: current folder)")
    parser.add_argument("--run-date", default=None,
                        help="date shown in the report, YYYY-MM-DD (default: today; give it for identical reruns)")
    return parser.parse_args(argv)


def main(argv: Optional[list] = None) -> int:
    args = parse_args(argv)
    if args.run_date is not None:
        try:
            datetime.date.fromisoformat(args.run_date)
        except ValueError:
            raise UserInputError(None, None, "--run-date", f"'{args.run_date}' is not a date",
                                 "Use YYYY-MM-DD, e.g. 2025-01-31.") from None
    run_report(args.samples, args.qc, args.variants, args.carriers, args.gene_status, args.variant_tests,
               args.gene_tests, args.biallelic_tests, args.power, args.versions, args.params, args.outdir, args.run_date,
               panel_callability=args.panel_callability, sex=args.sex, clinvar_release=args.clinvar_release,
               risk_factors=args.risk_factors, regions=args.regions, frequency_check=args.frequency_check,
               reference_notes=args.reference_notes, panel_genes=args.panel_genes,
               gene_coverage=args.gene_coverage)
    return 0


if __name__ == "__main__":
    run_cli(main)
