"""What the data at hand can show, and how much data a claim needs: closed-form normal
approximations for the worst (smallest) pair of groups, stated as "at 80% power".

Certify (TOST at a true gap of 0): power 80% needs delta >= (z[1-a] + z[0.9]) * se, since
both one-sided tests must reject. Detect (one-sided at a/2m after Bonferroni): a true gap g is
found with 80% power when g - delta >= (z[1-a/2m] + z[0.8]) * se. Floor (one-sided at a): a
group passes with 80% power when its true value clears the goal by (z[1-a] + z[0.8]) * se. For
a rate p with groups of n1 and n2, se^2 = p(1 - p)(1/n1 + 1/n2) on the difference scale and
(1 - p)/p * (1/n1 + 1/n2) on the log-ratio scale. With more than two groups every pair must
pass, so a certify claim needs a little more than the worst pair alone: the simulation in
benchmarks/bench_validity.py shows how much."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Literal

from scipy.stats import norm

if TYPE_CHECKING:
    from .modes import GroupValue

POWER = 0.8
Scale = Literal["difference", "ratio"]


def z(q: float) -> float:
    return float(norm.ppf(q))


def unit_variance(p: float, scale: Scale) -> float:
    """The per-observation variance of a rate on ``scale`` (c² in se² = c²(1/n₁ + 1/n₂))."""
    p = min(max(p, 1e-6), 1 - 1e-6)
    return p * (1 - p) if scale == "difference" else (1 - p) / p


def certify_factor(alpha: float) -> float:
    return z(1 - alpha) + z(1 - (1 - POWER) / 2)


def detect_factor(alpha: float, n_pairs: int) -> float:
    return z(1 - alpha / (2 * n_pairs)) + z(POWER)


def floor_factor(alpha: float) -> float:
    return z(1 - alpha) + z(POWER)


def pair_power(
    groups: list[GroupValue], mode: str, scale: Scale, bound: float, alpha: float, n_pairs: int
) -> str:
    """One sentence: the margin the data certify, or the gap they detect, with 80% power."""
    se, smallest = _worst_pair_se(groups, scale)
    if not math.isfinite(se):
        return ""
    where = f"with n = {smallest:,.0f} in the smallest group"
    slack = sum(sorted(g.bias_bound for g in groups)[-2:])  # intervals widen by up to this
    if mode == "certify":
        margin = certify_factor(alpha) * se + slack
        ratio = math.exp(-margin)
        what = f"δ ≈ {margin:.3g}" if scale == "difference" else f"ratio ≈ {ratio:.3g}"
        return f"{where}, the data can certify {what} with 80% power (groups truly equal)"
    excess = detect_factor(alpha, n_pairs) * se + slack
    if scale == "difference":
        return f"{where}, a true gap ≥ {bound + excess:.3g} is detected with 80% power"
    return f"{where}, a true ratio ≤ {bound * math.exp(-excess):.3g} is detected with 80% power"


def floor_power(group: GroupValue, goal: float, alpha: float) -> str:
    """How far above (or below) the goal a group must truly be to pass with 80% power."""
    if group.trials is not None and group.trials > 0:
        se = math.sqrt(unit_variance(goal, "difference") / group.trials)
    elif group.variance:
        se = math.sqrt(group.variance)
    else:
        return ""
    beyond = floor_factor(alpha) * se + group.bias_bound
    return (
        f"with n = {group.size:,.0f}, a true value {beyond:.3g} beyond the goal "
        "passes with 80% power"
    )


def _worst_pair_se(groups: list[GroupValue], scale: Scale) -> tuple[float, float]:
    """The largest standard error of a pairwise gap, over metrics (rates: the two smallest
    denominators at the pooled rate; otherwise the two largest variances); and the n of the
    smaller group of that pair."""
    worst, smallest = math.nan, math.nan
    for metric in {g.metric for g in groups}:
        members = [g for g in groups if g.metric == metric]
        if len(members) < 2:
            continue
        if all(g.trials for g in members):
            a, b = sorted(members, key=lambda g: g.size)[:2]
            x = sum(g.successes or 0 for g in members)
            n = sum(g.trials or 0 for g in members)
            if scale == "ratio" and x == 0:  # no events: no ratio has a standard error
                continue
            se = math.sqrt(unit_variance(x / n, scale) * (1 / a.size + 1 / b.size))
        elif all(g.variance is not None for g in members):
            a, b = sorted(members, key=lambda g: -(g.variance or 0.0))[:2]
            se = math.sqrt((a.variance or 0.0) + (b.variance or 0.0))
        else:
            continue
        if math.isfinite(se) and (not math.isfinite(worst) or se > worst):
            worst, smallest = se, min(a.size, b.size)
    return worst, smallest


def auroc_unit(auc: float) -> float:
    """Hanley–McNeil's per-observation variance of AUROC with n the smaller class (an upper
    bound: the larger class contributes less)."""
    q1, q2 = auc / (2 - auc), 2 * auc**2 / (1 + auc)
    return (q1 - auc**2) + (q2 - auc**2)


def n_for(smallest: int, se: float, factor: float, margin: float) -> int:
    """The smallest group's n (others scaled alike) for which factor · se shrinks to margin."""
    if margin <= 0 or not math.isfinite(se):
        return 0
    return math.ceil(smallest * (factor * se / margin) ** 2)
