"""Thresholds judge metrics: checks, the verdict, and the CLI's exit code (the CI gate)."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

from ..auditors import registry
from ..findings import (
    AppliesTo,
    AuditResult,
    AuditRun,
    Check,
    Level,
    Metric,
    MetricKind,
    Status,
    failure_summary,
)
from ..spec.models import AuditSpec, ThresholdSpec
from .gate_modes import judge_mode

EXIT_PASS = 0  # every check passed (warnings allowed)
EXIT_FAIL = 1  # a check at level 'fail' failed
EXIT_USAGE = 2  # bad spec, data or command line
EXIT_INCOMPLETE = 3  # the audit could not complete: a model or an auditor failed


def evaluate(spec: AuditSpec, results: Sequence[AuditResult]) -> list[Check]:
    """One check per (threshold, matching metric) of every auditor, in spec order."""
    checks: list[Check] = []
    for entry, result in zip(spec.auditors, results, strict=True):
        scales = registry.get(entry.use).comparisons()
        for threshold in entry.thresholds:
            checks += checks_for(threshold, result, scales)
    return checks


def checks_for(
    threshold: ThresholdSpec, result: AuditResult, scales: dict[str, str]
) -> list[Check]:
    if result.status is Status.ERROR:
        why = f"not measured: auditor '{result.label}' failed ({result.error.splitlines()[0]})"
        return [_not_measured(threshold, result, why)]
    matches = [m for m in result.metrics if threshold.metric in (m.key, m.name)]
    if not matches:
        names = sorted({m.name for m in result.metrics})
        example = result.metrics[0].key if result.metrics else "name[grouping]"
        why = (
            f"no metric matches '{threshold.metric}'. Produced metrics: {', '.join(names)} "
            f"(a key such as '{example}' picks one)"
        )
        return [_not_measured(threshold, result, why)]
    return [_judge(threshold, result, metric, scales) for metric in matches]


def _not_measured(threshold: ThresholdSpec, result: AuditResult, why: str) -> Check:
    """An ERROR check: the threshold's metric could not be judged."""
    return _check(threshold, result, threshold.metric, math.nan, Status.ERROR, why)


def _observed(metric: Metric, on: AppliesTo) -> float:
    """The number of ``metric`` a threshold judges."""
    if on is AppliesTo.CI_LOW:
        return metric.ci_low
    return metric.ci_high if on is AppliesTo.CI_HIGH else metric.value


_BROKEN = {Level.FAIL: Status.FAIL, Level.WARN: Status.WARN}  # a broken threshold's status


def _judge(
    threshold: ThresholdSpec, result: AuditResult, metric: Metric, scales: dict[str, str]
) -> Check:
    if threshold.mode is not None:
        status, observed, message = judge_mode(threshold, result, metric, scales.get(metric.name))
        return _check(threshold, result, metric.key, observed, status, message)
    on = AppliesTo(threshold.applies_to)
    observed = _observed(metric, on)
    if math.isnan(observed):
        reason = metric.note or (
            "no confidence interval (n_boot is 0)" if on is not AppliesTo.VALUE else "not estimable"
        )
        return _check(
            threshold, result, metric.key, observed, Status.SKIPPED, f"{metric.key}: {reason}"
        )
    ok = (threshold.min is None or observed >= threshold.min) and (
        threshold.max is None or observed <= threshold.max
    )
    status = Status.PASS if ok else _BROKEN[Level(threshold.level)]
    bound = bound_text(threshold.applies_to, threshold.min, threshold.max)
    message = (
        f"{metric.key} {threshold.applies_to} = {observed:.4g} "
        f"{'meets' if ok else 'breaks'} {bound}"
    )
    if on is not AppliesTo.VALUE and metric.kind is MetricKind.DISPARITY:
        message += (
            " (this interval of a max − min is descriptive, so this gate's error rate is "
            "unknown: set mode certify or detect)"
        )
    return _check(threshold, result, metric.key, observed, status, message)


def _check(
    threshold: ThresholdSpec,
    result: AuditResult,
    key: str,
    observed: float,
    status: Status,
    message: str,
) -> Check:
    return Check(
        auditor_label=result.label,
        metric_key=key,
        applies_to=AppliesTo(threshold.applies_to),
        observed=observed,
        min=threshold.min,
        max=threshold.max,
        level=Level(threshold.level),
        status=status,
        message=message,
        provenance=threshold.provenance,
        mode=threshold.mode or "",
        on_inconclusive=Level(threshold.inconclusive),
    )


def bound_text(on: AppliesTo | str, low: float | None, high: float | None) -> str:
    """``ci_low ≥ 0.8``, ``value ≤ 0.1``, ``value ≥ 0.8 and ≤ 1.2``."""
    parts = ([f"≥ {low:g}"] if low is not None else []) + (
        [f"≤ {high:g}"] if high is not None else []
    )
    on = on.value if isinstance(on, AppliesTo) else on
    return f"{on} " + " and ".join(parts)


def exit_code(run: AuditRun) -> int:
    """3 when incomplete; 1 when a check failed, or was inconclusive with ``inconclusive: fail``;
    else 0."""
    verdict = run.verdict
    if verdict is Status.ERROR:
        return EXIT_INCOMPLETE
    blocking = any(
        c.status is Status.INCONCLUSIVE and c.on_inconclusive is Level.FAIL for c in run.checks
    )
    return EXIT_FAIL if verdict is Status.FAIL or blocking else EXIT_PASS


def summary_line(run: AuditRun, report_path: str) -> str:
    """``5 checks passed, 1 failed. Report: reports/…/report.html`` (zero counts left out, but
    'passed')."""
    counts = {status: sum(c.status is status for c in run.checks) for status in Status}
    parts = [f"{counts[Status.PASS]} check{'s' if counts[Status.PASS] != 1 else ''} passed"]
    parts += [
        f"{counts[s]} {word}"
        for s, word in (
            (Status.FAIL, "failed"),
            (Status.INCONCLUSIVE, "inconclusive"),
            (Status.WARN, "warned"),
            (Status.ERROR, "errored"),
            (Status.SKIPPED, "skipped"),
        )
        if counts[s]
    ]
    broken = [r.label for r in run.results if r.status is Status.ERROR]
    tail = f" Auditor(s) failed: {', '.join(broken)}." if broken else ""
    failures = failure_summary(Counter(run.provenance.get("failed_calls", {})))
    tail += f" {failures}." if failures else ""
    return f"{', '.join(parts)}.{tail} Report: {report_path}"
