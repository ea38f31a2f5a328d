"""hlhscreen.stats against R (fixtures made by tests/fixtures/r/make_fisher_fixtures.R) and properties."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hlhscreen import stats
from hlhscreen.stats import (
    R_UNIROOT_TOL,
    conditional_mle_odds_ratio,
    fisher_p_value,
    fisher_test,
    odds_ratio_conf_int,
    p_adjust_bh,
    uniroot,
)

from rfixtures import grid_tables, same

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "r"
REL = 1e-9


def _read_tsv(path: Path) -> list:
    with open(path, newline="") as handle:
        lines = [line for line in handle if not line.startswith("#")]
    return list(csv.DictReader(lines, delimiter="\t"))


def _num(text: str) -> float:
    return math.nan if text == "NA" else float(text)  # float() reads "Inf" and "1e-300"


FISHER_ROWS = _read_tsv(FIXTURES / "fisher_reference.tsv")
BH_ROWS = _read_tsv(FIXTURES / "bh_reference.tsv")


def assert_same(got: float, want: float, what: str) -> None:
    """Exact for 0 and Inf, 1e-9 relative otherwise."""
    if want == 0 or math.isinf(want):
        assert got == want, f"{what}: got {got!r}, R gives {want!r}"
    else:
        assert math.isfinite(got) and abs(got - want) <= REL * abs(want), f"{what}: got {got!r}, R gives {want!r}"


def _table(row: dict) -> list:
    return [[int(row["a"]), int(row["b"])], [int(row["c"]), int(row["d"])]]


def test_fixture_covers_the_required_cases():
    ids = {row["id"] for row in FISHER_ROWS}
    assert len(FISHER_ROWS) >= 40
    assert {"example_2of12_vs_4of32", "diag_1_1", "single_d", "no_carriers_at_all", "large_1"} <= ids
    # a zero in each position
    for col in "abcd":
        assert any(row[col] == "0" and row["error"] == "NA" for row in FISHER_ROWS)
    assert any(row["error"] != "NA" for row in FISHER_ROWS)


@pytest.mark.parametrize("row", [r for r in FISHER_ROWS if r["error"] == "NA"], ids=lambda r: r["id"])
def test_fisher_matches_r(row):
    result = fisher_test(_table(row), conf_level=float(row["conf_level"]))
    assert_same(result.p_value, _num(row["p_value"]), "p_value")
    assert_same(result.odds_ratio, _num(row["estimate"]), "estimate")
    assert_same(result.ci_low, _num(row["ci_low"]), "ci_low")
    assert_same(result.ci_high, _num(row["ci_high"]), "ci_high")
    # the single-purpose functions give the same numbers
    assert fisher_p_value(_table(row)) == result.p_value
    assert conditional_mle_odds_ratio(_table(row)) == result.odds_ratio
    assert odds_ratio_conf_int(_table(row), float(row["conf_level"])) == result.conf_int


@pytest.mark.parametrize("row", [r for r in FISHER_ROWS if r["error"] != "NA"], ids=lambda r: r["id"])
def test_fisher_rejects_what_r_rejects(row):
    with pytest.raises(ValueError):
        fisher_test(_table(row), conf_level=float(row["conf_level"]))


# ---------------------------------------------------------------- study-sized tables (issue 9)

GRID = grid_tables()


def test_grid_fixture_covers_the_study_design():
    sets = {name: [t for t in GRID if t.set == name] for name in
            ("design_12x32", "r_above_one", "grid_sample", "root_tolerance", "large_sample")}
    assert {t.counts for t in sets["design_12x32"]} == {(12, 32, a, c) for a in range(13) for c in range(33)}
    assert len(sets["r_above_one"]) == 86 and all(t.p_value > 1 for t in sets["r_above_one"])
    assert len(sets["grid_sample"]) == 800 and len(sets["large_sample"]) == 150
    assert len(GRID) == sum(len(rows) for rows in sets.values())  # no unknown set


def _fold(value: float) -> float:
    """Odds ratio folded onto [0, 1], the scale R's root finder works on."""
    if value == 0 or math.isinf(value):
        return 0.0
    return min(value, 1 / value)


def test_fisher_matches_r_on_every_grid_fixture_table():
    """p, estimate and CI equal R's to 1e-9 (p capped at 1 where R returns 1 + 2.2e-16); for the
    listed root_tolerance tables the estimate/CI agree to R's uniroot tolerance instead."""
    failures = []
    for t in GRID:
        result = fisher_test(t.table)
        assert 0.0 <= result.p_value <= 1.0
        want_p = min(1.0, t.p_value)
        checks = [("p_value", result.p_value, want_p, same(result.p_value, want_p))]
        for name, got, want in (("estimate", result.odds_ratio, t.estimate), ("ci_low", result.ci_low, t.ci_low),
                                ("ci_high", result.ci_high, t.ci_high)):
            if t.set == "root_tolerance":
                ok = abs(_fold(got) - _fold(want)) <= 2 * R_UNIROOT_TOL and (got == 0) == (want == 0)
            else:
                ok = same(got, want)
            checks.append((name, got, want, ok))
        failures += [f"{t.set} {t.counts} {name}: got {got!r}, R {want!r}" for name, got, want, ok in checks if not ok]
    assert not failures, "\n".join(failures[:20]) + f"\n({len(failures)} in all)"


def test_r_above_one_tables_are_reported_within_one():
    # R returns 1.0000000000000002 for these; hlhscreen gives 1 or 1 - 1.1e-16, never more than 1
    for t in GRID:
        if t.set == "r_above_one":
            assert 1.0 - 1e-15 <= fisher_p_value(t.table) <= 1.0


def test_issue_example_two_of_12_vs_7_of_32_has_p_exactly_one():
    # the table that crashed COHORT_STATS: the rounded probabilities summed to 1.0000000000000002
    assert fisher_p_value([[2, 10], [7, 25]]) == 1.0


def test_p_value_in_unit_interval_for_every_table_up_to_12_cases_by_32_controls():
    """All 50,400 tables with 1..12 cases and 1..32 controls; BH over all of them stays in [0, 1] too."""
    pvalues = []
    for n_cases in range(1, 13):
        for n_controls in range(1, 33):
            for a in range(n_cases + 1):
                for c in range(n_controls + 1):
                    p = fisher_p_value([[a, n_cases - a], [c, n_controls - c]])
                    assert 0.0 <= p <= 1.0, (n_cases, n_controls, a, c, p)
                    pvalues.append(p)
    assert len(pvalues) == 50400
    assert sum(p == 1.0 for p in pvalues) > 8000  # the fragile class is well represented
    assert all(0.0 <= q <= 1.0 for q in p_adjust_bh(pvalues))


def test_r_sum_adds_in_order_in_extended_precision():
    # 1 + 2^-60 - 1 is lost in double arithmetic but not in R's long-double accumulator (x86-64)
    values = np.array([1.0, 2.0 ** -60, -1.0])
    if np.finfo(np.longdouble).nmant >= 63:
        assert stats.r_sum(values) == 2.0 ** -60
    assert stats.r_sum(np.array([])) == 0.0


def test_worked_example_rounded():
    result = fisher_test([[2, 10], [4, 28]])
    assert round(result.p_value, 4) == 0.6577
    assert round(result.odds_ratio, 3) == 1.389
    assert round(result.ci_low, 3) == 0.110
    assert round(result.ci_high, 2) == 11.56


def test_not_the_sample_odds_ratio():
    # the unconditional (sample) odds ratio would be 2*28/(10*4) = 1.4
    assert abs(fisher_test([[2, 10], [4, 28]]).odds_ratio - 1.4) > 0.005


@pytest.mark.parametrize(
    "bad", [[[1, 2], [3]], [[1, 2, 3], [4, 5, 6]], [[1.5, 2], [3, 4]], [[math.nan, 2], [3, 4]], [[True, 2], [3, 4]]]
)
def test_bad_tables_raise(bad):
    with pytest.raises(ValueError):
        fisher_test(bad)


@pytest.mark.parametrize("level", [0, 1, -0.5, 1.5, math.nan, math.inf])
def test_bad_conf_level_raises(level):
    with pytest.raises(ValueError):
        fisher_test([[1, 2], [3, 4]], conf_level=level)


def test_whole_number_floats_are_counts():
    assert fisher_test([[2.0, 10.0], [4.0, 28.0]]) == fisher_test([[2, 10], [4, 28]])


BH_VECTORS: dict = {}
for _row in BH_ROWS:
    BH_VECTORS.setdefault(_row["vector"], []).append(_row)


@pytest.mark.parametrize("name", sorted(BH_VECTORS))
def test_bh_matches_r(name):
    rows = sorted(BH_VECTORS[name], key=lambda r: int(r["index"]))
    p = [None if r["p"] == "NA" else float(r["p"]) for r in rows]
    got = p_adjust_bh(p)
    assert len(got) == len(rows)
    for value, row in zip(got, rows):
        want = _num(row["q"])
        if math.isnan(want):
            assert math.isnan(value)
        else:
            assert value == pytest.approx(want, rel=REL, abs=0)


def test_bh_accepts_nan_as_missing_and_rejects_out_of_range():
    assert math.isnan(p_adjust_bh([math.nan, 0.1])[0])
    assert p_adjust_bh([math.nan, 0.1])[1] == 0.1
    assert p_adjust_bh([]) == []
    with pytest.raises(ValueError):
        p_adjust_bh([0.5, 1.5])


def test_uniroot_like_r():
    # R: uniroot(function(x) x^2 - 2, c(0, 2))$root, printed with %.17g
    assert uniroot(lambda x: x * x - 2, 0.0, 2.0) == pytest.approx(1.4142133199955025, rel=1e-15)
    assert abs(uniroot(lambda x: x * x - 2, 0.0, 2.0, tol=0.0) - math.sqrt(2)) < 1e-15
    with pytest.raises(stats.RootFindingError):
        uniroot(lambda x: x * x + 1, 0.0, 2.0)


# ---------------------------------------------------------------- properties

counts = st.integers(min_value=0, max_value=60)
tables = st.tuples(counts, counts, counts, counts).map(lambda t: [[t[0], t[1]], [t[2], t[3]]])
conf_levels = st.sampled_from([0.8, 0.9, 0.95, 0.99])


def _swap_rows(table):
    return [table[1], table[0]]


def _single_valued_support(table) -> bool:
    """True when the margins allow one table only (an all-zero row or column)."""
    (a, b), (c, d) = table
    return max(0, (a + b) - (b + d)) == min(a + b, a + c)


def _check_degenerate(result) -> None:
    # R: estimate 0 (x is at the lower end of the support first), CI [0, Inf], p = 1, either way round
    assert (result.p_value, result.odds_ratio, result.ci_low, result.ci_high) == (1.0, 0.0, 0.0, math.inf)


@settings(max_examples=300, deadline=None)
@given(tables, conf_levels)
def test_swapping_rows_keeps_p_and_inverts_odds_ratio_r_tolerance(table, level):
    """With R's uniroot tolerance the inversion holds to 2 * tol on the 0..1 search scale."""
    one = fisher_test(table, level)
    two = fisher_test(_swap_rows(table), level)
    if _single_valued_support(table):
        _check_degenerate(one)
        _check_degenerate(two)
        return
    assert two.p_value == pytest.approx(one.p_value, rel=1e-12, abs=1e-300)
    # 0 and Inf both fold to 0; R can return 0 or 1/eps for a limit closer to 0 or Inf than tol
    bound = 2 * R_UNIROOT_TOL + 1e-12
    assert (one.odds_ratio == 0) == math.isinf(two.odds_ratio)
    for mine, theirs in ((one.odds_ratio, two.odds_ratio), (one.ci_low, two.ci_high), (one.ci_high, two.ci_low)):
        assert abs(_fold(mine) - _fold(theirs)) <= bound


@settings(max_examples=300, deadline=None)
@given(tables, conf_levels)
def test_swapping_rows_inverts_odds_ratio_exact_roots(table, level):
    """With root_tol = 0 the roots are exact, so OR -> 1/OR and the CI swaps and inverts to 1e-9."""
    one = fisher_test(table, level, root_tol=0.0)
    two = fisher_test(_swap_rows(table), level, root_tol=0.0)
    if _single_valued_support(table):
        _check_degenerate(one)
        _check_degenerate(two)
        return
    for mine, theirs in ((one.odds_ratio, two.odds_ratio), (one.ci_low, two.ci_high), (one.ci_high, two.ci_low)):
        if mine == 0:
            assert theirs == math.inf
        elif math.isinf(mine):
            assert theirs == 0
        else:
            assert 1 / theirs == pytest.approx(mine, rel=1e-9)


@settings(max_examples=300, deadline=None)
@given(st.tuples(st.integers(0, 300), st.integers(0, 300), st.integers(0, 300), st.integers(0, 300)), conf_levels)
def test_p_in_unit_interval_and_ci_contains_estimate(cells, level):
    a, b, c, d = cells
    table = [[a, b], [c, d]]
    lo, hi = max(0, (a + b) - (b + d)), min(a + b, a + c)
    for root_tol in (R_UNIROOT_TOL, 0.0):
        result = fisher_test(table, level, root_tol=root_tol)
        assert 0.0 <= result.p_value <= 1.0
        assert 0.0 <= result.ci_low <= result.odds_ratio <= result.ci_high
        # R's boundary rules: at the boundary the estimate is exactly 0 / Inf
        if a == lo:
            assert result.odds_ratio == 0 and result.ci_low == 0
        assert math.isinf(result.ci_high) == (a == hi)
        if root_tol == 0.0:
            # with exact roots 0 and Inf occur only at the boundary; R's uniroot tolerance can
            # return 0 just inside it (test_r_tolerance_can_round_a_tiny_estimate_to_zero)
            assert (result.odds_ratio == 0) == (a == lo)
            assert math.isinf(result.odds_ratio) == (a == hi and a != lo)
            assert (result.ci_low == 0) == (a == lo)


@settings(max_examples=100, deadline=None)
@given(tables)
def test_wider_level_gives_wider_interval(table):
    narrow = fisher_test(table, 0.9, root_tol=0.0)
    wide = fisher_test(table, 0.99, root_tol=0.0)
    assert wide.ci_low <= narrow.ci_low and narrow.ci_high <= wide.ci_high


pvalues = st.lists(
    st.one_of(st.none(), st.floats(min_value=0.0, max_value=1.0), st.sampled_from([0.01, 0.05, 0.5, 1.0])),
    max_size=40,
)


@settings(max_examples=300, deadline=None)
@given(pvalues)
def test_bh_properties(p):
    q = p_adjust_bh(p)
    assert len(q) == len(p)
    pairs = [(pi, qi) for pi, qi in zip(p, q) if pi is not None]
    for pi, qi in zip(p, q):
        assert (pi is None) == math.isnan(qi)
    for pi, qi in pairs:
        assert pi <= qi <= 1.0
    for pi, qi in pairs:
        for pj, qj in pairs:
            if pi <= pj:
                assert qi <= qj


def test_r_tolerance_can_round_a_tiny_estimate_to_zero():
    # found by Hypothesis; R 4.2.2: fisher.test(matrix(c(1,294,145,1),2), conf.level=0.8)
    # gives estimate 0 and conf.int 0, 0.00029685758760947609 (uniroot stops at its tolerance)
    result = fisher_test([[1, 145], [294, 1]], 0.8)
    assert result.odds_ratio == 0.0 and result.ci_low == 0.0
    assert result.ci_high == pytest.approx(0.00029685758760947609, rel=1e-9)
    assert result.p_value == pytest.approx(2.65476e-116, rel=1e-5)
    assert 0 < fisher_test([[1, 145], [294, 1]], 0.8, root_tol=0.0).odds_ratio < 1e-4


# ------------------------------------------------------------------ large cohorts and extreme tables (R)

EXTREME = _read_tsv(FIXTURES / "fisher_extreme_reference.tsv")
BH_COHORT = _read_tsv(FIXTURES / "bh_cohort_reference.tsv")


def test_extreme_fixture_covers_what_it_says():
    sets = {row["set"] for row in EXTREME}
    assert sets == {"random_200x800", "random_1000x1000", "rare_1000x1000", "tiny_p", "zero_inf", "conf_levels"}
    p_values = [_num(row["p_value"]) for row in EXTREME]
    assert 0.0 in p_values  # R itself underflows to 0 there
    assert any(0 < p < 2.2250738585072014e-308 for p in p_values)  # subnormal, still not 0 in R
    assert any(1e-301 < p < 1e-299 for p in p_values) and any(1e-36 < p < 1e-29 for p in p_values)
    estimates = [_num(row["estimate"]) for row in EXTREME]
    assert 0.0 in estimates and math.inf in estimates
    assert {float(row["conf_level"]) for row in EXTREME} >= {0.8, 0.9, 0.95, 0.99, 0.999}


@pytest.mark.parametrize("row", EXTREME, ids=lambda r: f"{r['set']}-{r['n_cases']}x{r['n_controls']}-"
                                                         f"{r['case_carriers']}-{r['control_carriers']}-{r['conf_level']}")
def test_fisher_matches_r_on_large_and_extreme_tables(row):
    """1e-9 relative, exact for 0 and Inf: a p-value R gives as 1e-300 or subnormal must not come out as 0,
    and one R gives as 0 (underflow) must be 0, not a made-up small number."""
    n1, n2, a, c = (int(row[key]) for key in ("n_cases", "n_controls", "case_carriers", "control_carriers"))
    result = fisher_test([[a, n1 - a], [c, n2 - c]], conf_level=float(row["conf_level"]))
    for name, got in (("p_value", result.p_value), ("estimate", result.odds_ratio), ("ci_low", result.ci_low),
                      ("ci_high", result.ci_high)):
        assert_same(got, _num(row[name]), name)


def test_bh_over_a_cohort_with_ties_and_untestable_tests_matches_r():
    """400 tests of a 200 x 800 design, tied tables and 60 NA (untestable): p from fisher_test and q from
    p_adjust_bh over them equal R's fisher.test + p.adjust(BH)."""
    rows = sorted(BH_COHORT, key=lambda r: int(r["index"]))
    p = []
    for row in rows:
        if row["case_carriers"] == "NA":
            p.append(None)
            continue
        a, c = int(row["case_carriers"]), int(row["control_carriers"])
        p.append(fisher_p_value([[a, 200 - a], [c, 800 - c]]))
        assert_same(p[-1], _num(row["p"]), f"p of row {row['index']}")
    assert p.count(None) == 60 and len(set(x for x in p if x is not None)) < 40  # ties present
    for got, row in zip(p_adjust_bh(p), rows):
        want = _num(row["q"])
        if math.isnan(want):
            assert math.isnan(got)
        else:
            assert_same(got, want, f"q of row {row['index']}")


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 3000), st.integers(0, 3000), st.floats(0, 1))
def test_central_weights_are_the_exact_binomial_products(m, n, share):
    """The hypergeometric weights made one from the next (session 11: math.comb per table cell took 0.35 s of
    a 2,500 x 2,500 test) are the same integers as C(m, i) C(n, k - i) for every i of the support."""
    from hlhscreen.stats import _central_weights

    k = int(share * (m + n))
    lo, hi = max(0, k - n), min(k, m)
    assert _central_weights(m, n, k, lo, hi - lo + 1) == [math.comb(m, i) * math.comb(n, k - i) for i in range(lo, hi + 1)]
