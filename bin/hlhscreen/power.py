"""Exact power of the two-sided Fisher test of COHORT_STATS, for "what could this cohort detect?".

Model: cases and controls are independent binomial samples. Controls carry with probability
``p0`` (the observed control carrier frequency); cases carry with the probability that gives odds
ratio ``psi`` against the controls, ``p1 = psi p0 / (1 - p0 + psi p0)``. With ``n1`` assessable
cases and ``n2`` assessable controls, the power is

    sum over every table (a case carriers, c control carriers) of
        Bin(a; n1, p1) * Bin(c; n2, p0) * [two-sided Fisher p of the table <= alpha]

computed exactly by enumerating all ``(n1 + 1)(n2 + 1)`` tables, not by a normal approximation.
The Fisher p-value is R's (:mod:`hlhscreen.stats`): the sum of the conditional hypergeometric
probabilities no larger than the observed one, with R's ``1 + 1e-7`` tie tolerance.

Why it is fast: the rejection region depends on ``(n1, n2, alpha)`` only, and for a fixed number
of case carriers ``a`` the control side collapses to one weight
``w[a] = sum_c Bin(c; n2, p0) [table (a, c) rejected]``, so ``power(psi) = sum_a Bin(a; n1, p1) w[a]``
is a dot product of two short vectors; scanning odds ratios for the 80 % crossing costs little.

Why the memory is linear in the samples: the tables are enumerated in blocks of carrier totals
(:data:`BLOCK_CELLS` tables at a time), the region is kept as the two rejected tails of each total
(:class:`RejectionRegion`, O(n1 + n2)), and the odds-ratio scan is done in blocks too. Every sum is
R's (left to right in a long double, :func:`sum_rows`), so how the work is split changes no bit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Dict, Iterator, Mapping, Optional, Tuple

import numpy as np

from .stats import R_FISHER_REL_ERR

#: Odds ratios the power is reported at, and the power the smallest detectable odds ratio is defined by.
REPORTED_ODDS_RATIOS: Tuple[float, ...] = (2.0, 5.0, 10.0)
TARGET_POWER = 0.8
#: The scan for the smallest detectable odds ratio stops here (beyond, "not reached").
MAX_ODDS_RATIO = 1e6
_SCAN_STEP = 0.01  # on the natural-log scale of the odds ratio: 1 % steps, then bisection


def case_frequency(p0: float, odds_ratio: float) -> float:
    """Case carrier probability with odds ratio ``odds_ratio`` against control probability ``p0``."""
    if math.isinf(odds_ratio):
        return 1.0 if p0 > 0 else 0.0
    return odds_ratio * p0 / (1.0 - p0 + odds_ratio * p0)


def binomial_pmf(n: int, p: float) -> np.ndarray:
    """``Bin(k; n, p)`` for k = 0..n."""
    return binomial_pmfs(n, np.array([p]))[0]


def binomial_pmfs(n: int, ps: np.ndarray) -> np.ndarray:
    """``Bin(k; n, p)`` for every ``p`` of ``ps`` (rows) and k = 0..n (columns), in log space so large
    ``n`` neither overflows nor underflows early; p = 0 and p = 1 put all mass on k = 0 and k = n."""
    ps = np.asarray(ps, dtype=float)
    logf = _log_factorials(n)
    k = np.arange(n + 1, dtype=float)
    inside = (ps > 0.0) & (ps < 1.0)
    safe = np.where(inside, ps, 0.5)
    log_pmf = (logf[n] - logf[: n + 1] - logf[n::-1])[None, :] + np.outer(np.log(safe), k) \
        + np.outer(np.log1p(-safe), n - k)
    out = np.where(inside[:, None], np.exp(log_pmf), 0.0)
    out[ps <= 0.0, 0] = 1.0
    out[ps >= 1.0, n] = 1.0
    return out


@lru_cache(maxsize=64)
def _log_factorials(n: int) -> np.ndarray:
    """log(k!) for k = 0..n, each from lgamma (a running sum of logs would accumulate rounding)."""
    return np.array([math.lgamma(k + 1.0) for k in range(n + 1)])


#: Cells (tables, or odds ratios x case counts) handled per block. Every working array is a block, so
#: the memory is O(n1 + n2) plus a few MB whatever the cohort size, instead of O(n1 n2).
BLOCK_CELLS = 1 << 16


def _rows_per_block(width: int, block_cells: int) -> int:
    return max(1, block_cells // max(1, width))


def sum_rows(values: np.ndarray) -> np.ndarray:
    """Each row's sum, in a long double (numpy's pairwise summation of the row) rounded to a double.
    Each row is summed on its own in an order fixed by its length, unlike a BLAS matrix product, whose
    last bit depends on the thread count and on how many rows it is given: so a blocked computation
    gives the same bits as a whole one. The long double makes the sum all but exactly rounded."""
    return values.astype(np.longdouble).sum(axis=1).astype(float)


#: Nats below a row's most likely table beyond which tables are left out of its window (plus log(N + 1)
#: - log(alpha), see :func:`_window`): such tables are rejected, and the mass they take from a p-value is
#: below alpha e^-60, far under the last bit of the p-value's long double sum.
_WINDOW_MARGIN = 60.0


def _window(n1: int, n2: int, totals: np.ndarray, half: int) -> Tuple[np.ndarray, int]:
    """(first a, width) of each total's window: ``2 half + 1`` case counts around the row's mode, moved
    inside its support (a = max(0, t - n2)..min(t, n1)); the whole support when that is narrower."""
    full = min(n1, n2) + 1  # no row's support is wider
    lo, hi = np.maximum(0, totals - n2), np.minimum(totals, n1)
    width = min(full, 2 * half + 1)
    if width == full:
        return lo, width
    mode = np.clip((totals + 1) * (n1 + 1) // (n1 + n2 + 2), lo, hi)
    return np.maximum(np.minimum(mode - half, hi - width + 1), lo), width


def _half_width(n1: int, n2: int, totals: np.ndarray, cutoff: float) -> int:
    """Half-width of a window that should reach ``cutoff`` nats below the mode: a Gaussian tail of the
    widest row's hypergeometric spread, with a margin. A guess only: :func:`_rejected_by_total` checks
    it on the computed probabilities and widens it where it falls short."""
    n = n1 + n2
    if n < 2:
        return 1
    spread = float((totals * (n - totals)).max()) * n1 * n2 / (n * n * (n - 1.0))
    return int(math.ceil(1.1 * math.sqrt(2.0 * cutoff * spread))) + 2


def _cutoff(n1: int, n2: int, alpha: float) -> float:
    """Nats below a row's mode beyond which its tables are left out of the window (see _rejected_by_total)."""
    return math.log(n1 + n2 + 1.0) - math.log(alpha) + _WINDOW_MARGIN


def _rejected_by_total(n1: int, n2: int, alpha: float, first: int, stop: int
                       ) -> Tuple[np.ndarray, np.ndarray]:
    """For carrier totals t = first..stop-1 (rows): ``(starts, rejected)``, where ``rejected[row, j]``
    says whether the table with a = starts[row] + j case carriers exists (0 <= a <= n1, 0 <= t - a <= n2)
    and its two-sided Fisher p-value is <= alpha.

    Only a window of each row is computed: the tables whose hypergeometric probability is within
    ``cutoff`` nats of the row's largest (log-concave, so the window is one run around the mode). Every
    table outside has probability <= e^-cutoff times the mode's, so its p-value is at most
    (N + 1) e^-cutoff = alpha e^-60 and it is rejected; for a table inside, the tables outside add at most
    that to its p-value. At 2,500 x 2,500 a row's window is ~400 of its 2,501 tables; with 1 case and
    5,000 controls every row's support is 2 tables. The window is checked, not assumed: a row whose edge
    table is above the cutoff gets a window twice as wide, up to the whole support.

    Within a row the p-value of each ``a`` is the sum of the probabilities not above its own times R's
    tolerance; sorting each row once turns every such sum into one entry of a cumulative sum (long
    double). Each row is computed on its own, so any split of the totals into blocks gives the same bits."""
    logf = _log_factorials(n1 + n2)
    totals = np.arange(first, stop)
    cutoff = _cutoff(n1, n2, alpha)
    half = _half_width(n1, n2, totals, cutoff)
    while True:
        starts, width = _window(n1, n2, totals, half)
        total = totals[:, None]
        a = starts[:, None] + np.arange(width)[None, :]
        inside = (a <= total) & (total - a <= n2) & (a <= n1)
        safe_a, safe_c = np.where(inside, a, 0), np.where(inside, total - a, 0)
        # log C(n1, a) + log C(n2, t - a), up to a per-row constant
        logd = np.where(inside, -logf[safe_a] - logf[n1 - safe_a] - logf[safe_c] - logf[n2 - safe_c], -np.inf)
        logd -= logd.max(axis=1, keepdims=True)
        lo, hi = np.maximum(0, totals - n2), np.minimum(totals, n1)
        short = ((starts > lo) & (logd[:, 0] > -cutoff)) | ((starts + width - 1 < hi) & (logd[:, -1] > -cutoff))
        if not short.any():
            break
        half *= 2
    d = np.exp(logd)
    d /= d.sum(axis=1, keepdims=True)
    padded = np.where(inside, d, 2.0)  # above every probability and threshold: sorts last, never summed
    order = np.argsort(padded, axis=1, kind="stable")
    ranked = np.sort(padded, axis=1)  # the same values as padded taken in `order`, without the gather
    sums = np.cumsum(np.where(ranked <= 1.0, ranked, 0.0), axis=1, dtype=np.longdouble)
    # last sorted position whose probability is <= own * (1 + 1e-7): the own position, or a few
    # past it when probabilities tie (symmetric margins give pairs); checked until none is left
    # (probabilities that underflowed to 0 sum to 0 whatever their ties: no threshold needed).
    # Rows are sorted, so once no table ties `ahead` positions on, none ties further.
    threshold = np.where((ranked > 0.0) & (ranked <= 1.0), ranked * R_FISHER_REL_ERR, -1.0)
    positions = np.broadcast_to(np.arange(width), ranked.shape)
    last = positions.copy()
    for ahead in range(1, width):
        later = np.full(ranked.shape, 3.0)
        later[:, :-ahead] = ranked[:, ahead:]
        tied = later <= threshold
        if not tied.any():
            break
        last = np.where(tied, positions + ahead, last)
    # the sum at `last`: at the own position except where probabilities tie (a few cells), so only those are gathered
    p_sorted = np.minimum(1.0, sums.astype(float))
    rows, cols = np.nonzero(last != positions)
    p_sorted[rows, cols] = p_sorted[rows, last[rows, cols]]
    p = np.empty_like(p_sorted)
    np.put_along_axis(p, order, p_sorted, axis=1)
    return starts, inside & (p <= alpha)


def split_tails(rejected: np.ndarray, n_controls: int, first: int, starts: Optional[np.ndarray] = None,
                n_cases: Optional[int] = None) -> Tuple[np.ndarray, np.ndarray, Dict[int, np.ndarray]]:
    """(lower, upper, irregular) of :class:`RejectionRegion` for ``rejected`` (rows: totals first,
    first + 1, ...; columns: a = starts[row] + j, j = 0..width-1, False outside the support).

    Without ``starts`` every row is whole (a = 0..n1). With them (and ``n_cases``), every table of the
    support outside a row's window counts as rejected (:func:`_rejected_by_total` guarantees it)."""
    rows, width = rejected.shape
    starts = np.zeros(rows, dtype=np.int64) if starts is None else starts
    n1 = width - 1 if n_cases is None else n_cases
    a = starts[:, None] + np.arange(width)[None, :]
    t = np.arange(first, first + rows)[:, None]
    inside = (a <= t) & (t - a <= n_controls) & (a <= n1)
    # cells before the support count as rejected for the low run, cells after it for the high run
    low_run = rejected | (a < t - n_controls)
    high_run = rejected | (a > t) | (a > n1)
    lower = starts + np.where(low_run.all(axis=1), width, np.argmin(low_run, axis=1)) - 1
    upper = starts + np.where(high_run.all(axis=1), 0, width - np.argmin(high_run[:, ::-1], axis=1))
    tails = inside & ((a <= lower[:, None]) | (a >= upper[:, None]))
    irregular = {}
    for row in np.flatnonzero((tails != rejected).any(axis=1)):
        total, start = first + int(row), int(starts[row])
        whole = np.arange(n1 + 1)
        flags = (whole <= total) & (total - whole <= n_controls)  # outside the window: rejected
        flags[start:start + width] = rejected[row][:n1 + 1 - start]
        irregular[total] = flags
    return lower, upper, irregular


@dataclass(frozen=True, eq=False)
class RejectionRegion:
    """Which tables (a case carriers of n1, c control carriers of n2) the two-sided Fisher test rejects
    at ``alpha``, kept in O(n1 + n2) memory.

    Within one carrier total t = a + c (the conditioning margin) a table's p-value rises with its
    hypergeometric probability, which is unimodal in a; so the rejected tables of a row are its two
    tails, ``a <= lower[t]`` and ``a >= upper[t]``. A row the tails do not describe exactly (rounding
    near a flat mode could in principle do it; not seen) is kept whole in ``irregular``, so the region
    is always exactly the p-value's."""

    n_cases: int
    n_controls: int
    alpha: float
    lower: np.ndarray  # per total t: the largest a of the low tail (the support's first a - 1 if none)
    upper: np.ndarray  # per total t: the smallest a of the high tail (the support's last a + 1 if none)
    irregular: Mapping[int, np.ndarray]  # total -> rejected flag per a = 0..n1
    # Totals are computed on first use, in blocks of `step` totals (pending[b]: block b not yet made): a
    # rare variant's power reads only the totals up to n1 plus the largest control count with any
    # probability, about half of a 5,000-sample design's. None: every total is there (made by hand).
    pending: Optional[np.ndarray] = None
    step: int = 0

    @classmethod
    def compute(cls, n_cases: int, n_controls: int, alpha: float, block_cells: int = BLOCK_CELLS,
                lazy: bool = False) -> "RejectionRegion":
        """The region; with ``lazy`` its totals are made when first read (:meth:`ensure`)."""
        if not 0.0 < alpha < 1.0:
            raise ValueError(f"alpha {alpha!r} must be between 0 and 1")
        if n_cases < 0 or n_controls < 0:
            raise ValueError(f"group sizes {n_cases!r}, {n_controls!r} must not be negative")
        n1, n2 = n_cases, n_controls
        totals = n1 + n2 + 1
        lower, upper = np.empty(totals, dtype=np.int64), np.empty(totals, dtype=np.int64)
        # blocks as wide as the widest row's window (the middle total's), so a block holds ~block_cells tables
        widest = 2 * _half_width(n1, n2, np.array([totals // 2]), _cutoff(n1, n2, alpha)) + 1
        step = _rows_per_block(min(n1 + 1, n2 + 1, widest), block_cells)
        pending = np.ones(-(-totals // step), dtype=bool)
        region = cls(n1, n2, alpha, lower, upper, {}, pending, step)
        if not lazy:
            region.ensure(0, totals)
        return region

    def ensure(self, first: int, stop: int) -> None:
        """Make the totals first..stop-1 (the blocks holding them) if not made yet."""
        if self.pending is None:
            return
        n1, n2, totals = self.n_cases, self.n_controls, self.n_cases + self.n_controls + 1
        for block in np.flatnonzero(self.pending[max(0, first) // self.step:(min(stop, totals) - 1) // self.step + 1]):
            begin = (max(0, first) // self.step + int(block)) * self.step
            end = min(totals, begin + self.step)
            starts, rejected = _rejected_by_total(n1, n2, self.alpha, begin, end)
            self.lower[begin:end], self.upper[begin:end], odd = split_tails(rejected, n2, begin, starts, n1)
            self.irregular.update(odd)  # type: ignore[attr-defined]
            self.pending[begin // self.step] = False

    def rows(self, start: int, stop: int, columns: Optional[int] = None) -> np.ndarray:
        """The region for case carriers a = start..stop-1 (rows) and c = 0..columns-1 (columns; default
        every c = 0..n_controls)."""
        columns = self.n_controls + 1 if columns is None else columns
        self.ensure(start, stop - 1 + columns)
        a = np.arange(start, stop)[:, None]
        t = a + np.arange(columns)[None, :]
        block = (a <= self.lower[t]) | (a >= self.upper[t])
        for total, flags in self.irregular.items():
            cases = np.arange(max(start, total - columns + 1), min(stop, total + 1))
            block[cases - start, total - cases] = flags[cases]
        return block

    def column(self, control_carriers: int) -> np.ndarray:
        """The region at ``control_carriers`` for a = 0..n_cases."""
        if not 0 <= control_carriers <= self.n_controls:
            raise ValueError(f"control carriers {control_carriers!r} outside 0..{self.n_controls}")
        self.ensure(control_carriers, control_carriers + self.n_cases + 1)
        a = np.arange(self.n_cases + 1)
        t = a + control_carriers
        column = (a <= self.lower[t]) | (a >= self.upper[t])
        for total, flags in self.irregular.items():
            if 0 <= total - control_carriers <= self.n_cases:
                column[total - control_carriers] = flags[total - control_carriers]
        return column

    def weights(self, control_pmf: np.ndarray, block_cells: int = BLOCK_CELLS) -> np.ndarray:
        """``w[a] = sum_c control_pmf[c] [table (a, c) rejected]`` for a = 0..n_cases, row block by row block."""
        out = np.empty(self.n_cases + 1)
        # control counts past the last with any probability add exact zeros: left out (with their totals)
        nonzero = np.flatnonzero(control_pmf)
        columns = int(nonzero[-1]) + 1 if len(nonzero) else 1
        pmf = control_pmf[None, :columns]
        step = _rows_per_block(columns, block_cells)
        for start in range(0, self.n_cases + 1, step):
            stop = min(self.n_cases + 1, start + step)
            out[start:stop] = sum_rows(np.where(self.rows(start, stop, columns), pmf, 0.0))
        return out

    def dense(self) -> np.ndarray:
        """The whole ``(n_cases + 1, n_controls + 1)`` boolean array (O(n1 n2): for tests and small designs)."""
        return self.rows(0, self.n_cases + 1)


@lru_cache(maxsize=64)
def region_for(n_cases: int, n_controls: int, alpha: float) -> RejectionRegion:
    """The design's rejection region, made once (each total when first read): it depends on ``(n1, n2, alpha)``
    only."""
    return RejectionRegion.compute(n_cases, n_controls, alpha, lazy=True)


def rejection_region(n_cases: int, n_controls: int, alpha: float) -> np.ndarray:
    """Boolean ``(n_cases + 1, n_controls + 1)`` array: table (a, c) has two-sided Fisher p <= alpha."""
    return region_for(n_cases, n_controls, alpha).dense()


@dataclass(frozen=True)
class PowerCurve:
    """Power of the two-sided Fisher test for one design as a function of the odds ratio."""

    n_cases: int
    n_controls: int
    control_freq: float
    alpha: float
    weights: np.ndarray  # w[a], a = 0..n_cases (see the module docstring)
    block_cells: int = BLOCK_CELLS  # odds ratios x case counts per block of the power computation

    @classmethod
    def build(cls, n_cases: int, n_controls: int, control_freq: float, alpha: float) -> "PowerCurve":
        if n_cases < 1 or n_controls < 1:
            raise ValueError("power needs at least one case and one control")
        if not 0.0 <= control_freq <= 1.0:
            raise ValueError(f"control carrier frequency {control_freq!r} outside [0, 1]")
        weights = region_for(n_cases, n_controls, alpha).weights(binomial_pmf(n_controls, control_freq))
        return cls(n_cases, n_controls, control_freq, alpha, weights)

    def power(self, odds_ratio: float) -> float:
        """Probability that the test rejects at ``alpha`` when the true odds ratio is ``odds_ratio``."""
        return float(self.powers(np.array([odds_ratio]))[0])

    def powers(self, odds_ratios: np.ndarray) -> np.ndarray:
        """:meth:`power` at each of ``odds_ratios``."""
        blocks = [values for _, values in self._power_blocks(odds_ratios)]
        return np.concatenate(blocks) if blocks else np.zeros(0)

    def _power_blocks(self, odds_ratios: np.ndarray) -> Iterator[Tuple[int, np.ndarray]]:
        """(offset, powers) for consecutive blocks of ``odds_ratios``: a (block x n_cases) matrix of
        binomial probabilities at a time, never one for a whole scan grid."""
        odds = np.asarray(odds_ratios, dtype=float)
        step = _rows_per_block(self.n_cases + 1, self.block_cells)
        for start in range(0, len(odds), step):
            p1 = np.array([case_frequency(self.control_freq, float(value)) for value in odds[start:start + step]])
            yield start, np.clip(sum_rows(binomial_pmfs(self.n_cases, p1) * self.weights[None, :]), 0.0, 1.0)

    def smallest_detectable_odds_ratio(self, target: float = TARGET_POWER) -> Optional[float]:
        """The smallest odds ratio >= 1 at which the power reaches ``target``; None when it is not reached
        below :data:`MAX_ODDS_RATIO` (e.g. too few cases, or no control carrier to scale).

        Power is continuous in the odds ratio but, the test being discrete, not always increasing, so the
        first crossing is found on a 1 % grid of the log odds ratio and then refined by bisection."""
        if self.control_freq in (0.0, 1.0):
            return None
        top = math.log(MAX_ODDS_RATIO)
        grid = np.exp(np.minimum(np.arange(0, math.ceil(top / _SCAN_STEP) + 1) * _SCAN_STEP, top))
        for start, values in self._power_blocks(grid):  # block by block, stopping at the first crossing
            reached = np.flatnonzero(values >= target)
            if len(reached):
                first = start + int(reached[0])
                break
        else:
            return None
        if first == 0:
            return 1.0
        low, high = float(grid[first - 1]), float(grid[first])
        for _ in range(200):  # bisection on the log scale until the bracket cannot shrink
            middle = math.sqrt(low * high)
            if middle <= low or middle >= high:
                break
            if self.power(middle) >= target:
                high = middle
            else:
                low = middle
        return high


def min_case_carriers_for_significance(n_cases: int, n_controls: int, control_carriers: int,
                                       alpha: float) -> Optional[int]:
    """With the observed control carriers, the fewest case carriers (more frequent than in controls) that
    would make the two-sided Fisher p <= alpha; None if even n_cases of n_cases would not."""
    rejected = region_for(n_cases, n_controls, alpha).column(control_carriers)
    carriers = np.arange(n_cases + 1)
    found = np.flatnonzero(rejected & (carriers * n_controls > control_carriers * n_cases))
    return int(found[0]) if len(found) else None


@dataclass(frozen=True)
class PowerSummary:
    """What one test's design can detect (one power.tsv row's numbers); None where not computable."""

    powers: Tuple[Optional[float], ...]          # at REPORTED_ODDS_RATIOS
    min_detectable_or: Optional[float]           # smallest OR >= 1 with power >= TARGET_POWER
    case_freq_at_min_or: Optional[float]         # case carrier frequency that OR implies
    min_significant_case_carriers: Optional[int]
    reason: Optional[str]                        # why the powers are missing, or why no OR reaches the target


@lru_cache(maxsize=4096)
def power_summary(n_cases: int, n_controls: int, control_carriers: int, alpha: float) -> PowerSummary:
    """Power at the reported odds ratios and the smallest detectable odds ratio, at the observed control
    carrier frequency; tests with the same counts share one computation.

    With no control carrier (or only carriers) the observed frequency gives power 0 at every odds ratio,
    which says nothing about the gene: the powers are left out (``no_control_carrier`` /
    ``all_controls_carry``) and only the case count that would reach significance is given."""
    need = min_case_carriers_for_significance(n_cases, n_controls, control_carriers, alpha)
    if control_carriers == 0 or control_carriers == n_controls:
        reason = "no_control_carrier" if control_carriers == 0 else "all_controls_carry"
        return PowerSummary(tuple(None for _ in REPORTED_ODDS_RATIOS), None, None, need, reason)
    curve = PowerCurve.build(n_cases, n_controls, control_carriers / n_controls, alpha)
    powers = tuple(float(value) for value in curve.powers(np.array(REPORTED_ODDS_RATIOS)))
    smallest = curve.smallest_detectable_odds_ratio()
    if smallest is None:
        return PowerSummary(powers, None, None, need, "target_power_not_reached")
    return PowerSummary(powers, smallest, case_frequency(curve.control_freq, smallest), need, None)
