"""The report's single view-model: a plain, JSON-safe dict. report.json is this dict; the HTML and
JUnit renderers read only this dict, so the formats never disagree."""

from __future__ import annotations

import dataclasses
import math
from enum import Enum
from typing import Any

from ..findings import AuditRun, Status
from ..run.gate import bound_text, exit_code

SCHEMA_VERSION = "1.0"


def build_view(run: AuditRun) -> dict[str, Any]:
    metric_index = {(r.label, m.key): m for r in run.results for m in r.metrics}
    checks = []
    for check in run.checks:
        metric = metric_index.get((check.auditor, check.metric_key))
        checks.append(
            {
                "auditor": check.auditor,
                "metric": check.metric_key,
                "on": check.applies_to,
                "observed": check.observed,
                "min": check.min,
                "max": check.max,
                "threshold": bound_text(check.applies_to, check.min, check.max),
                "level": check.level,
                "status": check.status,
                "message": check.message,
                "provenance": check.provenance or "not stated",
                "value": metric.value if metric else None,
                "ci_low": metric.ci_low if metric else None,
                "ci_high": metric.ci_high if metric else None,
            }
        )
    auditors = [
        {
            "name": r.auditor,
            "label": r.label,
            "status": r.status,
            "error": r.error,
            "seconds": round(r.seconds, 3),
            "params": r.params,
            "findings": [dataclasses.asdict(f) for f in r.findings],
            "metrics": [{"key": m.key, **dataclasses.asdict(m)} for m in r.metrics],
            "plots": [dataclasses.asdict(p) for p in r.plots],
        }
        for r in run.results
    ]
    view = {
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
        "checks": checks,
        "auditors": auditors,
        "model": run.model_info,
        "data": run.data_info,
        "provenance": run.provenance,
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
    return json_safe(view)


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
