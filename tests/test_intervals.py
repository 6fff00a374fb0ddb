"""The closed-form intervals agree with statsmodels (the reference) and behave at the edges."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from trustaudit.stats import intervals

sm_proportion = pytest.importorskip("statsmodels.stats.proportion")

X = np.array([0, 1, 3, 17, 50, 4, 199, 200])
N = np.array([4, 7, 30, 40, 50, 200, 200, 200])


@pytest.mark.parametrize(
    ("ours", "theirs"), [(intervals.wilson, "wilson"), (intervals.clopper_pearson, "beta")]
)
@pytest.mark.parametrize("confidence", [0.9, 0.95, 0.99])
def test_rate_intervals_match_statsmodels(ours, theirs, confidence):
    low, high = ours(X, N, confidence)
    ref_low, ref_high = sm_proportion.proportion_confint(X, N, 1 - confidence, method=theirs)
    np.testing.assert_allclose(low, ref_low, atol=1e-9)
    np.testing.assert_allclose(high, ref_high, atol=1e-9)


def test_zero_of_four_is_wide_not_degenerate():
    low, high = intervals.clopper_pearson(0, 4, 0.95)
    assert low == 0 and high == pytest.approx(1 - 0.025 ** (1 / 4))  # ≈ 0.602
    low, high = intervals.wilson(4, 4, 0.95)
    assert high == 1 and 0.4 < low < 0.6


def test_no_trials_is_nan():
    for fn in (intervals.wilson, intervals.clopper_pearson):
        assert np.isnan(fn(0, 0, 0.95)).all()


def test_difference_matches_newcombe_of_statsmodels():
    x2, n2 = np.array([2, 0, 9, 10, 45, 12, 150, 200]), np.array([5, 9, 30, 45, 60, 150, 220, 200])
    low, high = intervals.difference_interval(X, N, x2, n2, 0.95)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for i in range(len(X)):
            ref = sm_proportion.confint_proportions_2indep(
                X[i], N[i], x2[i], n2[i], compare="diff", method="newcomb"
            )
            assert (low[i], high[i]) == pytest.approx(ref, abs=1e-9)


def test_log_ratio_brackets_the_estimate_is_antisymmetric_and_near_the_score_interval():
    x2, n2 = np.array([2, 3, 9, 10, 45, 12, 150, 190]), np.array([5, 9, 30, 45, 60, 150, 220, 200])
    low, high = intervals.log_ratio_interval(X, N, x2, n2, 0.95)
    swapped_low, swapped_high = intervals.log_ratio_interval(x2, n2, X, N, 0.95)
    np.testing.assert_allclose(low, -swapped_high)
    np.testing.assert_allclose(high, -swapped_low)
    with np.errstate(divide="ignore"):
        estimate = np.log(X / N) - np.log(x2 / n2)
    assert ((low <= estimate) & (estimate <= high)).all()
    assert low[0] == -np.inf  # 0 events: no lower bound on the ratio
    for i in (4, 6, 7):  # large counts: close to the score interval (another method)
        ref = sm_proportion.confint_proportions_2indep(
            X[i], N[i], x2[i], n2[i], compare="ratio", method="score"
        )
        np.testing.assert_allclose(np.exp([low[i], high[i]]), ref, rtol=0.03)


def test_delong_auc_is_sklearns_and_its_variance_the_bootstraps():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 400)
    scores = np.round(rng.normal(y * 0.8, 1), 1)  # ties too
    auc, variance = intervals.delong(y, scores)
    assert auc == pytest.approx(roc_auc_score(y, scores))
    boot = []
    for _ in range(2000):
        rows = rng.integers(0, len(y), len(y))
        boot.append(roc_auc_score(y[rows], scores[rows]))
    assert variance == pytest.approx(np.var(boot), rel=0.15)


def test_auroc_interval_stays_in_the_unit_interval_and_is_nan_when_perfect():
    low, high = intervals.auroc_interval([0.97, 0.5, 1.0], [0.001, 0.01, 0.0], 0.95)
    assert 0 < low[0] < 0.97 < high[0] < 1
    assert low[1] < 0.5 < high[1]
    assert np.isnan(low[2]) and np.isnan(high[2])
