"""power.tsv for the report: read it, and say per gene in plain words what the cohort could detect.

The numbers come from COHORT_STATS (:mod:`hlhscreen.power`); nothing is computed here. The report
checks that each row belongs to a test of the same run (:func:`hlhscreen.report.load`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Dict, Optional, Tuple, Union

from .cohort import LEVELS, POWER_COLUMNS, optional_text, parse_count
from .errors import UserInputError
from .power import REPORTED_ODDS_RATIOS, TARGET_POWER
from .tables import read_tsv

PathLike = Union[str, os.PathLike]
POWER_NOTES = ("not_testable", "no_control_carrier", "all_controls_carry", "target_power_not_reached")
_POWER_COLUMNS = [f"power_or_{value:g}" for value in REPORTED_ODDS_RATIOS]
_MIN_OR_COLUMN = f"min_detectable_or_power_{TARGET_POWER * 100:g}"


@dataclass(frozen=True)
class PowerRow:
    level: str
    id: str
    gene: str
    case_assessable: int
    control_assessable: int
    control_carriers: int
    alpha: float
    powers: Tuple[Optional[float], ...]          # at REPORTED_ODDS_RATIOS
    min_detectable_or: Optional[float]
    case_freq_at_min_or: Optional[float]
    min_significant_case_carriers: Optional[int]
    note: Optional[str]
    line: int


def _number(path: PathLike, line: int, column: str, text: str) -> Optional[float]:
    value = text.strip()
    if value == "NA":
        return None
    try:
        number = float(value)
    except ValueError:
        raise UserInputError(path, line, column, f"'{text}' is not a number", "Use a decimal number or NA.") from None
    if not number >= 0:  # also refuses NaN
        raise UserInputError(path, line, column, f"'{text}' is not a number >= 0", "Rerun COHORT_STATS.")
    return number


def read_power(path: PathLike) -> Dict[Tuple[str, str], PowerRow]:
    """``power.tsv`` of COHORT_STATS, keyed by (level, id)."""
    rows: Dict[Tuple[str, str], PowerRow] = {}
    for line, row in read_tsv(path, POWER_COLUMNS, "--power"):
        level, test_id = row["level"], row["id"]
        if level not in LEVELS:
            raise UserInputError(path, line, "level", f"unknown level '{level}'", f"Use one of: {', '.join(LEVELS)}.")
        if (level, test_id) in rows:
            raise UserInputError(path, line, "id", f"'{test_id}' listed twice at {level} level "
                                 f"(first on line {rows[(level, test_id)].line})", "Give power.tsv of one run.")
        note = optional_text(row["note"])
        if note is not None and note not in POWER_NOTES:
            raise UserInputError(path, line, "note", f"unknown note '{note}'", f"Use NA or one of: {', '.join(POWER_NOTES)}.")
        powers = tuple(_number(path, line, column, row[column]) for column in _POWER_COLUMNS)
        for column, value in zip(_POWER_COLUMNS, powers):
            if value is not None and value > 1:
                raise UserInputError(path, line, column, f"power {value} above 1", "Rerun COHORT_STATS.")
        alpha = _number(path, line, "alpha", row["alpha"])
        if alpha is None or not 0 < alpha < 1:
            raise UserInputError(path, line, "alpha", f"'{row['alpha']}' is not between 0 and 1", "Rerun COHORT_STATS.")
        minimum = optional_text(row["min_significant_case_carriers"])
        rows[(level, test_id)] = PowerRow(
            level, test_id, row["gene"], parse_count(path, line, "case_assessable", row["case_assessable"]),
            parse_count(path, line, "control_assessable", row["control_assessable"]),
            parse_count(path, line, "control_carriers", row["control_carriers"]), alpha, powers,
            _number(path, line, _MIN_OR_COLUMN, row[_MIN_OR_COLUMN]),
            _number(path, line, "case_freq_at_min_detectable_or", row["case_freq_at_min_detectable_or"]),
            None if minimum is None else parse_count(path, line, "min_significant_case_carriers", minimum),
            note, line)
    return rows


def percent(value: float) -> str:
    """Power or frequency as a whole percent; '<1%' / '>99%' rather than a misleading 0% or 100%."""
    if 0 < value < 0.005:
        return "<1%"
    if 0.995 <= value < 1:
        return ">99%"
    return f"{100 * value:.0f}%"


def frequency(count: int, total: int) -> str:
    """A carrier frequency with one decimal, as the test tables show it."""
    return f"{100.0 * count / total:.1f}%"


def _people(count: int, singular: str, plural: str) -> str:
    return f"{count} {singular if count == 1 else plural}"


def odds_text(value: float) -> str:
    return f"{value:.2g}" if value < 10 else f"{value:.0f}"


def alpha_text(alpha: float) -> str:
    return f"{alpha:g}"


def power_sentence(row: PowerRow, carrier_word: str = "a kept variant") -> str:
    """One plain-language sentence (or two) on what this test's group sizes could detect. The counts are the test's
    assessable samples (power.tsv), so the words say "assessable": a sample left out of the test is not a
    non-carrier, and "no control carries" would say it is."""
    n1, n2, c = row.case_assessable, row.control_assessable, row.control_carriers
    alpha = alpha_text(row.alpha)
    if row.note == "not_testable":
        return (f"{row.gene}: not testable (no assessable case or no assessable control), so this cohort says "
                f"nothing about it.")
    need = row.min_significant_case_carriers
    if need is None:
        needed = (f"even if {'the one assessable case' if n1 == 1 else f'all {n1} assessable cases'} carried "
                  f"{carrier_word}, p would stay above {alpha}")
    else:
        who = ((f"all {n1} assessable cases" if n1 > 1 else "the one assessable case") if need == n1
               else f"at least {need} of the {n1} assessable cases")
        needed = f"{who} would have to carry {carrier_word} for p \u2264 {alpha} (with {c} of {n2} controls)"
    if row.note == "no_control_carrier":
        none = ("the one assessable control does not carry" if n2 == 1
                else f"none of the {n2} assessable controls carries")
        return (f"{row.gene}: {none} {carrier_word}, so there is no control frequency to scale an odds ratio from; "
                f"{needed}.")
    if row.note == "all_controls_carry":
        who = "the one assessable control carries" if n2 == 1 else f"all {n2} assessable controls carry"
        return (f"{row.gene}: {who} {carrier_word}, so cases cannot carry it more often; no excess can be detected.")
    powers = [value for value in row.powers if value is not None]
    parts = [f"{'an odds ratio of ' if index == 0 else 'of '}{odds_text(odds)} with {percent(value)}"
             + (" probability" if index == 0 else "")
             for index, (odds, value) in enumerate(zip(REPORTED_ODDS_RATIOS, powers))]
    at = ", ".join(parts[:-1]) + (" and " if len(parts) > 1 else "") + parts[-1]
    head = (f"{row.gene}: {c} of {n2} assessable controls ({frequency(c, n2)}) {'carries' if c == 1 else 'carry'} "
            f"{carrier_word}. With {_people(n1, 'assessable case', 'assessable cases')}, a two-sided Fisher test at "
            f"\u03b1 = {alpha} would detect {at}")
    target = percent(TARGET_POWER)
    if row.min_detectable_or is None:
        return (f"{head}; {target} power is not reached at any odds ratio ({needed}). A non-significant result "
                f"therefore does not argue against an association.")
    case_freq = f" (about {percent(row.case_freq_at_min_or)} of cases carrying)" if row.case_freq_at_min_or else ""
    return (f"{head}; {target} power would need an odds ratio of at least {odds_text(row.min_detectable_or)}"
            f"{case_freq}. A non-significant result does not rule out a smaller effect.")
