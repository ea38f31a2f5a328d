"""hlhscreen.power works in blocks so its memory grows with the samples, not with their square (issue 14):
the rejection region by blocks of carrier totals, kept as two tails per total; the control weights by
blocks of case counts; the odds-ratio scan by blocks of odds ratios. These tests force tiny blocks on
mid-size designs, so every block boundary is crossed, and compare with straightforward references:
the p-value of every table from hlhscreen.stats, and sums over every rejected table."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hlhscreen import power
from hlhscreen.power import PowerCurve, RejectionRegion, binomial_pmf, case_frequency, split_tails
from hlhscreen.stats import fisher_p_value

# (n1, n2): small ones plus mid-size ones that need many blocks when blocks are a few rows
DESIGNS = [(1, 1), (3, 5), (12, 32), (7, 7), (40, 70), (90, 25), (33, 33)]
ROWS_PER_BLOCK = [1, 3, 7]


def reference_region(n1: int, n2: int, alpha: float) -> np.ndarray:
    """Table by table with hlhscreen.stats' R-compatible Fisher p-value."""
    return np.array([[fisher_p_value([[a, n1 - a], [c, n2 - c]]) <= alpha for c in range(n2 + 1)]
                     for a in range(n1 + 1)])


_REFERENCE = {}


def cached_reference(n1: int, n2: int, alpha: float) -> np.ndarray:
    key = (n1, n2, alpha)
    if key not in _REFERENCE:
        _REFERENCE[key] = reference_region(n1, n2, alpha)
    return _REFERENCE[key]


@pytest.mark.parametrize("n1, n2", DESIGNS)
@pytest.mark.parametrize("alpha", [0.05, 0.01, 0.3])
@pytest.mark.parametrize("rows", ROWS_PER_BLOCK)
def test_blocked_region_is_the_p_value_of_every_table(n1, n2, alpha, rows):
    want = cached_reference(n1, n2, alpha)
    region = RejectionRegion.compute(n1, n2, alpha, block_cells=rows * (n1 + 1))
    assert np.array_equal(region.dense(), want)
    for c in range(n2 + 1):
        assert np.array_equal(region.column(c), want[:, c]), c
    # any row-block split of the materialised region gives the same cells
    assert np.array_equal(np.vstack([region.rows(s, min(n1 + 1, s + rows)) for s in range(0, n1 + 1, rows)]), want)


@pytest.mark.parametrize("n1, n2", DESIGNS)
@pytest.mark.parametrize("rows", ROWS_PER_BLOCK)
def test_blocked_weights_are_the_sum_over_rejected_tables(n1, n2, rows):
    want_region = cached_reference(n1, n2, 0.05)
    pmf = binomial_pmf(n2, 0.3)
    got = power.region_for(n1, n2, 0.05).weights(pmf, block_cells=rows * (n2 + 1))
    # the same long double sum of each case count's rejected control probabilities, one row at a time
    want = np.array([float(np.where(want_region[a], pmf, 0.0).astype(np.longdouble).sum()) for a in range(n1 + 1)])
    assert np.array_equal(got, want)
    assert np.array_equal(got, power.region_for(n1, n2, 0.05).weights(pmf))
    exact = [math.fsum(pmf[want_region[a]]) for a in range(n1 + 1)]
    assert got == pytest.approx(exact, rel=1e-15, abs=1e-300)


@pytest.mark.parametrize("n1, n2, carriers", [(12, 32, 4), (40, 70, 9), (90, 25, 3), (33, 33, 20)])
@pytest.mark.parametrize("rows", [1, 5])
def test_blocked_powers_equal_the_whole_scan_and_a_sum_over_every_table(n1, n2, carriers, rows):
    whole = PowerCurve.build(n1, n2, carriers / n2, 0.05)
    blocked = PowerCurve(n1, n2, carriers / n2, 0.05, whole.weights, block_cells=rows * (n1 + 1))
    grid = np.exp(np.arange(0.0, 8.0, 0.1))
    assert np.array_equal(blocked.powers(grid), whole.powers(grid))
    assert blocked.smallest_detectable_odds_ratio() == whole.smallest_detectable_odds_ratio()
    assert blocked.powers(np.array([])).shape == (0,)
    region = cached_reference(n1, n2, 0.05)
    pmf2 = binomial_pmf(n2, carriers / n2)
    for odds_ratio in (1.0, 2.0, 5.0, 10.0, 40.0):
        pmf1 = binomial_pmf(n1, case_frequency(carriers / n2, odds_ratio))
        exact = math.fsum(pmf1[a] * pmf2[c] for a in range(n1 + 1) for c in range(n2 + 1) if region[a, c])
        assert blocked.power(odds_ratio) == pytest.approx(exact, rel=1e-12, abs=1e-300), odds_ratio


@pytest.mark.parametrize("n1, n2, carriers", [(40, 70, 0), (40, 70, 9), (90, 25, 24), (12, 32, 4)])
def test_min_case_carriers_scans_the_reference_column(n1, n2, carriers):
    region = cached_reference(n1, n2, 0.05)
    want = next((a for a in range(n1 + 1) if a * n2 > carriers * n1 and region[a, carriers]), None)
    assert power.min_case_carriers_for_significance(n1, n2, carriers, 0.05) == want


def test_real_regions_are_two_tails_per_total():
    """The compact form holds: no total of these designs needs a whole row kept (memory O(n1 + n2))."""
    for n1, n2, alpha in [(300, 500, 0.05), (504, 496, 0.01), (1, 900, 0.05), (250, 250, 0.5)]:
        region = power.region_for(n1, n2, alpha)
        assert region.irregular == {} and region.lower.shape == (n1 + n2 + 1,)


@st.composite
def masks(draw):
    """Any set of tables, by carrier total: rows t = 0..n1+n2, columns a = 0..n1, False off the support."""
    n1, n2 = draw(st.integers(0, 7)), draw(st.integers(0, 7))
    bits = np.array(draw(st.lists(st.booleans(), min_size=(n1 + n2 + 1) * (n1 + 1),
                                  max_size=(n1 + n2 + 1) * (n1 + 1)))).reshape(n1 + n2 + 1, n1 + 1)
    t, a = np.arange(n1 + n2 + 1)[:, None], np.arange(n1 + 1)[None, :]
    return n1, n2, bits & (a <= t) & (t - a <= n2), draw(st.integers(1, n1 + n2 + 1))


@settings(max_examples=150, deadline=None)
@given(masks())
def test_split_tails_keeps_any_set_of_tables_exactly(drawn):
    """Tails plus irregular rows reproduce any set (two tails or not), whatever the split into blocks."""
    n1, n2, rejected, step = drawn
    lower, upper, irregular = np.empty(n1 + n2 + 1, int), np.empty(n1 + n2 + 1, int), {}
    for first in range(0, n1 + n2 + 1, step):
        lower[first:first + step], upper[first:first + step], odd = split_tails(rejected[first:first + step], n2, first)
        irregular.update(odd)
    region = RejectionRegion(n1, n2, 0.05, lower, upper, irregular)
    want = np.array([[rejected[a + c, a] for c in range(n2 + 1)] for a in range(n1 + 1)], dtype=bool)
    assert np.array_equal(region.dense(), want)
    for c in range(n2 + 1):
        assert np.array_equal(region.column(c), want[:, c])
    pmf = np.linspace(0.5, 1.5, n2 + 1)
    assert np.array_equal(region.weights(pmf, block_cells=1), region.weights(pmf))
    # a row needs keeping whole exactly when its rejected tables are not two tails of its support
    for t in range(n1 + n2 + 1):
        support = rejected[t, max(0, t - n2):min(t, n1) + 1]
        kept = support[~np.maximum.accumulate(~support)]  # low run
        rest = support[len(kept):]
        high = rest[::-1][~np.maximum.accumulate(~rest[::-1])]
        two_tails = not rest[:len(rest) - len(high)].any()
        assert (t in irregular) == (not two_tails), (t, support)
