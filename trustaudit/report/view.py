"""The report's single view-model: a plain, JSON-safe dict. report.json is this dict; the HTML and
JUnit renderers read only this dict, so the formats never disagree.

The TypedDicts below are its shape; an enum-typed field holds the enum's value in the JSON.
``report_json_schema`` (schema.py) publishes the shape as a JSON Schema. ``SCHEMA_VERSION`` changes
whenever the shape does: a minor step for added keys, a major one for removed or changed keys.
"""

from __future__ import annotations

import dataclasses
import math
from enum import Enum
from typing import Any

from typing_extensions import TypedDict  # pydantic builds the JSON Schema from it (Python < 3.12)

from ..findings import (
    AppliesTo,
    AuditResult,
    AuditRun,
    Check,
    Level,
    Metric,
    MetricKind,
    Severity,
    Status,
)
from ..run.gate import bound_text, exit_code
from .summary import SummaryView, build_summary

SCHEMA_VERSION = "1.4"  # 1.1: metrics' kind, left_out, auditors' confidence; 1.2: verdict;
# 1.3: metrics' successes, trials and interval method; the inconclusive status; 1.4: plain_summary


class ToolView(TypedDict):
    name: str
    version: str


class RunView(TypedDict):
    id: str
    name: str
    started: str
    finished: str
    seed: int
    spec_path: str
    verdict: Status
    exit_code: int


class CheckView(TypedDict):
    auditor: str  # the auditor's label (Check.auditor_label)
    metric: str
    on: AppliesTo
    observed: float | None
    min: float | None
    max: float | None
    threshold: str
    level: Level
    status: Status
    message: str
    provenance: str
    mode: str  # '' when the threshold compares one number
    on_inconclusive: Level  # fail: an inconclusive check fails the run
    value: float | None
    ci_low: float | None
    ci_high: float | None


class MetricView(TypedDict):
    key: str
    name: str
    value: float | None  # None: not estimable (NaN)
    ci_low: float | None
    ci_high: float | None
    n: int | None
    grouping: str | None
    group: str | None
    note: str
    kind: MetricKind
    left_out: list[str]
    successes: int | None
    trials: int | None
    interval: str  # how ci_low/ci_high were computed


class FindingView(TypedDict):
    title: str
    severity: Severity
    detail: str
    examples: list[Any]  # strings, or rows (lists) when ``columns`` names them
    columns: list[str]


class PlotView(TypedDict):
    title: str
    metric_names: list[str]
    grouping: str | None


class AuditorView(TypedDict):
    name: str  # the registry name
    label: str
    status: Status  # whether it ran: pass, or error
    verdict: Status  # the worst of its status and its checks' (the report's badge)
    error: str
    seconds: float
    confidence: float | None  # the level of its intervals; None: it reports none
    params: dict[str, Any]
    findings: list[FindingView]
    metrics: list[MetricView]
    plots: list[PlotView]


class FingerprintsView(TypedDict):
    data: str | None
    model: str | None


class ReproducibilityView(TypedDict):
    seed: int
    spec: dict[str, Any]
    environment: dict[str, str]
    fingerprints: FingerprintsView


class ReportView(TypedDict):
    schema_version: str
    tool: ToolView
    run: RunView
    summary: dict[str, int]  # checks per Status value
    plain_summary: SummaryView  # the verdict and findings in words, and what was not tested
    checks: list[CheckView]
    auditors: list[AuditorView]
    model: dict[str, str]  # ModelInfo fields; empty for a data-only audit
    data: dict[str, Any]  # AuditData.info(); empty without data
    provenance: dict[str, Any]  # findings.Provenance
    reproducibility: ReproducibilityView


def build_view(run: AuditRun) -> ReportView:
    metric_index = {(r.label, m.key): m for r in run.results for m in r.metrics}
    view: ReportView = {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "trustaudit", "version": run.environment.get("trustaudit", "unknown")},
        "run": {
            "id": run.run_id,
            "name": run.name,
            "started": run.started,
            "finished": run.finished,
            "seed": run.seed,
            "spec_path": run.spec_path,
            "verdict": run.verdict,
            "exit_code": exit_code(run),
        },
        "summary": {status.value: sum(c.status is status for c in run.checks) for status in Status},
        "plain_summary": build_summary(run),
        "checks": [
            _check_view(c, metric_index.get((c.auditor_label, c.metric_key))) for c in run.checks
        ],
        "auditors": [_auditor_view(r, run.auditor_verdict(r)) for r in run.results],
        "model": run.model_info,
        "data": run.data_info,
        "provenance": dict(run.provenance),
        "reproducibility": {
            "seed": run.seed,
            "spec": run.spec,
            "environment": run.environment,
            "fingerprints": {
                "data": run.data_info.get("fingerprint"),
                "model": run.model_info.get("fingerprint"),
            },
        },
    }
    safe: ReportView = json_safe(view)
    return safe


def _check_view(check: Check, metric: Metric | None) -> CheckView:
    return {
        "auditor": check.auditor_label,
        "metric": check.metric_key,
        "on": check.applies_to,
        "observed": check.observed,
        "min": check.min,
        "max": check.max,
        "threshold": bound_text(check.mode or check.applies_to, check.min, check.max),
        "level": check.level,
        "status": check.status,
        "message": check.message,
        "provenance": check.provenance or "not stated",
        "mode": check.mode,
        "on_inconclusive": check.on_inconclusive,
        "value": metric.value if metric else None,
        "ci_low": metric.ci_low if metric else None,
        "ci_high": metric.ci_high if metric else None,
    }


def _auditor_view(result: AuditResult, verdict: Status) -> AuditorView:
    confidence = result.params.get("confidence")
    return {
        "name": result.auditor,
        "label": result.label,
        "status": result.status,
        "verdict": verdict,
        "error": result.error,
        "seconds": round(result.seconds, 3),
        "confidence": float(confidence) if isinstance(confidence, (int, float)) else None,
        "params": result.params,
        "findings": [json_safe(dataclasses.asdict(f)) for f in result.findings],
        "metrics": [_metric_view(m) for m in result.metrics],
        "plots": [json_safe(dataclasses.asdict(p)) for p in result.plots],
    }


def _metric_view(metric: Metric) -> MetricView:
    return {
        "key": metric.key,
        "name": metric.name,
        "value": metric.value,
        "ci_low": metric.ci_low,
        "ci_high": metric.ci_high,
        "n": metric.n,
        "grouping": metric.grouping,
        "group": metric.group,
        "note": metric.note,
        "kind": metric.kind,
        "left_out": list(metric.left_out),
        "successes": metric.successes,
        "trials": metric.trials,
        "interval": metric.interval,
    }


def json_safe(value: Any) -> Any:
    """NaN and infinities become None, enums their value, tuples lists, numpy scalars Python
    ones."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)
