"""REPORT: one self-contained HTML report of a screening run, its figures and a MultiQC summary.

Reads the samples CSV, ``sample_qc.tsv``, SCREEN's ``variants.tsv``/``carriers.tsv``/``gene_status.tsv``,
COHORT_STATS' three test tables and ``power.tsv``, ``software_versions.yml`` and a JSON of the run's
parameters; checks that they belong together (same samples and groups, the kept variants of
``variants.tsv`` are the variants of ``carriers.tsv``, the test counts are those the carrier rules
give, one power row per test with its counts); and writes
``hlhscreen_report.html`` (inline CSS, figures as base64 SVG, no scripts, nothing fetched),
``figures/carrier_matrix.{png,svg}``, ``figures/gene_forest.{png,svg}`` and
``report_summary_mqc.tsv``. Section contents and number sources: docs/report.md.

Everything is read, checked and rendered in memory first; the files are then written atomically,
the HTML last, so a failed run never leaves a finished-looking report.
"""

from __future__ import annotations

import base64
import datetime
import html
import json
import math
import os
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

from . import __version__, figures
from .citations import Citations
from .callability import NOT_CALLABLE, read_callability
from .chromosomes import in_natural_order
from .power import REPORTED_ODDS_RATIOS, TARGET_POWER
from .power_text import PowerRow, alpha_text, odds_text, percent, power_sentence, read_power
from .cohort import (
    CARRIER, EXCLUDED, LEVELS, SINGLE_TABLE, TEST_COLUMNS, Call, GeneGaps, GeneStatus, biallelic_outcome,
    check_statuses_match_calls, gene_outcome, not_estimable_reason, optional_text, parse_count, read_calls,
    read_gene_status, variant_outcome, STATUSES,
)
from .gene_coverage import NOT_MEASURED, CoverageRow, read_table as read_gene_coverage_table
from . import clinvar as clinvar_lib
from . import sex as sex_lib
from .errors import UserInputError
from .files import atomic_output
from .frequency_check import on_uncovered_chromosome, read_frequency_check
from .panel import PanelDesign, RiskFactor, load_regions, load_risk_factors, panel_design
from .risk_factors import place_in_panel
from .qc import COLUMNS as QC_COLUMNS, SampleQC
from .tables import GROUPS, check_sample, open_input, optional_number, read_sample_groups, read_tsv

PathLike = Union[str, os.PathLike]
# sample_qc.tsv's sex columns (issue 13): shown when present, absent from files of older runs
QC_SEX_COLUMNS = ("sex_given", "sex_inferred", "sex", "x_autosome_ratio")
# optional in sample_qc.tsv (files of earlier versions lack them): sex (issue 13), on-target rate (issue 10),
# read pairs failing the instrument filter
QC_OPTIONAL_COLUMNS = ("pct_on_target", "pairs_failed_filter", "pct_failed_filter") + QC_SEX_COLUMNS

REPORT_FILE = "hlhscreen_report.html"
MQC_FILE = "report_summary_mqc.tsv"
FIGURE_DIR = "figures"
FIGURES = ("carrier_matrix", "gene_forest")

# variants.tsv (SCREEN): columns the report needs; the others it shows when present.
VARIANT_REQUIRED = ("variant_id", "gene", "hgvsc", "hgvsp", "consequence", "impact", "gnomad_af", "decision",
                    "reasons", "rescued_by", "whitelist_evidence", "whitelist_reason")
VARIANT_OPTIONAL = ("transcript", "rsid", "af_status", "popmax_af", "popmax_population", "af_used",
                    "qual", "whitelisted", "label", "af_field", "clinvar_variation_id", "clinvar_clnsig",
                    "clinvar_review_status", "clinvar_stars", "clinvar_disease")
CLINVAR_RESCUE = "clinvar_pathogenic"
NOT_IN_CLINVAR = "not_in_clinvar"
CLINVAR_NOT_LOOKED_UP = "not_looked_up"  # the ClinVar file has no record on the variant's chromosome
# sex.tsv (SEX_CHECK): the columns the report shows
SEX_COLUMNS = ("sample", "group", "sex_given", "sex_inferred", "sex", "x_autosome_ratio", "note")
# SCREEN's unconfirmed variants (issue 9 item 1); absent from files of older runs (unconfirmed_samples:
# newer runs only; older files list the not-assessable samples alone)
UNCONFIRMED_COLUMNS = ("unconfirmed", "not_assessable_samples", "unconfirmed_samples")
WHITELIST_RESCUE = "risk_factor_whitelist"
DECISIONS = ("kept", "dropped")
LEVEL_FLAGS = {"variant": "--variant-tests", "gene": "--gene-tests", "biallelic": "--biallelic-tests"}

MQC_COLUMNS = ("gene", "kept_variants", "case_carriers", "case_assessable", "control_carriers",
               "control_assessable", "odds_ratio", "ci_low", "ci_high", "p_value", "q_value", "testable")

NA = "NA"


# ================================================================== data read from the inputs


@dataclass(frozen=True)
class KeptVariant:
    variant_id: str
    gene: str
    hgvsc: Optional[str]
    hgvsp: Optional[str]
    consequence: Optional[str]
    impact: Optional[str]
    gnomad_af: Optional[float]
    reasons: Optional[str]
    rescued_by: Optional[str]
    whitelist_reason: Optional[str]
    whitelist_evidence: Optional[str]
    extra: Mapping[str, Optional[str]] = field(default_factory=dict)  # VARIANT_OPTIONAL columns present

    @property
    def rescued(self) -> bool:
        """Kept only because the whitelist waived a frequency rule."""
        return WHITELIST_RESCUE in (self.rescued_by or "").split(";")

    @property
    def clinvar_rescued(self) -> bool:
        """Kept only because ClinVar's Pathogenic/Likely pathogenic classification waived the impact rule."""
        return CLINVAR_RESCUE in (self.rescued_by or "").split(";")

    @property
    def whitelisted(self) -> bool:
        """On the risk-factor whitelist (rescued or not)."""
        flag = self.extra.get("whitelisted")
        return self.rescued or flag == "yes" or (flag is None and self.whitelist_evidence is not None)

    @property
    def label(self) -> str:
        """As COHORT_STATS labels a variant: SCREEN's label, else HGVSp, else HGVSc, else the id."""
        return self.extra.get("label") or self.hgvsp or self.hgvsc or self.variant_id


@dataclass(frozen=True)
class UnconfirmedVariant:
    """A dropped variant whose possible carriers are not non-carriers (variants.tsv ``unconfirmed =
    yes``): a qualifying variant without an assessable carrier, or a record without annotation for
    its ALT (``not_annotated``) or annotated only for other genes (``no_panel_gene_annotation``):
    impact unknown, and it failed no other rule. Not a finding."""

    variant_id: str
    gene: str
    hgvsc: Optional[str]
    hgvsp: Optional[str]
    consequence: Optional[str]
    impact: Optional[str]
    not_assessable_samples: Tuple[str, ...]  # the samples it makes not assessable for the gene
    not_annotated: bool = False
    other_gene_only: bool = False  # annotated only for other genes (no_panel_gene_annotation)
    low_quality: Optional[str] = None  # the site failed QUAL/FILTER: 'QUAL 12.5, FILTER LowQual'

    @property
    def label(self) -> str:
        return self.hgvsp or self.hgvsc or self.variant_id

    @property
    def why(self) -> str:
        """Why its samples are not assessable, for the report's tables."""
        if self.not_annotated:
            impact = "not annotated: impact unknown"
        elif self.other_gene_only:
            impact = "annotated only for another gene: impact unknown"
        else:
            impact = ""
        if self.low_quality is not None:
            return f"low site quality ({self.low_quality}): a call naming the ALT, unconfirmed" + (
                f"; {impact}" if impact else "")
        return impact or "unconfirmed qualifying variant, no assessable carrier"


def site_quality_text(qual: Optional[str], filter_value: Optional[str]) -> str:
    """'QUAL 12.5, FILTER LowQual' from variants.tsv's qual and filter columns (what a low_quality site failed)."""
    parts = [f"QUAL {qual}"] if qual else []
    if filter_value and filter_value not in ("PASS", "."):
        parts.append(f"FILTER {filter_value}")
    return ", ".join(parts) or "QUAL/FILTER"


@dataclass(frozen=True)
class TestRow:
    level: str
    id: str
    gene: str
    label: str
    case_carriers: int
    case_assessable: int
    control_carriers: int
    control_assessable: int
    case_freq: Optional[float]
    control_freq: Optional[float]
    p_value: Optional[float]
    odds_ratio: Optional[float]
    ci_low: Optional[float]
    ci_high: Optional[float]
    q_value: Optional[float]
    testable: bool
    note: Optional[str]
    line: int


@dataclass(frozen=True)
class RiskFactorCandidate:
    """A variant above --common_af that ClinVar calls a risk factor and the whitelist lacks (variants.tsv
    ``risk_factor_candidate = yes``): listed for the user to decide, never added automatically."""

    variant_id: str
    gene: str
    label: str
    af_used: Optional[float]
    clnsig: Optional[str]
    stars: Optional[str]
    variation_id: Optional[str]
    reasons: Optional[str]


@dataclass(frozen=True)
class SexRow:
    sample: str
    group: str
    given: str
    inferred: str
    sex: str
    ratio: Optional[float]
    note: Optional[str]


@dataclass
class ReportData:
    samples: Dict[str, str]                   # sample -> group, samples CSV order
    qc: List[SampleQC]
    variants: List[KeptVariant]               # kept, variants.tsv order
    n_screened: int
    unconfirmed: List[UnconfirmedVariant]     # variants.tsv order
    calls: List[Call]
    gene_status: List[GeneStatus]
    tests: Dict[str, List[TestRow]]
    power: Dict[Tuple[str, str], PowerRow]    # (level, test id) -> power.tsv row
    versions: Dict[str, Dict[str, str]]
    params: Dict[str, Any]
    # panel_callability.tsv rows (every panel gene, callable or why not); None when not given
    panel: Optional[List[Dict[str, str]]] = None
    sexes: List[SexRow] = field(default_factory=list)       # sex.tsv rows (empty: not given)
    clinvar: Optional[Dict[str, Any]] = None                 # clinvar_release.json (None: no ClinVar)
    # frequency_check.json (ANNOTATION_SUMMARY): chromosome -> called variants there, where the gnomAD file has no
    # record (not looked up); None when not given
    gnomad_not_covered: Optional[Dict[str, int]] = None
    gnomad_file: Optional[str] = None
    # the annotation's own gnomAD fields (VEP cache, REST; frequency_check.json): there, 'novel' is gnomAD's
    annotation_gnomad: Tuple[str, ...] = ()
    candidates: List[RiskFactorCandidate] = field(default_factory=list)
    # the risk-factor whitelist as SCREEN screened it (in-panel rows with their decision, rows outside
    # the panel); None when the whitelist was not given
    whitelist: Optional["WhitelistSeen"] = None
    # run-level notes on the reference (reference_notes.txt, e.g. ALT contigs aligned ALT-unaware)
    reference_notes: List[str] = field(default_factory=list)
    # the panel's transcript per gene and padding (genes.tsv against regions.bed); None when not given
    design: Optional[PanelDesign] = None
    # SCREEN's gene_coverage.tsv: every sample x panel gene, kept variant or not; None when not given
    gene_coverage: Optional[List[CoverageRow]] = None

    @cached_property
    def gene_gaps(self) -> GeneGaps:
        """Panel genes not (or only partly) assessed, read once from the panel rows: the rule
        COHORT_STATS applies to its counts, applied again to check them and to list exclusions."""
        return GeneGaps.of_callability(self.panel or [])


# ================================================================== reading


def parse_number(path: PathLike, line: int, column: str, text: str, allow_na: bool = True) -> Optional[float]:
    """A double as the tools write it (``Inf``, ``-Inf``, ``NA``); ``None`` for NA."""
    value = text.strip()
    if value == NA and allow_na:
        return None
    if value in ("Inf", "-Inf"):
        return math.inf if value == "Inf" else -math.inf
    try:
        number = float(value)
    except ValueError:
        raise UserInputError(path, line, column, f"'{text}' is not a number",
                             "Use a decimal number, Inf or NA.") from None
    if math.isnan(number):
        if allow_na:
            return None
        raise UserInputError(path, line, column, f"'{text}' is not a number", "Give a value.")
    return number


def failed_filter_numbers(path: PathLike, line: int, row: Mapping[str, str]) -> Dict[str, Any]:
    """``pairs_failed_filter`` and ``pct_failed_filter`` of a sample_qc.tsv row: None when NA or absent (no FASTQ
    checks, or a file of an earlier version: not assessed)."""
    pairs = row.get("pairs_failed_filter", NA)
    return {"pairs_failed_filter": None if pairs.strip() == NA else parse_count(path, line, "pairs_failed_filter", pairs),
            "pct_failed_filter": parse_number(path, line, "pct_failed_filter", row.get("pct_failed_filter", NA))}


def read_qc(path: PathLike, samples: Mapping[str, str], samples_path: PathLike) -> List[SampleQC]:
    """``sample_qc.tsv``: one row per sample of the samples CSV."""
    rows: Dict[str, SampleQC] = {}
    # the sex columns (issue 13) are shown when present
    for line, row in read_tsv(path, [c for c in QC_COLUMNS if c not in QC_OPTIONAL_COLUMNS], "--qc"):
        sample, group = row["sample"], row["group"]
        check_sample(path, line, sample, group, samples, samples_path)
        if sample in rows:
            raise UserInputError(path, line, "sample", f"second row for sample '{sample}'", "Give one row per sample.")
        numbers = {column: parse_number(path, line, column, row[column], allow_na=False)
                   for column in ("pct_mapped", "mean_panel_depth", "pct_panel_20x")}
        rows[sample] = SampleQC(sample, group, parse_count(path, line, "total_reads", row["total_reads"]),
                                parse_count(path, line, "mapped_reads", row["mapped_reads"]),
                                numbers["pct_mapped"], numbers["mean_panel_depth"], numbers["pct_panel_20x"],
                                row["qc_flag"].strip() or "pass",
                                **{column: row.get(column, NA) for column in QC_SEX_COLUMNS},
                                pct_on_target=parse_number(path, line, "pct_on_target", row.get("pct_on_target", NA)),
                                **failed_filter_numbers(path, line, row))
    missing = [sample for sample in samples if sample not in rows]
    if missing:
        raise UserInputError(path, None, "sample", f"no QC row for sample(s) {', '.join(missing)}",
                             "Give the sample_qc.tsv of the same run.")
    return [rows[sample] for sample in samples]


def read_variants(path: PathLike) -> Tuple[List[KeptVariant], int, List[UnconfirmedVariant]]:
    """Kept variants of ``variants.tsv`` in file order, the number of variants screened, and the
    unconfirmed qualifying variants.

    Only the kept and unconfirmed rows are held in memory (the file has a row for every VCF record)."""
    kept: List[KeptVariant] = []
    unconfirmed: List[UnconfirmedVariant] = []
    seen: Dict[str, int] = {}
    n_screened = 0
    for line, row in read_tsv(path, VARIANT_REQUIRED, "--variants"):
        variant_id = row["variant_id"].strip()
        if not optional_text(variant_id):
            raise UserInputError(path, line, "variant_id", "missing variant id", "Use chrom:pos:ref:alt.")
        decision = row["decision"].strip()
        if decision not in DECISIONS:
            raise UserInputError(path, line, "decision", f"unknown decision '{decision}'", "Use kept or dropped.")
        n_screened += 1
        if decision != "kept":
            if row.get("unconfirmed", "no").strip() == "yes":
                listed = optional_text(row.get("unconfirmed_samples", row.get("not_assessable_samples", "NA")))
                unconfirmed.append(UnconfirmedVariant(
                    variant_id, row["gene"].strip(), optional_text(row["hgvsc"]), optional_text(row["hgvsp"]),
                    optional_text(row["consequence"]), optional_text(row["impact"]),
                    tuple(listed.split(";")) if listed else (),
                    not_annotated="not_annotated" in row["reasons"].split(";"),
                    other_gene_only="no_panel_gene_annotation" in row["reasons"].split(";"),
                    low_quality=(site_quality_text(optional_text(row.get("qual", "NA")),
                                                   optional_text(row.get("filter", "NA")))
                                 if "low_quality" in row["reasons"].split(";") else None)))
            continue
        if variant_id in seen:
            raise UserInputError(path, line, "variant_id",
                                 f"kept variant '{variant_id}' listed twice (first on line {seen[variant_id]})",
                                 "Give one row per variant.")
        seen[variant_id] = line
        rescued_by = optional_text(row["rescued_by"])
        if WHITELIST_RESCUE in (rescued_by or "").split(";") and not optional_text(row["whitelist_evidence"]):
            raise UserInputError(path, line, "whitelist_evidence", "a whitelisted variant without its evidence",
                                 "Every risk-factor whitelist entry needs a citation (docs/panels.md).")
        kept.append(KeptVariant(
            variant_id=variant_id, gene=row["gene"].strip(), hgvsc=optional_text(row["hgvsc"]),
            hgvsp=optional_text(row["hgvsp"]), consequence=optional_text(row["consequence"]),
            impact=optional_text(row["impact"]), gnomad_af=parse_number(path, line, "gnomad_af", row["gnomad_af"]),
            reasons=optional_text(row["reasons"]), rescued_by=rescued_by,
            whitelist_reason=optional_text(row["whitelist_reason"]),
            whitelist_evidence=optional_text(row["whitelist_evidence"]),
            extra={column: optional_text(row[column]) for column in VARIANT_OPTIONAL if column in row},
        ))
    return kept, n_screened, unconfirmed


def read_risk_factor_candidates(path: PathLike) -> List[RiskFactorCandidate]:
    """Rows of ``variants.tsv`` SCREEN marked ``risk_factor_candidate = yes`` (none in files of older runs)."""
    found = []
    for line, row in read_tsv(path, VARIANT_REQUIRED, "--variants"):
        if row.get("risk_factor_candidate", "no").strip() != "yes":
            continue
        found.append(RiskFactorCandidate(
            row["variant_id"].strip(), row["gene"].strip(),
            optional_text(row.get("label", "")) or optional_text(row["hgvsp"]) or optional_text(row["hgvsc"])
            or row["variant_id"].strip(),
            parse_number(path, line, "af_used", row.get("af_used", "NA")), optional_text(row.get("clinvar_clnsig", "")),
            optional_text(row.get("clinvar_stars", "")), optional_text(row.get("clinvar_variation_id", "")),
            optional_text(row["reasons"])))
    return found


def read_sexes(path: PathLike, samples: Mapping[str, str], samples_path: PathLike) -> List[SexRow]:
    """``sex.tsv`` (SEX_CHECK): one row per sample of the samples CSV."""
    rows: Dict[str, SexRow] = {}
    for line, row in read_tsv(path, SEX_COLUMNS, "--sex"):
        check_sample(path, line, row["sample"], row["group"], samples, samples_path)
        for column in ("sex_given", "sex_inferred", "sex"):
            if row[column] not in sex_lib.SEXES:
                raise UserInputError(path, line, column, f"'{row[column]}' is not one of {', '.join(sex_lib.SEXES)}",
                                     "Give the sex.tsv SEX_CHECK wrote.")
        if row["sample"] in rows:
            raise UserInputError(path, line, "sample", f"second row for sample '{row['sample']}'", "Give one row per sample.")
        rows[row["sample"]] = SexRow(row["sample"], row["group"], row["sex_given"], row["sex_inferred"], row["sex"],
                                     parse_number(path, line, "x_autosome_ratio", row["x_autosome_ratio"]),
                                     optional_text(row["note"]))
    missing = [sample for sample in samples if sample not in rows]
    if missing:
        raise UserInputError(path, None, "sample", f"no sex row for sample(s) {', '.join(missing)}",
                             "Give the sex.tsv of the same run.")
    return [rows[sample] for sample in samples]


def read_clinvar_release(path: PathLike) -> Dict[str, Any]:
    """``clinvar_release.json`` (CLINVAR_ANNOTATE): file, fileDate, source, citation, counts."""
    with open_input(path, "--clinvar-release") as handle:
        try:
            release = json.load(handle)
        except json.JSONDecodeError as err:
            raise UserInputError(path, err.lineno, "--clinvar-release", f"not JSON ({err.msg})",
                                 "Give the clinvar_release.json CLINVAR_ANNOTATE wrote.") from None
    if not isinstance(release, dict) or "citation" not in release:
        raise UserInputError(path, None, "--clinvar-release", "no citation in the file",
                             "Give the clinvar_release.json CLINVAR_ANNOTATE wrote.")
    return release


def read_tests(path: PathLike, level: str) -> List[TestRow]:
    """One COHORT_STATS test table (``variant_tests.tsv``, ``gene_tests.tsv`` or ``biallelic_tests.tsv``)."""
    flag = LEVEL_FLAGS[level]
    tests: List[TestRow] = []
    for line, row in read_tsv(path, TEST_COLUMNS, flag):
        if row["level"] != level:
            raise UserInputError(path, line, "level", f"'{row['level']}' in the {level} test table",
                                 f"Give {flag} the {level}_tests.tsv of COHORT_STATS.")
        if row["testable"] not in ("yes", "no"):
            raise UserInputError(path, line, "testable", f"'{row['testable']}' is not yes or no")
        counts = {column: parse_count(path, line, column, row[column])
                  for column in ("case_carriers", "case_assessable", "control_carriers", "control_assessable")}
        numbers = {column: parse_number(path, line, column, row[column])
                   for column in ("case_freq", "control_freq", "p_value", "odds_ratio", "ci_low", "ci_high", "q_value")}
        testable = row["testable"] == "yes"
        if testable:
            for column in ("p_value", "odds_ratio", "ci_low", "ci_high", "q_value"):
                if numbers[column] is None:
                    raise UserInputError(path, line, column, "NA in a testable test", "Rerun COHORT_STATS.")
        tests.append(TestRow(level, row["id"], row["gene"], row["label"], testable=testable,
                             note=optional_text(row["note"]), line=line, **counts, **numbers))
    return tests


def read_versions(path: PathLike) -> Dict[str, Dict[str, str]]:
    """``software_versions.yml`` ({step: {tool: version}}); versions stay text (``1.10`` is not ``1.1``)."""
    import yaml

    with open_input(path, "--versions") as handle:
        text = handle.read()
    try:
        data = yaml.load(text, Loader=yaml.BaseLoader)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        raise UserInputError(path, mark.line + 1 if mark else None, "--versions",
                             f"not valid YAML ({err.__class__.__name__})",
                             "Give pipeline_info/software_versions.yml.") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise UserInputError(path, None, "--versions", "expected a mapping of step -> {tool: version}",
                             "Give pipeline_info/software_versions.yml.")
    versions: Dict[str, Dict[str, str]] = {}
    for step, tools in data.items():
        if not isinstance(tools, dict):
            raise UserInputError(path, None, str(step), "expected a mapping of tool -> version under the step",
                                 "Give pipeline_info/software_versions.yml.")
        versions[str(step)] = {str(tool): str(version) for tool, version in tools.items()}
    return versions


def read_params(path: PathLike) -> Dict[str, Any]:
    """The run's parameters (JSON object); keys the report does not know are shown as they are."""
    with open_input(path, "--params") as handle:
        text = handle.read()
    try:
        data = json.loads(text) if text.strip() else {}
    except json.JSONDecodeError as err:
        raise UserInputError(path, err.lineno, "--params", f"not valid JSON ({err.msg})",
                             "Give the JSON of the run's parameters.") from None
    if not isinstance(data, dict):
        raise UserInputError(path, None, "--params", "expected a JSON object of parameter -> value",
                             "Give the JSON of the run's parameters.")
    return data


# ================================================================== consistency between the inputs


def check_kept_match(variants_path: PathLike, carriers_path: PathLike, variants: Sequence[KeptVariant],
                     calls: Sequence[Call]) -> None:
    """The kept variants of variants.tsv and the variants of carriers.tsv must be the same set."""
    kept = {variant.variant_id for variant in variants}
    in_carriers = {call.variant_id for call in calls}
    extra = [vid for vid in dict.fromkeys(call.variant_id for call in calls) if vid not in kept]
    if extra:
        raise UserInputError(carriers_path, None, "variant_id",
                             f"variant '{extra[0]}' has carrier rows but is not kept in {variants_path}",
                             "Give variants.tsv and carriers.tsv of the same SCREEN run.")
    missing = [variant.variant_id for variant in variants if variant.variant_id not in in_carriers]
    if missing:
        raise UserInputError(variants_path, None, "variant_id",
                             f"kept variant '{missing[0]}' has no rows in {carriers_path}",
                             "Give variants.tsv and carriers.tsv of the same SCREEN run.")


def expected_counts(data: ReportData) -> Dict[str, Dict[str, Tuple[int, int, int, int]]]:
    """(case carriers, case assessable, control carriers, control assessable) per level and test id, by the
    carrier rules of COHORT_STATS applied to carriers.tsv and gene_status.tsv."""
    counts: Dict[str, Dict[str, List[int]]] = {level: {} for level in LEVELS}

    def add(level: str, key: str, group: str, outcome: str) -> None:
        tally = counts[level].setdefault(key, [0, 0, 0, 0])
        if outcome == EXCLUDED:
            return
        offset = 0 if group == "case" else 2
        tally[offset + 1] += 1
        tally[offset] += outcome == CARRIER

    gaps = data.gene_gaps
    for call in data.calls:
        add("variant", call.variant_id, call.group, gaps.outcome(call.gene, variant_outcome(call.state)))
    for status in data.gene_status:
        add("gene", status.gene, status.group,
            gaps.outcome(status.gene, gene_outcome(status.status, status.n_unassessed)))
        add("biallelic", status.gene, status.group,
            gaps.outcome(status.gene, biallelic_outcome(status.status, status.n_unassessed)))
    return {level: {key: tuple(value) for key, value in table.items()} for level, table in counts.items()}


def check_tests_match(data: ReportData, test_paths: Mapping[str, PathLike], source: Mapping[str, PathLike]) -> None:
    """Every test table must hold one row per variant/gene with the counts the carrier rules give."""
    expected = expected_counts(data)
    for level in LEVELS:
        path, wanted = test_paths[level], expected[level]
        seen = set()
        for test in data.tests[level]:
            if test.id not in wanted:
                raise UserInputError(path, test.line, "id", f"'{test.id}' is not in {source[level]}",
                                     "Give the test tables COHORT_STATS made from these SCREEN outputs.")
            if test.id in seen:
                raise UserInputError(path, test.line, "id", f"'{test.id}' is tested twice")
            seen.add(test.id)
            got = (test.case_carriers, test.case_assessable, test.control_carriers, test.control_assessable)
            names = ("case_carriers", "case_assessable", "control_carriers", "control_assessable")
            for name, have, want in zip(names, got, wanted[test.id]):
                if have != want:
                    raise UserInputError(path, test.line, name,
                                         f"{have} for '{test.id}' but {source[level]} gives {want}",
                                         "Give the test tables COHORT_STATS made from these SCREEN outputs.")
        missing = [key for key in wanted if key not in seen]
        if missing:
            raise UserInputError(path, None, "id", f"no test for '{missing[0]}' of {source[level]}",
                                 "Give the test tables COHORT_STATS made from these SCREEN outputs.")


def check_not_assessable_variants(data: ReportData, gene_status_path: PathLike, variants_path: PathLike) -> None:
    """Every variant gene_status.tsv names as not assessable must be a kept or unconfirmed variant of
    variants.tsv (so the report can say which variant it is); catches files of different runs."""
    known = {variant.variant_id for variant in data.variants} | {variant.variant_id for variant in data.unconfirmed}
    for status in data.gene_status:
        for variant_id in status.not_assessable_variants:
            if variant_id not in known:
                raise UserInputError(gene_status_path, None, "not_assessable_variants",
                                     f"'{variant_id}' (sample {status.sample}, gene {status.gene}) is neither kept nor "
                                     f"unconfirmed in {variants_path}",
                                     "Give variants.tsv and gene_status.tsv of the same SCREEN run.")


def check_power_match(data: ReportData, power_path: PathLike, test_paths: Mapping[str, PathLike]) -> None:
    """power.tsv must have one row per test, with the test's group sizes and control carriers."""
    wanted = {(level, test.id): test for level in LEVELS for test in data.tests[level]}
    for key, row in data.power.items():
        test = wanted.get(key)
        if test is None:
            raise UserInputError(power_path, row.line, "id", f"'{row.id}' ({row.level} level) is not in "
                                 f"{test_paths[row.level]}", "Give power.tsv of the same COHORT_STATS run.")
        for name, have, want in (("case_assessable", row.case_assessable, test.case_assessable),
                                 ("control_assessable", row.control_assessable, test.control_assessable),
                                 ("control_carriers", row.control_carriers, test.control_carriers)):
            if have != want:
                raise UserInputError(power_path, row.line, name, f"{have} for '{row.id}' but {test_paths[row.level]} "
                                     f"gives {want}", "Give power.tsv of the same COHORT_STATS run.")
    missing = [key for key in wanted if key not in data.power]
    if missing:
        raise UserInputError(power_path, None, "id", f"no power row for '{missing[0][1]}' ({missing[0][0]} level)",
                             "Give power.tsv of the same COHORT_STATS run.")


@dataclass(frozen=True)
class WhitelistSeen:
    """The run's whitelist as SCREEN screened it: ``rows``, the entries in the panel regions (file
    order) with the variants.tsv decision of the record each matched (None: no record matched, not
    seen); ``outside``, the entries outside the panel regions or on a contig the panel does not cover,
    which SCREEN does not screen (warned 'can never be kept'), so they are neither seen nor unseen."""

    rows: List[Tuple[RiskFactor, Optional[str]]]
    outside: List[RiskFactor]


def read_whitelist_seen(risk_factors: PathLike, variants: PathLike, regions: PathLike) -> WhitelistSeen:
    """Each whitelist row with the decision of the variants.tsv record it matched (``whitelisted =
    yes``), split by :func:`hlhscreen.risk_factors.place_in_panel` as SCREEN splits them, so the
    report's not-seen list is SCREEN's. Chromosomes are compared whatever their spelling
    (``chr10``/``10``): SCREEN writes the panel's."""
    def site(chrom: str, pos: str, ref: str, alt: str) -> Tuple[str, str, str, str]:
        return (sex_lib.chromosome(chrom) or chrom, pos, ref, alt)

    decisions: Dict[Tuple[str, str, str, str], str] = {}
    for _, row in read_tsv(variants, ("variant_id", "decision", "whitelisted"), "--variants"):
        if row["whitelisted"].strip() == "yes":
            parts = row["variant_id"].strip().rsplit(":", 3)
            if len(parts) == 4:
                decisions[site(*parts)] = row["decision"].strip()
    panel = load_regions(regions)
    factors = sorted(load_risk_factors(risk_factors).values(), key=lambda factor: factor.line)
    inside = [f for f in factors if place_in_panel(f, panel).inside]
    return WhitelistSeen([(f, decisions.get(site(f.chrom, str(f.pos), f.ref, f.alt))) for f in inside],
                         [f for f in factors if f not in inside])


def read_reference_notes(path: PathLike) -> List[str]:
    """reference_notes.txt: one note a line (empty: nothing to say)."""
    with open_input(path, "--reference-notes") as handle:
        return [line.strip() for line in handle if line.strip()]


def load(samples: PathLike, qc: PathLike, variants: PathLike, carriers: PathLike, gene_status: PathLike,
         variant_tests: PathLike, gene_tests: PathLike, biallelic_tests: PathLike, power: PathLike,
         versions: PathLike, params: PathLike, panel_callability: Optional[PathLike] = None,
         sex: Optional[PathLike] = None, clinvar_release: Optional[PathLike] = None,
         risk_factors: Optional[PathLike] = None, regions: Optional[PathLike] = None,
         frequency_check: Optional[PathLike] = None, reference_notes: Optional[PathLike] = None,
         panel_genes: Optional[PathLike] = None,
         gene_coverage: Optional[PathLike] = None) -> ReportData:
    """Read and cross-check every input. ``risk_factors`` needs ``regions`` (the panel regions BED
    SCREEN was given): entries outside them were not screened; so does ``panel_genes`` (the panel's genes.tsv:
    its transcripts, and the padding read back from the regions)."""
    if risk_factors is not None and regions is None:
        raise UserInputError(None, None, "--regions", "--risk-factors is given without the panel regions",
                             "Give --regions, the regions BED SCREEN screened (whitelist entries outside it were "
                             "not screened, so they cannot be called not seen).")
    if panel_genes is not None and regions is None:
        raise UserInputError(None, None, "--regions", "--panel-genes is given without the panel regions",
                             "Give --regions, the regions BED SCREEN screened (the padding is read from it).")
    sheet = read_sample_groups(samples, "--samples", both_groups=True)
    groups = {sample: info.group for sample, info in sheet.items()}
    kept, n_screened, unconfirmed = read_variants(variants)
    calls = read_calls(carriers, groups, samples)
    check_kept_match(variants, carriers, kept, calls)
    statuses = read_gene_status(gene_status, groups, samples)
    check_statuses_match_calls(calls, statuses, gene_status, carriers)
    test_paths = {"variant": variant_tests, "gene": gene_tests, "biallelic": biallelic_tests}
    data = ReportData(
        samples=groups, qc=read_qc(qc, groups, samples), variants=kept, n_screened=n_screened,
        unconfirmed=unconfirmed, calls=calls,
        gene_status=statuses,
        tests={level: read_tests(test_paths[level], level) for level in LEVELS}, power=read_power(power),
        versions=read_versions(versions), params=read_params(params),
        panel=read_callability(panel_callability) if panel_callability else None,
        sexes=read_sexes(sex, groups, samples) if sex is not None else [],
        clinvar=read_clinvar_release(clinvar_release) if clinvar_release is not None else None,
        candidates=read_risk_factor_candidates(variants),
        whitelist=read_whitelist_seen(risk_factors, variants, regions) if risk_factors is not None else None,
        reference_notes=read_reference_notes(reference_notes) if reference_notes is not None else [],
        design=panel_design(panel_genes, regions) if panel_genes is not None and regions is not None else None,
    )
    if gene_coverage is not None:
        data.gene_coverage = read_gene_coverage_table(gene_coverage, groups, samples, STATUSES)
        check_coverage_matches_status(data.gene_coverage, statuses, gene_coverage, gene_status)
    if frequency_check is not None:
        facts = read_frequency_check(frequency_check)
        data.gnomad_file, data.gnomad_not_covered = facts.gnomad_file, facts.not_covered
        data.annotation_gnomad = facts.annotation_gnomad
    check_tests_match(data, test_paths, {"variant": carriers, "gene": gene_status, "biallelic": gene_status})
    check_not_assessable_variants(data, gene_status, variants)
    check_power_match(data, power, test_paths)
    return data


def check_coverage_matches_status(rows: Sequence[CoverageRow], statuses: Sequence[GeneStatus],
                                  gene_coverage: PathLike, gene_status: PathLike) -> None:
    """gene_coverage.tsv must repeat gene_status.tsv for the genes that have rows there (in_gene_status yes,
    the same status and low-coverage reason) and have in_gene_status no for every other gene."""
    listed = {(status.sample, status.gene): status for status in statuses}
    fix = "Give gene_coverage.tsv and gene_status.tsv of the same SCREEN run."
    for row in rows:
        status = listed.get((row.sample, row.gene))
        if row.in_gene_status != (status is not None):
            raise UserInputError(gene_coverage, row.line, "in_gene_status",
                                 f"sample '{row.sample}' in gene '{row.gene}': {'yes' if row.in_gene_status else 'no'}, "
                                 f"but {gene_status} has {'a' if status else 'no'} row for it", fix)
        if status is None:
            continue
        reason = None if row.coverage_reason == NOT_MEASURED else row.coverage_reason
        if (row.status, reason) != (status.status, status.coverage_reason):
            raise UserInputError(gene_coverage, row.line, "status",
                                 f"sample '{row.sample}' in gene '{row.gene}': {row.status} "
                                 f"({row.coverage_reason or NA}) here but {status.status} "
                                 f"({status.coverage_reason or NA}) on line {status.line} of {gene_status}", fix)
    genes = {row.gene for row in rows}
    missing = sorted({status.gene for status in statuses} - genes)
    if missing:
        raise UserInputError(gene_coverage, None, "gene", f"no rows for gene(s) {', '.join(missing)} of {gene_status}",
                             fix)


# ================================================================== number and text formatting


def sig3(value: Optional[float]) -> str:
    """Three significant digits (trailing zeros kept: 0.500, 1.00); 0 -> "0", Inf -> "Inf", None -> "NA"."""
    if value is None or math.isnan(value):
        return NA
    if math.isinf(value):
        return "Inf" if value > 0 else "-Inf"
    if value == 0:
        return "0"
    text = format(value, "#.3g")
    mantissa, _, exponent = text.partition("e")
    mantissa = mantissa.rstrip(".")
    return f"{mantissa}e{exponent}" if exponent else mantissa


NOT_ESTIMABLE_TEXT = {
    # "assessable": a sample left out of the test (not assessable) may carry; the text is about the others
    "no_carriers": "no carrier among the assessable samples of either group",
    "all_carriers": "every assessable sample carries",
    "no_case_carrier": "no carrier among the assessable cases",
    "no_control_carrier": "no carrier among the assessable controls",
    "all_cases_carry": "every assessable case carries",
    "all_controls_carry": "every assessable control carries",
}


def not_estimable(test: TestRow) -> Optional[str]:
    """COHORT_STATS' reason code when a testable test's odds ratio is 0 or Inf because of a zero cell."""
    if not test.testable:
        return None
    return not_estimable_reason(test.case_carriers, test.case_assessable, test.control_carriers,
                                test.control_assessable)


def odds_ratio_text(test: TestRow) -> str:
    """``OR (low-high)``; ``NA`` when not testable; "not estimable (why)" with the CI when a zero cell puts
    R's estimate at 0 or Inf (the CI only when one of its limits is finite)."""
    if not test.testable:
        return NA
    reason = not_estimable(test)
    if reason is None:
        return f"{sig3(test.odds_ratio)} ({sig3(test.ci_low)}\u2013{sig3(test.ci_high)})"
    text = f"not estimable ({NOT_ESTIMABLE_TEXT[reason]})"
    if reason in SINGLE_TABLE:
        return text
    return f"{text}; CI {sig3(test.ci_low)}\u2013{sig3(test.ci_high)}"


def fraction_text(carriers: int, assessable: int) -> str:
    """``k/n (f%)``; the percentage with one decimal, ``k/0`` without one."""
    if assessable == 0:
        return f"{carriers}/0"
    return f"{carriers}/{assessable} ({100.0 * carriers / assessable:.1f}%)"


def _extra_number(variant: KeptVariant, column: str) -> Optional[float]:
    text = variant.extra.get(column)
    return None if text is None else optional_number(text)


GNOMAD_NOT_LOOKED_UP = ("not looked up: the gnomAD file has no record on this chromosome (frequency unknown; the "
                        "filters treated it as novel)")


def variant_chrom(variant_id: str) -> str:
    """The chromosome of a ``chrom:pos:ref:alt`` id (a contig name may hold ':' itself)."""
    return variant_id.rsplit(":", 3)[0]


def gnomad_not_looked_up(data: ReportData, variant_id: str) -> bool:
    """Whether the variant lies on a chromosome the gnomAD file has no record on (any spelling of its name), and
    the annotation carried no gnomAD of its own (which was looked up there: SCREEN's af_status then says)."""
    return not data.annotation_gnomad and on_uncovered_chromosome(variant_chrom(variant_id),
                                                                   data.gnomad_not_covered or {})


def gnomad_unlooked_chromosomes(data: ReportData) -> List[str]:
    """The chromosomes where gnomAD was looked up nowhere (natural order): the gnomAD file has no record there and
    the annotation carried no gnomAD of its own."""
    if data.annotation_gnomad:
        return []
    return in_natural_order(data.gnomad_not_covered or {})


def has_no_frequency(variant: KeptVariant) -> bool:
    """No allele frequency of any kind reached the filters (no gnomAD AF, popmax or AF used)."""
    return (variant.gnomad_af is None and _extra_number(variant, "popmax_af") is None
            and _extra_number(variant, "af_used") is None)


def af_text(variant: KeptVariant, not_looked_up: bool = False) -> str:
    """gnomAD AF with 3 significant digits (plus popmax and the AF the filters used when it differs),
    or that the variant is absent from gnomAD, or (``not_looked_up``) that gnomAD was not consulted there."""
    status = (variant.extra.get("af_status") or "").lower()
    popmax = _extra_number(variant, "popmax_af")
    used = _extra_number(variant, "af_used")
    if has_no_frequency(variant):
        if status == "not_matchable":
            return "unknown: an MNP/complex allele, which gnomAD lists as separate SNVs/indels (not matchable)"
        return GNOMAD_NOT_LOOKED_UP if not_looked_up or status == "not_looked_up" else "novel / not in gnomAD"
    parts = [sig3(variant.gnomad_af) if variant.gnomad_af is not None else "no global AF in gnomAD"]
    if popmax is not None:
        population = variant.extra.get("popmax_population")
        parts.append(f"popmax {sig3(popmax)}" + (f" ({population})" if population else ""))
    if status in ("novel", "not_looked_up"):
        parts.append("treated as novel by the filters")
    elif used is not None and used != variant.gnomad_af:
        # SCREEN says which field gave it (another dataset, a group maximum, ...)
        source = variant.extra.get("af_field")
        parts.append(f"AF used by the filters {sig3(used)}" + (f" ({source})" if source else ""))
    return "; ".join(parts)


KEPT_REASON_TEXT = {
    "in_panel": "in the panel regions",
    "quality_pass": "call quality passed",
    "af_novel": "not in gnomAD (novel)",
    "af_not_looked_up": "no gnomAD frequency (not looked up: the gnomAD file has no record on this chromosome), "
                        "treated as novel",
    "af_not_matchable": "no gnomAD frequency can match this MNP/complex allele (frequency unknown, not known to be rare)",
    "af_below_common": "gnomAD AF within the limits",
    WHITELIST_RESCUE: "gnomAD AF above the common-variant limit, kept by the risk-factor whitelist",
    CLINVAR_RESCUE: "predicted impact not selected, kept because ClinVar classifies it Pathogenic/Likely pathogenic "
                    "with enough review stars",
    "assessable_carrier": "at least one assessable carrier",
}


def kept_reason_text(code: str, not_looked_up: bool = False) -> str:
    """Plain words for one of SCREEN's 'why it passed' codes (unknown codes are shown as they are);
    ``not_looked_up``: the gnomAD file has no record on the variant's chromosome."""
    if code == "af_novel" and not_looked_up:
        return KEPT_REASON_TEXT["af_not_looked_up"]
    if code in KEPT_REASON_TEXT:
        return KEPT_REASON_TEXT[code]
    kind, _, value = code.partition(":")
    if kind == "impact" and value:
        return f"predicted impact {value}"
    if kind == "consequence" and value:
        return f"consequence {value}"
    return code


QC_CHECKS = {
    "mean_depth": ("mean_panel_depth", "mean panel depth below {}x"),
    "pct_20x": ("pct_panel_20x", "fewer than {}% of panel bases at >= 20x"),
    "pct_mapped": ("pct_mapped", "fewer than {}% of reads mapped"),
    "pct_on_target": ("pct_on_target", "fewer than {}% of aligned bases on the capture targets (failed capture?)"),
    "pct_failed_filter": ("pct_failed_filter", "more than {}% of read pairs flagged by the sequencer as failing its "
                                               "filter (1:Y:; FASTQs exported with the unfiltered clusters?)"),
}
_QC_TOKEN = re.compile(r"^([a-z0-9_]+)[<>](.+)$")


QC_PLAIN_FLAGS = {
    "sex_mismatch": ("sex", "the sex given in the samplesheet disagrees with the sex its chrX depth shows "
                            "(sample swap, data-entry error, or a sex-chromosome aneuploidy such as 47,XXY or 45,X?): "
                            "sex unknown, not assessed on chrX"),
    sex_lib.NOTE_LOW_X: ("x_autosome_ratio", f"chrX depth below one X copy (chrX / autosome ratio < "
                                             f"{sex_lib.MALE_MIN_RATIO:g}): the chrX targets failed in this sample, so "
                                             "no sex could be read and its X-linked genes are barely covered"),
}


def qc_failures(flag: str) -> List[Tuple[Optional[str], str]]:
    """(QC column or None, plain-language reason) for each failed check in a ``qc_flag``."""
    if flag in ("", "pass", NA):
        return []
    failures = []
    for token in flag.split(";"):
        match = _QC_TOKEN.match(token.strip())
        if match and match.group(1) in QC_CHECKS:
            column, text = QC_CHECKS[match.group(1)]
            failures.append((column, text.format(match.group(2))))
        elif token.strip() in QC_PLAIN_FLAGS:
            failures.append(QC_PLAIN_FLAGS[token.strip()])
        else:
            failures.append((None, token.strip()))
    return failures


NOTE_TEXT = {"no_call": "no genotype called", "low_depth": "read depth below the minimum",
             "low_gq": "genotype quality below the minimum",
             "sex_unknown": "sex unknown, so a chrX call cannot be read (one copy or two?)",
             "het_call_in_male": "heterozygous call in a male on chrX, which cannot be right",
             "female_chrY": "a chrY call in a female",
             "ploidy_mismatch": "the genotype has another number of alleles than the sample has copies of the site "
                                "(a haploid call on an autosome or a female's chrX, a polyploid call)",
             "genotype_filtered": "the genotype failed a filter of the caller or a filter step (FORMAT/FT)"}
STATE_SHORT = {"het": "het", "hom_alt": "hom", "hemizygous": "hemi"}


def note_text(note: Optional[str], params: Mapping[str, Any]) -> str:
    """Why a genotype is not assessable, in words (with the threshold when the parameters give it)."""
    if not note:
        return "not assessable"
    parts = []
    for token in note.split(";"):
        text = NOTE_TEXT.get(token, token)
        threshold = {"low_depth": params.get("min_dp"), "low_gq": params.get("min_gq")}.get(token)
        if threshold is not None:
            text = text.replace("the minimum", f"{value_text(threshold)}")
        parts.append(text)
    return "; ".join(parts)


def value_text(value: Any) -> str:
    """A parameter value as text: lists comma-joined, null as 'not set', nested objects as JSON."""
    if value is None:
        return "not set"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return ", ".join(value_text(item) for item in value)
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True)
    return str(value)


# ================================================================== HTML building blocks


class Html(str):
    """Text that is already HTML (built here from escaped parts); everything else gets escaped."""


def esc(value: Any) -> Html:
    if isinstance(value, Html):
        return value
    return Html(html.escape("" if value is None else str(value), quote=True))


def tag(name: str, content: Any = "", **attrs: Any) -> Html:
    """``<name attrs>content</name>``; attribute names with a trailing ``_`` lose it (``class_``)."""
    rendered = "".join(f' {key.rstrip("_").replace("_", "-")}="{esc(value)}"' for key, value in attrs.items()
                       if value is not None)
    return Html(f"<{name}{rendered}>{esc(content)}</{name}>")


def join(parts: Iterable[Any], sep: str = "") -> Html:
    return Html(esc(sep).join(esc(part) for part in parts))


class Td(Html):
    """A finished table cell (made by :func:`td`, e.g. with a class); :func:`table` wraps anything else."""


def td(content: Any, class_: Optional[str] = None) -> Td:
    return Td(tag("td", content, class_=class_))


def table(headers: Sequence[Any], rows: Iterable[Sequence[Any]], class_: str = "data",
          row_classes: Optional[Sequence[Optional[str]]] = None) -> Html:
    head = tag("thead", tag("tr", join(tag("th", header, scope="col") for header in headers)))
    body_rows = []
    for index, cells in enumerate(rows):
        cls = row_classes[index] if row_classes else None
        body_rows.append(tag("tr", join(cell if isinstance(cell, Td) else td(cell) for cell in cells), class_=cls))
    return tag("table", join([head, tag("tbody", join(body_rows))]), class_=class_)


def section(anchor: str, title: str, lead: str, *body: Any) -> Html:
    return tag("section", join([tag("h2", title), tag("p", lead, class_="lead"), *body]), id=anchor)


def bullet_list(items: Iterable[Any]) -> Html:
    return tag("ul", join(tag("li", item) for item in items))


def figure_html(svg: bytes, alt: str, caption: Any, scroll: bool = False) -> Html:
    """The SVG embedded as a data URI; ``scroll``: shown at full size in a scrolling frame, because shrunk to
    the page width a large figure's labels and marks would be a few pixels (hundreds of samples or variants)."""
    source = "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")
    image = Html(f'<img src="{esc(source)}" alt="{esc(alt)}">')
    return tag("figure", join([tag("div", image, class_="scroll") if scroll else image, tag("figcaption", caption)]))


CSS = """
body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 0 auto; max-width: 1200px;
       padding: 1em 2em; color: #1a1a1a; line-height: 1.45; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; }
h2 { border-bottom: 2px solid #0072B2; padding-bottom: 0.15em; margin-top: 2em; }
h3 { margin-top: 1.4em; }
p.lead { font-size: 1.05em; background: #F3F7FB; border-left: 4px solid #0072B2; padding: 0.5em 0.8em; }
table.data { border-collapse: collapse; margin: 0.6em 0 1.2em 0; font-size: 0.88em; }
table.data th, table.data td { border: 1px solid #CCCCCC; padding: 0.25em 0.5em; vertical-align: top;
                               text-align: left; }
table.data th { background: #EEF2F5; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.below { background: #FBE3D6; font-weight: bold; }
tr.flagged td:first-child { border-left: 4px solid #D55E00; }
tr.untestable td, tr.degenerate td { color: #555555; font-style: italic; }
td.estimate { font-style: italic; max-width: 18em; }
.codes code { font-size: 0.8em; color: #555555; }
.evidence { font-size: 0.92em; background: #FFF8E5; border-left: 3px solid #E69F00; padding: 0.2em 0.4em;
            margin-top: 0.3em; }
figure { margin: 1em 0; } figure img { max-width: 100%; height: auto; border: 1px solid #DDDDDD; }
details > summary { cursor: pointer; font-weight: bold; margin: 0.4em 0; }
figure div.scroll { overflow: auto; max-height: 85vh; border: 1px solid #DDDDDD; }
figure div.scroll img { max-width: none; border: none; }
figcaption { font-size: 0.9em; color: #333333; margin-top: 0.4em; }
nav ol { columns: 2; font-size: 0.95em; }
footer { margin-top: 3em; border-top: 1px solid #CCCCCC; padding-top: 0.5em; font-size: 0.85em; color: #555555; }
code { font-size: 0.92em; }
.stars { color: #B8860B; white-space: nowrap; }
@media print {
  section { page-break-inside: avoid; } nav { display: none; }
  body { max-width: none; padding: 0; }
  table.data { font-size: 0.72em; } table.data th, table.data td { padding: 0.15em 0.3em; }
  details::details-content { content-visibility: visible; display: block; }
  figure div.scroll { overflow: visible; max-height: none; border: none; }
  figure div.scroll img { max-width: 100%; }
}
"""


# ================================================================== derived views


def ordered_samples(data: ReportData) -> List[Tuple[str, str]]:
    """Cases first, then controls, each in samples-file order."""
    return [(sample, group) for wanted in GROUPS for sample, group in data.samples.items() if group == wanted]


def calls_by_variant(data: ReportData) -> Dict[str, List[Call]]:
    grouped: Dict[str, List[Call]] = {}
    for call in data.calls:
        grouped.setdefault(call.variant_id, []).append(call)
    return grouped


def variant_display(variant: KeptVariant) -> str:
    return f"{variant.gene} {variant.label}"


def exclusions(data: ReportData) -> List[Tuple[str, str, str, str]]:
    """(sample, group, test, reason) for every sample left out of a test because it was not assessable."""
    labels = {variant.variant_id: variant_display(variant) for variant in data.variants}
    rows: List[Tuple[str, str, str, str]] = []
    gaps = data.gene_gaps

    def unassessed(gene: str) -> str:
        return f"{gene} was not assessed in this run ({gaps.not_assessed[gene]}): no sample counts as a non-carrier"

    for call in data.calls:
        if call.gene in gaps.not_assessed:
            rows.append((call.sample, call.group, f"variant {labels.get(call.variant_id, call.variant_id)}",
                         unassessed(call.gene)))
        elif variant_outcome(call.state) == EXCLUDED:
            measured = [f"{name} {value}" for name, value in (("DP", call.depth), ("GQ", call.gq)) if value]
            depth = f" ({', '.join(measured)})" if measured else ""
            rows.append((call.sample, call.group, f"variant {labels.get(call.variant_id, call.variant_id)}",
                         note_text(call.note, data.params) + depth))
    index = VariantIndex.of(data)
    for status in data.gene_status:
        if status.gene in gaps.not_assessed:
            rows.extend((status.sample, status.group, f"gene {status.gene} ({level})", unassessed(status.gene))
                        for level in ("any carrier", "biallelic"))
            continue
        variants = not_assessable_variants_text(data, status, index)
        if gene_outcome(status.status, status.n_unassessed) == EXCLUDED:
            rows.append((status.sample, status.group, f"gene {status.gene} (any carrier)",
                         f"not assessable for {status.gene}: {variants}; it carries no kept variant of the gene "
                         f"assessably, and cannot be called a non-carrier"))
        if biallelic_outcome(status.status, status.n_unassessed) == EXCLUDED:
            carried = len(status.carried_variants)
            # monoallelic: one het, or several hets phased in cis (SCREEN's gene status)
            held = ("it carries no kept variant of the gene assessably" if status.status != "monoallelic"
                    else "it carries one kept variant" if carried <= 1
                    else f"it carries {carried} kept variants, in cis")
            rows.append((status.sample, status.group, f"gene {status.gene} (biallelic)",
                         f"not assessable at {variants}; {held} and cannot be called non-biallelic "
                         f"(status {status.status})"))
    order = {sample: position for position, (sample, _) in enumerate(ordered_samples(data))}
    return sorted(rows, key=lambda row: order[row[0]])


@dataclass(frozen=True)
class VariantIndex:
    """Kept and unconfirmed variants by id and calls by (sample, variant id), built once per report: a
    per-row rebuild made the report quadratic in samples (80 s at 960 samples; docs/benchmarks.md)."""
    kept: Dict[str, KeptVariant]
    unconfirmed: Dict[str, UnconfirmedVariant]
    calls: Dict[Tuple[str, str], Call]

    @staticmethod
    def of(data: ReportData) -> "VariantIndex":
        return VariantIndex({v.variant_id: v for v in data.variants}, {v.variant_id: v for v in data.unconfirmed},
                            {(call.sample, call.variant_id): call for call in data.calls})


def coverage_reason_text(reason: str, params: Mapping[str, Any]) -> str:
    """gene_status.tsv's ``low_gene_coverage:0.42`` in words: 'only 42% of the gene's panel bases at >= 10x
    (a coverage dropout; --min_gene_callable 0.9)'."""
    fraction = float(reason.partition(":")[2])
    depth = params.get("min_dp")
    at = f" at >= {value_text(depth)}x" if depth is not None else " at the screen's minimum depth"
    minimum = params.get("min_gene_callable")
    limit = f"; --min_gene_callable {value_text(minimum)}" if minimum is not None else ""
    return f"only {100 * fraction:.0f}% of the gene's panel bases{at} (a coverage dropout{limit})"


def not_assessable_variants_text(data: ReportData, status: GeneStatus, index: VariantIndex) -> str:
    """The variants at which a sample is not assessable in a gene, each with what it is and why the call
    failed: 'p.Ala91Val (kept; read depth below 10, DP 2)', 'p.Arg100Gln (unconfirmed qualifying variant)';
    and the gene's coverage when it is below --min_gene_callable (:func:`coverage_reason_text`).
    ``index`` is the report's one VariantIndex (VariantIndex.of(data)), built once for all rows."""
    kept, unconfirmed, calls = index.kept, index.unconfirmed, index.calls
    parts = []
    for variant_id in status.not_assessable_variants:
        if variant_id in kept:
            call = calls.get((status.sample, variant_id))
            why = note_text(call.note, data.params) if call else "not assessable"
            measured = [f"{name} {value}" for name, value in (("DP", call.depth), ("GQ", call.gq)) if call and value]
            parts.append(f"{kept[variant_id].label} ({variant_id}; kept; {why}"
                         + (f", {', '.join(measured)}" if measured else "") + ")")
        elif variant_id in unconfirmed:
            parts.append(f"{unconfirmed[variant_id].label} ({variant_id}; {unconfirmed[variant_id].why})")
        else:
            parts.append(variant_id)
    if status.coverage_reason:
        parts.append(coverage_reason_text(status.coverage_reason, data.params))
    return "; ".join(parts) if parts else "no variant listed"


def tested_name(test: TestRow) -> str:
    """'GENE label' for a variant test, 'GENE' otherwise."""
    return f"{test.gene} {test.label}" if test.level == "variant" else test.gene


def untestable_reason(note: Optional[str]) -> str:
    tokens = (note or "").split(";")
    for token, text in (("no_assessable_samples", "no assessable sample"), ("no_assessable_case", "no assessable case"),
                        ("no_assessable_control", "no assessable control")):
        if token in tokens:
            return text
    return "no assessable case or control"


def excluded_count(note: Optional[str]) -> Optional[int]:
    for token in (note or "").split(";"):
        if token.startswith("excluded_samples="):
            try:
                return int(token.split("=", 1)[1])
            except ValueError:
                return None
    return None


def conf_label(params: Mapping[str, Any]) -> str:
    level = params.get("conf_level")
    try:
        return f"{float(level) * 100:g}% CI" if level is not None else "95% CI"
    except (TypeError, ValueError):
        return "95% CI"


# ================================================================== sections


#: Above this many (sample, test) exclusions section 1 shows counts per test and folds the full list.
MAX_LISTED_EXCLUSIONS = 100
#: Above this many the page shows counts only and every exclusion is named in EXCLUDED_FILE beside it: 5,000
#: samples x 185 kept variants left ~290,000 pairs out, 105 MB of HTML that a browser took ~50 s to open
#: (docs/benchmarks.md). The file is written for every run, whatever the count.
MAX_HTML_EXCLUSIONS = 2_000
EXCLUDED_FILE = "excluded_samples.tsv"
EXCLUDED_COLUMNS = ("sample", "group", "test", "reason")


def excluded_table(excluded: Sequence[Tuple[str, str, str, str]]) -> str:
    """EXCLUDED_FILE: one line per (sample, test) left out, as section 1 lists them (tabs in text become spaces)."""
    lines = ["\t".join(EXCLUDED_COLUMNS)]
    lines += ["\t".join(value.replace("\t", " ").replace("\n", " ") for value in row) for row in excluded]
    return "\n".join(lines) + "\n"


def listed_in_page(excluded: Sequence[Tuple[str, str, str, str]]) -> bool:
    """Whether the page names every excluded sample (else counts, and EXCLUDED_FILE names them)."""
    return len(excluded) <= MAX_HTML_EXCLUSIONS


def in_file_text(what: str) -> str:
    return (f"{what} are named in {EXCLUDED_FILE} beside this report (columns {', '.join(EXCLUDED_COLUMNS)}): "
            f"more than {MAX_HTML_EXCLUSIONS:,} exclusions are too many to list in this page")


def exclusion_counts_table(excluded: Sequence[Tuple[str, str, str, str]], order: Sequence[str] = ()) -> Html:
    """Per test: cases and controls left out, tests in ``order`` (the test tables' order), others after."""
    counts: Dict[str, Dict[str, int]] = {}
    for _, group, test, _ in excluded:
        per_group = counts.setdefault(test, {group: 0 for group in GROUPS})
        per_group[group] = per_group.get(group, 0) + 1
    rank = {test: position for position, test in enumerate(order)}
    rows = [(test, td(str(per_group["case"]), "num"), td(str(per_group["control"]), "num"))
            for test, per_group in sorted(counts.items(), key=lambda item: rank.get(item[0], len(rank)))]
    return table(["Left out of", "Cases left out", "Controls left out"], rows)


def cohort_section(data: ReportData, excluded: Optional[Sequence[Tuple[str, str, str, str]]] = None) -> Html:
    counts = {group: sum(1 for g in data.samples.values() if g == group) for group in GROUPS}
    flagged = [row for row in data.qc if qc_failures(row.flag)]
    overview = bullet_list([
        f"Cases (MAS-/HLH-like toxicity after CAR-T): {counts['case']}",
        f"Controls (no such toxicity): {counts['control']}",
        f"Samples in total: {len(data.samples)}; flagged by QC: {len(flagged)}",
    ])
    if flagged:
        qc_part = join([
            tag("h3", "Samples flagged by QC"),
            tag("p", "A flag marks weak sequencing, or a sex given in the samplesheet that the reads contradict; "
                     "flagged samples stay in the analysis, but their genotypes are assessed against the depth and "
                     "quality minimums like every other sample (and a sample whose sex is unknown is not assessed "
                     "on chrX)."),
            table(["Sample", "Group", "Why flagged", "qc_flag"],
                  [(row.sample, row.group, "; ".join(text for _, text in qc_failures(row.flag)),
                    tag("code", row.flag)) for row in flagged]),
        ])
    else:
        qc_part = tag("p", "No sample was flagged by QC.")
    excluded = exclusions(data) if excluded is None else excluded
    if excluded:
        genes = list(dict.fromkeys(status.gene for status in data.gene_status))
        order = ([f"variant {variant_display(variant)}" for variant in data.variants]
                 + [f"gene {gene} (any carrier)" for gene in genes] + [f"gene {gene} (biallelic)" for gene in genes])
        if not listed_in_page(excluded):
            # thousands of samples: the list alone would be tens of MB of HTML; counts here, names in the file
            listing = join([exclusion_counts_table(excluded, order),
                            tag("p", in_file_text(f"All {len(excluded):,} exclusions, sample by sample,") + ".")])
        elif len(excluded) > MAX_LISTED_EXCLUSIONS:
            # a large cohort leaves thousands of (sample, test) pairs out: a count per test first, the full
            # list folded below it (<details> needs no script), so section 1 stays readable yet complete
            listing = join([exclusion_counts_table(excluded, order),
                            tag("details", join([tag("summary", f"All {len(excluded)} exclusions, sample by sample"),
                                                 table(["Sample", "Group", "Left out of", "Why"], excluded)]))])
        else:
            listing = table(["Sample", "Group", "Left out of", "Why"], excluded)
        excl_part = join([
            tag("h3", "Samples left out of a comparison"),
            tag("p", "A sample whose genotype could not be judged is neither a carrier nor a non-carrier for that "
                     "test: it is left out of both the numerator and the denominator (the n in k/n)."),
            listing,
        ])
    elif not any(data.tests.values()):
        excl_part = tag("p", "No test was made (no variant passed the screen), so no sample was left out of one.")
    else:
        excl_part = tag("p", "Every sample was assessable for every test: no sample was left out.")
    untestable = [test for level in LEVELS for test in data.tests[level] if not test.testable]
    if untestable:
        untest_part = join([
            tag("h3", "Tests that could not be done"),
            bullet_list(f"{test.level} level, {tested_name(test)}: {untestable_reason(test.note)}" for test in untestable),
        ])
    else:
        untest_part = Html("")
    return section("cohort", "1. Cohort",
                   "Who was compared: patients who developed MAS-/HLH-like toxicity after CAR-T (cases) and "
                   "patients who did not (controls), which samples had weak sequencing, and which samples could "
                   "not be judged for a given variant or gene and were therefore left out of that comparison.",
                   overview, qc_part, excl_part, untest_part)


def failed_filter_text(row: SampleQC) -> str:
    """The failed-filter cell: the share with the pair count, NA when not assessed."""
    if row.pct_failed_filter is None:
        return NA
    pairs = "" if row.pairs_failed_filter is None else f" ({row.pairs_failed_filter:,} pairs)"
    return f"{row.pct_failed_filter:.2f}{pairs}"


#: why sample_qc.tsv has no failed-filter count for a sample (qc_summary.py, check_fastq.py)
UNCOUNTED = "no FASTQ checks, or read names without a filter flag (1:N: or 1:Y:), e.g. SRA names"


def failed_filter_note(data: ReportData) -> str:
    """What the failed-filter column holds, or that it was not assessed (for all samples or some)."""
    missing = [row.sample for row in data.qc if row.pct_failed_filter is None]
    what = ("% read pairs failing filter: the share of a sample's read pairs whose R1 name flags them as failing "
            "the sequencer's filter (1:Y:); demultiplexers usually leave them out of FASTQs.")
    if not missing:
        return what
    if len(missing) == len(data.qc):
        return "% read pairs failing filter: not assessed (sample_qc.tsv has no FASTQ check counts: " + UNCOUNTED + ")."
    return what + f" Not assessed (NA) for {', '.join(missing)} (sample_qc.tsv has no FASTQ check counts for them: {UNCOUNTED})."


def qc_section(data: ReportData) -> Html:
    thresholds = [f"{label} {value_text(data.params[key])}{unit}" for key, label, unit in
                  (("min_mean_depth", "mean panel depth >=", "x"), ("min_pct_20x", "panel bases at >= 20x >=", "%"),
                   ("min_pct_mapped", "reads mapped >=", "%")) if data.params.get(key) is not None]
    assessed = any(row.pct_on_target is not None for row in data.qc)
    if assessed and data.params.get("min_pct_on_target") is not None:
        thresholds.append(f"aligned bases on the capture targets >= {value_text(data.params['min_pct_on_target'])}%")
    failed_filter_assessed = any(row.pct_failed_filter is not None for row in data.qc)
    if failed_filter_assessed and data.params.get("max_pct_failed_filter") is not None:
        thresholds.append("read pairs failing the sequencer's filter <= "
                          f"{value_text(data.params['max_pct_failed_filter'])}%")
    rows, classes = [], []
    for row in data.qc:
        failures = qc_failures(row.flag)
        below = {column for column, _ in failures if column}

        def number(column: str, text: str) -> Html:
            if column in below:  # the failed-filter share fails above its maximum, the others below a minimum
                mark = " \u25b2 above" if column == "pct_failed_filter" else " \u25bc below"
                return td(Html(esc(text) + esc(mark)), class_="num below")
            return td(text, class_="num")

        sex = (td(Html(esc(f"{row.sex_given} / {row.sex_inferred} / {row.sex}") + esc(" ▼ mismatch")),
                  class_="below") if "sex" in below else f"{row.sex_given} / {row.sex_inferred} / {row.sex}")
        rows.append((row.sample, row.group, td(f"{row.total_reads:,}", "num"), td(f"{row.mapped_reads:,}", "num"),
                     number("pct_mapped", f"{row.pct_mapped:.2f}"),
                     number("mean_panel_depth", f"{row.mean_panel_depth:.2f}"),
                     number("pct_panel_20x", f"{row.pct_panel_20x:.2f}"),
                     number("pct_on_target", "NA" if row.pct_on_target is None else f"{row.pct_on_target:.2f}"),
                     number("pct_failed_filter", failed_filter_text(row)),
                     sex, number("x_autosome_ratio", row.x_autosome_ratio),
                     "pass" if not failures else "; ".join(text for _, text in failures)))
        classes.append("flagged" if failures else None)
    lead = ("How well each sample was sequenced over the screened genes. Low depth means fewer reads to "
            "call a genotype from; cells below the run's threshold are marked \u25bc (above a maximum: \u25b2) "
            "and shaded.")
    note = tag("p", "Thresholds of this run: " + "; ".join(thresholds) + "." if thresholds else
               "The run's QC thresholds were not recorded in the parameters; the flags come from sample_qc.tsv.")
    on_target = tag("p", "% on target: the share of aligned bases that lie on the capture targets (--intervals). "
                         "A failed capture leaves most reads off target." if assessed else
                    "% on target: not assessed (no capture targets were given with --intervals).")
    failed_filter = tag("p", failed_filter_note(data))
    return section("qc", "2. Per-sample sequencing quality", lead, note, on_target, failed_filter,
                   table(["Sample", "Group", "Reads", "Mapped reads", "% mapped", "Mean panel depth (x)",
                          "% panel bases >= 20x", "% on target", "% read pairs failing filter", "Sex: given / inferred / used", "chrX / autosome depth",
                          "QC flag"],
                         rows, row_classes=classes), sex_part(data), panel_part(data))


def not_called_genes(data: ReportData) -> List[Dict[str, str]]:
    return [row for row in data.panel or [] if row["status"] != "callable"]


@dataclass(frozen=True)
class UntestedGenes:
    """Panel genes without a gene test (no kept or unconfirmed variant, so no gene_status.tsv row):
    ``screened`` (callable or partly callable: nobody carries a kept variant there) and ``not_assessed``
    (not callable: nothing is known); panel_callability.tsv rows."""

    screened: List[Dict[str, str]]
    not_assessed: List[Dict[str, str]]


def untested_genes(data: ReportData) -> Optional[UntestedGenes]:
    """None when the report was not given the panel's genes (panel_callability.tsv)."""
    if data.panel is None:
        return None
    tested = {test.gene for test in data.tests["gene"]}
    rows = [row for row in data.panel if row["gene"] not in tested]
    return UntestedGenes([row for row in rows if row["status"] != NOT_CALLABLE],
                         [row for row in rows if row["status"] == NOT_CALLABLE])


def untested_genes_part(data: ReportData, brief: bool = False) -> Html:
    """The panel genes the gene-level sections have no row for, and why: a screened gene where nobody carries a
    kept variant (0 of n in both groups, which is a result) is not a gene nobody looked at (which is not).
    ``brief``: one sentence naming them, pointing to section 6 (sections 5 and 7)."""
    genes = untested_genes(data)
    if genes is None:
        return tag("p", "Panel genes without any kept variant are not listed (the report was not given the panel's "
                        "gene list, panel_callability.tsv).")
    if brief:
        groups = [f"screened, no carrier in any sample: {', '.join(row['gene'] for row in genes.screened)}"
                  if genes.screened else "",
                  f"not assessed in this run: {', '.join(row['gene'] for row in genes.not_assessed)}"
                  if genes.not_assessed else ""]
        named = "; ".join(group for group in groups if group)
        return tag("p", f"Panel genes with no test ({named}): see section 6.") if named else Html("")
    n_cases = sum(group == "case" for group in data.samples.values())
    n_controls = len(data.samples) - n_cases
    parts = []
    if genes.screened:
        names = "; ".join(row["gene"] + ("" if row["status"] == "callable" else
                                         f" (in its called part only, {row['pct_callable']}% of its panel bases: "
                                         f"{row['reason']}; section 2)") for row in genes.screened)
        parts.append(tag("p", f"Screened, but no variant of these genes passed the screen in any sample: no carrier "
                              f"among the {n_cases} {'case' if n_cases == 1 else 'cases'} and {n_controls} "
                              f"{'control' if n_controls == 1 else 'controls'}, so there is nothing to compare and no "
                              f"test: {names}."))
    if genes.not_assessed:
        names = ", ".join(f"{row['gene']} ({row['reason']})" for row in genes.not_assessed)
        parts.append(tag("p", f"Not assessed in this run, so no test and no conclusion about carriers (section 2): "
                              f"{names}."))
    return join(parts)


def untested_genes_summary(data: ReportData) -> str:
    """One sentence for the page's first paragraph ('' when there is nothing to say)."""
    genes = untested_genes(data)
    if genes is None or not genes.screened:
        return ""
    count = len(genes.screened)
    return (f"{count} panel {'gene' if count == 1 else 'genes'} screened with no carrier (no kept variant): "
            + ", ".join(row["gene"] for row in genes.screened) + ". ")


def panel_part(data: ReportData) -> Html:
    """Which panel genes were screened; every gene the reference could not call, with the reason."""
    if data.panel is None:
        return tag("p", "Which panel genes lie on the reference was not recorded for this report.")
    missing = not_called_genes(data)
    total = len(data.panel)
    notes = [tag("p", join([tag("strong", "Reference:"), " " + note[:1].upper() + note[1:]]))
             for note in data.reference_notes]
    if not missing:
        return join([tag("h3", "Panel genes"), tag("p", f"All {total} panel genes lie on the reference and were screened.")]
                    + notes)
    lead = (f"{total - len(missing)} of {total} panel genes were screened. The genes below lie (wholly or partly) "
            "outside the reference the reads were aligned to or outside the capture targets (--intervals; see "
            "'Why'), so no variant can be (reliably) called there: no carrier there means NOT ASSESSED, not absent.")
    rows = [(row["gene"], row["chrom"], td(f"{row['callable_bp']}/{row['region_bp']}", "num"),
             "not called" if row["status"] == "not_callable" else "partly called", row["reason"]) for row in missing]
    return join([tag("h3", "Panel genes not screened"), tag("p", lead),
                 table(["Gene", "Chromosome", "Callable bp / panel bp", "Status", "Why"], rows)] + notes)


def sex_part(data: ReportData) -> Html:
    """How each sample's sex was decided, and what that means for the X-linked genes."""
    heading = tag("h3", "Sex and the X-linked genes")
    rule = (f"The sex is inferred from the mean depth over the panel regions on chrX outside the pseudo-autosomal "
            f"regions divided by that over the autosomal regions: one X gives about 0.5, two about 1.0; "
            f"{sex_lib.MALE_MIN_RATIO:g} to {sex_lib.MALE_MAX_RATIO:g} is read as male, >= {sex_lib.FEMALE_MIN_RATIO:g} as "
            f"female, anything between, below {sex_lib.MALE_MIN_RATIO:g} (less than one X: chrX targets that failed, "
            f"not a sex), or fewer than {sex_lib.MIN_X_BASES} bp of chrX regions, or an autosomal depth below "
            f"{sex_lib.MIN_AUTOSOMAL_DEPTH:g}x, as unknown. The run uses the sex given in the samplesheet when the "
            "depth agrees or cannot tell, the inferred sex when none was given, and unknown when the two disagree.")
    meaning = ("Males were called with one copy of chrX outside the pseudo-autosomal regions, so a male is never "
               "heterozygous there: a male carrier is hemizygous (hemi), counted as a carrier in the any-variant "
               "tests and, having no normal copy left, with the biallelic carriers in the recessive test. A sample "
               "of unknown sex is not assessable at chrX variants (a heterozygous call could be a carrier female or "
               "an artefact in a male) and is left out of the X-linked genes' comparisons; give its sex in the "
               "samplesheet to include it.")
    if not data.sexes:
        return join([heading, tag("p", "The sex of the samples was not given to the report (no sex.tsv).")])
    unknown = [row for row in data.sexes if row.sex == "unknown"]
    mismatch = [row for row in data.sexes if sex_lib.NOTE_MISMATCH in (row.note or "").split(";")]
    rows = [(row.sample, row.group, row.given, row.inferred, tag("strong", row.sex),
             td(sig3(row.ratio) if row.ratio is not None else NA, "num"), sex_note_text(row)) for row in data.sexes]
    counts = {sex: sum(row.sex == sex for row in data.sexes) for sex in sex_lib.SEXES}
    summary = (f"{counts['male']} male, {counts['female']} female, {counts['unknown']} unknown."
               + (f" Given and inferred sex disagree for {', '.join(r.sample for r in mismatch)}: check the sample "
                  "identity and the samplesheet; a sex-chromosome aneuploidy (47,XXY reads as female, 45,X as male) "
                  "gives the same disagreement." if mismatch else "")
               + (f" Not assessed on chrX (sex unknown): {', '.join(r.sample for r in unknown)}." if unknown else ""))
    return join([heading, tag("p", rule), tag("p", meaning), tag("p", tag("strong", summary)),
                 table(["Sample", "Group", "Given", "Inferred", "Used", "chrX / autosome depth", "Note"], rows,
                       row_classes=["flagged" if row in mismatch else None for row in data.sexes])])


SEX_NOTE_TEXT = {
    sex_lib.NOTE_MISMATCH: "given and inferred sex disagree",
    sex_lib.NOTE_AMBIGUOUS: "depth ratio between the male and female ranges",
    sex_lib.NOTE_LOW_X: "chrX depth below one X copy (chrX targets failed; not a sex)",
    sex_lib.NOTE_INSUFFICIENT: "too little data to infer",
    sex_lib.NOTE_NO_X_REGIONS: "the panel has no chrX region outside the pseudo-autosomal regions",
}


def sex_note_text(row: SexRow) -> str:
    if not row.note:
        return ""
    return "; ".join(SEX_NOTE_TEXT.get(token, token) for token in row.note.split(";"))


def carriers_cell(calls: Sequence[Call], group: str) -> Html:
    """The group's carriers with their genotype; without one, 'none', or 'none of the N assessable' ('none
    assessable') when some of the group's calls could not be read (those samples are not non-carriers)."""
    carriers = [call for call in calls if call.group == group and call.state in STATE_SHORT]
    if not carriers:
        in_group = [call for call in calls if call.group == group]
        assessable = sum(variant_outcome(call.state) != EXCLUDED for call in in_group)
        if assessable == len(in_group):
            return esc("none")
        return esc(f"none of the {assessable} assessable" if assessable else "none assessable")
    return join([f"{call.sample} ({STATE_SHORT[call.state]})" for call in carriers], ", ")


def stars_text(stars: Optional[str]) -> str:
    """ClinVar review stars as marks and words: '★★☆☆ (2 of 4)'."""
    if stars is None or not stars.isdigit():
        return "no review stars (status not in ClinVar's table)"
    n = int(stars)
    return "★" * n + "☆" * (4 - n) + f" ({n} of 4)"


def clinvar_cell(variant: KeptVariant) -> Html:
    """ClinVar's classification, review stars, variation ID and conditions, as the ClinVar file gives them."""
    clnsig = variant.extra.get("clinvar_clnsig")
    if clnsig is None:
        return esc(NA)
    if clnsig == NOT_IN_CLINVAR:
        return esc("not in ClinVar")
    if clnsig == CLINVAR_NOT_LOOKED_UP:
        return esc("not looked up (the ClinVar file has no record on this chromosome)")
    if clnsig == clinvar_lib.PART_OF_CLINVAR_ALLELE:
        varid = variant.extra.get("clinvar_variation_id")
        return join([tag("div", tag("strong", "not in ClinVar as such")),
                     tag("div", f"part of a longer allele ClinVar lists (variation ID {varid or 'not given'}); its "
                                "classification is that allele's, not this piece's (kept.vcf.gz INFO/CLINVAR_PART_OF)")])
    if clnsig == clinvar_lib.NO_GERMLINE_CLASSIFICATION:  # a somatic-only record: no germline review either
        parts = [tag("div", tag("strong", "in ClinVar without a germline classification (somatic only)"))]
    else:
        parts = [tag("div", tag("strong", clinvar_lib.readable(clnsig))),
                 tag("div", stars_text(variant.extra.get("clinvar_stars")), class_="stars")]
    if variant.extra.get("clinvar_review_status"):
        parts.append(tag("div", clinvar_lib.readable(variant.extra["clinvar_review_status"]), class_="codes"))
    varid = variant.extra.get("clinvar_variation_id")
    parts.append(tag("div", f"variation ID {varid}" if varid else "variation ID not given by the file"))
    if variant.extra.get("clinvar_disease"):
        parts.append(tag("div", "Conditions: " + clinvar_lib.readable(variant.extra["clinvar_disease"])))
    return join(parts)


def not_assessable_cell(calls: Sequence[Call], params: Mapping[str, Any], listed: bool = True) -> Html:
    """The samples not assessable at a variant with why; ``listed`` False: counts per group and reason."""
    missing = [call for call in calls if call.state == "not_assessable"]
    if not missing:
        return esc("none")
    if listed:
        return join([f"{call.sample} ({call.group}: {note_text(call.note, params)})" for call in missing], "; ")
    groups = ", ".join(f"{sum(call.group == group for call in missing)} {group}s" for group in GROUPS)
    reasons: Dict[str, int] = {}
    for call in missing:
        reason = note_text(call.note, params)
        reasons[reason] = reasons.get(reason, 0) + 1
    why = "; ".join(f"{reason}: {count}" for reason, count in sorted(reasons.items(), key=lambda item: -item[1]))
    return esc(f"{len(missing)} samples ({groups}): {why}. Named in {EXCLUDED_FILE}.")


def why_kept_cell(variant: KeptVariant, not_looked_up: bool = False) -> Html:
    """SCREEN's reasons in words (codes below), and the whitelist entry with its evidence verbatim."""
    parts: List[Html] = []
    codes = [code.strip() for code in (variant.reasons or "").split(";") if code.strip()]
    if codes:
        parts.append(tag("div", "; ".join(kept_reason_text(code, not_looked_up) for code in codes)))
        parts.append(tag("div", join([tag("code", code) for code in codes], " "), class_="codes"))
    if variant.whitelisted:
        title = ("Kept by the risk-factor whitelist" if variant.rescued
                 else "On the risk-factor whitelist (passes the frequency rules without it)")
        reason = variant.whitelist_reason or "no reason given"
        parts.append(tag("div", join([tag("strong", title), esc(": " + reason)])))
        parts.append(tag("div", join([tag("strong", "Evidence: "), esc(variant.whitelist_evidence or "none given")]),
                         class_="evidence"))
    if variant.clinvar_rescued:
        parts.append(tag("div", join([tag("strong", "Kept by its ClinVar classification"),
                                      esc(f": {clinvar_lib.readable(variant.extra.get('clinvar_clnsig'))}, "
                                          f"{stars_text(variant.extra.get('clinvar_stars'))} "
                                          "(--keep_clinvar_pathogenic)")])))
    elif variant.rescued_by and not variant.whitelisted:
        parts.append(tag("div", f"rescued by: {variant.rescued_by}"))
    return join(parts) if parts else esc("passed every filter")


def findings_scope_note(data: ReportData) -> Html:
    """Beside the findings: what the table's words mean and what it cannot show (genes not screened,
    QC-flagged samples), so a missing row is not read as 'no variant'."""
    sentences = [
        "How to read it: novel = absent from the gnomAD data used (it says nothing about the literature or "
        "ClinVar); Not assessable = the sample's genotype at this variant could not be trusted (reason given), so "
        "the sample is neither a carrier nor a non-carrier of it."]
    partly = [row for row in not_called_genes(data) if row["status"] != NOT_CALLABLE]
    absent = [row["gene"] for row in not_called_genes(data) if row["status"] == NOT_CALLABLE]
    if absent:
        sentences.append(f"Not screened in this run, so no row there means not assessed, not absent (section 2 "
                         f"says why): {', '.join(absent)}.")
    if partly:
        sentences.append(f"Screened only in part (section 2): {', '.join(row['gene'] for row in partly)}.")
    if data.panel is None:
        sentences.append("Which panel genes could be screened was not given to the report (no panel "
                         "callability): a gene without a row may not have been assessed.")
    flagged = [qc for qc in data.qc if qc.flag not in ("", "pass", NA)]
    if flagged:
        sentences.append("Flagged by QC (section 1; their genotypes still had to pass the depth and quality "
                         "minimums): " + ", ".join(f"{qc.sample} ({qc.flag})" for qc in flagged) + ".")
    return tag("p", " ".join(sentences))


def kept_variants_section(data: ReportData, listed: bool = True) -> Html:
    """Section 3; ``listed`` False (too many exclusions for the page): not-assessable samples as counts."""
    by_variant = calls_by_variant(data)
    rows = []
    for variant in data.variants:
        calls = by_variant.get(variant.variant_id, [])
        ident = [variant.variant_id]
        if variant.extra.get("rsid"):
            ident.append(str(variant.extra["rsid"]))
        if variant.extra.get("transcript"):
            ident.append(str(variant.extra["transcript"]))
        consequence = variant.consequence.replace("&", ", ") if variant.consequence else None
        effect = " / ".join(value for value in (variant.impact, consequence) if value) or NA
        unlooked = gnomad_not_looked_up(data, variant.variant_id)
        cells = [tag("strong", variant.gene), join(tag("div", part) for part in ident),
                 join([tag("div", variant.hgvsc or NA), tag("div", variant.hgvsp or NA)]),
                 af_text(variant, unlooked), effect]
        if data.clinvar is not None:
            cells.append(clinvar_cell(variant))
        rows.append((*cells, why_kept_cell(variant, unlooked), carriers_cell(calls, "case"), carriers_cell(calls, "control"),
                     not_assessable_cell(calls, data.params, listed)))
    n_kept = len(data.variants)
    n_rescued = sum(variant.rescued for variant in data.variants)
    n_clinvar = sum(variant.clinvar_rescued for variant in data.variants)
    rescued_text = "; ".join(text for n, text in (
        (n_rescued, f"{n_rescued} kept only because of the risk-factor whitelist"),
        (n_clinvar, f"{n_clinvar} kept only because of their ClinVar classification")) if n)
    summary = tag("p", f"{data.n_screened} variant(s) were screened; {n_kept} passed the filters and are listed here"
                       + (f" ({rescued_text})." if rescued_text else "."))
    headers = ["Gene", "Variant (GRCh38) / rsID / transcript", "HGVSc / HGVSp", "gnomAD AF", "Impact / consequence"]
    if data.clinvar is not None:
        headers.append("ClinVar")
    headers += ["Why kept", "Carriers: cases", "Carriers: controls", "Not assessable"]
    body = table(headers, rows) if rows else tag("p", "No variant passed the screen.")
    return section("variants", "3. Variants kept by the screen",
                   "The DNA changes in the HLH genes that passed the screening filters (rare and predicted to "
                   "affect the protein, or a known risk factor), with the patients who carry them: het = one copy, "
                   "hom = both copies, hemi = the one copy of a male's chrX (X-linked genes such as SH2D1A and XIAP).",
                   summary, findings_scope_note(data), gnomad_note(data), clinvar_note(data), body,
                   carriers_per_patient_part(data), risk_factor_candidates_part(data), whitelist_unseen_part(data),
                   unconfirmed_part(data),
                   gene_not_assessable_part(data, listed), coverage_gaps_part(data, listed))


def gnomad_gap_sentence(data: ReportData) -> str:
    """One sentence on the chromosomes the gnomAD file has no record on and the kept variants there; '' when none."""
    lacking = in_natural_order(data.gnomad_not_covered or {})
    if not lacking:
        return ""
    if data.annotation_gnomad:
        # SCREEN decides per variant with its own --af_fields: it may have read none of those fields
        unlooked = sum((variant.extra.get("af_status") or "").lower() == "not_looked_up" for variant in data.variants)
        return ("The gnomAD file" + (f" ({data.gnomad_file})" if data.gnomad_file else "")
                + f" has no record on {', '.join(lacking)} ({sum((data.gnomad_not_covered or {}).values())} called "
                f"variant(s) there); there the annotation's own gnomAD frequencies "
                f"({', '.join(data.annotation_gnomad)}) were used, and a variant without one is absent from that "
                "gnomAD (novel)"
                + (f"; {unlooked} kept variant(s) were not looked up all the same (the screen read none of those "
                   "fields: --af_fields), so the filters treated them as novel (rare)" if unlooked else "") + ". ")
    # a frequency of another source (the VEP cache's gnomAD fields) may still have reached a variant there
    kept = sum(gnomad_not_looked_up(data, variant.variant_id) and has_no_frequency(variant)
               for variant in data.variants)
    called = sum((data.gnomad_not_covered or {}).values())
    return (f"gnomAD frequencies were not looked up on {', '.join(lacking)}: the gnomAD file"
            + (f" ({data.gnomad_file})" if data.gnomad_file else "")
            + f" has no record there ({called} called variant(s) there); {kept} kept variant(s) there have no "
            "frequency from any source, so the filters treated them as novel (rare). ")


def gnomad_note(data: ReportData) -> Html:
    """Above the kept variants: the chromosomes where 'novel' means not looked up (nothing when none)."""
    sentence = gnomad_gap_sentence(data)
    if not sentence:
        return join([])
    if data.annotation_gnomad:
        return tag("p", join([tag("strong", "gnomAD: "), esc(sentence)]))
    return tag("p", join([tag("strong", "gnomAD: "), esc(sentence + "Their rarity is unknown, not evidence: check "
                                                         "them in gnomAD, or rerun with a gnomAD file covering every "
                                                         "panel chromosome.")]))


def clinvar_note(data: ReportData) -> Html:
    """Which ClinVar file the ClinVar column comes from (its own header), or that none was used."""
    if data.clinvar is None:
        return tag("p", "ClinVar was not used in this run (no --clinvar_vcf): no ClinVar classification is shown.")
    release = data.clinvar
    counts = ""
    if isinstance(release.get("records_in_clinvar"), int) and isinstance(release.get("records"), int):
        counts = f" {release['records_in_clinvar']} of the {release['records']} variants called are in it."
    # the citation already says a file is not an NCBI release; this says what that means for the reader
    warning = ("" if release.get("ncbi_release") else
               " Do not use these classifications for patients without checking them in an NCBI ClinVar release.")
    pieces = release.get("records_part_of_clinvar_allele")
    if isinstance(pieces, int) and pieces:
        counts += (f" {pieces} more {'is a piece' if pieces == 1 else 'are pieces'} of a longer allele (MNV or complex) "
                   "it lists: the calls were split into SNVs and indels, and ClinVar's classification is of the whole "
                   "allele ('part of a longer allele' below).")
    odd = [f"{n} {what}" for n, what in ((release.get("indels_not_normalised"), "called indel(s)"),
                                         (release.get("clinvar_indels_not_normalised"), "ClinVar indel record(s)"))
           if isinstance(n, int) and n]
    if odd:
        warning += (f" {' and '.join(odd)} did not have the reference's bases at their position and were compared as "
                    "written: one of them placed elsewhere in a repeat may have been missed.")
    lacking = release.get("contigs_not_covered") or []
    if lacking:
        warning += (f" The file has no record on {', '.join(lacking)}: variants there were not looked up ('not looked "
                    "up' below), which does not mean they are absent from ClinVar.")
    return tag("p", join([tag("strong", "ClinVar: "), esc(f"{release['citation']}.{counts} Classification, review "
                                                          "stars (ClinVar's own rating of the evidence, 0 to 4) and "
                                                          f"conditions are ClinVar's, matched {clinvar_matching(release)}."
                                                          + warning)]))


def risk_factor_candidates_part(data: ReportData) -> Html:
    """Variants above --common_af that ClinVar calls a risk factor and the whitelist lacks."""
    heading = tag("h3", "Risk-factor candidates (not kept; for you to decide)")
    if data.clinvar is None:
        return join([heading, tag("p", "Not assessed: ClinVar was not used in this run (give --clinvar_vcf).")])
    if not data.candidates:
        return join([heading, tag("p", f"No variant above the common-variant limit ({param_text(data.params, 'common_af')}) "
                                       "is a ClinVar risk factor missing from the whitelist.")])
    rows = [(tag("strong", c.gene), c.variant_id, c.label, td(sig3(c.af_used), "num"),
             clinvar_lib.readable(c.clnsig), stars_text(c.stars), c.variation_id or "not given",
             candidate_why(c, data.params)) for c in data.candidates]
    return join([
        heading,
        tag("p", f"These variants were dropped because they are more frequent than the common-variant limit "
                 f"({param_text(data.params, 'common_af')}) and not on the risk-factor whitelist, but ClinVar lists "
                 "them as risk factors (alone or within conflicting classifications). Nothing is added automatically: "
                 "to keep one, add it with its citation to the whitelist (risk_factors.tsv, docs/panels.md) and "
                 "rerun."),
        table(["Gene", "Variant (GRCh38)", "Change", "AF compared", "ClinVar classification", "Review stars",
               "ClinVar variation ID", "Why dropped"], rows),
    ])


def candidate_why(candidate: RiskFactorCandidate, params: Mapping[str, Any]) -> Html:
    """The drop reasons, and what whitelisting would not change: above --max_af the whitelist keeps a
    variant only with --whitelist_overrides_max_af."""
    reasons = (candidate.reasons or "").split(";")
    parts = [tag("code", candidate.reasons or NA)]
    if "af_above_max" in reasons and not param_flag(params, "whitelist_overrides_max_af", False):
        parts.append(tag("div", f"also at or above --max_af ({param_text(params, 'max_af')}): whitelisting keeps it only "
                                "with --whitelist_overrides_max_af"))
    other = [r for r in reasons if r and r not in ("common_not_risk_factor", "af_above_max")]
    if other:
        parts.append(tag("div", "whitelisting does not waive the other reason(s): " + ", ".join(other)))
    return join(parts)


def whitelist_unseen_part(data: ReportData) -> Html:
    """Whitelist rows no record of the run matched: they kept nothing, which the kept table cannot show.
    Rows outside the panel are named apart: SCREEN never screened them (its not-seen list leaves them out)."""
    if data.whitelist is None:
        return Html("")
    rows, outside = data.whitelist.rows, data.whitelist.outside
    unseen = [factor for factor, decision in rows if decision is None]
    heading = tag("h3", "Risk-factor whitelist entries not seen")
    parts = [heading]
    if not unseen:
        every = ("The one whitelist entry in the panel" if len(rows) == 1
                 else f"Each of the {len(rows)} whitelist entries in the panel")
        parts.append(tag("p", f"{every} matched a variant called in this run." if rows
                          else "The whitelist is empty." if not outside else "No whitelist entry lies in the panel."))
    else:
        table_rows = [(tag("strong", f.gene), f.variant_id, optional_text(f.hgvsp) or NA, optional_text(f.rsid) or NA,
                       f.evidence) for f in unseen]
        parts += [
            tag("p", f"{len(unseen)} of the {len(rows)} whitelist entries in the panel matched no variant called in "
                     "this run, so they kept nothing: no sample was called with that allele, or the entry is not "
                     "written as the variant calls write it (position, REF and ALT after normalisation). Their "
                     "absence from the table above is not evidence that no patient carries them if the entry is "
                     "written otherwise."),
            table(["Gene", "Variant (GRCh38)", "HGVSp", "rsID", "Evidence"], table_rows),
        ]
    if outside:
        named = ", ".join(f"{f.variant_id} ({f.gene})" for f in outside)
        count = "1 whitelist entry lies" if len(outside) == 1 else f"{len(outside)} whitelist entries lie"
        parts.append(tag("p", f"{count} outside the panel regions and were not screened (SCREEN warns that they can "
                              f"never be kept): {named}."))
    return join(parts)


def unconfirmed_part(data: ReportData) -> Html:
    """SCREEN's unconfirmed variants: not findings, but the reason some samples are not assessable.
    Qualifying variants without a trustworthy call, variants at sites failing QUAL/FILTER, and records of
    unknown impact, in three tables."""
    if not data.unconfirmed:
        return Html("")

    def rows(variants: Sequence[UnconfirmedVariant]) -> List[Tuple[Any, ...]]:
        out = []
        for variant in variants:
            consequence = variant.consequence.replace("&", ", ") if variant.consequence else None
            samples = [f"{sample} ({data.samples.get(sample, '?')})" for sample in variant.not_assessable_samples]
            out.append((tag("strong", variant.gene), variant.variant_id, variant.hgvsc or NA, variant.hgvsp or NA,
                        " / ".join(value for value in (variant.impact, consequence) if value) or NA,
                        ", ".join(samples) or NA))
        return out

    def why_table(variants: Sequence[UnconfirmedVariant]) -> Html:
        return table(["Gene", "Variant (GRCh38)", "HGVSc", "HGVSp", "Impact / consequence",
                      "Samples counted as not assessable", "Why"],
                     [row + (variant.why,) for row, variant in zip(rows(variants), variants)])

    # the site failed QUAL/FILTER; else impact unknown: no entry for the ALT, or entries only for another
    # gene than the panel's; else a qualifying variant without an assessable carrier
    low_quality = [variant for variant in data.unconfirmed if variant.low_quality is not None]
    unknown = [variant for variant in data.unconfirmed if (variant.not_annotated or variant.other_gene_only)
               and variant not in low_quality]
    qualifying = [variant for variant in data.unconfirmed if variant not in unknown and variant not in low_quality]
    parts = []
    if low_quality:
        parts += [
            tag("h3", "Variants at low-quality sites (not kept)"),
            tag("p", "These records lie in a panel gene and pass the frequency filters, and their impact qualifies "
                     "or is unknown, but the site failed the quality filter (QUAL below --min-qual, or a FILTER "
                     "value other than PASS: the caller's or a filter's doubt about the variant allele). They are "
                     "not findings and are not tested, but they could be real: the samples whose genotype names "
                     "the variant allele are counted as not assessable for the gene, never as non-carriers, unless "
                     "they carry a kept variant of it. Samples called homozygous reference there are unchanged. "
                     "Re-calling or re-sequencing these positions would settle them."),
            why_table(low_quality),
        ]
    if qualifying:
        parts += [
            tag("h3", "Unconfirmed qualifying variants (not kept)"),
            tag("p", "These passed every filter except one: no sample carries them with a trustworthy genotype (the "
                     "possible carriers have too few reads, a low genotype quality or no call). They are not findings "
                     "and are not tested, but they could be real: the samples listed are counted as not assessable "
                     "for the gene, never as non-carriers. Re-sequencing these positions would settle them."),
            table(["Gene", "Variant (GRCh38)", "HGVSc", "HGVSp", "Impact / consequence",
                   "Samples with a not-assessable call"], rows(qualifying)),
        ]
    if unknown:
        parts += [
            tag("h3", "Variants of unknown impact (not kept)"),
            tag("p", "These records lie in a panel gene, pass the quality and frequency filters, but the annotator "
                     "wrote no consequence for their allele on that gene (none at all, or only another gene's), so "
                     "whether they qualify is unknown. They are not findings and are not tested; the samples listed "
                     "(carriers, and samples whose call there is not assessable) are counted as not assessable for "
                     "the gene, never as non-carriers, unless they carry a kept variant of it. Annotating these "
                     "records on the panel gene would settle them."),
            why_table(unknown),
        ]
    return join(parts)


GENE_STATUS_TEXT = {
    "monoallelic": "one kept variant, heterozygous (a carrier; not biallelic)",
    "biallelic_hom": "homozygous: biallelic",
    "compound_het": "compound heterozygous, in trans: biallelic",
    "possible_compound_het": "two or more kept variants, phase unknown: possibly biallelic (compound heterozygous "
                             "if in trans)",
    "hemizygous": "hemizygous (a male's one chrX copy): counted with the biallelic carriers",
}
MONOALLELIC_CIS_TEXT = "heterozygous variants all on one copy (in cis, phased): a carrier; not biallelic"


def gene_status_text(status: GeneStatus) -> str:
    """SCREEN's conclusion for one patient and gene in words. ``monoallelic`` is one het or several hets
    certainly in cis; with a kept or qualifying variant of the gene not assessable in the patient, a second
    hit is not ruled out (COHORT_STATS leaves the patient out of the biallelic test): not 'not biallelic'."""
    if status.status != "monoallelic":
        return GENE_STATUS_TEXT[status.status]
    if not status.n_unassessed:
        return GENE_STATUS_TEXT["monoallelic"] if len(status.carried_variants) <= 1 else MONOALLELIC_CIS_TEXT
    what = "one kept variant, heterozygous" if len(status.carried_variants) <= 1 else "heterozygous variants in cis"
    if not status.n_not_assessable:
        return (f"{what} (a carrier); biallelic or not is UNKNOWN: the gene's coverage is low in this patient "
                f"({status.coverage_reason}), so a second hit is not ruled out (left out of the biallelic test)")
    coverage = f"; the gene's coverage is low too ({status.coverage_reason})" if status.coverage_reason else ""
    return (f"{what} (a carrier); biallelic or not is UNKNOWN: {status.n_not_assessable} other variant(s) of the "
            f"gene could not be assessed in this patient ({', '.join(status.not_assessable_variants)}{coverage}), "
            "so a second hit is not ruled out (left out of the biallelic test)")


def carriers_per_patient_part(data: ReportData) -> Html:
    """Per patient and gene, what SCREEN concluded (gene_status.tsv): monoallelic, biallelic (homozygous,
    compound heterozygous, possibly so), hemizygous, with the variants carried and their genotype."""
    index = VariantIndex.of(data)
    flags = {qc.sample: qc.flag for qc in data.qc if qc.flag not in ("", "pass", NA)}
    order = {sample: number for number, sample in enumerate(data.samples)}
    rows = []
    for status in sorted(data.gene_status, key=lambda status: order.get(status.sample, len(order))):
        if status.status not in GENE_STATUS_TEXT:
            continue
        carried = []
        for variant_id in status.carried_variants:
            call = index.calls.get((status.sample, variant_id))
            variant = index.kept.get(variant_id)
            label = variant.label if variant else variant_id
            carried.append(f"{label} ({STATE_SHORT.get(call.state, call.state) if call else 'not in carriers.tsv'})")
        sample = f"{status.sample} ({status.group})" + (f"; QC flag: {flags[status.sample]}" if status.sample in flags
                                                         else "")
        rows.append((sample, tag("strong", status.gene), gene_status_text(status), "; ".join(carried)))
    heading = tag("h3", "Carriers per patient and gene")
    if not rows:
        return join([heading, tag("p", "No patient carries a kept variant.")])
    return join([heading, tag("p", "What the screen concluded for each patient who carries a kept variant, per gene "
                                   "(gene_status.tsv). Familial HLH of the autosomal recessive genes needs both copies "
                                   "affected: one heterozygous variant is a monoallelic carrier state (studied here as a "
                                   "possible risk factor), not a biallelic genotype; two variants of unknown phase need "
                                   "phasing (the parents' DNA or long reads) before they can be called biallelic. Patients "
                                   "not listed carry no kept variant in a screened gene, or could not be judged for it "
                                   "(“Not assessable per gene” below: they are not non-carriers)."),
                 table(["Patient (group)", "Gene", "Status", "Kept variants carried (genotype)"], rows)])


def gene_not_assessable_part(data: ReportData, listed: bool = True) -> Html:
    """Per gene: the samples whose gene status is not_assessable, with the variants concerned (``listed``
    False: how many cases and controls, the samples being named in EXCLUDED_FILE)."""
    by_gene: Dict[str, List[GeneStatus]] = {}
    for status in data.gene_status:
        if status.status == "not_assessable":
            by_gene.setdefault(status.gene, []).append(status)
    heading = tag("h3", "Not assessable per gene")
    if not by_gene:
        return join([heading, tag("p", "Every sample could be judged for every gene: no gene status is "
                                       "not assessable.")])
    explanation = tag("p", "A sample that carries no kept variant of a gene with a trustworthy genotype, and whose "
                           "call is not assessable at one of the gene's kept or unconfirmed variants, might carry a "
                           "variant there: its status is \u201cnot assessable\u201d and it is left out of that gene's "
                           "comparisons (any-carrier and biallelic), not counted as a non-carrier. So is a sample "
                           "whose reads cover less than --min_gene_callable of the gene's panel bases at the "
                           "screen's minimum depth (a coverage dropout in that sample): a variant there would have "
                           "been missed.")
    if not listed:
        counts = [(tag("strong", gene), *(td(str(sum(status.group == group for status in statuses)), "num")
                                          for group in GROUPS)) for gene, statuses in by_gene.items()]
        return join([heading, explanation,
                     table(["Gene", "Cases not assessable", "Controls not assessable"], counts),
                     tag("p", in_file_text("These samples, with the variants at which each call failed,") + ".")])
    index = VariantIndex.of(data)
    rows = [(tag("strong", gene), f"{status.sample} ({status.group})", not_assessable_variants_text(data, status, index))
            for gene, statuses in by_gene.items() for status in statuses]
    return join([heading, explanation,
                 table(["Gene", "Sample (group)", "Variants at which the call is not assessable, or the gene's coverage"],
                       rows)])


def exon_flag_text(gene: str, flag: str, params: Mapping[str, Any]) -> str:
    """``low_exon_coverage:exon2:0.00`` of PRF1 in words: 'PRF1 exon 2: 0.00 of its bases at >= 10x'."""
    exon, _, fraction = flag.partition(":")[2].rpartition(":")
    depth = params.get("min_dp")
    at = f" at >= {value_text(depth)}x" if depth is not None else " at the screen's minimum depth"
    name = re.sub(r"^exon(\d+)$", r"exon \1", exon)
    return f"{gene} {name}: {fraction} of its bases{at}"


def coverage_gap_text(row: CoverageRow, params: Mapping[str, Any]) -> str:
    """One gene_coverage.tsv row with a gap, in words: 'STX11 not assessable in ctrl_04: 0.42 of panel bases at
    >= 10x (no variant kept in STX11, so this is not a "no qualifying variant")', and its low exons."""
    parts = []
    depth = params.get("min_dp")
    at = f" at >= {value_text(depth)}x" if depth is not None else " at the screen's minimum depth"
    if row.low_gene_coverage and row.coverage is not None:
        fraction = row.coverage_reason.partition(":")[2]
        what = "not assessable" if row.status == "not_assessable" else f"{row.status} (a carrier), coverage low"
        parts.append(f"{row.gene} {what} in {row.sample}: {fraction} of panel bases{at}"
                     + ("" if row.in_gene_status else f" (no variant kept in {row.gene}: this is not a "
                                                      "“no qualifying variant”)"))
    elif row.coverage_reason == NOT_MEASURED:
        parts.append(f"{row.gene} not assessable in {row.sample}: no coverage measured over its panel regions")
    if row.exon_flags:
        limit = params.get("min_gene_callable")
        below = f" (below --min_gene_callable {value_text(limit)})" if limit is not None else ""
        parts.append("exon(s) with a dropout" + below + ": "
                     + "; ".join(exon_flag_text(row.gene, flag, params) for flag in row.exon_flags)
                     + ("" if row.low_gene_coverage else "; the gene as a whole passes, so the sample stays assessed, "
                        "but a variant in that exon would have been missed"))
    return "; ".join(parts)


def coverage_gaps_part(data: ReportData, listed: bool = True) -> Html:
    """Per gene, every sample whose coverage leaves a gap (gene_coverage.tsv): the gene below --min_gene_callable
    (also where no variant of the gene was kept, which would otherwise read as 'no qualifying variant'), not
    measured in some samples, or one exon below it. ``listed`` False: counts per gene (large cohorts)."""
    heading = tag("h3", "Coverage gaps per gene (every panel gene, kept variant or not)")
    if data.gene_coverage is None:
        return join([heading, tag("p", "The report was not given SCREEN's gene_coverage.tsv: a patient's coverage "
                                       "of a panel gene without any kept variant is not checked here.")])
    never = [gene for gene in dict.fromkeys(row.gene for row in data.gene_coverage)
             if all(row.coverage_reason == NOT_MEASURED for row in data.gene_coverage if row.gene == gene)]
    rows = [row for row in data.gene_coverage if row.gene not in never
            and (row.low_gene_coverage or row.coverage_reason == NOT_MEASURED or row.exon_flags)]
    parts = [heading, tag("p", "Every panel gene was checked in every patient for the share of its panel bases "
                               "(and of each exon) the reads cover at the screen's minimum depth. A gene below "
                               "--min_gene_callable is not assessable in that patient even where no variant was "
                               "kept; an exon below it is flagged (a small exon's dropout the gene's share hides).")]
    if never:
        parts.append(tag("p", "Not measured in any sample (no panel region on the reference; see the panel genes): "
                              + ", ".join(never) + "."))
    if not rows:
        parts.append(tag("p", "No other coverage gap: every other panel gene is covered in every patient."))
        return join(parts)
    if not listed:
        counts: Dict[str, List[int]] = {}
        for row in rows:
            tally = counts.setdefault(row.gene, [0, 0])
            tally[0] += row.low_gene_coverage or row.coverage_reason == NOT_MEASURED
            tally[1] += bool(row.exon_flags)
        parts.append(table(["Gene", "Samples not assessable for coverage", "Samples with an exon dropout"],
                           [(tag("strong", gene), td(str(n), "num"), td(str(e), "num"))
                            for gene, (n, e) in counts.items()]))
        parts.append(tag("p", "Each sample and gene: gene_coverage.tsv (SCREEN)."))
        return join(parts)
    parts.append(table(["Gene", "Sample (group)", "Coverage gap"],
                       [(tag("strong", row.gene), f"{row.sample} ({row.group})", coverage_gap_text(row, data.params))
                        for row in sorted(rows, key=lambda row: row.gene)]))
    return join(parts)


NO_VARIANT_KEPT = "No variant kept"


#: A carrier matrix wider or taller than this (inches) is shown at full size in a scrolling frame.
SCROLL_FIGURE_INCHES = 16.0


def matrix_section(svg: bytes, data: ReportData, compact: bool = False, scroll: bool = False,
                   aggregated: bool = False) -> Html:
    lead = "Who carries what at a glance: each mark is one patient's genotype at one variant."
    if not data.variants:
        # an image that only says "nothing to show" reads like a broken figure: say it in words
        return section("matrix", "4. Carrier matrix", lead,
                       tag("p", f"{NO_VARIANT_KEPT}: no variant passed the screen, so there is no carrier matrix."))
    caption = ("Rows: kept variants (gene and protein change); columns: samples, cases (shaded) left of controls. "
               "Half-filled circle = heterozygous, filled square = homozygous alternate, diamond = hemizygous (a male's "
               "one chrX copy), cross = not assessable (no call, low depth or low genotype quality, or sex unknown on "
               "chrX), small dot = reference. Shapes differ, so the figure "
               "reads without colour. The same data are in the table of section 3.")
    if compact:
        caption = ("Rows: kept variants (gene and protein change); columns: samples, cases (shaded) left of controls. "
                   "There are too many samples for a shape per call: each call is a small square in its state's "
                   "colour: orange = homozygous alternate, pink = hemizygous (a male's one chrX copy), blue = "
                   "heterozygous, dark grey = not assessable (no call, low depth or low genotype quality, or sex "
                   "unknown on chrX), pale grey = reference. The same data are in the table of section 3.")
    if aggregated:
        lead = "Who carries what at a glance: how often each variant is carried among cases and among controls."
        caption = (f"There are more than {figures.MAX_MATRIX_SAMPLES:,} samples, too many for a column each (a lone "
                   "carrier would be under a pixel wide), so the samples are summed per group. Rows: kept variants "
                   "(gene and protein change); bars: the share of the group's assessable samples that carry the "
                   "variant, stacked by genotype: blue = heterozygous, orange with crosses = homozygous alternate, "
                   "pink with dots = hemizygous (a male's one chrX copy). Printed beside each bar: carriers/assessable "
                   "samples, and how many were not assessable (n.a.). Who carries what is named in the table of "
                   "section 3 and, call by call, in carriers.tsv.")
    if scroll:
        caption += (" The figure is large: it is shown at full size, scroll inside its frame (also in "
                    "figures/carrier_matrix.png and .svg).")
    alt = ("Carriers of each kept variant per group" if aggregated else "Carrier matrix of kept variants by sample")
    return section("matrix", "4. Carrier matrix", lead, figure_html(svg, alt, caption, scroll))


def forest_rows(data: ReportData) -> List[figures.ForestRow]:
    rows = []
    for test in data.tests["gene"]:
        reason = not_estimable(test)
        if not test.testable:
            numbers = "not testable"
        elif reason is None:
            numbers = odds_ratio_text(test).replace("\u2013", "-")
        elif reason in SINGLE_TABLE:
            numbers = "OR not estimable"
        else:
            numbers = f"OR n.e. (CI {sig3(test.ci_low)}-{sig3(test.ci_high)})"
        text = f"{test.case_carriers}/{test.case_assessable} vs {test.control_carriers}/{test.control_assessable}  {numbers}"
        rows.append(figures.ForestRow(test.gene, test.testable, test.odds_ratio, test.ci_low, test.ci_high, text,
                                      "" if test.testable else untestable_reason(test.note),
                                      NOT_ESTIMABLE_TEXT[reason] if reason else "",
                                      reason in SINGLE_TABLE))
    return rows


def forest_section(svg: bytes, data: ReportData, forest: figures.ForestFigure) -> Html:
    lead = ("For each gene: are carriers of any kept variant more frequent among cases (right of 1) or "
            "controls (left of 1)? Wide lines mean few patients and much uncertainty.")
    if not data.tests["gene"]:
        return section("forest", "5. Gene-level odds ratios", lead,
                       tag("p", f"{NO_VARIANT_KEPT}: no gene-level test was made, so there is no odds ratio to plot."),
                       untested_genes_part(data))
    label = conf_label(data.params)
    caption = (f"Diamond: odds ratio of carrying a kept variant in the gene, cases vs controls (conditional maximum "
               f"likelihood estimate); line: exact {label}; dashed line: odds ratio 1 (no difference). When one group "
               f"has no assessable carrier, or only carriers, the odds ratio cannot be estimated (R reports it as 0 "
               f"or Inf): no diamond is drawn, the row says \u201cOR not estimable\u201d and why, and the line shows "
               f"the one finite confidence limit. When no assessable sample (or every one) carries, there is nothing "
               f"to compare and no line is drawn. Interval ends at 0 or Inf, or beyond the drawn range, are arrow "
               f"heads at the axis edge; the exact values are printed on the right.")
    parts: List[Any] = [figure_html(svg, "Forest plot of gene-level odds ratios", caption)]
    if forest.not_testable:
        parts.append(tag("p", "Not testable (no assessable case or control): " + ", ".join(forest.not_testable) + "."))
    if forest.not_estimable:
        parts.append(tag("p", "Odds ratio not estimable (a group without assessable carriers, or with carriers "
                              "only; not evidence of protection or of risk): " + ", ".join(forest.not_estimable) + "."))
    parts.append(untested_genes_part(data, brief=True))
    return section("forest", "5. Gene-level odds ratios", lead, *parts)


def tests_table(tests: Sequence[TestRow], level: str, label: str = "95% CI",
                not_called: Optional[Mapping[str, Dict[str, str]]] = None) -> Html:
    """``not_called``: panel_callability rows of the genes not (fully) callable (off the reference or the
    capture): their rows say NOT ASSESSED, since 0 carriers there is no evidence of absence."""
    if not tests:
        return tag("p", "No test at this level (no variant passed the screen).")
    label_header = "Variant" if level == "variant" else "Gene"
    rows, classes = [], []
    for test in tests:
        name = tag("strong", test.gene)
        if level == "variant":
            name = join([name, esc(" " + test.label)])
        notes = []
        gap = (not_called or {}).get(test.gene)
        if gap is not None:
            notes.append(f"{'NOT ASSESSED' if gap['status'] == 'not_callable' else 'only partly assessed'}: "
                         f"{gap['reason']} (section 2)")
        unassessed = gap is not None and gap["status"] == "not_callable"
        if not test.testable and not unassessed:
            notes.append(f"not testable: {untestable_reason(test.note)}")
        reason = not_estimable(test)
        if reason in SINGLE_TABLE:
            notes.append("nothing to compare: p = 1 by construction")
        excluded = excluded_count(test.note)
        if excluded and not unassessed:
            notes.append(f"{excluded} sample(s) not assessable, left out")
        rows.append((name, td(fraction_text(test.case_carriers, test.case_assessable), "num"),
                     td(fraction_text(test.control_carriers, test.control_assessable), "num"),
                     td(odds_ratio_text(test), "num" if reason is None else "estimate"),
                     td(sig3(test.p_value), "num"), td(sig3(test.q_value), "num"), "; ".join(notes)))
        classes.append("untestable" if not test.testable or unassessed else "degenerate" if reason in SINGLE_TABLE else None)
    return table([label_header, "Cases: carriers/assessable (%)", "Controls: carriers/assessable (%)",
                  f"OR ({label})", "p", "q (BH)", "Note"], rows, row_classes=classes)


LEVEL_NAMES = {"variant": "per variant", "gene": "per gene", "biallelic": "per gene, biallelic"}


def significant_tests(data: ReportData, alpha: float) -> Dict[str, List[TestRow]]:
    """Per level, the testable tests whose BH q-value is at most ``alpha``."""
    return {level: [t for t in data.tests[level] if t.testable and t.q_value is not None and t.q_value <= alpha]
            for level in LEVELS}


def tested_name(test: TestRow) -> str:
    return f"{test.gene} {test.label}" if test.level == "variant" else test.gene


def significance_sentence(data: ReportData) -> str:
    """What reached significance at the run's alpha, per level: q <= alpha (BH) out of the testable tests, with
    how many had p <= alpha before the correction; '' when there is no test or no single alpha."""
    alpha = power_alpha(data)
    if alpha is None or not any(data.tests.values()):
        return ""
    significant = significant_tests(data, alpha)
    parts = []
    for level in LEVELS:
        testable = [t for t in data.tests[level] if t.testable]
        nominal = sum(t.p_value is not None and t.p_value <= alpha for t in testable)
        named = ", ".join(f"{tested_name(t)} (q = {sig3(t.q_value)})" for t in significant[level])
        parts.append(f"{LEVEL_NAMES[level]}, {len(significant[level])} of {len(testable)} testable test(s)"
                     + (f": {named}" if named else "") + f" ({nominal} with p \u2264 {alpha_text(alpha)} before "
                     "the correction)")
    return (f"Significant at q \u2264 {alpha_text(alpha)} (Benjamini-Hochberg within the level): " + "; ".join(parts)
            + ". A test that is not significant found no difference this cohort could show; it is not evidence "
            "that there is none (section 7 says how large a difference each test could detect).")


def significance_headline(data: ReportData) -> str:
    """For the page's first paragraph: the tests with q <= alpha, or that none reached it ('' without tests)."""
    alpha = power_alpha(data)
    if alpha is None or not any(data.tests.values()):
        return ""
    found = [t for level in LEVELS for t in significant_tests(data, alpha)[level]]
    if not found:
        return f"No case/control test reached q \u2264 {alpha_text(alpha)} (section 6). "
    return (f"Tests with q \u2264 {alpha_text(alpha)} (section 6): "
            + ", ".join(f"{LEVEL_NAMES[t.level]} {tested_name(t)} (q = {sig3(t.q_value)})" for t in found) + ". ")


def tests_section(data: ReportData) -> Html:
    label = conf_label(data.params)
    not_called = {row["gene"]: row for row in not_called_genes(data)}
    significance = significance_sentence(data)
    parts = [
        tag("p", "k/n = carriers / samples assessable in the group. OR: conditional maximum-likelihood odds ratio "
                 f"(cases vs controls) with its exact {label}; p: two-sided Fisher's exact test; q: Benjamini-Hochberg "
                 "false discovery rate within the level, over the testable tests only. Values to 3 significant "
                 "digits. \u201cNot estimable\u201d: one group has no assessable carrier (or only carriers), so the odds ratio "
                 "has no finite estimate (R reports 0 or Inf); an odds ratio of 0 here is not a protective effect. "
                 "The confidence interval still bounds the effect from one side. When no assessable sample (or every "
                 "one) carries, the margins allow a single table: p = 1 and there is nothing to compare."),
        *([tag("p", "p = 0 (and q = 0): the probability is below the smallest number a double-precision value holds "
                    "(about 5e-324), so it is stored as 0, as R's fisher.test also returns it; the true value is "
                    "positive and far below 1e-300.")]
          if any(test.p_value == 0 for tests in data.tests.values() for test in tests) else []),
        *([tag("p", tag("strong", significance))] if significance else []),
        tag("h3", "Per variant (carrier = het, hom or hemi)"), tests_table(data.tests["variant"], "variant", label),
        tag("h3", "Per gene, any kept variant (carrier = at least one kept variant)"),
        tests_table(data.tests["gene"], "gene", label, not_called),
        untested_genes_part(data),
        tag("h3", "Per gene, biallelic (carrier = homozygous, (possible) compound heterozygous, "
                      "or hemizygous: a male carrier on chrX)"),
        tests_table(data.tests["biallelic"], "biallelic", label, not_called),
    ]
    return section("tests", "6. Case/control comparisons",
                   "Is carrying a variant more common in cases than in controls? Each row compares the two groups; "
                   "with small groups, a large odds ratio can still be compatible with no difference (p and q near 1).",
                   *parts)


# ------------------------------------------------------------------ power


def power_alpha(data: ReportData) -> Optional[float]:
    """power.tsv's alpha; with no test at all (no variant kept) the pipeline's 1 - conf_level when recorded
    (COHORT_STATS' default), so the section still names the level it would have used."""
    alphas = {row.alpha for row in data.power.values()}
    if not alphas:
        try:
            level = float(data.params["conf_level"])
        except (KeyError, TypeError, ValueError):
            return None
        return round(1 - level, 12) if 0 < level < 1 else None
    return alphas.pop() if len(alphas) == 1 else None


def power_table(data: ReportData, level: str) -> Html:
    tests = data.tests[level]
    if not tests:
        return tag("p", "No test at this level (no variant passed the screen).")
    rows, classes = [], []
    for test in tests:
        row = data.power[(level, test.id)]
        name = tag("strong", test.gene)
        if level == "variant":
            name = join([name, esc(" " + test.label)])
        powers = [td(percent(value) if value is not None else NA, "num") for value in row.powers]
        smallest = (odds_text(row.min_detectable_or) + (f" ({percent(row.case_freq_at_min_or)} of cases)"
                                                         if row.case_freq_at_min_or is not None else "")
                    if row.min_detectable_or is not None else NA)
        need = (f"{row.min_significant_case_carriers}/{row.case_assessable}"
                if row.min_significant_case_carriers is not None else NA)
        note = POWER_NOTE_TEXT.get(row.note or "", "")
        rows.append((name, td(fraction_text(row.control_carriers, row.control_assessable), "num"),
                     td(str(row.case_assessable), "num"), *powers, td(smallest, "num"), td(need, "num"), note))
        classes.append("untestable" if row.note == "not_testable" else None)
    headers = ["Variant" if level == "variant" else "Gene", "Controls carrying / assessable", "Assessable cases"]
    headers += [f"Power at OR {odds:g}" for odds in REPORTED_ODDS_RATIOS]
    headers += [f"Smallest OR with {percent(TARGET_POWER)} power", "Case carriers needed for p \u2264 \u03b1", "Note"]
    return table(headers, rows, row_classes=classes)


POWER_NOTE_TEXT = {
    "not_testable": "not testable",
    "no_control_carrier": "no control carrier: no frequency to scale an odds ratio from",
    "all_controls_carry": "every control carries: no excess possible",
    "target_power_not_reached": "80% power not reached at any odds ratio",
}


def correction_caveat(data: ReportData, alpha_words: str) -> str:
    """The powers are of one test's unadjusted p; the tables' q-values (BH within a level) need a smaller p
    wherever a level has more than one testable test, so the sentence says the power to reach q is lower."""
    counts = {level: sum(test.testable for test in data.tests[level]) for level in ("gene", "variant")}
    shown = [f"{count} testable {level}-level tests" for level, count in counts.items() if count > 1]
    if not shown:
        return ""
    alpha = alpha_words.replace("\u03b1 = ", "")
    return (f" These figures are the power of one test's own p-value, before the Benjamini-Hochberg correction: "
            f"q \u2264 {alpha} over the {' (or the '.join(shown)}{')' if len(shown) > 1 else ''} needs a smaller p, "
            "so the power to reach it is lower.")


def power_section(data: ReportData) -> Html:
    alpha = power_alpha(data)
    alpha_words = f"\u03b1 = {alpha_text(alpha)}" if alpha is not None else "the run's \u03b1"
    genes = [data.power[("gene", test.id)] for test in data.tests["gene"]]
    parts: List[Any] = [
        tag("p", "Power is the probability that the two-sided Fisher test gives p \u2264 \u03b1 when carriers truly "
                 "are more frequent among cases, here at odds ratios 2, 5 and 10 and at the control carrier frequency "
                 "observed in this cohort, with this run's numbers of assessable cases and controls. It is computed "
                 "exactly, over every possible outcome (no approximation). The smallest odds ratio with "
                 f"{percent(TARGET_POWER)} power is the effect this cohort would usually detect; smaller effects are "
                 "likely to be missed. Power is about the design, not about the result: it does not depend on how "
                 "many cases carried." + correction_caveat(data, alpha_words)),
        tag("h3", "Per gene (carrier = at least one kept variant)"),
        bullet_list(power_sentence(row) for row in genes) if genes else tag("p", "No gene was tested."),
        power_table(data, "gene"),
        untested_genes_part(data, brief=True),
        tag("h3", "Per variant"),
        power_table(data, "variant"),
        tag("p", "The same numbers for the biallelic tests are in cohort/power.tsv."),
    ]
    return section("power", "7. What the comparisons could detect (power)",
                   f"How large a difference could this cohort have found? A result that is not significant only "
                   f"reassures when the study could have detected the effect (tested at {alpha_words}); a small "
                   f"cohort can detect only large odds ratios.", *parts)


def power_methods_sentence(data: ReportData) -> str:
    alpha = power_alpha(data)
    return ("Power: exact power of the two-sided Fisher test at "
            + (f"\u03b1 = {alpha_text(alpha)}" if alpha is not None else "the run's \u03b1")
            + ", summing over every possible outcome of two binomial samples (the observed numbers of assessable "
            "cases and controls, the observed control carrier frequency, case carrier frequency set by the odds "
            "ratio), at odds ratios " + ", ".join(f"{odds:g}" for odds in REPORTED_ODDS_RATIOS)
            + f"; and the smallest odds ratio reaching {percent(TARGET_POWER)} power.")


# ------------------------------------------------------------------ methods


def find_version(versions: Mapping[str, Mapping[str, str]], tools: Sequence[str],
                 steps: Sequence[str] = ()) -> Optional[str]:
    """Version of the first of ``tools`` found, looking in ``steps`` first and then in every step."""
    wanted = [tool.lower() for tool in tools]
    ordered = [step for step in steps if step in versions] + [step for step in versions if step not in steps]
    for tool in wanted:
        for step in ordered:
            for name, version in versions[step].items():
                if name.lower() == tool:
                    return version
    return None


def with_version(name: str, version: Optional[str]) -> str:
    return f"{name} {version}" if version else f"{name} (version not recorded)"


ALIGNERS = {"bwa-mem2": ("BWA-MEM2", ("bwamem2", "bwa-mem2"), ("BWAMEM2_MEM",)),
            "bwa": ("BWA-MEM", ("bwa",), ("BWA_MEM",))}


def aligner_text(params: Mapping[str, Any], versions: Mapping[str, Mapping[str, str]]) -> str:
    choice = str(params.get("aligner", "")).lower()
    if choice in ALIGNERS:
        name, tools, steps = ALIGNERS[choice]
        return with_version(name, find_version(versions, tools, steps))
    for name, tools, steps in ALIGNERS.values():
        if any(step in versions for step in steps):
            return with_version(name, find_version(versions, tools, steps))
    return f"{choice or 'an aligner'} (not recorded)"


def annotator_text(params: Mapping[str, Any], versions: Mapping[str, Mapping[str, str]]) -> str:
    choice = str(params.get("annotator", "")).lower()
    if choice == "offline":
        return (with_version("snpEff", find_version(versions, ("snpeff",), ("SNPEFF_ANN",)))
                + " (database built from the panel's gene models), with gnomAD frequencies added by "
                + with_version("bcftools", find_version(versions, ("bcftools",), ("GNOMAD_ANNOTATE",))))
    if choice == "vep":
        cache = params.get("vep_cache")
        flavour = {"refseq": "RefSeq ", "merged": "merged Ensembl/RefSeq "}.get(str(params.get("vep_cache_type")), "")
        mode = (f"offline {flavour}cache, version {value_text(params.get('vep_cache_version'))}" if cache
                else "the panel's gene models")
        version = find_version(versions, ("ensemblvep", "vep"), ("ENSEMBLVEP_VEP",))
        return with_version("Ensembl VEP", version) + f" ({mode})"
    if choice == "vep_rest":
        server = params.get("vep_rest_server")
        return ("the Ensembl VEP REST service" + (f" ({value_text(server)})" if server else "")
                + ", queried by " + with_version("hlhscreen", find_version(versions, ("hlhscreen",), ("VEP_REST",))))
    return f"{choice or 'an annotator'} (not recorded)"


def param_text(params: Mapping[str, Any], *keys: str, default: str = "not recorded") -> str:
    for key in keys:
        if key in params and params[key] is not None:
            return value_text(params[key])
    return default


def gnomad_text(params: Mapping[str, Any]) -> str:
    source = param_text(params, "gnomad_source", "gnomad", "gnomad_version", default="")
    vcf = params.get("gnomad_vcf")
    parts = [part for part in (source, f"sites file {Path(str(vcf)).name}" if vcf else "") if part]
    if not parts and str(params.get("annotator", "")).lower() == "vep_rest":
        return "the gnomAD frequencies of the Ensembl REST service's colocated variants"
    return ", ".join(parts) if parts else "gnomAD (source not recorded)"


def param_flag(params: Mapping[str, Any], key: str, default: bool) -> bool:
    """A yes/no parameter (JSON boolean, or text such as "true"/"false"); ``default`` when not recorded."""
    value = params.get(key)
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "yes", "1", "false", "no", "0"):
        return value.strip().lower() in ("true", "yes", "1")
    return default


AF_SOURCE_TEXT = {"global": "the global gnomAD allele frequency",
                  "popmax": "the larger of the global gnomAD allele frequency and that of the gnomAD population "
                            "where it is highest (popmax)"}


def filter_sentences(params: Mapping[str, Any], not_looked_up: Sequence[str] = ()) -> List[str]:
    """The screening rules of SCREEN (docs/screening.md) with this run's thresholds; ``not_looked_up``: the
    chromosomes the gnomAD file has no record on."""
    af_source = param_text(params, "af_source", default="")
    af_name = AF_SOURCE_TEXT.get(af_source, "the gnomAD allele frequency" + (f" ({af_source})" if af_source else ""))
    max_af, common_af = param_text(params, "max_af"), param_text(params, "common_af")
    whitelist = param_text(params, "risk_factors", "whitelist", default="the panel's risk_factors.tsv")
    rules = [
        f"it overlapped the screened regions of the {param_text(params, 'panel', default='(not recorded)')} panel",
        f"its call had QUAL at least {param_text(params, 'min_qual')} and FILTER PASS",
        f"the frequency compared ({af_name}) was below {max_af}"
        + (" (whitelisted variants exempt)" if param_flag(params, "whitelist_overrides_max_af", False) else "")
        + f", and at most {common_af} unless the variant was on the risk-factor whitelist ({whitelist})",
        f"the summary transcript's predicted impact was one of {param_text(params, 'impacts')} or one of its "
        f"consequences was one of {param_text(params, 'consequences')}",
    ]
    if param_flag(params, "require_carrier", True):
        rules.append("at least one sample carried it with an assessable genotype")
    return [
        "A variant was kept when " + "; ".join(rules) + ". Variants absent from gnomAD were treated as novel and "
        "passed the frequency rules"
        + (f" (so did every variant without a frequency on {', '.join(not_looked_up)}, where the gnomAD file has "
           "no record and gnomAD was not looked up)" if not_looked_up else "")
        + "; whitelisted variants were kept above the common-variant limit only because the cited literature "
        "reports them as risk factors.",
        f"A sample's genotype was assessable when called with read depth at least {param_text(params, 'min_dp')} "
        f"and genotype quality at least {param_text(params, 'min_gq')}; otherwise it was counted neither as "
        f"carrier nor as non-carrier.",
        "A variant that passed every rule but quality (its impact qualifying or unknown) was not kept, but a sample "
        "whose genotype named it was counted as not assessable for its gene, not as a non-carrier; samples "
        "called homozygous reference at such a site were unaffected.",
        *([f"A sample whose reads covered less than {value_text(params['min_gene_callable'])} of a gene's panel "
           f"bases at read depth {param_text(params, 'min_dp')} or more (a coverage dropout in that sample) and "
           "that carried no kept variant of the gene was counted as not assessable for the gene, not as a "
           "non-carrier."] if params.get("min_gene_callable") is not None else []),
    ]


def sex_methods_sentences(data: ReportData) -> List[str]:
    if not data.sexes:
        return []
    return [
        f"Each sample's sex was inferred from the ratio of its mean panel depth on chrX outside the GRCh38 "
        f"pseudo-autosomal regions to that on the autosomes (male {sex_lib.MALE_MIN_RATIO:g}-"
        f"{sex_lib.MALE_MAX_RATIO:g}, female >= {sex_lib.FEMALE_MIN_RATIO:g}, otherwise unknown) and compared with the sex given; a disagreement made the "
        "sex unknown. Males were called haploid on chrX and chrY outside the pseudo-autosomal regions (FreeBayes "
        "--cnv-map); a male carrier there was counted as hemizygous, a carrier in the any-variant tests and a "
        "biallelic carrier in the recessive test, and samples of unknown sex were not assessable there.",
    ]


def clinvar_methods_sentence(data: ReportData, mark: str = "") -> str:
    """``mark``: the citation marker of ClinVar, put after the release's citation."""
    if data.clinvar is None:
        return "ClinVar was not consulted."
    rescue = ""
    if param_flag(data.params, "keep_clinvar_pathogenic", False):
        rescue = (f" Variants ClinVar classifies Pathogenic or Likely pathogenic with at least "
                  f"{param_text(data.params, 'clinvar_min_stars')} review stars were kept whatever their predicted "
                  "impact.")
    return (f"ClinVar classifications, review stars and conditions were attached {clinvar_matching(data.clinvar)} "
            f"from the {data.clinvar['citation']}{mark}." + rescue)


def clinvar_matching(release: Mapping[str, Any]) -> str:
    """How CLINVAR_ANNOTATE matched alleles (clinvar_release.json ``normalised_against``): indels of both
    files left-aligned on the FASTA, or, without one, as written."""
    fasta = release.get("normalised_against")
    if not fasta:
        return "by exact allele"
    return f"by allele, indels of both files left-aligned on the reference ({fasta})"


def aligner_key(params: Mapping[str, Any], versions: Mapping[str, Mapping[str, str]]) -> Optional[str]:
    """The aligner aligner_text names, as a key of citations.REFERENCES (None: unknown, not cited)."""
    choice = str(params.get("aligner", "")).lower()
    if choice in ALIGNERS:
        return choice
    return next((key for key, (_, _, steps) in ALIGNERS.items() if any(step in versions for step in steps)), None)


# the references of each --annotator (annotator_text's wording), by citations.REFERENCES key
ANNOTATOR_REFERENCES = {"offline": ("snpeff", "samtools"), "vep": ("vep",), "vep_rest": ("vep", "ensembl_rest")}


_CHOICE_WORDS = {"MANE_Select": "MANE Select", "Ensembl_canonical": "Ensembl canonical", "RefSeq_Select": "RefSeq Select"}


def panel_methods_sentences(design: Optional[PanelDesign]) -> List[str]:
    """What was screened per gene: the exons of one transcript (which: MANE Select, else named per gene) and the
    bp into the introns; none without the panel's genes.tsv."""
    if design is None:
        return []
    n_genes = len(design.transcripts)
    padding = (f"plus {design.padding} bp into the introns" if design.padding is not None
               else "padded into the introns as the panel's regions.bed defines")
    by_choice = design.genes_by_choice()
    if set(by_choice) == {"MANE_Select"}:
        which = f"the MANE Select transcript of each of the {n_genes} genes"
    else:
        parts = [f"{_CHOICE_WORDS.get(choice, choice)} for "
                 + (f"{len(genes)} genes" if choice == "MANE_Select" else
                    ", ".join(f"{gene} ({design.transcripts[gene][0]})" for gene in genes))
                 for choice, genes in by_choice.items()]
        which = f"one transcript per gene ({'; '.join(parts)})"
    return [f"Each panel gene was screened over the exons of {which}, {padding}."]


def methods_section(data: ReportData) -> Html:
    versions, params = data.versions, data.params
    citations = Citations()  # every tool and resource named below is cited (CITATIONS.md has them all)
    cite = citations.cite
    caller = with_version("FreeBayes", find_version(versions, ("freebayes",), ("FREEBAYES",)))
    bcftools = with_version("bcftools", find_version(versions, ("bcftools",), ("BCFTOOLS_NORM",)))
    samtools = with_version("samtools", find_version(versions, ("samtools",)))
    hlhscreen_version = (find_version(versions, ("hlhscreen",), ("SCREEN", "SCREEN_VARIANTS", "COHORT_STATS"))
                         or __version__)
    label = conf_label(params)
    whitelisted = [variant for variant in data.variants if variant.rescued]
    aligner = aligner_key(params, versions)
    annotator_refs = ANNOTATOR_REFERENCES.get(str(params.get("annotator", "")).lower(), ())
    fastqc = with_version("FastQC", find_version(versions, ("fastqc",), ("FASTQC",)))
    mosdepth = with_version("mosdepth", find_version(versions, ("mosdepth",), ("MOSDEPTH",)))
    nextflow = versions.get("Workflow", {}).get("Nextflow")
    paragraph = " ".join([
        f"Reads were checked with {fastqc}{cite('fastqc')}, aligned to GRCh38 with {aligner_text(params, versions)}"
        f"{cite(aligner) if aligner else ''} and sorted with {samtools}{cite('samtools')}; coverage was measured "
        f"with {mosdepth}{cite('mosdepth')}.",
        f"Variants were called jointly in all {len(data.samples)} samples with {caller}{cite('freebayes')} over the "
        f"panel targets, then split into one allele per record and left-aligned with {bcftools}{cite('samtools')}.",
        *panel_methods_sentences(data.design),
        f"Variants were annotated with {annotator_text(params, versions)}"
        f"{cite(*annotator_refs) if annotator_refs else ''}; population frequencies came from "
        f"{gnomad_text(params)}{cite('gnomad')}.",
        *sex_methods_sentences(data),
        clinvar_methods_sentence(data, cite("clinvar") if data.clinvar is not None else ""),
        *filter_sentences(params, gnomad_unlooked_chromosomes(data)),
        f"Screening and statistics used hlhscreen {hlhscreen_version}"
        + (f", run by Nextflow {nextflow}{cite('nextflow')}." if nextflow else "."),
        "Carriers were compared between cases and controls per variant, per gene (any kept variant) and per gene "
        "under a recessive model (biallelic) with a two-sided Fisher's exact test; conditional maximum-likelihood "
        f"odds ratio with exact {label} as R's fisher.test; Benjamini-Hochberg FDR per level"
        f"{cite('fisher', 'r', 'bh')}.",
        power_methods_sentence(data),
    ])
    parts: List[Any] = [tag("p", paragraph)]
    if whitelisted:
        parts.append(tag("p", "Kept through the whitelist in this run: "
                         + "; ".join(f"{variant_display(v)} ({v.variant_id})" for v in whitelisted) + "."))
    parts.append(tag("h3", "References"))
    # DOIs as text, not links: the report is self-contained and offline
    parts.append(tag("ol", join(tag("li", reference.text + (f" doi: {reference.doi}" if reference.doi else ""))
                                for reference in citations.cited())))
    parts.append(tag("h3", "Parameters of this run"))
    param_rows = [(tag("code", key), value_text(value)) for key, value in sorted(params.items())]
    parts.append(table(["Parameter", "Value"], param_rows) if param_rows else tag("p", "No parameters were recorded."))
    parts.append(tag("h3", "Software versions"))
    version_rows = [(step, tool, version) for step in sorted(versions)
                    for tool, version in sorted(versions[step].items())]
    parts.append(table(["Step", "Tool", "Version"], version_rows) if version_rows
                 else tag("p", "No versions were recorded."))
    return section("methods", "8. Methods",
                   "How the results were produced, filled in from this run's parameters and tool versions; "
                   "suitable as a starting point for a paper's methods.", *parts)


def pipeline_version(versions: Mapping[str, Mapping[str, str]]) -> str:
    return versions.get("Workflow", {}).get("hlhscreen") or __version__


def footer(data: ReportData, run_date: str) -> Html:
    nextflow = data.versions.get("Workflow", {}).get("Nextflow")
    text = (f"hlhscreen {pipeline_version(data.versions)}" + (f" (Nextflow {nextflow})" if nextflow else "")
            + f" \u00b7 run date {run_date} \u00b7 report made offline; all figures are embedded in this file.")
    return tag("footer", tag("p", text))


def navigation() -> Html:
    entries = [("cohort", "Cohort"), ("qc", "Per-sample sequencing quality"),
               ("variants", "Variants kept by the screen"), ("matrix", "Carrier matrix"),
               ("forest", "Gene-level odds ratios"), ("tests", "Case/control comparisons"),
               ("power", "What the comparisons could detect"), ("methods", "Methods")]
    return tag("nav", tag("ol", join(tag("li", tag("a", title, href=f"#{anchor}")) for anchor, title in entries)))


def assemble_html(data: ReportData, matrix_svg: bytes, forest_svg: bytes, forest: figures.ForestFigure,
                  run_date: str, matrix_compact: bool = False, matrix_scroll: bool = False,
                  excluded: Optional[Sequence[Tuple[str, str, str, str]]] = None,
                  matrix_aggregated: bool = False) -> str:
    excluded = exclusions(data) if excluded is None else excluded
    listed = listed_in_page(excluded)
    body = join([
        tag("h1", "hlhscreen: germline HLH-gene screen, cases vs controls"),
        tag("p", f"{sum(g == 'case' for g in data.samples.values())} cases and "
                 f"{sum(g == 'control' for g in data.samples.values())} controls"
                 + (f"; {len(data.variants)} kept variant(s) in {len({v.gene for v in data.variants})} gene(s). "
                    if data.variants else f". {NO_VARIANT_KEPT}: no variant passed the screen, so no carrier was "
                    "found to compare between cases and controls. ")
                 + (f"{len(not_called_genes(data))} of {len(data.panel or [])} panel genes could not be screened "
                    "(wholly or partly) on this reference or its capture targets (section 2). " if not_called_genes(data) else "")
                 + untested_genes_summary(data)
                 + gnomad_gap_sentence(data)
                 + significance_headline(data)
                 + f"Run date {run_date}."),
        navigation(),
        cohort_section(data, excluded), qc_section(data), kept_variants_section(data, listed), matrix_section(matrix_svg, data, matrix_compact, matrix_scroll,
                                                                           matrix_aggregated),
        forest_section(forest_svg, data, forest), tests_section(data), power_section(data),
        methods_section(data), footer(data, run_date),
    ])
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            f"<title>hlhscreen report \u2013 {esc(run_date)}</title>\n<style>{CSS}</style>\n</head>\n"
            f"<body>\n{body}\n</body>\n</html>\n")


# ================================================================== MultiQC summary


def multiqc_summary(data: ReportData) -> str:
    """One row per gene-level test: kept variants, carriers, OR/CI/p/q (3 significant digits)."""
    kept = {}
    for variant in data.variants:
        kept[variant.gene] = kept.get(variant.gene, 0) + 1
    lines = [
        "# id: 'hlhscreen_report_summary'",
        "# section_name: 'HLH genes: carriers, cases vs controls'",
        f"# description: 'Per gene: kept variants and carriers of any kept variant among assessable cases and "
        f"controls, conditional MLE odds ratio with exact {conf_label(data.params)} (Fisher), two-sided p and "
        f"BH q within the gene level. Full report: {REPORT_FILE}.'",
        "# plot_type: 'table'",
        "\t".join(MQC_COLUMNS),
    ]
    for test in data.tests["gene"]:
        # R's 0 / Inf of a zero-cell table is no estimate: said in words, as in the report
        odds_ratio = "not estimable" if not_estimable(test) else sig3(test.odds_ratio)
        lines.append("\t".join([
            test.gene, str(kept.get(test.gene, 0)), str(test.case_carriers), str(test.case_assessable),
            str(test.control_carriers), str(test.control_assessable), odds_ratio, sig3(test.ci_low),
            sig3(test.ci_high), sig3(test.p_value), sig3(test.q_value), "yes" if test.testable else "no",
        ]))
    return "\n".join(lines) + "\n"


# ================================================================== running


@dataclass(frozen=True)
class Rendered:
    html: str
    mqc: str
    figures: Mapping[str, Tuple[bytes, bytes]]   # name -> (png, svg)
    excluded: str = "\t".join(EXCLUDED_COLUMNS) + "\n"   # EXCLUDED_FILE


def render_report(data: ReportData, run_date: str) -> Rendered:
    """Everything the report writes, in memory."""
    matrix = figures.carrier_figure(
        ordered_samples(data), [(v.variant_id, variant_display(v)) for v in data.variants],
        {(call.sample, call.variant_id): call.state for call in data.calls})
    forest = figures.gene_forest(forest_rows(data), conf_label(data.params))
    rendered = {"carrier_matrix": figures.render(matrix.figure), "gene_forest": figures.render(forest.figure)}
    excluded = exclusions(data)
    page = assemble_html(data, rendered["carrier_matrix"][1], rendered["gene_forest"][1], forest, run_date,
                         matrix.compact, max(matrix.figure.get_size_inches()) > SCROLL_FIGURE_INCHES, excluded,
                         matrix.aggregated)
    return Rendered(page, multiqc_summary(data), rendered, excluded_table(excluded))


def write_outputs(outdir: PathLike, rendered: Rendered) -> Dict[str, Path]:
    """Figures and the MultiQC table first, the HTML last; each written to a temporary name and renamed."""
    out = Path(outdir)
    written: Dict[str, Path] = {}
    for name in FIGURES:
        png, svg = rendered.figures[name]
        for suffix, content in (("png", png), ("svg", svg)):
            path = out / FIGURE_DIR / f"{name}.{suffix}"
            with atomic_output(path, "wb") as handle:
                handle.write(content)
            written[f"{name}_{suffix}"] = path
    written["multiqc"] = out / MQC_FILE
    with atomic_output(written["multiqc"], "wb") as handle:
        handle.write(rendered.mqc.encode("utf-8"))
    written["excluded"] = out / EXCLUDED_FILE
    with atomic_output(written["excluded"], "wb") as handle:
        handle.write(rendered.excluded.encode("utf-8"))
    written["html"] = out / REPORT_FILE
    with atomic_output(written["html"], "wb") as handle:
        handle.write(rendered.html.encode("utf-8"))
    return written


def run_report(samples: PathLike, qc: PathLike, variants: PathLike, carriers: PathLike, gene_status: PathLike,
               variant_tests: PathLike, gene_tests: PathLike, biallelic_tests: PathLike, power: PathLike,
               versions: PathLike, params: PathLike, outdir: PathLike, run_date: Optional[str] = None,
               panel_callability: Optional[PathLike] = None, sex: Optional[PathLike] = None,
               clinvar_release: Optional[PathLike] = None, risk_factors: Optional[PathLike] = None,
               regions: Optional[PathLike] = None, frequency_check: Optional[PathLike] = None,
               reference_notes: Optional[PathLike] = None, panel_genes: Optional[PathLike] = None,
               gene_coverage: Optional[PathLike] = None) -> Dict[str, Path]:
    """Read, check, render and write the report; returns the written paths."""
    data = load(samples, qc, variants, carriers, gene_status, variant_tests, gene_tests, biallelic_tests, power,
                versions, params, panel_callability, sex, clinvar_release, risk_factors, regions, frequency_check,
                reference_notes, panel_genes, gene_coverage)
    rendered = render_report(data, run_date or datetime.date.today().isoformat())
    return write_outputs(outdir, rendered)
