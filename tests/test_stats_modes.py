"""stats.modes: verdicts that must not rest on a degenerate interval."""

from __future__ import annotations

import numpy as np
import pytest

from trustaudit.stats import intervals
from trustaudit.stats.modes import GroupValue, judge_gap


def _perfect(group: str, n: int) -> GroupValue:
    """A group whose n positives all score above its n negatives: AUROC 1, DeLong variance 0."""
    y = np.r_[np.ones(n), np.zeros(n)]
    scores = np.r_[np.linspace(0.6, 0.9, n), np.linspace(0.1, 0.4, n)]
    auc, variance = intervals.delong(y, scores)
    assert (auc, variance) == (1.0, 0.0)
    return GroupValue("auroc", group, auc, variance=variance)


def test_perfect_separation_in_small_groups_certifies_nothing():
    # 5 positives and 5 negatives per group separate perfectly by chance for a model far from
    # perfect: a zero-width interval [0, 0] of the gap is no evidence the groups are within δ
    groups = [_perfect("a", 5), _perfect("b", 5)]
    assert judge_gap(groups, "certify", "difference", 0.1, 0.05).outcome == "inconclusive"
    assert judge_gap(groups, "detect", "difference", 0.1, 0.05).outcome == "pass"


def test_auroc_difference_is_unbounded_only_where_a_group_separates_perfectly():
    low, high = intervals.auroc_difference_interval(
        np.array([1.0, 0.8, 0.0]), 0.0, np.array([0.7, 0.7, 0.7]), 0.001, 0.95
    )
    assert np.isneginf(low[[0, 2]]).all() and np.isposinf(high[[0, 2]]).all()
    assert np.isfinite([low[1], high[1]]).all() and low[1] < 0.1 < high[1]


def test_pairwise_limits_hold_the_certify_error_for_a_small_group_near_zero():
    """Exact (binomial sums, no simulation): a group of 50 at 0.02 against 2,000 at 0.12, a true
    gap of exactly δ = 0.1. Certify passes only if the 90% interval's lower end is above −0.1;
    that must happen at most α = 5% of the time. Wilson limits (Newcombe's original) do not hold
    it here; the exact limits trustaudit uses do."""
    from scipy.stats import binom

    from trustaudit.stats import intervals
    from trustaudit.stats.modes import PAIRWISE

    x1, x2 = np.meshgrid(np.arange(51), np.arange(2001), indexing="ij")
    weight = binom.pmf(x1, 50, 0.02) * binom.pmf(x2, 2000, 0.12)

    def false_pass(method):
        low, _ = intervals.difference_interval(x1, 50, x2, 2000, 0.90, method)
        return float((weight * (low > -0.1)).sum())

    assert false_pass(PAIRWISE) <= 0.05
    assert false_pass("wilson") > 0.05


def test_groups_without_trials_are_left_out_not_a_crash():
    groups = [
        GroupValue("tpr", "a", 0.6, successes=600, trials=1000),
        GroupValue("tpr", "b", 0.6, successes=600, trials=1000),
        GroupValue("tpr", "c", float("nan"), successes=0, trials=0),
    ]
    assert judge_gap(groups, "certify", "difference", 0.1, 0.05).outcome == "pass"
    with pytest.raises(ValueError, match="fewer than two"):
        judge_gap(groups[1:], "detect", "difference", 0.1, 0.05)
