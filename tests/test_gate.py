"""Thresholds judge metrics: statuses, CI bounds, unproduced metrics, the verdict and the exit
code."""

import math
from dataclasses import dataclass
from typing import ClassVar

import pytest

from trustaudit.auditors import Auditor
from trustaudit.findings import AuditResult, AuditRun, Metric, Status
from trustaudit.run.gate import (
    EXIT_FAIL,
    EXIT_INCOMPLETE,
    EXIT_PASS,
    evaluate,
    exit_code,
    summary_line,
)
from trustaudit.run.runner import run_audit
from trustaudit.spec import load_spec

from .conftest import base_spec, with_auditors

RESULT = AuditResult(
    auditor="fairness",
    label="fairness",
    params={},
    metrics=(
        Metric(
            name="tpr", value=0.62, ci_low=0.58, ci_high=0.66, n=2500, grouping="sex", group="F"
        ),
        Metric(name="tpr", value=0.70, ci_low=0.61, ci_high=0.79, n=900, grouping="sex", group="M"),
        Metric(
            name="tpr",
            value=math.nan,
            n=12,
            grouping="sex",
            group="X",
            note="not estimable: n=12 < min_group_size 30",
        ),
        Metric(
            name="equal_opportunity_difference",
            value=0.08,
            ci_low=0.01,
            ci_high=0.17,
            n=3400,
            grouping="sex",
        ),
    ),
)


def _checks(write_spec, *thresholds, result=RESULT):
    spec = load_spec(
        write_spec(
            base_spec(
                auditors=[
                    {
                        "use": "fairness",
                        "params": {"sensitive_features": ["sex"]},
                        "thresholds": list(thresholds),
                    }
                ]
            )
        )
    )
    return evaluate(spec, [result])


@pytest.mark.parametrize(
    "threshold, expected",
    [
        ({"metric": "equal_opportunity_difference", "max": 0.10}, [Status.PASS]),
        (
            {"metric": "equal_opportunity_difference", "max": 0.10, "applies_to": "ci_high"},
            [Status.FAIL],
        ),
        (
            {
                "metric": "equal_opportunity_difference",
                "max": 0.10,
                "applies_to": "ci_high",
                "level": "warn",
            },
            [Status.WARN],
        ),
        (
            {"metric": "equal_opportunity_difference", "max": 0.10, "applies_to": "ci_low"},
            [Status.PASS],
        ),
        ({"metric": "tpr", "min": 0.65}, [Status.FAIL, Status.PASS, Status.SKIPPED]),
        ({"metric": "tpr[sex=M]", "min": 0.6, "max": 0.75}, [Status.PASS]),
        ({"metric": "tpr[sex=M]", "min": 0.6, "max": 0.75, "applies_to": "ci_high"}, [Status.FAIL]),
        (
            {"metric": "tpr", "min": 0.62},
            [Status.PASS, Status.PASS, Status.SKIPPED],
        ),  # bounds are inclusive
    ],
)
def test_threshold_statuses(write_spec, threshold, expected):
    assert [c.status for c in _checks(write_spec, threshold)] == expected


def test_skipped_check_says_why(write_spec):
    skipped = _checks(write_spec, {"metric": "tpr", "min": 0.5})[-1]
    assert skipped.metric_key == "tpr[sex=X]"
    assert "n=12 < min_group_size 30" in skipped.message


def test_threshold_on_an_unproduced_metric_lists_the_produced_ones(write_spec):
    (check,) = _checks(write_spec, {"metric": "auroc", "min": 0.7})
    assert check.status is Status.ERROR
    assert "no metric matches 'auroc'" in check.message
    assert "Produced metrics: equal_opportunity_difference, tpr" in check.message


def test_threshold_of_a_failed_auditor_is_an_error(write_spec):
    broken = AuditResult(
        auditor="fairness",
        label="fairness",
        params={},
        status=Status.ERROR,
        error="AdapterError: model exploded",
    )
    (check,) = _checks(write_spec, {"metric": "tpr", "min": 0.5}, result=broken)
    assert check.status is Status.ERROR
    assert "model exploded" in check.message


def _run(checks=(), results=(RESULT,)):
    return AuditRun(
        run_id="id",
        name="x",
        started="t0",
        finished="t1",
        seed=0,
        spec={},
        spec_path="spec.yaml",
        results=tuple(results),
        checks=tuple(checks),
        model_info={},
        data_info={},
    )


def test_verdict_and_exit_code(write_spec):
    passing = _checks(write_spec, {"metric": "tpr[sex=M]", "min": 0.6})
    warning = _checks(write_spec, {"metric": "tpr[sex=F]", "min": 0.7, "level": "warn"})
    failing = _checks(write_spec, {"metric": "tpr[sex=F]", "min": 0.7})
    assert exit_code(_run(passing)) == EXIT_PASS
    assert exit_code(_run(passing + warning)) == EXIT_PASS
    assert _run(warning).verdict is Status.WARN
    assert exit_code(_run(passing + warning + failing)) == EXIT_FAIL
    broken = AuditResult(
        auditor="other", label="other", params={}, status=Status.ERROR, error="boom"
    )
    assert exit_code(_run(passing + failing, results=(RESULT, broken))) == EXIT_INCOMPLETE


def test_summary_line(write_spec):
    checks = _checks(write_spec, {"metric": "tpr", "min": 0.65})
    assert (
        summary_line(_run(checks), "r/report.html")
        == "1 check passed, 1 failed, 1 skipped. Report: r/report.html"
    )


@dataclass(frozen=True, kw_only=True)
class CrashingAuditor(Auditor):
    """Fault injection: an auditor with a bug."""

    name: ClassVar[str] = "crashing_for_test"

    @classmethod
    def metric_names(cls):
        return {"anything"}

    def run(self, model, data, ctx):
        return {}["missing key"]


@pytest.fixture
def crashing_auditor(monkeypatch):
    with_auditors(monkeypatch, CrashingAuditor)


def test_a_crashing_auditor_becomes_an_error_result_and_the_others_still_run(
    write_spec, crashing_auditor
):
    spec = base_spec()
    spec["auditors"] = [
        {"use": "crashing_for_test", "thresholds": [{"metric": "anything", "max": 1}]},
        *spec["auditors"],
    ]
    run = run_audit(load_spec(write_spec(spec)))
    crashed, fairness = run.results
    assert crashed.status is Status.ERROR
    assert "KeyError: 'missing key'" in crashed.error
    assert "test_gate.py" in crashed.error
    assert fairness.status is Status.PASS
    assert fairness.metrics
    assert [c.status for c in run.checks] == [Status.ERROR] + [Status.PASS] * 3  # one per grouping
    assert exit_code(run) == EXIT_INCOMPLETE


def test_repeated_auditors_get_numbered_labels(write_spec):
    spec = base_spec()
    spec["auditors"] = spec["auditors"] * 2
    run = run_audit(load_spec(write_spec(spec)))
    assert [r.label for r in run.results] == ["fairness#1", "fairness#2"]
    assert [c.auditor_label for c in run.checks] == ["fairness#1"] * 3 + ["fairness#2"] * 3
