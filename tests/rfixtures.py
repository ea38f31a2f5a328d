"""Readers of the R reference tables in tests/fixtures/r (made by the R scripts there) and the
comparison rule the tests apply to them."""

from __future__ import annotations

import csv
import math
from pathlib import Path
from typing import Dict, List, NamedTuple

R_FIXTURES = Path(__file__).resolve().parent / "fixtures" / "r"
REL = 1e-9


def read_tsv(path: Path) -> List[Dict[str, str]]:
    """Rows of a fixture TSV; lines starting with '#' are provenance comments."""
    with open(path, newline="") as handle:
        lines = [line for line in handle if not line.startswith("#")]
    return list(csv.DictReader(lines, delimiter="\t"))


def num(text: str) -> float:
    return math.nan if text == "NA" else float(text)  # float() reads "Inf" and "1e-300"


def same(got: float, want: float, rel: float = REL) -> bool:
    """Exact for 0 and Inf, ``rel`` relative otherwise."""
    if want == 0 or math.isinf(want):
        return got == want
    return math.isfinite(got) and abs(got - want) <= rel * abs(want)


class GridTable(NamedTuple):
    """One row of fisher_grid_reference.tsv (make_grid_fixtures.R)."""

    set: str
    n_cases: int
    n_controls: int
    case_carriers: int
    control_carriers: int
    p_value: float
    estimate: float
    ci_low: float
    ci_high: float

    @property
    def table(self) -> List[List[int]]:
        """R's matrix layout: cases in row 1, carriers in column 1."""
        return [[self.case_carriers, self.n_cases - self.case_carriers],
                [self.control_carriers, self.n_controls - self.control_carriers]]

    @property
    def counts(self):
        return (self.n_cases, self.n_controls, self.case_carriers, self.control_carriers)


def grid_tables() -> List[GridTable]:
    rows = read_tsv(R_FIXTURES / "fisher_grid_reference.tsv")
    return [GridTable(row["set"], int(row["n_cases"]), int(row["n_controls"]), int(row["case_carriers"]),
                      int(row["control_carriers"]), num(row["p_value"]), num(row["estimate"]),
                      num(row["ci_low"]), num(row["ci_high"])) for row in rows]
