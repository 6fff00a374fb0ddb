"""stats.clustered: intervals of rates over clustered answers (vignettes) and the smallest p exact
tests can reach. References: statsmodels' Clopper-Pearson ('beta'), scipy's exact binomial and
chi-square tests, and a seeded simulation of clustered answers."""

import numpy as np
import pytest
from scipy.stats import binomtest, chi2_contingency
from statsmodels.stats.proportion import proportion_confint

from trustaudit.auditors._stats import bootstrap_weights, percentile_ci
from trustaudit.stats.clustered import (
    chi2_min_p,
    clustered_interval,
    clustered_ratio_interval,
    effective_trials,
    mcnemar_min_p,
    pairs_needed,
)


def test_none_of_four_vignettes_is_not_zero_to_zero():
    """The issue's case: 0 flips in 4 vignettes is about [0, 0.60], not [0, 0]."""
    rate, n_eff, (low, high) = clustered_interval(np.zeros(4), np.ones(4), 0.95)
    assert (rate, n_eff, low) == (0.0, 4.0, 0.0)
    assert high == pytest.approx(proportion_confint(0, 4, 0.05, "beta")[1])
    assert high == pytest.approx(0.602, abs=1e-3)


@pytest.mark.parametrize("x", [0, 1, 3, 5, 6])
def test_one_answer_per_vignette_is_plain_clopper_pearson(x):
    successes = np.array([1.0] * x + [0.0] * (6 - x))
    _, n_eff, (low, high) = clustered_interval(successes, np.ones(6), 0.95)
    assert n_eff == 6
    assert (low, high) == pytest.approx(proportion_confint(x, 6, 0.05, "beta"), abs=1e-9)


def test_repeated_samples_of_one_vignette_do_not_count_as_more_vignettes():
    """4 vignettes asked 3 times each, all answers alike per vignette: the interval is that of 4
    answers, not 12 (0 of 4 and 12 of 12 alike)."""
    for successes in (np.zeros(4), np.full(4, 3.0)):
        _, n_eff, bounds = clustered_interval(successes, np.full(4, 3.0), 0.95)
        assert n_eff == 4
        x = int(successes.sum() / 3)
        assert bounds == pytest.approx(proportion_confint(x, 4, 0.05, "beta"), abs=1e-9)
    # vignettes that agree within themselves: correlated, effective n near the number of vignettes
    agreeing = effective_trials(np.array([3.0, 0, 3, 0, 3, 0]), np.full(6, 3.0), 0.95)
    # vignettes that each split the same way: no between-vignette spread, independent answers
    splitting = effective_trials(np.array([1.0, 2, 1, 2, 1, 2]), np.full(6, 3.0), 0.95)
    assert agreeing == pytest.approx(6.0)
    assert splitting == pytest.approx(18.0)


def test_coverage_of_clustered_answers_in_a_simulation():
    """6 vignettes x 3 samples, intra-vignette correlation 0.3, true rate 0.2: the interval covers
    at least 94% of the time, where the vignette bootstrap alone covers about 80%."""
    rng = np.random.default_rng(11)
    p, rho, reps = 0.2, 0.3, 600
    s = 1 / rho - 1
    x = rng.binomial(3, rng.beta(p * s, (1 - p) * s, size=(reps, 6))).T  # vignettes x reps
    m = np.full(x.shape, 3.0)
    _, _, (low, high) = clustered_interval(x, m, 0.95)
    assert np.mean((low <= p) & (p <= high)) >= 0.94
    weights = bootstrap_weights(6, 300, rng)
    with np.errstate(invalid="ignore"):
        boot_low, boot_high = percentile_ci((weights @ x) / (weights @ m), 0.95)
    assert np.mean((boot_low <= p) & (p <= boot_high)) < 0.9


def test_ratio_interval_stays_open_where_a_count_is_zero():
    """0 of 4 against 4 of 4: the ratio is 0 with a finite upper bound; equal rates cover 1."""
    low, high = clustered_ratio_interval(np.zeros(4), np.ones(4), np.ones(4), np.ones(4), 0.95)
    assert low == 0.0 and 0.6 < high < 2
    low, high = clustered_ratio_interval(np.ones(4), np.ones(4), np.ones(4), np.ones(4), 0.95)
    assert low < 1 < high


@pytest.mark.parametrize("pairs", [1, 4, 5, 6, 12])
def test_smallest_mcnemar_p_is_that_of_every_pair_discordant_one_way(pairs):
    assert mcnemar_min_p(pairs) == pytest.approx(binomtest(0, pairs, 0.5).pvalue)
    assert mcnemar_min_p(0) == 1.0


def test_pairs_needed():
    assert pairs_needed(0.05) == 6  # 2 x 0.5^6 = 0.031; 2 x 0.5^5 = 0.0625
    assert mcnemar_min_p(5) > 0.05 >= mcnemar_min_p(6)
    assert pairs_needed(0.05, 20) == 10  # 0.05 / 20: 2 x 0.5^10 = 0.002
    assert mcnemar_min_p(9) > 0.05 / 20 >= mcnemar_min_p(10)


def test_smallest_chi2_p_is_that_of_decisions_separated_by_group():
    separated = np.array([[5, 0], [0, 5], [5, 0]])
    assert chi2_min_p(15, 3, 2) == pytest.approx(chi2_contingency(separated)[1])
    assert chi2_min_p(15, 1, 2) == 1.0
