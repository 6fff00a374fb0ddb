"""The vectorised metric engine against scikit-learn, and the cell bootstrap against a row
bootstrap."""

import numpy as np
import pytest
from sklearn.calibration import calibration_curve
from sklearn.metrics import brier_score_loss, roc_auc_score

from trustaudit.auditors._stats import (
    COUNT_METRICS,
    ScoreRows,
    bootstrap_cells,
    confusion_cells,
    merge_groups,
    percentile_ci,
    spread,
)


@pytest.fixture
def sample():
    rng = np.random.default_rng(5)
    n = 4000
    y = rng.integers(0, 2, n)
    scores = np.clip(0.35 * y + rng.random(n) * 0.65, 0, 1).round(3)  # rounded: many ties
    return y, scores, (scores >= 0.5).astype(int), rng.integers(0, 3, n)


def test_confusion_cells_match_counts(sample):
    y, _, y_pred, groups = sample
    cells = confusion_cells(groups, 3, y, y_pred)
    for g in range(3):
        for a in (0, 1):
            for b in (0, 1):
                assert cells[g, a, b] == np.sum((groups == g) & (y == a) & (y_pred == b))


def test_weighted_score_metrics_match_sklearn(sample):
    y, scores, _, _ = sample
    weights = np.random.default_rng(1).integers(0, 4, len(y))
    got = ScoreRows.prepare(y, scores, 10).metrics(weights)
    assert got["auroc"] == pytest.approx(roc_auc_score(y, scores, sample_weight=weights), abs=1e-12)
    assert got["brier"] == pytest.approx(
        brier_score_loss(y, scores, sample_weight=weights), abs=1e-12
    )
    assert got["oe_ratio"] == pytest.approx(
        np.sum(weights * y) / np.sum(weights * scores), abs=1e-12
    )


def test_ece_matches_sklearn_calibration_curve():
    rng = np.random.default_rng(8)
    scores = rng.random(5000)
    y = (rng.random(5000) < scores**1.3).astype(int)
    prob_true, prob_pred = calibration_curve(y, scores, n_bins=10, strategy="uniform")
    counts = np.histogram(scores, bins=np.linspace(0, 1, 11))[
        0
    ]  # same counts: no score sits on an inner edge
    assert not np.isin(scores, np.linspace(0, 1, 11)[1:-1]).any()
    expected = np.sum(counts[counts > 0] / len(y) * np.abs(prob_true - prob_pred))
    assert ScoreRows.prepare(y, scores, 10).metrics()["ece"] == pytest.approx(expected, abs=1e-12)


def test_auroc_undefined_with_one_class():
    assert np.isnan(ScoreRows.prepare(np.ones(20), np.linspace(0, 1, 20), 10).metrics()["auroc"])


def test_cell_bootstrap_has_the_row_bootstrap_distribution(sample):
    """Multinomial draws of the cells and row resampling give the same mean and spread of every
    metric."""
    y, _, y_pred, groups = sample
    cells = confusion_cells(groups, 3, y, y_pred)
    boot = bootstrap_cells(cells, 3000, np.random.default_rng(0))
    rng = np.random.default_rng(1)
    rows = [
        confusion_cells(groups[i], 3, y[i], y_pred[i])
        for i in (rng.integers(0, len(y), len(y)) for _ in range(1500))
    ]
    rows = np.stack(rows)
    assert boot.sum(axis=(1, 2, 3)).tolist() == [len(y)] * 3000
    for name, fn in COUNT_METRICS.items():
        a, b = fn(boot), fn(rows)
        assert np.allclose(a.mean(axis=0), b.mean(axis=0), atol=0.004), name
        assert np.allclose(a.std(axis=0), b.std(axis=0), rtol=0.12), name


def test_merge_groups_sums_cells(sample):
    y, _, y_pred, groups = sample
    fine = confusion_cells(groups, 3, y, y_pred)
    merged = merge_groups(fine, np.array([0, 1, 1]), 2)
    assert (merged[0] == fine[0]).all()
    assert (merged[1] == fine[1] + fine[2]).all()


def test_spread_and_ratio_ignore_undefined_groups():
    difference, ratio = spread(np.array([[0.2, np.nan, 0.5], [0.3, np.nan, np.nan]]))
    assert difference[0] == pytest.approx(0.3)
    assert ratio[0] == pytest.approx(0.4)
    assert np.isnan(difference[1])
    assert np.isnan(ratio[1])


def test_percentile_ci_matches_numpy_quantile():
    samples = np.random.default_rng(2).normal(size=(999, 2))
    low, high = percentile_ci(samples, 0.9)
    assert low.tolist() == pytest.approx(np.quantile(samples, 0.05, axis=0).tolist())
    assert high.tolist() == pytest.approx(np.quantile(samples, 0.95, axis=0).tolist())
