"""stats.modes: verdicts that must not rest on a degenerate interval."""

from __future__ import annotations

import numpy as np

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
