"""AUROC on binned scores (above ``exact_score_rows``): intervals and gates cover the exact
scores' AUROC. Each group's interval is its DeLong interval widened by its own binning bound, an
AUROC difference's by the sum of its groups' bounds; the bounds are recomputed here from the rows
and the exact AUROCs come from scikit-learn."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from trustaudit.auditors import FairnessAuditor
from trustaudit.findings import AuditResult, Metric, Status
from trustaudit.run.gate_modes import group_value, judge_mode
from trustaudit.spec.models import ThresholdSpec
from trustaudit.stats import intervals
from trustaudit.stats.modes import pairwise

ROWS_PER_GROUP = 3000


@pytest.fixture(scope="module")
def rows() -> pd.DataFrame:
    """Two groups with scores packed into a few dozen bins of width 1/1000, so that many
    (positive, negative) pairs share a bin holding several distinct scores."""
    rng = np.random.default_rng(7)
    n = 2 * ROWS_PER_GROUP
    y = rng.binomial(1, 0.4, n)
    score = 0.5 + 0.01 * (rng.normal(size=n) + 0.8 * y)
    group = np.repeat(["A", "B"], ROWS_PER_GROUP)
    return pd.DataFrame({"g": group, "y": y, "pred": (score > 0.505).astype(int), "score": score})


def _measure(rows: pd.DataFrame, exact_score_rows: int) -> AuditResult:
    auditor = FairnessAuditor(
        sensitive_features=("g",), n_boot=200, exact_score_rows=exact_score_rows
    )
    return auditor.measure(
        rows["y"].to_numpy(),
        rows["pred"].to_numpy(),
        rows["score"].to_numpy(),
        rows[["g"]],
        seed=3,
    )


@pytest.fixture(scope="module")
def binned(rows) -> AuditResult:
    return _measure(rows, exact_score_rows=1000)


def _metric(result: AuditResult, key: str) -> Metric:
    return next(m for m in result.metrics if m.key == key)


def _bound_from_rows(rows: pd.DataFrame) -> float:
    """Half the share of (positive, negative) pairs that fall in one bin of width 1/1000 holding
    more than one distinct score."""
    bins = np.floor(rows["score"].to_numpy() * 1000)
    table = pd.DataFrame({"bin": bins, "y": rows["y"], "score": rows["score"]})
    per_bin = table.groupby("bin").agg(
        positives=("y", "sum"), size=("y", "size"), values=("score", "nunique")
    )
    negatives = per_bin["size"] - per_bin["positives"]
    shared = (per_bin["values"] > 1).to_numpy()
    pairs = per_bin["positives"].sum() * negatives.sum()
    return float(0.5 * (per_bin["positives"] * negatives * shared).sum() / pairs)


def test_each_group_interval_is_widened_by_its_bound_and_covers_the_exact_auroc(rows, binned):
    for group, part in rows.groupby("g"):
        metric = _metric(binned, f"auroc[g={group}]")
        exact = roc_auc_score(part["y"], part["score"])
        bound = _bound_from_rows(part)
        assert metric.bias_bound == pytest.approx(bound, rel=1e-12)
        assert bound > 0.005  # the data make binning matter ...
        assert abs(metric.value - exact) > 1e-4  # ... and it moves the AUROC
        assert abs(metric.value - exact) <= bound
        low, high = intervals.auroc_interval(metric.value, metric.variance, 0.95)
        assert metric.ci_low == pytest.approx(float(low) - bound, abs=1e-12)
        assert metric.ci_high == pytest.approx(float(high) + bound, abs=1e-12)
        assert metric.ci_low <= exact <= metric.ci_high
        assert "widened by the binning bound" in metric.interval


def test_overall_bound_and_the_finding_state_the_bound_and_say_intervals_include_it(rows, binned):
    overall = _metric(binned, "auroc[overall]")
    assert overall.bias_bound == pytest.approx(_bound_from_rows(rows), rel=1e-12)
    (finding,) = [f for f in binned.findings if f.title.startswith("Scores binned")]
    worst = max(_bound_from_rows(part) for _, part in [("all", rows), *rows.groupby("g")])
    stated = float(finding.detail.split("within ±")[1].split()[0])
    assert worst <= stated < worst + 1e-4
    assert "already include the bound" in finding.detail


def test_exact_scores_carry_no_bound(rows):
    exact = _measure(rows, exact_score_rows=10 * len(rows))
    for group, part in rows.groupby("g"):
        metric = _metric(exact, f"auroc[g={group}]")
        assert metric.bias_bound == 0.0 and metric.interval == "delong-logit"
        assert metric.value == pytest.approx(roc_auc_score(part["y"], part["score"]), abs=1e-12)
    assert not [f for f in exact.findings if f.title.startswith("Scores binned")]


def test_pairwise_and_max_minus_min_intervals_widen_by_the_sum_of_the_bounds(rows, binned):
    a, b = (_metric(binned, f"auroc[g={g}]") for g in "AB")
    (pair,) = pairwise([group_value(a), group_value(b)], "difference", 0.95)
    low, high = intervals.auroc_difference_interval(a.value, a.variance, b.value, b.variance, 0.95)
    both = a.bias_bound + b.bias_bound
    assert (pair.low, pair.high) == pytest.approx((float(low) - both, float(high) + both))
    exact = [roc_auc_score(p["y"], p["score"]) for _, p in rows.groupby("g")]
    assert pair.low <= exact[0] - exact[1] <= pair.high
    spread = _metric(binned, "auroc_difference[g]")
    assert spread.bias_bound == pytest.approx(both)
    assert "widened by the binning bound" in spread.interval


def _judged(result: AuditResult, metric: Metric, threshold: ThresholdSpec) -> Status:
    return judge_mode(threshold, result, metric, "difference")[0]


def _unbounded(result: AuditResult) -> AuditResult:
    """The same result with every bound dropped: what the gate saw before the bound travelled."""
    metrics = tuple(dataclasses.replace(m, bias_bound=0.0) for m in result.metrics)
    return dataclasses.replace(result, metrics=metrics)


def test_a_certify_gate_that_passes_on_the_binned_interval_is_inconclusive_once_widened(binned):
    a, b = (_metric(binned, f"auroc[g={g}]") for g in "AB")
    # the 90% (1 − 2α) interval certify reads, without the bound; δ between its margin and the
    # margin once both bounds are added
    low, high = intervals.auroc_difference_interval(a.value, a.variance, b.value, b.variance, 0.9)
    margin = max(abs(float(low)), abs(float(high)))
    delta = margin + (a.bias_bound + b.bias_bound) / 2
    assert abs(a.value - b.value) < delta  # the estimate is inside: not a FAIL either way
    gate = ThresholdSpec(metric="auroc_difference", max=delta, mode="certify")
    spread = _metric(binned, "auroc_difference[g]")
    assert _judged(_unbounded(binned), spread, gate) is Status.PASS
    assert _judged(binned, spread, gate) is Status.INCONCLUSIVE


def test_a_floor_gate_reads_the_widened_lower_bound(binned):
    metric = _metric(binned, "auroc[g=A]")
    low, _ = intervals.auroc_interval(metric.value, metric.variance, 0.9)  # one-sided 95%
    goal = float(low) - metric.bias_bound / 2
    gate = ThresholdSpec(metric="auroc", min=goal, mode="floor")
    assert _judged(_unbounded(binned), dataclasses.replace(metric, bias_bound=0.0), gate) is (
        Status.PASS
    )
    assert _judged(binned, metric, gate) is Status.INCONCLUSIVE
