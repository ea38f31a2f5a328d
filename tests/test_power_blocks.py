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


# ---------------------------------------------------------------- windows (session 11, issue 14 item 1)
# The region of a carrier total is computed in a window around its mode; every table of the support
# outside the window is rejected (its p-value is at most alpha e^-60). These compare with the whole rows.

WINDOWED = [(200, 200), (150, 450), (450, 150), (37, 900), (900, 37), (1, 3000), (3000, 1), (0, 5), (5, 0)]


def _whole_rows(n1: int, n2: int, alpha: float, monkeypatch) -> RejectionRegion:
    with monkeypatch.context() as patch:
        patch.setattr(power, "_WINDOW_MARGIN", 1e9)  # the window is then every row's whole support
        return RejectionRegion.compute(n1, n2, alpha)


def _same_region(got: RejectionRegion, want: RejectionRegion) -> None:
    assert np.array_equal(got.lower, want.lower) and np.array_equal(got.upper, want.upper)
    assert got.irregular.keys() == want.irregular.keys()
    assert all(np.array_equal(got.irregular[t], want.irregular[t]) for t in want.irregular)


@pytest.mark.parametrize("n1, n2", WINDOWED)
@pytest.mark.parametrize("alpha", [0.05, 1e-6, 0.3, 1e-12, 0.99])
def test_windowed_region_equals_the_whole_rows(n1, n2, alpha, monkeypatch):
    widest = 2 * power._half_width(n1, n2, np.array([(n1 + n2) // 2]), power._cutoff(n1, n2, alpha)) + 1
    if n1 == n2 == 200:
        assert widest < min(n1, n2) + 1  # the window really is narrower than the support here
    _same_region(RejectionRegion.compute(n1, n2, alpha), _whole_rows(n1, n2, alpha, monkeypatch))
    # and with tiny blocks (every block boundary crossed)
    _same_region(RejectionRegion.compute(n1, n2, alpha, block_cells=7), _whole_rows(n1, n2, alpha, monkeypatch))


@pytest.mark.parametrize("n1, n2", [(200, 200), (150, 450), (37, 900)])
def test_a_window_guessed_too_narrow_is_widened(n1, n2, monkeypatch):
    want = RejectionRegion.compute(n1, n2, 0.05)
    with monkeypatch.context() as patch:
        patch.setattr(power, "_half_width", lambda *args: 1)
        _same_region(RejectionRegion.compute(n1, n2, 0.05), want)


def test_windowed_region_is_the_p_value_of_tables_near_its_boundary():
    """At 200 x 200 the window leaves out most of each row: hlhscreen.stats' R-compatible p-value decides the
    same as the region for every table next to a boundary of the region, and for tables far out in a tail."""
    n1 = n2 = 200
    region = RejectionRegion.compute(n1, n2, 0.05)
    dense = region.dense()
    checked = 0
    for c in range(0, n2 + 1, 7):
        for a in np.flatnonzero(np.diff(dense[:, c])):
            for case in (int(a), int(a) + 1):
                assert dense[case, c] == (fisher_p_value([[case, n1 - case], [c, n2 - c]]) <= 0.05), (case, c)
                checked += 1
    assert checked > 50
    assert dense[0, 200] and dense[200, 0] and not dense[100, 100]


@st.composite
def windowed_masks(draw):
    """A set of tables given as windows: rows t, columns a = start[t] + j; support outside a window rejected."""
    n1, n2 = draw(st.integers(1, 7)), draw(st.integers(1, 7))
    width = draw(st.integers(1, min(n1, n2) + 1))
    totals = np.arange(n1 + n2 + 1)
    lo, hi = np.maximum(0, totals - n2), np.minimum(totals, n1)
    starts = np.array([draw(st.integers(int(lo[t]), max(int(lo[t]), int(hi[t]) - width + 1))) for t in totals])
    bits = np.array(draw(st.lists(st.booleans(), min_size=len(totals) * width,
                                  max_size=len(totals) * width))).reshape(len(totals), width)
    a = starts[:, None] + np.arange(width)[None, :]
    inside = (a <= totals[:, None]) & (totals[:, None] - a <= n2) & (a <= n1)
    return n1, n2, starts, bits & inside, draw(st.integers(1, n1 + n2 + 1))


@settings(max_examples=150, deadline=None)
@given(windowed_masks())
def test_split_tails_of_windows_keeps_the_set_exactly(drawn):
    n1, n2, starts, rejected, step = drawn
    totals = n1 + n2 + 1
    want_rows = np.zeros((totals, n1 + 1), dtype=bool)
    for t in range(totals):
        want_rows[t, max(0, t - n2):min(t, n1) + 1] = True  # outside the window: rejected
        width = rejected.shape[1]
        keep = min(width, n1 + 1 - starts[t])
        want_rows[t, starts[t]:starts[t] + keep] = rejected[t, :keep] | ~(
            (np.arange(starts[t], starts[t] + keep) <= t) & (t - np.arange(starts[t], starts[t] + keep) <= n2))
        want_rows[t] &= (np.arange(n1 + 1) <= t) & (t - np.arange(n1 + 1) <= n2)
    lower, upper, irregular = np.empty(totals, int), np.empty(totals, int), {}
    for first in range(0, totals, step):
        block = slice(first, first + step)
        lower[block], upper[block], odd = split_tails(rejected[block], n2, first, starts[block], n1)
        irregular.update(odd)
    region = RejectionRegion(n1, n2, 0.05, lower, upper, irregular)
    want = np.array([[want_rows[a + c, a] for c in range(n2 + 1)] for a in range(n1 + 1)], dtype=bool)
    assert np.array_equal(region.dense(), want)


@pytest.mark.parametrize("n1, n2, p0", [(200, 200, 0.01), (300, 700, 0.002), (40, 70, 0.3), (3000, 1, 0.5)])
def test_lazy_region_makes_only_what_is_read_and_equals_the_whole(n1, n2, p0, monkeypatch):
    """region_for makes a total when first read: a rare variant's weights read the totals up to n1 plus the last
    control count with any probability, and the control counts past it (exact zeros) are left out of the sums."""
    lazy = RejectionRegion.compute(n1, n2, 0.05, block_cells=2000, lazy=True)  # blocks of a few totals
    whole = RejectionRegion.compute(n1, n2, 0.05)
    pmf = binomial_pmf(n2, p0)
    got = lazy.weights(pmf)
    last = int(np.flatnonzero(pmf)[-1])
    if last < n2:
        assert lazy.pending.any()  # some totals were never needed
    made = np.repeat(~lazy.pending, lazy.step)[:n1 + n2 + 1]
    assert made[:n1 + last + 1].all()
    assert np.array_equal(lazy.lower[made], whole.lower[made]) and np.array_equal(lazy.upper[made], whole.upper[made])
    exact = [math.fsum(pmf[whole.dense()[a]]) for a in range(n1 + 1)]
    assert got == pytest.approx(exact, rel=1e-15, abs=1e-300)
    assert np.array_equal(lazy.column(n2 // 2), whole.column(n2 // 2))
    assert np.array_equal(lazy.dense(), whole.dense()) and not lazy.pending.any()
