"""Exact power of the two-sided Fisher test (hlhscreen.power) against an independent computation in R
(tests/fixtures/r/make_power_fixtures.R: enumeration over R's own fisher.test p-values), a seeded
simulation that uses hlhscreen.stats' p-value table by table, and properties."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hlhscreen import power
from hlhscreen.power import (
    PowerCurve, binomial_pmf, case_frequency, min_case_carriers_for_significance, power_summary, rejection_region,
)
from hlhscreen.stats import fisher_p_value
from rfixtures import R_FIXTURES, num, read_tsv

POWER_ROWS = read_tsv(R_FIXTURES / "power_reference.tsv")
# large and very unbalanced designs (make_power_large_fixtures.R), where the region is computed in windows
POWER_LARGE_ROWS = read_tsv(R_FIXTURES / "power_large_reference.tsv")


def _design(row):
    return int(row["n_cases"]), int(row["n_controls"]), int(row["control_carriers"]), float(row["alpha"])


def test_power_fixture_covers_the_study_design():
    designs = {_design(row) for row in POWER_ROWS}
    assert (12, 32, 4, 0.05) in designs and (12, 32, 0, 0.05) in designs and (12, 32, 31, 0.05) in designs
    # the edges: every control a carrier, a group of one, alphas other than 0.05
    assert {(12, 32, 32, 0.05), (1, 32, 4, 0.05), (12, 1, 1, 0.05), (12, 1, 0, 0.05), (1, 1, 0, 0.05),
            (12, 32, 4, 0.001), (12, 32, 4, 0.2), (12, 32, 4, 0.01)} <= designs
    assert {row["odds_ratio"] for row in POWER_ROWS} >= {"1", "2", "5", "10", "min80", "min_case_carriers"}


def test_large_power_fixture_covers_windows_and_unbalanced_designs():
    designs = {_design(row)[:2] for row in POWER_LARGE_ROWS}
    assert {(200, 200), (2500, 2500), (1, 5000), (5000, 1)} <= designs
    widest = 2 * power._half_width(200, 200, np.array([200]), power._cutoff(200, 200, 0.05)) + 1
    assert widest < 201  # 200 x 200 is computed in windows narrower than its rows


@pytest.mark.parametrize("row", POWER_ROWS + POWER_LARGE_ROWS, ids=lambda r: "{}x{}_c{}_a{}_or{}".format(*_design(r), r["odds_ratio"]))
def test_matches_r_exact_enumeration(row):
    n1, n2, k, alpha = _design(row)
    want = num(row["value"])
    if row["odds_ratio"] == "min_case_carriers":
        got = min_case_carriers_for_significance(n1, n2, k, alpha)
        assert (got is None and math.isnan(want)) or got == want
        return
    curve = PowerCurve.build(n1, n2, k / n2, alpha)
    if row["odds_ratio"] == "min80":
        got = curve.smallest_detectable_odds_ratio()
        if math.isnan(want):
            assert got is None
        else:
            assert got == pytest.approx(want, rel=1e-9)
        return
    got = curve.power(float(row["odds_ratio"]))
    assert got == pytest.approx(want, rel=1e-9, abs=1e-300)


@pytest.mark.parametrize("n1, n2", [(12, 32), (1, 1), (1, 32), (12, 1), (7, 7), (12, 12), (30, 60), (3, 5)])
@pytest.mark.parametrize("alpha", [0.05, 0.01, 0.1, 0.5])
def test_rejection_region_is_fisher_p_at_most_alpha(n1, n2, alpha):
    """The vectorised region equals R's p-value (hlhscreen.stats.fisher_p_value) table by table."""
    region = rejection_region(n1, n2, alpha)
    assert region.shape == (n1 + 1, n2 + 1)
    for a in range(n1 + 1):
        for c in range(n2 + 1):
            assert region[a, c] == (fisher_p_value([[a, n1 - a], [c, n2 - c]]) <= alpha), (a, c)


@pytest.mark.parametrize("n1, n2, k, odds_ratio, seed", [
    (12, 32, 4, 5.0, 1), (12, 32, 2, 10.0, 2), (12, 32, 8, 2.0, 3), (6, 20, 3, 1.0, 4), (30, 90, 5, 4.0, 5),
])
def test_matches_seeded_simulation(n1, n2, k, odds_ratio, seed):
    """Monte Carlo with a fixed seed, deciding each simulated table with fisher_p_value itself: the exact
    power lies within 4 standard errors of the simulated rejection rate."""
    rng = np.random.default_rng(seed)
    p0 = k / n2
    p1 = case_frequency(p0, odds_ratio)
    draws = 20000
    cases, controls = rng.binomial(n1, p1, draws), rng.binomial(n2, p0, draws)
    decisions = {}
    rejected = 0
    for a, c in zip(cases.tolist(), controls.tolist()):
        if (a, c) not in decisions:
            decisions[(a, c)] = fisher_p_value([[a, n1 - a], [c, n2 - c]]) <= 0.05
        rejected += decisions[(a, c)]
    simulated = rejected / draws
    exact = PowerCurve.build(n1, n2, p0, 0.05).power(odds_ratio)
    error = math.sqrt(max(exact * (1 - exact), 1e-4) / draws)
    assert abs(simulated - exact) <= 4 * error, (simulated, exact)


def test_study_example_a91v_cannot_be_detected():
    """Issue 13: 16.7 % vs 12.5 % (2/12 cases vs 4/32 controls) is far below what 12 vs 32 can detect."""
    summary = power_summary(12, 32, 4, 0.05)
    p2, p5, p10 = summary.powers
    assert p2 < 0.15 and p5 < 0.6 and 0.8 < p10 < 0.9
    assert 8 < summary.min_detectable_or < 10 and summary.reason is None
    assert summary.case_freq_at_min_or == pytest.approx(case_frequency(4 / 32, summary.min_detectable_or))
    observed_or = (2 / 10) / (4 / 28)
    assert PowerCurve.build(12, 32, 4 / 32, 0.05).power(observed_or) < 0.1


def test_no_control_carrier_gives_no_power_but_the_case_count_needed():
    summary = power_summary(12, 32, 0, 0.05)
    assert summary.powers == (None, None, None) and summary.min_detectable_or is None
    assert summary.reason == "no_control_carrier"
    # 3 of 12 cases vs 0 of 32 controls: p = 0.0148; 2 of 12: p = 0.064
    assert summary.min_significant_case_carriers == 3
    assert fisher_p_value([[3, 9], [0, 32]]) <= 0.05 < fisher_p_value([[2, 10], [0, 32]])
    every = power_summary(12, 32, 32, 0.05)
    assert every.reason == "all_controls_carry" and every.min_significant_case_carriers is None


def test_target_not_reached_with_one_case():
    summary = power_summary(1, 32, 4, 0.05)
    assert summary.reason == "target_power_not_reached" and summary.min_detectable_or is None
    # one case rejects only together with 0 control carriers (p = 1/33): power stays below 1 %
    assert all(0.0 < value < 0.01 for value in summary.powers)
    assert summary.min_significant_case_carriers is None  # 1/1 vs 4/32 gives p = 5/33


def test_binomial_pmf_edges_and_sum():
    assert binomial_pmf(5, 0.0).tolist() == [1, 0, 0, 0, 0, 0]
    assert binomial_pmf(5, 1.0).tolist() == [0, 0, 0, 0, 0, 1]
    assert binomial_pmf(1500, 0.3).sum() == pytest.approx(1.0, rel=1e-11)
    assert binomial_pmf(3, 0.5).tolist() == pytest.approx([0.125, 0.375, 0.375, 0.125], rel=1e-14)


def test_bad_input_raises():
    with pytest.raises(ValueError):
        rejection_region(12, 32, 0.0)
    with pytest.raises(ValueError):
        PowerCurve.build(0, 32, 0.1, 0.05)
    with pytest.raises(ValueError):
        PowerCurve.build(12, 32, 1.5, 0.05)


designs = st.tuples(st.integers(1, 20), st.integers(1, 40)).flatmap(
    lambda n: st.tuples(st.just(n[0]), st.just(n[1]), st.integers(1, max(1, n[1] - 1))))


@settings(max_examples=60, deadline=None)
@given(designs, st.sampled_from([0.01, 0.05, 0.1]))
def test_size_at_most_alpha_and_crossing_is_the_first(design, alpha):
    """Fisher's test is conservative: power at OR 1 (the size) never exceeds alpha. The smallest detectable
    odds ratio reaches the target, and no odds ratio on the scan grid below it does."""
    n1, n2, k = design
    if k >= n2:
        return
    curve = PowerCurve.build(n1, n2, k / n2, alpha)
    assert 0.0 <= curve.power(1.0) <= alpha + 1e-12
    found = curve.smallest_detectable_odds_ratio()
    grid = np.exp(np.arange(0, math.log(power.MAX_ODDS_RATIO), power._SCAN_STEP))
    powers = curve.powers(grid)
    if found is None:
        assert (powers < power.TARGET_POWER).all()
        return
    assert curve.power(found) >= power.TARGET_POWER
    assert (powers[grid < found * (1 - 1e-9)] < power.TARGET_POWER).all()
    assert curve.power(found * (1 - 1e-6)) < power.TARGET_POWER or found == 1.0
