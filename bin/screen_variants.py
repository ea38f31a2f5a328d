#!/usr/bin/env python3
"""SCREEN: keep the rare, protein-affecting panel variants of an annotated joint VCF.

Writes variants.tsv, kept.vcf.gz (+ .tbi), carriers.tsv, gene_status.tsv and
screen_summary_mqc.tsv into --outdir (formats: docs/contracts.md; columns and rules:
docs/screening.md). The defaults reproduce the study: exons + 3 bp (the regions BED),
gnomAD MAF < 0.04, variants above 1 % only when whitelisted as risk factors, HIGH/MODERATE
impact or a splice consequence.
"""

from __future__ import annotations

import argparse
import sys
from typing import Optional

from hlhscreen import screen as S
from hlhscreen.errors import run_cli
from hlhscreen.frequency import FrequencySetting, add_frequency_arguments, frequency_setting
from hlhscreen.frequency_check import FrequencyFacts, check_same_setting, read_frequency_check


def _fraction(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None


def parse_args(argv: Optional[list]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    io = parser.add_argument_group("inputs and outputs")
    io.add_argument("--vcf", required=True,
                    help="annotated, normalised (split), sorted joint VCF (.vcf or .vcf.gz) with INFO/CSQ or INFO/ANN")
    io.add_argument("--regions", required=True, help="panel regions BED (exons + padding; name column GENE|exonN)")
    io.add_argument("--risk-factors", required=True,
                    help="risk-factor whitelist TSV (panels/<panel>/risk_factors.tsv; a header-only file for none)")
    io.add_argument("--samplesheet", required=True, help="validated samplesheet CSV (columns sample,group at least)")
    io.add_argument("--outdir", default=".", help="output folder (default: the current folder)")
    io.add_argument("--mane-transcripts", default=None,
                    help="MANE Select transcript ids (one per line, or a TSV with a transcript_id column such as the "
                         "panel's genes.tsv); needed for snpEff ANN, which does not flag MANE transcripts")
    io.add_argument("--fasta", default=None,
                    help="GRCh38 reference FASTA (indexed): each risk-factor row's REF is checked against it")
    io.add_argument("--warnings-file", default=None,
                    help="also write every warning, one per line, to this file (the pipeline shows them in its log)")
    io.add_argument("--sex", default=None,
                    help="the run's sex.tsv (bin/sex_check.py): males are hemizygous on chrX/chrY outside the PARs; "
                         "without it every sample's sex is unknown and calls there are not assessable")
    io.add_argument("--frequency-check", default=None,
                    help="frequency_check.json from ANNOTATION_SUMMARY: a variant without a frequency on a chromosome "
                         "the gnomAD file has no record on gets af_status not_looked_up instead of novel (still "
                         "treated as rare), unless the VCF's header declares gnomAD fields of the annotator's own "
                         "(VEP cache, REST)")
    io.add_argument("--gene-coverage", nargs="+", default=None, metavar="THRESHOLDS_BED_GZ",
                    help="each sample's mosdepth <sample>.thresholds.bed.gz over the panel regions (--by the regions "
                         "BED, --thresholds including --min-dp): a sample with a gene below --min-gene-callable and no "
                         "carried variant of it is not_assessable for the gene (without it: not checked)")
    io.add_argument("--harmonise-contigs", action="store_true",
                    help="map contig names between the VCF and the panel (10 <-> chr10, MT <-> chrM) instead of failing")

    rules = parser.add_argument_group("filters (defaults reproduce the study)")
    rules.add_argument("--max-af", type=_fraction, default=S.DEFAULT_MAX_AF,
                       help="drop variants whose gnomAD AF is >= this; the study keeps MAF < 0.04 (default: %(default)s)")
    rules.add_argument("--common-af", type=_fraction, default=S.DEFAULT_COMMON_AF,
                       help="variants with AF above this are kept only when on the risk-factor whitelist "
                            "(default: %(default)s)")
    add_frequency_arguments(rules)
    rules.add_argument("--impacts", default=",".join(S.DEFAULT_IMPACTS),
                       help="comma-separated IMPACT classes that count as protein-affecting ('none' for no class) "
                            "(default: %(default)s)")
    rules.add_argument("--consequences", default=",".join(S.DEFAULT_CONSEQUENCES),
                       help="comma-separated SO consequences that count as protein-affecting whatever their impact "
                            "('none' for no term) (default: %(default)s)")
    rules.add_argument("--whitelist-overrides-max-af", action="store_true",
                       help="let whitelisted risk factors through --max-af too (off: the study applied MAF < 0.04 to all)")
    rules.add_argument("--keep-clinvar-pathogenic", action="store_true",
                       help="keep variants ClinVar classifies Pathogenic/Likely pathogenic (INFO/CLINVAR_*, "
                            "bin/clinvar_annotate.py) with >= --clinvar-min-stars review stars whatever their impact "
                            "(off: the study's rules)")
    rules.add_argument("--clinvar-min-stars", type=int, default=S.DEFAULT_CLINVAR_MIN_STARS,
                       help="review stars --keep-clinvar-pathogenic needs (0-4) (default: %(default)s)")
    rules.add_argument("--no-require-carrier", dest="require_carrier", action="store_false",
                       help="keep variants that no sample carries with an assessable genotype")
    rules.add_argument("--min-qual", type=float, default=S.DEFAULT_MIN_QUAL, help="minimum QUAL; a missing QUAL passes (default: %(default)s)")
    rules.add_argument("--min-dp", type=int, default=S.DEFAULT_MIN_DP,
                       help="minimum genotype depth (FORMAT/DP, else sum of FORMAT/AD); below it the sample is "
                            "not_assessable (default: %(default)s)")
    rules.add_argument("--min-gene-callable", type=_fraction, default=S.DEFAULT_MIN_GENE_CALLABLE,
                       help="share (0-1) of a gene's panel region bases a sample must have at >= --min-dp "
                            "(--gene-coverage) to count as a non-carrier of it (default: %(default)s)")
    rules.add_argument("--min-gq", type=float, default=S.DEFAULT_MIN_GQ,
                       help="minimum genotype quality (FORMAT/GQ; a missing GQ is not checked) (default: %(default)s)")

    run = parser.add_argument_group("traversal")
    run.add_argument("--traversal", choices=S.TRAVERSALS, default="stream",
                     help="stream: read every record (variants.tsv lists all of them); index: read only the panel "
                          "intervals through the .tbi/.csi index (records outside the panel are counted, not listed); "
                          "auto: index when indexed and the panel covers <= 1%% of the contigs (default: %(default)s)")
    run.add_argument("--evaluate-outside-panel", action="store_true",
                     help="also read annotation and genotypes of records outside the panel, so that their every "
                          "reason and annotation column is filled (slower)")
    run.add_argument("--threads", type=int, default=1, help="decompression threads for reading the VCF (default: %(default)s)")
    return parser.parse_args(argv)


def _frequency_facts(frequency_check: Optional[str], setting: FrequencySetting) -> FrequencyFacts:
    """What frequency_check.json says: the gnomAD file and the chromosomes it has no record on (none without it);
    refused when the check read other frequency fields than ``setting`` (the screen's)."""
    if frequency_check is None:
        return FrequencyFacts(None, {})
    facts = read_frequency_check(frequency_check)
    check_same_setting(facts, setting, frequency_check)
    return facts


def main(argv: Optional[list] = None) -> int:
    args = parse_args(argv)
    selection = S.check_screen_settings(impacts=args.impacts, consequences=args.consequences,
                                        af_fields=args.af_fields, af_source=args.af_source)
    config = S.ScreenConfig(
        max_af=args.max_af,
        common_af=args.common_af,
        af_source=args.af_source,
        af_fields=args.af_fields,
        impacts=selection.impacts,
        consequences=selection.consequences,
        min_qual=args.min_qual,
        min_dp=args.min_dp,
        min_gq=args.min_gq,
        require_carrier=args.require_carrier,
        whitelist_overrides_max_af=args.whitelist_overrides_max_af,
        keep_clinvar_pathogenic=args.keep_clinvar_pathogenic,
        clinvar_min_stars=args.clinvar_min_stars,
        min_gene_callable=args.min_gene_callable,
        evaluate_outside_panel=args.evaluate_outside_panel,
        harmonise_contigs=args.harmonise_contigs,
        traversal=args.traversal,
        threads=args.threads,
    )
    facts = _frequency_facts(args.frequency_check, frequency_setting(args.af_fields, args.af_source))
    summary = S.run_screen(args.vcf, args.regions, args.risk_factors, args.samplesheet, args.outdir, config,
                           mane_transcripts=args.mane_transcripts, fasta=args.fasta, sex=args.sex,
                           gnomad_not_covered=list(facts.not_covered), gnomad_file=facts.gnomad_file,
                           gene_coverage=args.gene_coverage)
    if args.warnings_file:
        with open(args.warnings_file, "w") as out:
            out.write("".join(f"{w}\n" for w in summary.warnings))
    print(f"screen: {summary.records} records ({summary.traversal}), {summary.in_panel} in panel, "
          f"{summary.kept} kept ({summary.rescued} by the whitelist, {summary.clinvar_rescued} by ClinVar), "
          f"{summary.dropped} dropped", file=sys.stderr)
    return 0


if __name__ == "__main__":
    run_cli(main)
