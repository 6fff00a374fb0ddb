"""The fairness auditor against fairlearn's MetricFrame (the reference engine) on the demo
cohort."""

import numpy as np
import pytest
from fairlearn.metrics import (
    MetricFrame,
    demographic_parity_difference,
    demographic_parity_ratio,
    equalized_odds_difference,
    equalized_odds_ratio,
    false_negative_rate,
    false_positive_rate,
    selection_rate,
    true_positive_rate,
)
from sklearn.metrics import accuracy_score, brier_score_loss, precision_score, roc_auc_score

from trustaudit.auditors import FairnessAuditor

FAIRLEARN_COUNT_METRICS = {
    "selection_rate": selection_rate,
    "tpr": true_positive_rate,
    "fpr": false_positive_rate,
    "fnr": false_negative_rate,
    "ppv": precision_score,
    "accuracy": accuracy_score,
}
FAIRLEARN_SCORE_METRICS = {"auroc": roc_auc_score, "brier": brier_score_loss}
SENSITIVE = ["race_ethnicity", "sex"]


@pytest.fixture(scope="module")
def outcomes(cohort, demo_model):
    return (
        cohort["readmitted_30d"].to_numpy(),
        demo_model.predict(cohort),
        demo_model.predict_proba(cohort)[:, 1],
        cohort[SENSITIVE],
    )


def _by_key(result):
    return {m.key: m for m in result.metrics}


def _measure(outcomes, **params):
    y, y_pred, scores, sensitive = outcomes
    auditor = FairnessAuditor(sensitive_features=tuple(SENSITIVE), **params)
    return _by_key(auditor.measure(y, y_pred, scores, sensitive, seed=0))


@pytest.mark.parametrize("features", [["race_ethnicity"], ["sex"], SENSITIVE])
def test_point_estimates_equal_metricframe(outcomes, features):
    y, y_pred, scores, sensitive = outcomes
    ours = _measure(outcomes, n_boot=0, min_group_size=1, min_denominator=1)
    grouping = "+".join(features)
    counts = MetricFrame(
        metrics=FAIRLEARN_COUNT_METRICS,
        y_true=y,
        y_pred=y_pred,
        sensitive_features=sensitive[features],
    )
    by_score = MetricFrame(
        metrics=FAIRLEARN_SCORE_METRICS,
        y_true=y,
        y_pred=scores,
        sensitive_features=sensitive[features],
    )
    compared = 0
    for frame in (counts, by_score):
        for group, row in frame.by_group.iterrows():
            label = "+".join(map(str, group)) if isinstance(group, tuple) else str(group)
            for name, expected in row.items():
                assert ours[f"{name}[{grouping}={label}]"].value == pytest.approx(
                    expected, abs=1e-9
                ), (name, label)
                compared += 1
        for name, expected in frame.overall.items():
            assert ours[f"{name}[overall]"].value == pytest.approx(expected, abs=1e-9)
    assert compared == 8 * len(counts.by_group)


@pytest.mark.parametrize("features", [["race_ethnicity"], SENSITIVE])
def test_disparities_equal_fairlearn_functions(outcomes, features):
    y, y_pred, _, sensitive = outcomes
    ours = _measure(outcomes, n_boot=0, min_group_size=1, min_denominator=1)
    grouping, sf = "+".join(features), sensitive[features]
    expected = {
        "demographic_parity_difference": demographic_parity_difference(
            y, y_pred, sensitive_features=sf
        ),
        "demographic_parity_ratio": demographic_parity_ratio(y, y_pred, sensitive_features=sf),
        "disparate_impact_ratio": demographic_parity_ratio(y, y_pred, sensitive_features=sf),
        "equalized_odds_difference": equalized_odds_difference(y, y_pred, sensitive_features=sf),
        "equalized_odds_ratio": equalized_odds_ratio(y, y_pred, sensitive_features=sf),
        "equal_opportunity_difference": MetricFrame(
            metrics=true_positive_rate, y_true=y, y_pred=y_pred, sensitive_features=sf
        ).difference(),
    }
    for name, value in expected.items():
        assert ours[f"{name}[{grouping}]"].value == pytest.approx(value, abs=1e-9), name


def test_bootstrap_intervals_agree_with_metricframe(outcomes):
    """Same statistic, independent resamples: bounds agree within Monte Carlo error (0.2 of the CI
    width)."""
    y, y_pred, _, sensitive = outcomes
    metrics = {
        "selection_rate": selection_rate,
        "tpr": true_positive_rate,
        "fpr": false_positive_rate,
    }
    frame = MetricFrame(
        metrics=metrics,
        y_true=y,
        y_pred=y_pred,
        sensitive_features=sensitive["race_ethnicity"],
        n_boot=300,
        ci_quantiles=[0.025, 0.975],
        random_state=0,
    )
    ours = _by_key(
        FairnessAuditor(
            sensitive_features=("race_ethnicity",), n_boot=4000, min_group_size=1, min_denominator=1
        ).measure(y, y_pred, None, sensitive[["race_ethnicity"]], seed=0)
    )
    low, high = frame.by_group_ci
    for name in metrics:
        for group in low.index:
            metric = ours[f"{name}[race_ethnicity={group}]"]
            width = metric.ci_high - metric.ci_low
            assert abs(metric.ci_low - low.loc[group, name]) <= 0.2 * width, (name, group)
            assert abs(metric.ci_high - high.loc[group, name]) <= 0.2 * width, (name, group)
    diff_low, diff_high = frame.difference_ci()
    for name, ours_name in (
        ("selection_rate", "demographic_parity_difference"),
        ("tpr", "equal_opportunity_difference"),
    ):
        metric = ours[f"{ours_name}[race_ethnicity]"]
        width = metric.ci_high - metric.ci_low
        assert abs(metric.ci_low - diff_low[name]) <= 0.2 * width
        assert abs(metric.ci_high - diff_high[name]) <= 0.2 * width


def test_small_groups_are_reported_not_dropped(outcomes):
    ours = _measure(outcomes, n_boot=50, min_group_size=40, min_denominator=10)
    small = ours["tpr[race_ethnicity+sex=American Indian or Alaska Native+F]"]
    assert np.isnan(small.value)
    assert small.n == 34
    assert "n=34 < min_group_size 40" in small.note
    assert ours["group_size[race_ethnicity+sex=American Indian or Alaska Native+F]"].value == 34
    few_positives = ours["tpr[race_ethnicity=American Indian or Alaska Native]"]
    assert np.isnan(few_positives.value)
    assert "9 positives < min_denominator 10" in few_positives.note
    assert not np.isnan(ours["fpr[race_ethnicity=American Indian or Alaska Native]"].value)
    disparity = ours["equal_opportunity_difference[race_ethnicity]"]
    assert "left out: American Indian or Alaska Native" in disparity.note
    assert disparity.n == 2500 - 68


def test_disparity_excludes_non_estimable_groups_like_fairlearn_on_the_rest(outcomes):
    y, y_pred, _, sensitive = outcomes
    ours = _measure(outcomes, n_boot=0, min_group_size=1, min_denominator=10)
    keep = (sensitive["race_ethnicity"] != "American Indian or Alaska Native").to_numpy()
    expected = MetricFrame(
        metrics=true_positive_rate,
        y_true=y[keep],
        y_pred=y_pred[keep],
        sensitive_features=sensitive["race_ethnicity"][keep],
    ).difference()
    assert ours["equal_opportunity_difference[race_ethnicity]"].value == pytest.approx(
        expected, abs=1e-12
    )


def test_finding_lists_groups_below_min_size(outcomes):
    y, y_pred, scores, sensitive = outcomes
    result = FairnessAuditor(
        sensitive_features=tuple(SENSITIVE), n_boot=0, min_group_size=40
    ).measure(y, y_pred, scores, sensitive, seed=0)
    (finding,) = [f for f in result.findings if "below min_group_size" in f.title]
    assert set(finding.examples) == {
        "race_ethnicity+sex=American Indian or Alaska Native+F (n=34)",
        "race_ethnicity+sex=American Indian or Alaska Native+M (n=34)",
    }


def test_same_seed_same_intervals_other_seed_different(outcomes):
    first, again = _measure(outcomes, n_boot=200), _measure(outcomes, n_boot=200)
    y, y_pred, scores, sensitive = outcomes
    other = _by_key(
        FairnessAuditor(sensitive_features=tuple(SENSITIVE), n_boot=200).measure(
            y, y_pred, scores, sensitive, seed=1
        )
    )
    key = "brier[race_ethnicity=Black]"  # a percentile-bootstrap interval
    assert (first[key].ci_low, first[key].ci_high) == (again[key].ci_low, again[key].ci_high)
    assert (first[key].ci_low, first[key].ci_high) != (other[key].ci_low, other[key].ci_high)


def test_missing_sensitive_values_form_their_own_group(outcomes):
    y, y_pred, scores, sensitive = outcomes
    holes = sensitive.copy()
    holes.loc[holes.index[:50], "sex"] = np.nan
    ours = _by_key(
        FairnessAuditor(sensitive_features=("sex",), n_boot=0).measure(
            y, y_pred, scores, holes, seed=0
        )
    )
    assert ours["group_size[sex=(missing)]"].value == 50


def test_labels_only_model_measures_no_score_metrics(outcomes):
    y, y_pred, _, sensitive = outcomes
    result = FairnessAuditor(sensitive_features=("sex",), n_boot=0).measure(
        y, y_pred, None, sensitive, seed=0
    )
    assert not any(m.name in ("auroc", "brier", "auroc_difference") for m in result.metrics)
    assert any("No scores" in f.title for f in result.findings)


def test_bootstrap_counts_only_draw_cells_not_rows(outcomes):
    """1,000 resamples of a 2,500-row cohort: the per-group n of a resample varies (rows drawn with
    replacement)."""
    y, y_pred, _, sensitive = outcomes
    result = _by_key(
        FairnessAuditor(sensitive_features=("sex",), n_boot=1000).measure(
            y, y_pred, None, sensitive[["sex"]], seed=0
        )
    )
    selection = result["selection_rate[sex=F]"]
    assert selection.ci_low < selection.value < selection.ci_high
    assert selection.ci_high - selection.ci_low == pytest.approx(
        2 * 1.96 * np.sqrt(selection.value * (1 - selection.value) / selection.n), rel=0.15
    )
