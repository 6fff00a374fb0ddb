"""The comparison's files: comparison.json (the view-model), comparison.html and junit.xml rendered
from it with the audit report's template environment and JUnit writer, so escaping, number
formats and CI semantics are the report's own."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .. import __version__
from ..findings import Status
from ..printable import printable
from ..redaction import redact_data
from ..report import _replace as write_whole
from ..report.html import _ENV as TEMPLATES
from ..report.junit import render_junit
from ..report.view import json_safe
from ..shown import label
from . import CONFIDENCE, Comparison
from .identity import identity
from .pairs import MetricPair
from .regression import RegressionCheck, direction

SCHEMA_VERSION = "1.0"
JSON_FILE, HTML_FILE, JUNIT_FILE = "comparison.json", "comparison.html", "junit.xml"
GATE = "regression"  # the JUnit suite's name and the checks' 'auditor'


def default_folder(comparison: Comparison) -> Path:
    """``NEW_RUN/comparison-<baseline run id>``: beside the new run's sealed files, not in them."""
    return comparison.new.folder / f"comparison-{comparison.baseline.run_id}"


def write_comparison(view: dict[str, Any], folder: Path) -> Path:
    """Write the three files of ``view`` (build_view) into ``folder`` (which exists)."""
    write_whole(folder / JSON_FILE, json.dumps(view, indent=2, ensure_ascii=False) + "\n")
    write_whole(folder / HTML_FILE, TEMPLATES.get_template("comparison.html.j2").render(view=view))
    write_whole(folder / JUNIT_FILE, render_junit(_junit_view(view)))
    return folder / HTML_FILE


def build_view(comparison: Comparison) -> dict[str, Any]:
    """The plain, JSON-safe dict every file is rendered from; labels masked by shape, secrets
    redacted (the runs' own reports were masked when written)."""
    checks = [_check_view(c, comparison) for c in comparison.checks]
    gate = comparison.gate
    view = {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "trustaudit", "version": __version__},
        "verdict": comparison.verdict,
        "exit_code": comparison.exit_code,
        "baseline": identity(comparison.baseline),
        "new": identity(comparison.new),
        "statements": comparison.said,
        "gate": {
            "mode": gate.mode,
            "alpha": gate.alpha,
            "inconclusive": gate.inconclusive,
            "limits": [{"family": x.family, "max_regression": x.bound} for x in gate.limits],
        },
        "summary": {s.value: sum(c["status"] == s.value for c in checks) for s in Status},
        "checks": checks,
        "confidence": CONFIDENCE,
        "metrics": [_metric_view(pair) for pair in comparison.matched.pairs],
        "only_baseline": [label(k) for k in comparison.matched.only_baseline],
        "only_new": [label(k) for k in comparison.matched.only_new],
    }
    safe: dict[str, Any] = redact_data(json_safe(view))
    return safe


def _metric_view(pair: MetricPair) -> dict[str, Any]:
    interval = pair.change(CONFIDENCE)
    return {
        "auditor": label(pair.auditor),
        "key": label(pair.key),
        "name": pair.name,
        "kind": pair.kind,
        "better": direction(pair.name),
        "baseline": pair.base.value,
        "baseline_ci": [pair.base.low, pair.base.high],
        "new": pair.new.value,
        "new_ci": [pair.new.low, pair.new.high],
        "change": interval.change,
        "change_low": interval.low,
        "change_high": interval.high,
        "level": interval.level,  # guaranteed coverage of [change_low, change_high]
        "method": interval.method,
    }


def _check_view(check: RegressionCheck, comparison: Comparison) -> dict[str, Any]:
    """A check in the audit report's CheckView shape (what render_junit reads), plus the change."""
    gate = comparison.gate
    return {
        "auditor": GATE,
        "family": check.limit.family,
        "metric": label(f"{check.pair.auditor}: {check.pair.key}"),
        "threshold": f"regression ≤ {check.limit.bound:g} ({gate.mode}, α {gate.alpha:g})",
        "status": check.status,
        "on_inconclusive": gate.inconclusive,
        "message": check.message,
        "change": check.interval.change,
        "change_low": check.interval.low,
        "change_high": check.interval.high,
        "level": check.interval.level,
    }


def _junit_view(view: dict[str, Any]) -> Any:
    """The comparison in the shape render_junit reads: one suite, one testcase per check."""
    name = f"compare {view['baseline']['run_id']} -> {view['new']['run_id']}"
    return {
        "run": {"name": name},
        "summary": view["summary"],
        "checks": view["checks"],
        "auditors": [{"label": GATE, "seconds": 0.0, "status": "pass", "error": ""}],
    }


def headline(view: dict[str, Any], html: Path) -> str:
    """The one line ``compare`` prints: the verdict, the counts, the regressed metrics, the file."""
    counts = ", ".join(f"{n} {status}" for status, n in view["summary"].items() if n)
    failed = [c["metric"] for c in view["checks"] if c["status"] == "fail"]
    named = f" Regressed: {', '.join(failed)}." if failed else ""
    shared = f"{len(view['metrics'])} metrics in both runs"
    gate = f"; checks: {counts}" if counts else "; no --max-regression given: nothing judged"
    return printable(f"{view['verdict'].upper()}: {shared}{gate}.{named} Report: {html}")
