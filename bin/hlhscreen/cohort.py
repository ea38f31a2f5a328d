"""COHORT_STATS: case/control carrier comparisons at variant, gene and biallelic level.

Reads SCREEN's ``carriers.tsv`` and ``gene_status.tsv`` plus the validated samplesheet and writes
``variant_tests.tsv``, ``gene_tests.tsv``, ``biallelic_tests.tsv``, ``association_summary.tsv`` and
``power.tsv`` (formats and carrier rules: docs/contracts.md and docs/statistics.md). Each test is R's
``fisher.test`` on ``[[case carriers, case non-carriers], [control carriers, control non-carriers]]``
(see :mod:`hlhscreen.stats`), with BH q-values per level over the testable tests; ``power.tsv`` says
what each test's group sizes could detect (:mod:`hlhscreen.power`).

Numbers are written with Python's ``repr`` of the double (shortest text that reads back as the
same double, at most 17 significant digits), ``Inf`` for infinity and ``NA`` for missing.
"""

from __future__ import annotations

import math
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Mapping, Optional, Sequence, Tuple, Union

from .callability import NOT_CALLABLE, PARTLY, read_callability
from .errors import UserInputError
from .files import atomic_output
from .gene_coverage import parse_reason
from .power import REPORTED_ODDS_RATIOS, TARGET_POWER, power_summary
from .stats import fisher_test, p_adjust_bh
from .tables import check_every_sample, check_sample, read_sample_groups, read_tsv

PathLike = Union[str, os.PathLike]

LEVELS = ("variant", "gene", "biallelic")
OUTPUT_FILES = {"variant": "variant_tests.tsv", "gene": "gene_tests.tsv", "biallelic": "biallelic_tests.tsv"}
SUMMARY_FILE = "association_summary.tsv"

CARRIERS_COLUMNS = ("sample", "group", "variant_id", "gene", "hgvsc", "hgvsp", "genotype", "state", "depth", "gq", "note")
GENE_STATUS_COLUMNS = ("sample", "group", "gene", "status", "carried_variants", "n_kept_variants", "n_not_assessable",
                       "not_assessable_variants")

TEST_COLUMNS = (
    "level", "id", "gene", "label",
    "case_carriers", "case_assessable", "control_carriers", "control_assessable",
    "case_freq", "control_freq", "p_value", "odds_ratio", "ci_low", "ci_high", "q_value", "testable", "note",
)
SUMMARY_COLUMNS = ("level", "n_tests", "n_testable", "min_q_value")
POWER_FILE = "power.tsv"
POWER_COLUMNS = (
    "level", "id", "gene", "label", "case_assessable", "control_assessable", "control_carriers", "control_freq",
    "alpha", *(f"power_or_{value:g}" for value in REPORTED_ODDS_RATIOS), f"min_detectable_or_power_{TARGET_POWER * 100:g}",
    "case_freq_at_min_detectable_or", "min_significant_case_carriers", "note",
)

STATES = ("het", "hom_alt", "hemizygous", "ref", "not_assessable")
STATUSES = ("none", "monoallelic", "biallelic_hom", "possible_compound_het", "compound_het", "hemizygous",
            "not_assessable")

# A hemizygous male (his one X carries the variant) carries at every level and, like a homozygote,
# has no normal copy left: the recessive (biallelic) model counts him as a carrier.
_VARIANT_CARRIER = {"het", "hom_alt", "hemizygous"}
_GENE_CARRIER = {"monoallelic", "biallelic_hom", "possible_compound_het", "compound_het", "hemizygous"}
_BIALLELIC_CARRIER = {"biallelic_hom", "possible_compound_het", "compound_het", "hemizygous"}
_BIALLELIC_NONCARRIER = {"none", "monoallelic"}

CARRIER, NON_CARRIER, EXCLUDED = "carrier", "non_carrier", "excluded"

# A duplicated variant (joint calling over overlapping chunks, a merge) would count a sample twice and
# turn one het into an apparent compound het, so a second row is refused, never summed or skipped.
DUPLICATE_FIX = ("Each sample needs exactly one row per variant and per gene: the VCF probably holds the same "
                 "record twice (e.g. chunks that overlap, or a merge); remove exact duplicates "
                 "(bcftools norm --rm-dup exact) and rerun SCREEN.")
NA = "NA"


@dataclass
class Tally:
    """Carrier counts of one test before any statistics."""

    level: str
    id: str
    gene: str
    label: str
    case_carriers: int = 0
    case_assessable: int = 0
    control_carriers: int = 0
    control_assessable: int = 0
    excluded: int = 0
    # why the gene was not (fully) assessed in this run (panel_callability.tsv), e.g. "outside the
    # capture targets (kit.bed)"; None when every panel base of the gene could be called
    not_assessed: Optional[str] = None
    partly_assessed: Optional[str] = None

    def add(self, group: str, outcome: str) -> None:
        """Count one sample of ``group`` as ``carrier``, ``non_carrier`` or ``excluded``."""
        if outcome == EXCLUDED:
            self.excluded += 1
            return
        carrier = outcome == CARRIER
        if group == "case":
            self.case_assessable += 1
            self.case_carriers += carrier
        else:
            self.control_assessable += 1
            self.control_carriers += carrier


@dataclass(frozen=True)
class AssociationTest:
    """One output row (columns as in ``TEST_COLUMNS``); statistics are NaN when not testable."""

    tally: Tally
    testable: bool
    p_value: float
    odds_ratio: float
    ci_low: float
    ci_high: float
    q_value: float
    note: str


# ------------------------------------------------------------------ classification rules


def variant_outcome(state: str) -> str:
    """Variant level: ``het``/``hom_alt``/``hemizygous`` carry, ``ref`` does not, ``not_assessable`` is excluded."""
    if state in _VARIANT_CARRIER:
        return CARRIER
    if state == "ref":
        return NON_CARRIER
    return EXCLUDED


def gene_outcome(status: str, n_not_assessable: int) -> str:
    """Gene level: any carrier status carries; ``none`` counts as non-carrier only if fully
    assessable; ``not_assessable`` is excluded."""
    if status in _GENE_CARRIER:
        return CARRIER
    return NON_CARRIER if status == "none" and n_not_assessable == 0 else EXCLUDED


def biallelic_outcome(status: str, n_not_assessable: int) -> str:
    """Biallelic level: hom / (possible) compound het / hemizygous carry; none/monoallelic count if fully
    assessable."""
    if status in _BIALLELIC_CARRIER:
        return CARRIER
    if status in _BIALLELIC_NONCARRIER and n_not_assessable == 0:
        return NON_CARRIER
    return EXCLUDED


# ------------------------------------------------------------------ reading


@dataclass(frozen=True, slots=True)
class Call:
    """One carriers.tsv row. Slots, and the texts repeated row after row interned (read_calls): a cohort holds
    samples x kept variants of them (925,000 at 5,000 samples x 185 variants: ~1 KB each before)."""

    sample: str
    group: str
    variant_id: str
    gene: str
    hgvsc: Optional[str]
    hgvsp: Optional[str]
    genotype: str
    state: str
    depth: Optional[str]
    gq: Optional[str]
    note: Optional[str]
    label: Optional[str] = None  # SCREEN's one spelling for tables and plots (column optional)

    @property
    def display_label(self) -> str:
        """The test label: SCREEN's ``label`` (the same whatever the annotator), else HGVSp, HGVSc, id."""
        return self.label or self.hgvsp or self.hgvsc or self.variant_id


@dataclass(frozen=True)
class GeneStatus:
    sample: str
    group: str
    gene: str
    status: str
    n_kept_variants: int
    n_not_assessable: int
    not_assessable_variants: Tuple[str, ...] = ()
    carried_variants: Tuple[str, ...] = ()
    line: int = 0  # line in gene_status.tsv, for error messages
    # low_gene_coverage:<fraction>: the gene's panel regions below --min_gene_callable in this sample (None: not)
    coverage_reason: Optional[str] = None

    @property
    def n_unassessed(self) -> int:
        """What keeps the sample from counting as fully assessed in the gene: its not-assessable variants,
        plus one for a gene covered below --min_gene_callable."""
        return self.n_not_assessable + (1 if self.coverage_reason else 0)


def optional_text(value: str) -> Optional[str]:
    """``NA``, ``.`` and empty text mean missing."""
    value = value.strip()
    return None if value in ("", NA, ".") else value



def parse_count(path: PathLike, line: int, column: str, text: str) -> int:
    value = text.strip()
    if not (value.isascii() and value.isdigit()):
        raise UserInputError(path, line, column, f"'{text}' is not a count", "Use a whole number >= 0.")
    return int(value)



def _shared(text: Optional[str]) -> Optional[str]:
    """One string object for every equal text (sample names, variant ids, labels, states repeat on many rows)."""
    return None if text is None else sys.intern(text)


def read_calls(path: PathLike, samples: Mapping[str, str], samples_path: PathLike) -> List[Call]:
    """``carriers.tsv``; every variant must have exactly one row per sample."""
    calls: List[Call] = []
    seen: Dict[str, Dict[str, int]] = {}
    genes: Dict[str, Tuple[str, int]] = {}  # variant -> (gene, line) of its first row
    for line, row in read_tsv(path, CARRIERS_COLUMNS, "--carriers"):
        sample, group = row["sample"], row["group"]
        check_sample(path, line, sample, group, samples, samples_path)
        variant_id, state = row["variant_id"].strip(), row["state"]
        if not optional_text(variant_id):
            raise UserInputError(path, line, "variant_id", "missing variant id", "Use chrom:pos:ref:alt.")
        if state not in STATES:
            raise UserInputError(path, line, "state", f"unknown state '{state}'", f"Use one of: {', '.join(STATES)}.")
        rows = seen.setdefault(variant_id, {})
        if sample in rows:
            raise UserInputError(path, line, "sample", f"second row for sample '{sample}' at variant '{variant_id}' "
                                 f"(first on line {rows[sample]})", DUPLICATE_FIX)
        first = genes.setdefault(variant_id, (row["gene"], line))
        if row["gene"] != first[0]:
            # the variant test would count it under one gene, the gene tests under two
            raise UserInputError(path, line, "gene", f"variant '{variant_id}' is in gene '{row['gene']}' here but in "
                                 f"'{first[0]}' on line {first[1]}", "Use the carriers.tsv SCREEN wrote: every row of "
                                 "a variant names the same gene.")
        rows[sample] = line
        calls.append(Call(*map(_shared, (sample, group, variant_id, row["gene"], optional_text(row["hgvsc"]),
                                          optional_text(row["hgvsp"]), row["genotype"], state,
                                          optional_text(row["depth"]), optional_text(row["gq"]),
                                          optional_text(row["note"]), optional_text(row.get("label", ""))))))
    check_every_sample(path, seen.items(), samples, "variant")
    return calls


def read_gene_status(path: PathLike, samples: Mapping[str, str], samples_path: PathLike) -> List[GeneStatus]:
    """``gene_status.tsv``; every gene must have exactly one row per sample."""
    statuses: List[GeneStatus] = []
    seen: Dict[str, Dict[str, int]] = {}
    for line, row in read_tsv(path, GENE_STATUS_COLUMNS, "--gene-status"):
        sample, group = row["sample"], row["group"]
        check_sample(path, line, sample, group, samples, samples_path)
        gene, status = row["gene"].strip(), row["status"]
        if not optional_text(gene):
            raise UserInputError(path, line, "gene", "missing gene symbol")
        if status not in STATUSES:
            raise UserInputError(path, line, "status", f"unknown status '{status}'",
                                 f"Use one of: {', '.join(STATUSES)}.")
        rows = seen.setdefault(gene, {})
        if sample in rows:
            raise UserInputError(path, line, "sample", f"second row for sample '{sample}' in gene '{gene}' "
                                 f"(first on line {rows[sample]})", DUPLICATE_FIX)
        rows[sample] = line
        n_not_assessable = parse_count(path, line, "n_not_assessable", row["n_not_assessable"])
        listed = optional_text(row["not_assessable_variants"])
        missing = tuple(listed.split(";")) if listed else ()
        if len(missing) != n_not_assessable:
            raise UserInputError(path, line, "not_assessable_variants",
                                 f"lists {len(missing)} variant(s) but n_not_assessable is {n_not_assessable}",
                                 "Use the gene_status.tsv SCREEN wrote; the list and the count must agree.")
        # optional column: a gene_status.tsv written before it existed has none (nothing was checked)
        coverage = parse_reason(path, line, "coverage_reason", row.get("coverage_reason", "NA"))
        if status == "not_assessable" and n_not_assessable == 0 and coverage is None:
            raise UserInputError(path, line, "status", "status not_assessable but no not-assessable variant is counted "
                                 "and no coverage_reason is given",
                                 "A sample is not_assessable in a gene only at a not-assessable call or a gene "
                                 "covered below --min_gene_callable.")
        if status == "none" and coverage is not None:
            raise UserInputError(path, line, "status", f"status none (a non-carrier) with coverage_reason {coverage}",
                                 "A sample without a carried variant in a gene covered below --min_gene_callable is "
                                 "not_assessable; use the gene_status.tsv SCREEN wrote.")
        carried = optional_text(row["carried_variants"])
        statuses.append(GeneStatus(sample, group, gene, status,
                                   parse_count(path, line, "n_kept_variants", row["n_kept_variants"]),
                                   n_not_assessable, missing, tuple(carried.split(";")) if carried else (), line,
                                   coverage))
    check_every_sample(path, seen.items(), samples, "gene")
    return statuses


# Which gene status the carried calls of one sample allow (SCREEN's gene_status rules; 2+ hets may be
# in cis, in trans or of unknown phase, which only SCREEN's phase information decides).
_STATUS_FIX = ("Use the carriers.tsv and gene_status.tsv of one SCREEN run (a file of another run, or one edited "
               "by hand, would count carriers at variant level that the gene and biallelic tests do not see).")


def allowed_statuses(carried_states: Sequence[str]) -> Tuple[str, ...]:
    if not carried_states:
        return ("none", "not_assessable")
    if "hemizygous" in carried_states:
        return ("hemizygous",)
    if "hom_alt" in carried_states:
        return ("biallelic_hom",)
    if len(carried_states) == 1:
        return ("monoallelic",)
    return ("monoallelic", "compound_het", "possible_compound_het")


def _carriers_line(carriers: Optional[PathLike], sample: str, variant_id: str) -> Optional[int]:
    """The carriers.tsv line of one sample's call (for an error message only: read again, not kept)."""
    if carriers is None:
        return None
    return next((line for line, row in read_tsv(carriers, CARRIERS_COLUMNS)
                 if row["sample"] == sample and row["variant_id"].strip() == variant_id), None)


def check_statuses_match_calls(calls: Sequence[Call], statuses: Sequence[GeneStatus], gene_status: PathLike,
                               carriers: Optional[PathLike] = None) -> None:
    """gene_status.tsv must say what carriers.tsv says, since the variant tests count one and the gene and
    biallelic tests the other (otherwise a carrier or a not-assessable call at variant level could be a
    non-carrier in the gene or biallelic test, silently). Per sample and gene:

    - ``carried_variants`` lists exactly the sample's carrying calls (het, hom_alt, hemizygous) of the
      gene, and ``status`` is one those calls allow;
    - ``not_assessable_variants`` lists every kept variant of the gene at which carriers.tsv has the
      sample ``not_assessable``, and no kept variant at which it has a readable call (the list may also
      name unconfirmed variants, which have no carriers.tsv rows);
    - ``n_kept_variants`` is the number of the gene's variants in carriers.tsv;

    and every gene of carriers.tsv has its gene_status.tsv rows. ``carriers`` (the path) is for the
    messages."""
    carrying: Dict[Tuple[str, str], Dict[str, str]] = {}
    unreadable: Dict[Tuple[str, str], List[str]] = {}
    kept_per_gene: Dict[str, Dict[str, None]] = {}
    for call in calls:
        kept_per_gene.setdefault(call.gene, {})[call.variant_id] = None
        if call.state in _VARIANT_CARRIER:
            carrying.setdefault((call.sample, call.gene), {})[call.variant_id] = call.state
        if call.state == "not_assessable":
            unreadable.setdefault((call.sample, call.gene), []).append(call.variant_id)
    genes_with_rows = set()
    for row in statuses:
        genes_with_rows.add(row.gene)
        calls_here = carrying.pop((row.sample, row.gene), {})
        listed = set(row.carried_variants)
        if listed != set(calls_here):
            missing = sorted(set(calls_here) - listed)
            extra = sorted(listed - set(calls_here))
            what = "; ".join(part for part in (
                f"carriers.tsv has carrying call(s) at {', '.join(missing)} not listed here" if missing else "",
                f"lists {', '.join(extra)}, which carriers.tsv does not show as carried" if extra else "") if part)
            raise UserInputError(gene_status, row.line, "carried_variants",
                                 f"sample '{row.sample}' in gene '{row.gene}': {what}", _STATUS_FIX)
        allowed = allowed_statuses(list(calls_here.values()))
        if row.status not in allowed:
            states = ", ".join(f"{vid} {state}" for vid, state in calls_here.items()) or "no carrying call"
            raise UserInputError(gene_status, row.line, "status",
                                 f"sample '{row.sample}' in gene '{row.gene}' is '{row.status}', but carriers.tsv "
                                 f"has {states} (allowed: {', '.join(allowed)})", _STATUS_FIX)
        _check_not_assessable_listed(row, unreadable.get((row.sample, row.gene), []),
                                     kept_per_gene.get(row.gene, {}), gene_status)
        n_kept = len(kept_per_gene.get(row.gene, ()))
        if row.n_kept_variants != n_kept:
            raise UserInputError(gene_status, row.line, "n_kept_variants",
                                 f"gene '{row.gene}' has {row.n_kept_variants} kept variant(s) here but {n_kept} in "
                                 "carriers.tsv", _STATUS_FIX)
    if carrying:
        (sample, gene), held = next(iter(carrying.items()))
        variant = next(iter(held))
        raise UserInputError(carriers, _carriers_line(carriers, sample, variant), "gene",
                             f"sample '{sample}' carries {variant} of gene '{gene}', but {gene_status} has no row "
                             f"for '{sample}' in '{gene}'", _STATUS_FIX)
    without_rows = [gene for gene in kept_per_gene if gene not in genes_with_rows]
    if without_rows:
        gene = without_rows[0]
        variant = next(iter(kept_per_gene[gene]))
        first = next(call.sample for call in calls if call.variant_id == variant)
        raise UserInputError(carriers, _carriers_line(carriers, first, variant), "gene",
                             f"gene '{gene}' (variant {variant}) has no rows in {gene_status}, so it would have a "
                             "variant test but no gene or biallelic test", _STATUS_FIX)


def _check_not_assessable_listed(row: GeneStatus, unreadable: Sequence[str], kept: Mapping[str, None],
                                 gene_status: PathLike) -> None:
    """A kept variant of the gene at which carriers.tsv cannot read the sample's call (``unreadable``) must
    be in its not_assessable_variants, and another kept variant of the gene (``kept``: one row per sample
    each, so the call is readable) must not."""
    listed = set(row.not_assessable_variants)
    unlisted = [vid for vid in unreadable if vid not in listed]
    if unlisted:
        raise UserInputError(gene_status, row.line, "not_assessable_variants",
                             f"sample '{row.sample}' in gene '{row.gene}': carriers.tsv has the call not_assessable at "
                             f"{', '.join(unlisted)}, not listed here (the sample would count as fully assessed in "
                             "the gene and biallelic tests)", _STATUS_FIX)
    wrong = [vid for vid in row.not_assessable_variants if vid in kept and vid not in unreadable]
    if wrong:
        raise UserInputError(gene_status, row.line, "not_assessable_variants",
                             f"sample '{row.sample}' in gene '{row.gene}': lists {', '.join(wrong)}, at which "
                             "carriers.tsv has a readable call", _STATUS_FIX)


@dataclass(frozen=True)
class GeneGaps:
    """Panel genes the run could not (fully) assess, from panel_callability.tsv (gene -> reason).

    A gene off the reference or outside the capture targets was not sequenced: a sample without a call
    there is not a non-carrier, so every sample is excluded from its tests (a call from stray reads
    does not make the gene assessed). A partly assessed gene is tested on what was called, and says so.
    """

    not_assessed: Mapping[str, str]
    partly_assessed: Mapping[str, str]

    @classmethod
    def none(cls) -> "GeneGaps":
        return cls({}, {})

    @classmethod
    def of_callability(cls, rows: Sequence[Mapping[str, str]]) -> "GeneGaps":
        def reason(row: Mapping[str, str]) -> str:
            return row["reason"].replace(";", ",")  # notes are ';'-joined tokens

        return cls({row["gene"]: reason(row) for row in rows if row["status"] == NOT_CALLABLE},
                   {row["gene"]: f"{row['pct_callable']}% of its panel bases callable ({reason(row)})"
                    for row in rows if row["status"] == PARTLY})

    def outcome(self, gene: str, outcome: str) -> str:
        """The counted outcome of one sample in a test of ``gene``."""
        return EXCLUDED if gene in self.not_assessed else outcome

    def new_tally(self, level: str, test_id: str, gene: str, label: str) -> Tally:
        return Tally(level, test_id, gene, label, not_assessed=self.not_assessed.get(gene),
                     partly_assessed=self.partly_assessed.get(gene))


def tally_calls(calls: Sequence[Call], gaps: GeneGaps = GeneGaps.none()) -> List[Tally]:
    """Variant-level tallies of carriers.tsv rows, in first-appearance order."""
    tallies: Dict[str, Tally] = {}
    for call in calls:
        tally = tallies.get(call.variant_id)
        if tally is None:
            label = call.display_label
            tally = tallies[call.variant_id] = gaps.new_tally("variant", call.variant_id, call.gene, label)
        tally.add(call.group, gaps.outcome(call.gene, variant_outcome(call.state)))
    return list(tallies.values())


def tally_statuses(statuses: Sequence[GeneStatus], gaps: GeneGaps = GeneGaps.none()) -> Tuple[List[Tally], List[Tally]]:
    """Gene-level and biallelic-level tallies of gene_status.tsv rows, in first-appearance order."""
    gene_tallies: Dict[str, Tally] = {}
    biallelic_tallies: Dict[str, Tally] = {}
    for row in statuses:
        if row.gene not in gene_tallies:
            gene_tallies[row.gene] = gaps.new_tally("gene", row.gene, row.gene, row.gene)
            biallelic_tallies[row.gene] = gaps.new_tally("biallelic", row.gene, row.gene, row.gene)
        gene_tallies[row.gene].add(row.group, gaps.outcome(row.gene, gene_outcome(row.status, row.n_unassessed)))
        biallelic_tallies[row.gene].add(row.group,
                                        gaps.outcome(row.gene, biallelic_outcome(row.status, row.n_unassessed)))
    return list(gene_tallies.values()), list(biallelic_tallies.values())


# ------------------------------------------------------------------ statistics


# Why an odds ratio cannot be estimated, in the order they are looked for (first match wins).
# The first two leave a single possible table (p = 1, OR 0, CI [0, Inf] in R): nothing is compared.
# The others put the conditional MLE at the end of its range (R: 0 or Inf) with one finite CI limit.
NOT_ESTIMABLE = ("no_carriers", "all_carriers", "no_case_carrier", "no_control_carrier", "all_cases_carry",
                 "all_controls_carry")
SINGLE_TABLE = ("no_carriers", "all_carriers")
NOT_ESTIMABLE_TOKEN = "or_not_estimable"


def not_estimable_reason(case_carriers: int, case_assessable: int, control_carriers: int,
                         control_assessable: int) -> Optional[str]:
    """Why the odds ratio of a testable table is 0 or Inf (a zero cell), or None when it is finite.

    R still reports these tables (OR 0 or Inf, CI to 0 or Inf); an OR of 0 here is not evidence of
    protection but the absence of carriers in one cell, so the report says "not estimable".
    """
    a, b = case_carriers, case_assessable - case_carriers
    c, d = control_carriers, control_assessable - control_carriers
    zero = {
        "no_carriers": a == 0 and c == 0, "all_carriers": b == 0 and d == 0,
        "no_case_carrier": a == 0, "no_control_carrier": c == 0,
        "all_cases_carry": b == 0, "all_controls_carry": d == 0,
    }
    return next((reason for reason in NOT_ESTIMABLE if zero[reason]), None)


NOT_ASSESSED_TOKEN, PARTLY_ASSESSED_TOKEN = "gene_not_assessed", "gene_partly_assessed"


def _note(tally: Tally) -> str:
    parts = []
    if tally.not_assessed:
        parts.append(f"{NOT_ASSESSED_TOKEN}={tally.not_assessed}")
    elif tally.partly_assessed:
        parts.append(f"{PARTLY_ASSESSED_TOKEN}={tally.partly_assessed}")
    if tally.case_assessable == 0 and tally.control_assessable == 0:
        parts.append("no_assessable_samples")
    elif tally.case_assessable == 0:
        parts.append("no_assessable_case")
    elif tally.control_assessable == 0:
        parts.append("no_assessable_control")
    else:
        reason = not_estimable_reason(tally.case_carriers, tally.case_assessable, tally.control_carriers,
                                      tally.control_assessable)
        if reason:
            parts.append(f"{NOT_ESTIMABLE_TOKEN}={reason}")
    if tally.excluded:
        parts.append(f"excluded_samples={tally.excluded}")
    return ";".join(parts) if parts else "NA"


def association_tests(tallies: Sequence[Tally], conf_level: float = 0.95) -> List[AssociationTest]:
    """Fisher's exact test for each testable tally, then BH q-values over the testable ones."""
    raw = []
    for tally in tallies:
        testable = tally.case_assessable > 0 and tally.control_assessable > 0
        if testable:
            result = fisher_test(
                [[tally.case_carriers, tally.case_assessable - tally.case_carriers],
                 [tally.control_carriers, tally.control_assessable - tally.control_carriers]],
                conf_level=conf_level,
            )
            stats = (result.p_value, result.odds_ratio, result.ci_low, result.ci_high)
        else:
            stats = (math.nan, math.nan, math.nan, math.nan)
        raw.append((tally, testable, stats))
    q_values = p_adjust_bh([stats[0] if testable else None for _, testable, stats in raw])
    return [
        AssociationTest(tally, testable, stats[0], stats[1], stats[2], stats[3], q, _note(tally))
        for (tally, testable, stats), q in zip(raw, q_values)
    ]


# ------------------------------------------------------------------ writing


def format_number(value: Optional[float]) -> str:
    """``repr`` of the double (round-trips exactly), ``Inf``/``-Inf``, ``NA`` for None/NaN; ints as ints."""
    if value is None:
        return "NA"
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    number = float(value)
    if math.isnan(number):
        return "NA"
    if math.isinf(number):
        return "Inf" if number > 0 else "-Inf"
    return repr(number)


def _freq(carriers: int, assessable: int) -> float:
    return carriers / assessable if assessable else math.nan


def format_test_row(test: AssociationTest) -> List[str]:
    """The output fields of one test, in ``TEST_COLUMNS`` order."""
    t = test.tally
    return [
        t.level, t.id, t.gene, t.label,
        format_number(t.case_carriers), format_number(t.case_assessable),
        format_number(t.control_carriers), format_number(t.control_assessable),
        format_number(_freq(t.case_carriers, t.case_assessable)),
        format_number(_freq(t.control_carriers, t.control_assessable)),
        format_number(test.p_value), format_number(test.odds_ratio),
        format_number(test.ci_low), format_number(test.ci_high), format_number(test.q_value),
        "yes" if test.testable else "no", test.note,
    ]


def write_tests(path: PathLike, tests: Sequence[AssociationTest]) -> None:
    """Write one test table atomically."""
    with atomic_output(path) as handle:
        handle.write("\t".join(TEST_COLUMNS) + "\n")
        for test in tests:
            handle.write("\t".join(format_test_row(test)) + "\n")


def write_summary(path: PathLike, results: Mapping[str, Sequence[AssociationTest]]) -> None:
    """One row per level: number of tests, number testable, smallest q-value (NA if none)."""
    with atomic_output(path) as handle:
        handle.write("\t".join(SUMMARY_COLUMNS) + "\n")
        for level in LEVELS:
            tests = results.get(level, [])
            q_values = [test.q_value for test in tests if test.testable]
            fields = [level, str(len(tests)), str(len(q_values)), format_number(min(q_values) if q_values else None)]
            handle.write("\t".join(fields) + "\n")


def format_power_row(test: AssociationTest, alpha: float) -> List[str]:
    """One power.tsv row: what the test's group sizes could detect at its observed control frequency."""
    t = test.tally
    fields = [t.level, t.id, t.gene, t.label, format_number(t.case_assessable), format_number(t.control_assessable),
              format_number(t.control_carriers), format_number(_freq(t.control_carriers, t.control_assessable)),
              format_number(alpha)]
    if not test.testable:
        return fields + ["NA"] * (len(POWER_COLUMNS) - len(fields) - 1) + ["not_testable"]
    summary = power_summary(t.case_assessable, t.control_assessable, t.control_carriers, alpha)
    return fields + [format_number(value) for value in summary.powers] + [
        format_number(summary.min_detectable_or), format_number(summary.case_freq_at_min_or),
        format_number(summary.min_significant_case_carriers), summary.reason or NA,
    ]


def write_power(path: PathLike, results: Mapping[str, Sequence[AssociationTest]], alpha: float) -> None:
    """power.tsv: one row per test of every level, in the order of the test tables."""
    with atomic_output(path) as handle:
        handle.write("\t".join(POWER_COLUMNS) + "\n")
        for level in LEVELS:
            for test in results.get(level, []):
                handle.write("\t".join(format_power_row(test, alpha)) + "\n")


def run_cohort_stats(carriers: PathLike, gene_status: PathLike, samplesheet: PathLike, outdir: PathLike,
                     conf_level: float = 0.95, alpha: Optional[float] = None,
                     callability: Optional[PathLike] = None) -> Dict[str, Path]:
    """Read the three inputs, test every level and write the five outputs; returns their paths.

    ``alpha`` (two-sided significance level of the power calculation) defaults to ``1 - conf_level``.
    ``callability``: panel_callability.tsv; tests of genes it calls not_callable exclude every sample."""
    if not (math.isfinite(conf_level) and 0 < conf_level < 1):
        raise UserInputError(None, None, "conf_level", f"{conf_level} is not between 0 and 1",
                             "Use for example 0.95.")
    # 1 - 0.95 is 0.050000000000000044 in binary; rounding keeps the written alpha the intended 0.05
    alpha = round(1 - conf_level, 12) if alpha is None else alpha
    if not (math.isfinite(alpha) and 0 < alpha < 1):
        raise UserInputError(None, None, "alpha", f"{alpha} is not between 0 and 1", "Use for example 0.05.")
    sheet = read_sample_groups(samplesheet, "--samplesheet", lanes=True, both_groups=True)
    groups = {sample: info.group for sample, info in sheet.items()}
    gaps = GeneGaps.of_callability(read_callability(callability)) if callability else GeneGaps.none()
    calls = read_calls(carriers, groups, samplesheet)
    statuses = read_gene_status(gene_status, groups, samplesheet)
    # the variant tests count carriers.tsv, the gene and biallelic tests gene_status.tsv: they must agree
    check_statuses_match_calls(calls, statuses, gene_status, carriers)
    variant_tallies = tally_calls(calls, gaps)
    gene_tallies, biallelic_tallies = tally_statuses(statuses, gaps)
    results = {
        "variant": association_tests(variant_tallies, conf_level),
        "gene": association_tests(gene_tallies, conf_level),
        "biallelic": association_tests(biallelic_tallies, conf_level),
    }
    out = Path(outdir)
    written: Dict[str, Path] = {}
    for level in LEVELS:
        written[level] = out / OUTPUT_FILES[level]
        write_tests(written[level], results[level])
    written["summary"] = out / SUMMARY_FILE
    write_summary(written["summary"], results)
    written["power"] = out / POWER_FILE
    write_power(written["power"], results, alpha)
    return written
