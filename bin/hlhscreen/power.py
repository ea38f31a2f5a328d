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
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Optional, Tuple

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


@lru_cache(maxsize=64)
def rejection_region(n_cases: int, n_controls: int, alpha: float) -> np.ndarray:
    """Boolean ``(n_cases + 1, n_controls + 1)`` array: table (a, c) has two-sided Fisher p <= alpha.

    Tables are grouped by their carrier total ``t = a + c`` (the conditioning margin): one row of a
    ``(t, a)`` array per total, cells outside the support padded. Within a row the p-value of each
    ``a`` is the sum of the probabilities not above its own times R's tolerance; sorting each row once
    turns every such sum into one entry of a cumulative sum (long double), whole array at a time.
    """
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"alpha {alpha!r} must be between 0 and 1")
    n1, n2 = n_cases, n_controls
    logf = _log_factorials(n1 + n2)
    total = np.arange(n1 + n2 + 1)[:, None]
    a = np.arange(n1 + 1)[None, :]
    inside = (a <= total) & (total - a <= n2)
    safe_a, safe_c = np.where(inside, a, 0), np.where(inside, total - a, 0)
    # log C(n1, a) + log C(n2, t - a), up to a per-row constant
    logd = np.where(inside, -logf[safe_a] - logf[n1 - safe_a] - logf[safe_c] - logf[n2 - safe_c], -np.inf)
    d = np.exp(logd - logd.max(axis=1, keepdims=True))
    d /= d.sum(axis=1, keepdims=True)
    padded = np.where(inside, d, 2.0)  # above every probability and threshold: sorts last, never summed
    order = np.argsort(padded, axis=1, kind="stable")
    ranked = np.take_along_axis(padded, order, axis=1)
    sums = np.cumsum(np.where(ranked <= 1.0, ranked, 0.0), axis=1, dtype=np.longdouble)
    # last sorted position whose probability is <= own * (1 + 1e-7): the own position, or a few
    # past it when probabilities tie (symmetric margins give pairs); checked until none is left
    # (probabilities that underflowed to 0 sum to 0 whatever their ties: no threshold needed)
    threshold = np.where((ranked > 0.0) & (ranked <= 1.0), ranked * R_FISHER_REL_ERR, -1.0)
    positions = np.broadcast_to(np.arange(n1 + 1), ranked.shape)
    last = positions.copy()
    for ahead in range(1, n1 + 1):
        later = np.full(ranked.shape, 3.0)
        later[:, :-ahead] = ranked[:, ahead:]
        tied = later <= threshold
        if not tied.any():
            break
        last = np.where(tied, positions + ahead, last)
    p_sorted = np.minimum(1.0, np.take_along_axis(sums, last, axis=1).astype(float))
    p = np.empty_like(p_sorted)
    np.put_along_axis(p, order, p_sorted, axis=1)
    region = np.zeros((n1 + 1, n2 + 1), dtype=bool)
    rows, cols = np.nonzero(inside)
    region[cols, rows - cols] = p[rows, cols] <= alpha
    return region


@dataclass(frozen=True)
class PowerCurve:
    """Power of the two-sided Fisher test for one design as a function of the odds ratio."""

    n_cases: int
    n_controls: int
    control_freq: float
    alpha: float
    weights: np.ndarray  # w[a], a = 0..n_cases (see the module docstring)

    @classmethod
    def build(cls, n_cases: int, n_controls: int, control_freq: float, alpha: float) -> "PowerCurve":
        if n_cases < 1 or n_controls < 1:
            raise ValueError("power needs at least one case and one control")
        if not 0.0 <= control_freq <= 1.0:
            raise ValueError(f"control carrier frequency {control_freq!r} outside [0, 1]")
        region = rejection_region(n_cases, n_controls, alpha)
        weights = region.astype(float) @ binomial_pmf(n_controls, control_freq)
        return cls(n_cases, n_controls, control_freq, alpha, weights)

    def power(self, odds_ratio: float) -> float:
        """Probability that the test rejects at ``alpha`` when the true odds ratio is ``odds_ratio``."""
        return float(self.powers(np.array([odds_ratio]))[0])

    def powers(self, odds_ratios: np.ndarray) -> np.ndarray:
        """:meth:`power` at each of ``odds_ratios`` (one matrix product)."""
        p1 = np.array([case_frequency(self.control_freq, float(value)) for value in odds_ratios])
        return np.clip(binomial_pmfs(self.n_cases, p1) @ self.weights, 0.0, 1.0)

    def smallest_detectable_odds_ratio(self, target: float = TARGET_POWER) -> Optional[float]:
        """The smallest odds ratio >= 1 at which the power reaches ``target``; None when it is not reached
        below :data:`MAX_ODDS_RATIO` (e.g. too few cases, or no control carrier to scale).

        Power is continuous in the odds ratio but, the test being discrete, not always increasing, so the
        first crossing is found on a 1 % grid of the log odds ratio and then refined by bisection."""
        if self.control_freq in (0.0, 1.0):
            return None
        top = math.log(MAX_ODDS_RATIO)
        grid = np.exp(np.minimum(np.arange(0, math.ceil(top / _SCAN_STEP) + 1) * _SCAN_STEP, top))
        reached = np.flatnonzero(self.powers(grid) >= target)
        if len(reached) == 0:
            return None
        first = int(reached[0])
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
    region = rejection_region(n_cases, n_controls, alpha)
    for carriers in range(n_cases + 1):
        if carriers * n_controls > control_carriers * n_cases and region[carriers, control_carriers]:
            return carriers
    return None


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
