"""The regression gate's outcomes, table-driven, on changes worked out by hand: runs report 97.5%
intervals, so the union bound [l_new − u_base, u_new − l_base] is a 95% interval of the change,
the level detect asks for with one metric (1 − α) and certify's 1 − 2α is below it."""

from __future__ import annotations

import math

import pytest

from trustaudit.compare.pairs import MetricPair
from trustaudit.compare.regression import MaxRegression, judge_family
from trustaudit.findings import Status
from trustaudit.stats.change import RunValue

PASS, FAIL, INCONCLUSIVE = Status.PASS, Status.FAIL, Status.INCONCLUSIVE


def _run(value: float, low: float, high: float) -> RunValue:
    return RunValue(value, low, high, confidence=0.975)


def _pair(name: str, base: RunValue, new: RunValue) -> MetricPair:
    return MetricPair("fairness", f"{name}[overall]", name, "estimate", base, new)


TPR_BASE, FPR_BASE, RATE_BASE = _run(0.8, 0.78, 0.82), _run(0.2, 0.18, 0.22), _run(0.3, 0.28, 0.32)
# name, baseline, new, detect, certify (δ = 0.1); the change's interval by hand in the comment
CASES = [
    ("tpr", TPR_BASE, _run(0.5, 0.48, 0.52), FAIL, FAIL),  # −0.30 [−0.34, −0.26]
    ("tpr", TPR_BASE, _run(0.75, 0.73, 0.77), PASS, PASS),  # −0.05 [−0.09, −0.01]
    ("tpr", TPR_BASE, _run(0.65, 0.5, 0.8), INCONCLUSIVE, FAIL),  # −0.15 [−0.32, +0.02]
    ("tpr", TPR_BASE, _run(0.75, 0.6, 0.9), PASS, INCONCLUSIVE),  # −0.05 [−0.22, +0.12]
    ("tpr", TPR_BASE, _run(0.95, 0.93, 0.97), PASS, PASS),  # +0.15: better, not a regression
    ("fpr", FPR_BASE, _run(0.5, 0.48, 0.52), FAIL, FAIL),  # +0.30: higher FPR is worse
    ("fpr", FPR_BASE, _run(0.05, 0.03, 0.07), PASS, PASS),  # −0.15: better
    ("selection_rate", RATE_BASE, _run(0.5, 0.48, 0.52), FAIL, FAIL),  # +0.2: drift up
    ("selection_rate", RATE_BASE, _run(0.1, 0.08, 0.12), FAIL, FAIL),  # −0.2: drift down
    ("selection_rate", RATE_BASE, _run(0.32, 0.3, 0.34), PASS, PASS),  # +0.02 [−0.02, +0.06]
]


@pytest.mark.parametrize("name, base, new, detect, certify", CASES)
def test_outcomes(name, base, new, detect, certify):
    limit = MaxRegression(name, 0.1)
    for mode, expected in (("detect", detect), ("certify", certify)):
        (check,) = judge_family(limit, [_pair(name, base, new)], mode, 0.05)
        assert check.status is expected, (mode, check.message)
        assert check.interval.low == pytest.approx(new.low - base.high)
        assert check.interval.high == pytest.approx(new.high - base.low)
        assert f"{name}[overall] (fairness) {expected.value.upper()} ({mode}" in check.message


def test_a_metric_missing_in_a_run_is_skipped():
    pair = _pair("tpr", TPR_BASE, RunValue(math.nan))
    (check,) = judge_family(MaxRegression("tpr", 0.1), [pair], "detect", 0.05)
    assert check.status is Status.SKIPPED and "not estimable" in check.message


def test_bonferroni_over_the_family_asks_more_than_reported_intervals_give():
    """Two metrics: detect asks 1 − α/2 = 0.975 of each change; two 97.5% runs give 0.95."""
    pairs = [_pair("tpr", TPR_BASE, _run(0.75, 0.73, 0.77))] * 2
    checks = judge_family(MaxRegression("tpr", 0.1), pairs, "detect", 0.05)
    assert all("level is ≥ 0.95, not the 0.975 the gate asks for" in c.message for c in checks)


def test_exact_counts_give_the_level_asked():
    """With counts, each run's Clopper–Pearson is recomputed: no shortfall is reported."""
    base, new = RunValue(0.8, successes=160, trials=200), RunValue(0.5, successes=100, trials=200)
    (check,) = judge_family(MaxRegression("tpr", 0.1), [_pair("tpr", base, new)], "detect", 0.05)
    assert check.status is FAIL and "level is" not in check.message
    assert check.interval.level == 0.95


def test_a_shortfall_of_level_is_never_a_fail_in_detect():
    """Two metrics: detect asks 0.975 of each change but two 97.5% runs give 0.95, so a change
    wholly beyond the bound is INCONCLUSIVE, not FAIL (a false alarm rate needs the level)."""
    pairs = [_pair("tpr", TPR_BASE, _run(0.5, 0.48, 0.52))] * 2  # −0.30 [−0.34, −0.26]
    checks = judge_family(MaxRegression("tpr", 0.1), pairs, "detect", 0.05)
    assert [c.status for c in checks] == [INCONCLUSIVE, INCONCLUSIVE]
    assert all("no more than inconclusive" in c.message for c in checks)


def test_a_shortfall_of_level_is_never_a_pass_in_certify():
    """Runs reporting 90% intervals give a change interval of level ≥ 0.80 < the 0.90 certify
    asks for: a change provably within the bound is INCONCLUSIVE, not PASS."""
    base = RunValue(0.8, 0.79, 0.81, confidence=0.90)
    new = RunValue(0.79, 0.78, 0.80, confidence=0.90)  # −0.01 [−0.03, +0.01]
    (check,) = judge_family(MaxRegression("tpr", 0.1), [_pair("tpr", base, new)], "certify", 0.05)
    assert check.status is INCONCLUSIVE


def test_a_descriptive_spread_is_not_an_interval_of_the_change():
    """A disparity's bootstrap spread is labelled descriptive: the change gets no interval."""
    from trustaudit.compare.pairs import run_value

    metric = {
        "value": 0.1,
        "ci_low": 0.05,
        "ci_high": 0.2,
        "interval": "descriptive percentile bootstrap (not a confidence interval of the gap)",
        "successes": None,
        "trials": None,
        "kind": "estimate",
    }
    value = run_value(metric, 0.95)
    assert value.confidence is None
    pair = _pair("equal_opportunity_difference", value, value)
    (check,) = judge_family(
        MaxRegression("equal_opportunity_difference", 0.05), [pair], "certify", 0.05
    )
    assert check.status is not PASS and math.isnan(check.interval.low)
