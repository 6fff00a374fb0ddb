"""What a run did not test, in words: the summary's second half. An audit that says only what it
found invites the reader to take silence for safety; this names the auditors that did not run or
failed, the checks not judged, the groups too small to estimate and the PHI no recognizer covers."""

from __future__ import annotations

from typing import Any

from ..auditors import registry
from ..findings import AuditRun, Status
from ..phi.safe_harbor import NOT_COVERED
from ..spec.models import TEXT_MODEL_TYPES
from .phrases import context, phrase

_PHI_AUDITORS = ("privacy", "phi_scan")


def not_tested(run: AuditRun) -> list[str]:
    """Auditors failed or not run, checks not judged, groups not estimable, PHI not covered."""
    lines = [
        f"{r.label} could not complete: {r.error.splitlines()[0] if r.error else 'no reason given'}"
        for r in run.results
        if r.status is Status.ERROR
    ]
    lines += _not_run(run)
    lines += _not_judged(run)
    lines += _not_estimable(run)
    if any(r.auditor in _PHI_AUDITORS for r in run.results):
        categories = "; ".join(f"({c.letter}) {c.name.lower()}" for c in NOT_COVERED)
        lines.append(
            f"PHI of the Safe Harbor categories {categories} cannot be detected in text: "
            "not covered by the PHI checks."
        )
    return lines


def model_kind(spec: dict[str, Any]) -> str:
    """'text', 'tabular' or 'none', from the normalized spec the run recorded."""
    model = spec.get("model")
    if not model:
        return "none"
    text = model.get("type") in TEXT_MODEL_TYPES or bool(model.get("generate"))
    return "text" if text else "tabular"


def _not_run(run: AuditRun) -> list[str]:
    """The registered auditors for this kind of model that the spec does not use."""
    kind = model_kind(run.spec)
    used = {r.auditor for r in run.results}
    lines = []
    for name in registry.names():
        cls = registry.get(name)
        if name in used or cls.model_kind not in (kind, "any"):
            continue
        if cls.needs_data and not run.data_info:
            continue
        lines.append(f"Not run: {name}. {cls.description()}")
    if kind == "tabular" and "train_overlap" not in used:
        lines.append(
            "Not measured: how many audit rows the model was trained on (name its training rows "
            "in data.train)."
        )
    return lines


def _not_judged(run: AuditRun) -> list[str]:
    """Checks the gate skipped or could not judge, with the reason in the gate's words."""
    results = {r.label: r for r in run.results}
    lines = []
    for check in run.checks:
        if check.status not in (Status.SKIPPED, Status.ERROR):
            continue
        result = results.get(check.auditor_label)
        metric = (
            next((m for m in result.metrics if m.key == check.metric_key), None) if result else None
        )
        if result is None or metric is None:
            lines.append(f"Not judged ({check.auditor_label}): {check.message}.")
            continue
        noun = phrase(result.auditor, metric.name).noun.format(
            outcome="the outcome", decision="the focal decision", category="PHI"
        )
        where = context(result.auditor, metric.grouping, metric.group)
        reason = check.message.removeprefix(f"{check.metric_key}: ")
        lines.append(f"Not judged: the {noun}{where} ({reason}).")
    return lines


def _not_estimable(run: AuditRun) -> list[str]:
    """A line per auditor and group with measurements not estimable (the tables say why)."""
    lines: list[str] = []
    for result in run.results:
        for metric in result.metrics:
            if metric.estimable or metric.group is None:
                continue
            where = context(result.auditor, metric.grouping, metric.group)
            line = (
                f"{result.label}: some measurements{where} could not be estimated "
                "(the tables below give each reason)."
            )
            if line not in lines:
                lines.append(line)
    return lines
