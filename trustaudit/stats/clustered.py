"""Intervals for rates measured on clustered answers, and what exact tests can reach at small n.

LLM audits count answers, but the unit that was sampled is the vignette: several samples of one
prompt, or one vignette's answers under several groups, are not independent, and a family often
has 4–6 vignettes. A percentile bootstrap over so few clusters collapses to [0, 0] or [1, 1]
whenever every vignette agrees (0 flips in 4 vignettes gives [0, 0]; an exact interval is
[0, 0.60]).

The choice, for a rate sum(x) / sum(m) over clusters i with x_i of m_i answers:

* **Clopper–Pearson on an effective sample size** (Korn & Graubard 1998, the survey statisticians'
  interval for proportions with few events): n_eff = n / deff, where the design effect deff is the
  cluster-robust (ratio-estimator) variance over the binomial one, times Korn & Graubard's
  degrees-of-freedom factor (z / t_{k-1})² for k clusters. n_eff is kept between (Σm)² / Σm²
  (every cluster one answer repeated: intra-cluster correlation 1) and n (independent answers).
  When the rate is 0 or 1 the correlation cannot be estimated and the worst case is taken: 0 of 4
  vignettes asked 3 times each is 0 of 4, not 0 of 12. With one answer per cluster (one sample
  per prompt) this is the plain Clopper–Pearson interval of the counts.
* **The wider of that and the cluster bootstrap** (the union of the two intervals): the bootstrap
  reflects the clusters' real spread when there are enough of them; the exact interval keeps the
  interval from degenerating when there are not. Neither ever reports [0, 0] or [1, 1].
* **Ratios** (a group's focal-decision rate over the control's) use MOVER on the log scale (Donner
  & Zou 2012) from the two effective-size Clopper–Pearson intervals, united with the bootstrap.
  The groups answer the same vignettes, so the two rates are positively correlated and the
  independent-groups MOVER interval is conservative.

Exact McNemar with n pairs cannot give p below 2 · 0.5^n (every pair discordant one way): 0.125
with 4 pairs, and at least 6 pairs are needed for p ≤ 0.05. Benjamini–Hochberg never lowers a p,
so the adjusted p has the same floor (and is up to m times the raw p over m tests)."""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike
from scipy.stats import chi2, t

from .intervals import clopper_pearson, log_ratio_interval, z_value

Bounds = tuple[np.ndarray, np.ndarray]
# the names Metric.interval carries for these intervals
CLUSTERED = "clopper-pearson-effective-n"
RATIO = "mover-log-ratio-effective-n"
WITH_BOOTSTRAP = "+bootstrap"  # appended when the bootstrap interval was united with it


def effective_trials(successes, trials, confidence: float) -> np.ndarray:
    """n / design effect per column; clusters on axis 0 (``successes[i]`` of ``trials[i]``)."""
    x, m = np.asarray(successes, float), np.asarray(trials, float)
    n = m.sum(axis=0)
    k = (m > 0).sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = x.sum(axis=0) / n
        worst = n**2 / (m**2).sum(axis=0)  # intra-cluster correlation 1
        cluster_var = k / (k - 1) * ((x - p * m) ** 2).sum(axis=0) / n**2
        deff = cluster_var / (p * (1 - p) / n)
        df = np.maximum(k - 1, 1)
        factor = (z_value(confidence) / t.ppf(0.5 + confidence / 2, df)) ** 2
        estimated = n / deff * factor
    estimable = (p > 0) & (p < 1) & (k > 1) & np.isfinite(estimated)
    n_eff = np.where(estimable, estimated, worst)
    return np.where(n > 0, np.clip(n_eff, np.minimum(worst, n), n), np.nan)


def clustered_interval(
    successes, trials, confidence: float
) -> tuple[np.ndarray, np.ndarray, Bounds]:
    """(rate, effective n, Clopper–Pearson bounds on the effective counts) per column; clusters on
    axis 0. NaN where there are no trials."""
    x, m = np.asarray(successes, float), np.asarray(trials, float)
    n = m.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.where(n > 0, x.sum(axis=0) / np.where(n > 0, n, 1), np.nan)
    n_eff = effective_trials(x, m, confidence)
    safe_n = np.where(n > 0, n_eff, 1.0)
    low, high = clopper_pearson(np.nan_to_num(p) * safe_n, safe_n, confidence)
    return p, n_eff, (np.where(n > 0, low, np.nan), np.where(n > 0, high, np.nan))


def clustered_ratio_interval(x1, m1, x2, m2, confidence: float) -> Bounds:
    """Interval of rate1 / rate2 (clusters on axis 0) by MOVER on the log scale from the two
    effective-size Clopper–Pearson intervals; 0 or inf where a count of 0 leaves a side open."""
    p1, n1, _ = clustered_interval(x1, m1, confidence)
    p2, n2, _ = clustered_interval(x2, m2, confidence)
    with np.errstate(invalid="ignore"):
        low, high = log_ratio_interval(p1 * n1, n1, p2 * n2, n2, confidence, "clopper-pearson")
    return np.exp(low), np.exp(high)


def united(bounds: tuple[ArrayLike, ArrayLike], other: tuple[ArrayLike, ArrayLike]) -> Bounds:
    """The smallest interval containing both (NaN bounds of either are ignored)."""
    return np.fmin(bounds[0], other[0]), np.fmax(bounds[1], other[1])


def mcnemar_min_p(pairs) -> np.ndarray:
    """The smallest two-sided p an exact McNemar test can give with ``pairs`` pairs: 2 · 0.5^n
    (every pair discordant the same way), 1 with no pairs."""
    n = np.asarray(pairs, float)
    return np.minimum(1.0, 2 * 0.5**n)


def pairs_needed(alpha: float, tests: int = 1) -> int:
    """The fewest pairs with which an exact McNemar test can reach ``alpha / tests``: 6 for 0.05
    alone; with ``tests`` > 1, the worst case of Benjamini–Hochberg over that many tests (this
    test the only one with a small p)."""
    return max(1, math.ceil(math.log2(2 * tests / alpha)))


def chi2_min_p(total, groups: int, decisions: int) -> float:
    """The smallest p of a chi-square test of independence on a groups x decisions table of
    ``total`` answers: its statistic is at most total · (min(groups, decisions) − 1)
    (Cramér's V = 1)."""
    df = (groups - 1) * (decisions - 1)
    if df < 1 or total <= 0:
        return 1.0
    return float(chi2.sf(total * (min(groups, decisions) - 1), df))
