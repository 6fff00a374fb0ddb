"""Confidence intervals for proportions, their differences and ratios, and AUROC (vectorised).

Why closed forms: a percentile bootstrap of a rate collapses to [0, 0] or [1, 1] when no resample
can move it (0 of 4), and its coverage is below nominal at small n. Clopper–Pearson never
undercovers; Wilson is nearly exact and narrower. Differences and ratios of independent rates use
the MOVER construction (Newcombe 1998, method 10; Donner & Zou 2012 for the log ratio) from the
per-group limits, so they inherit their small-sample behaviour. AUROC uses DeLong's variance on the
logit scale (per group) and on the difference scale (between independent groups); an AUROC
measured on binned scores carries a bound on its distance from the exact scores' AUROC, and its
intervals are widened by it (``bound``: 0 for exact scores). All functions take arrays and return
NaN where a denominator is 0. The tests check them against statsmodels' ``proportion_confint``
and ``confint_proportions_2indep``."""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

import numpy as np
from scipy.stats import beta, norm, rankdata

Method = Literal["wilson", "clopper-pearson"]
EXACT: Method = "clopper-pearson"  # Metric.interval of a rate over independent trials
Bounds = tuple[np.ndarray, np.ndarray]


@lru_cache(maxsize=64)
def z_value(confidence: float) -> float:
    """The two-sided normal quantile of ``confidence`` (1.96 for 0.95); cached, since every pair
    of groups asks for it (scipy's ``ppf`` costs more than the interval itself)."""
    return float(norm.ppf(0.5 + confidence / 2))


def wilson(successes, trials, confidence: float) -> Bounds:
    """Wilson score interval (two-sided, level ``confidence``)."""
    x, n = _counts(successes, trials)
    z = z_value(confidence)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = x / n
        centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
        half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / (1 + z**2 / n)
    low, high = np.clip(centre - half, 0, 1), np.clip(centre + half, 0, 1)
    # exact ends: 0 successes cannot have a lower bound above 0 (nor n successes below 1)
    low, high = np.where(x == 0, 0.0, low), np.where(x == n, 1.0, high)
    return _nan_where_empty(low, n), _nan_where_empty(high, n)


def clopper_pearson(successes, trials, confidence: float) -> Bounds:
    """Clopper–Pearson exact interval (two-sided, level ``confidence``): never undercovers."""
    x, n = _counts(successes, trials)
    tail = (1 - confidence) / 2
    with np.errstate(invalid="ignore"):
        low = np.where(x > 0, beta.ppf(tail, x, n - x + 1), 0.0)
        high = np.where(x < n, beta.ppf(1 - tail, x + 1, n - x), 1.0)
    return _nan_where_empty(low, n), _nan_where_empty(high, n)


LIMITS = {"wilson": wilson, "clopper-pearson": clopper_pearson}


def rate_interval(successes, trials, confidence: float, method: Method = "wilson") -> Bounds:
    """The per-group interval of a rate by ``method``."""
    return LIMITS[method](successes, trials, confidence)


def difference_interval(x1, n1, x2, n2, confidence: float, method: Method = "wilson") -> Bounds:
    """Interval of p1 − p2 for independent groups by MOVER (Newcombe's hybrid score with Wilson
    limits)."""
    p1, p2 = _rate(x1, n1), _rate(x2, n2)
    l1, u1 = rate_interval(x1, n1, confidence, method)
    l2, u2 = rate_interval(x2, n2, confidence, method)
    d = p1 - p2
    return d - np.hypot(p1 - l1, u2 - p2), d + np.hypot(u1 - p1, p2 - l2)


def log_ratio_interval(x1, n1, x2, n2, confidence: float, method: Method = "wilson") -> Bounds:
    """Interval of log(p1 / p2) for independent groups by MOVER on the log scale. A zero count
    leaves that side unbounded (−inf or +inf): no finite ratio bound is supported by 0 events."""
    p1, p2 = _rate(x1, n1), _rate(x2, n2)
    l1, u1 = rate_interval(x1, n1, confidence, method)
    l2, u2 = rate_interval(x2, n2, confidence, method)
    with np.errstate(divide="ignore", invalid="ignore"):
        lp1, lp2, ll1, lu1, ll2, lu2 = (np.log(v) for v in (p1, p2, l1, u1, l2, u2))
        theta = lp1 - lp2
        low = theta - np.hypot(lp1 - ll1, lu2 - lp2)
        high = theta + np.hypot(lu1 - lp1, lp2 - ll2)
    # a zero count: that side is unbounded; the other side is bounded by the extreme limits
    zero1, zero2 = np.asarray(x1) == 0, np.asarray(x2) == 0
    low = np.where(zero1, -np.inf, np.where(zero2, ll1 - lu2, low))
    high = np.where(zero2, np.inf, np.where(zero1, lu1 - ll2, high))
    return low, high


def delong(y: np.ndarray, scores: np.ndarray) -> tuple[float, float]:
    """AUROC (ties count half) and DeLong's variance of it; (NaN, NaN) without both classes."""
    y = np.asarray(y).astype(bool)
    pos, neg = np.asarray(scores, float)[y], np.asarray(scores, float)[~y]
    m, n = len(pos), len(neg)
    if not m or not n:
        return np.nan, np.nan
    combined = rankdata(np.concatenate([pos, neg]))
    rank_pos, rank_neg = rankdata(pos), rankdata(neg)
    v10 = (combined[:m] - rank_pos) / n  # per positive: share of negatives below it
    v01 = 1 - (combined[m:] - rank_neg) / m  # per negative: share of positives above it
    auc = float(v10.mean())
    variance = (np.var(v10, ddof=1) / m if m > 1 else 0.0) + (
        np.var(v01, ddof=1) / n if n > 1 else 0.0
    )
    return auc, float(variance)


def delong_counts(positives: np.ndarray, negatives: np.ndarray) -> tuple[float, float]:
    """``delong`` from counts per distinct score in ascending order (the same numbers without the
    rows: an engine brings back only these counts)."""
    pos, neg = np.asarray(positives, float), np.asarray(negatives, float)
    m, n = pos.sum(), neg.sum()
    if not m or not n:
        return np.nan, np.nan
    v10 = (np.cumsum(neg) - 0.5 * neg) / n  # per positive at this score: negatives below it
    v01 = (m - np.cumsum(pos) + 0.5 * pos) / m  # per negative: positives above it
    auc = float(pos @ v10 / m)
    variance = _weighted_variance(v10, pos) / m + _weighted_variance(v01, neg) / n
    return auc, float(variance)


def _weighted_variance(values: np.ndarray, counts: np.ndarray) -> float:
    """The sample variance (ddof 1) of ``values`` repeated ``counts`` times; 0 for one value."""
    total = counts.sum()
    if total <= 1:
        return 0.0
    mean = counts @ values / total
    return float(counts @ (values - mean) ** 2 / (total - 1))


def auroc_interval(auc, variance, confidence: float, bound=0.0) -> Bounds:
    """Per-group AUROC interval: DeLong's variance on the logit scale (stays inside [0, 1]),
    widened by ``bound`` on each side (clipped to [0, 1])."""
    auc, variance = np.asarray(auc, float), np.asarray(variance, float)
    z = z_value(confidence)
    with np.errstate(divide="ignore", invalid="ignore"):
        logit = np.log(auc / (1 - auc))
        se = np.sqrt(variance) / (auc * (1 - auc))
        low, high = _expit(logit - z * se), _expit(logit + z * se)
    degenerate = (auc <= 0) | (auc >= 1)  # perfect separation: DeLong's variance is 0
    low, high = np.clip(low - bound, 0, 1), np.clip(high + bound, 0, 1)
    return np.where(degenerate, np.nan, low), np.where(degenerate, np.nan, high)


def auroc_difference_interval(auc1, var1, auc2, var2, confidence: float, bound=0.0) -> Bounds:
    """Interval of AUROC1 − AUROC2 for independent groups by MOVER from each group's logit
    interval (``auroc_interval``): unlike a Wald interval on the difference, it keeps the
    asymmetry of a small group's AUROC near 1 (the simulation in benchmarks/bench_validity.py
    showed Wald certifying too often with one small group). Unbounded (−inf, inf) when a group
    separates perfectly (AUROC 0 or 1): its DeLong variance is then 0 whatever its size, so it
    bounds nothing. Widened by ``bound`` on each side: the sum of the two groups' binning
    bounds (the worst case for a difference)."""
    auc1, auc2 = np.asarray(auc1, float), np.asarray(auc2, float)
    l1, u1 = auroc_interval(auc1, var1, confidence)
    l2, u2 = auroc_interval(auc2, var2, confidence)
    d = auc1 - auc2
    low = d - np.hypot(auc1 - l1, u2 - auc2) - bound
    high = d + np.hypot(u1 - auc1, auc2 - l2) + bound
    degenerate = (auc1 <= 0) | (auc1 >= 1) | (auc2 <= 0) | (auc2 >= 1)
    return np.where(degenerate, -np.inf, low), np.where(degenerate, np.inf, high)


def _expit(x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-x))


def _counts(successes, trials) -> tuple[np.ndarray, np.ndarray]:
    return np.asarray(successes, float), np.asarray(trials, float)


def _rate(successes, trials) -> np.ndarray:
    x, n = _counts(successes, trials)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(n > 0, x / np.where(n > 0, n, 1), np.nan)


def _nan_where_empty(bound: np.ndarray, trials: np.ndarray) -> np.ndarray:
    return np.where(trials > 0, bound, np.nan)
