"""Run an audit: data, model adapter, every auditor (a crash becomes an ERROR result), then the gate."""

from __future__ import annotations

import importlib.metadata
import platform
import time
import traceback
import uuid
from dataclasses import replace
from datetime import datetime, timezone

from .adapters import build_model
from .auditors import AuditContext, Auditor, registry
from .data import AuditData, load_data
from .errors import TrustAuditError
from .findings import AuditResult, AuditRun, Status
from .gate import evaluate
from .progress import SILENT, Progress
from .spec import AuditSpec

KEY_PACKAGES = ("trustaudit", "numpy", "pandas", "scikit-learn", "fairlearn", "scipy", "pydantic", "jinja2", "matplotlib")


def prepare(spec: AuditSpec) -> tuple[AuditData, list[tuple[str, Auditor]]]:
    """Load the data and build the auditors, checking every column they need (no model is touched)."""
    data = load_data(spec)
    auditors = []
    labels = _labels(spec)
    for i, entry in enumerate(spec.auditors):
        auditor = registry.build(entry.use, entry.params)
        for param, columns in auditor.required_columns().items():
            data.require_columns(columns, spec.where(f"auditors[{i}].params.{param}"))
        auditors.append((labels[i], auditor))
    return data, auditors


def run_audit(spec: AuditSpec, *, progress: Progress = SILENT) -> AuditRun:
    """Run every auditor of ``spec`` against its model and judge the thresholds."""
    started = _now()
    data, auditors = prepare(spec)
    progress.step(f"data: {len(data.frame):,} rows from {data.source}")
    model = build_model(spec, data)
    progress.step(f"model: {model.info.name} ({model.info.adapter}, {model.info.version})")
    results = []
    for label, auditor in auditors:
        progress.step(f"{label}: running")
        results.append(_run_one(auditor, model, data, AuditContext(spec.seed, label, progress)))
        outcome = "could not complete" if results[-1].status is Status.ERROR else "done"
        progress.step(f"{label}: {outcome} in {results[-1].seconds:.1f}s")
    return AuditRun(
        run_id=uuid.uuid4().hex, name=spec.name, started=started, finished=_now(), seed=spec.seed,
        spec=spec.normalized(), spec_path=str(spec.path), results=tuple(results),
        checks=tuple(evaluate(spec, results)), model_info=model.info.as_dict(), data_info=data.info(),
        environment=environment(),
    )


def _run_one(auditor: Auditor, model, data: AuditData, ctx: AuditContext) -> AuditResult:
    start = time.perf_counter()
    try:
        result = auditor.run(model, data, ctx)
        return replace(result, label=ctx.label, seconds=time.perf_counter() - start)
    except Exception as exc:  # an auditor's crash must not stop the others
        error = str(exc) if isinstance(exc, TrustAuditError) else _describe_crash(exc)
        return AuditResult(auditor.name, ctx.label, auditor.params(), status=Status.ERROR, error=error,
                           seconds=time.perf_counter() - start)


def _describe_crash(exc: Exception) -> str:
    frame = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
    where = f" (at {frame.filename}:{frame.lineno} in {frame.name})" if frame else ""
    return f"{type(exc).__name__}: {exc}{where}"


def _labels(spec: AuditSpec) -> list[str]:
    """Report headings: the entry's label or auditor name, numbered when repeated."""
    raw = [entry.label or entry.use for entry in spec.auditors]
    return [name if raw.count(name) == 1 else f"{name}#{raw[:i + 1].count(name)}" for i, name in enumerate(raw)]


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def environment() -> dict[str, str]:
    """Versions of Python, the platform and the key dependencies, for the reproducibility appendix."""
    versions = {"python": platform.python_version(), "platform": platform.platform()}
    for package in KEY_PACKAGES:
        try:
            versions[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            versions[package] = "not installed"
    return versions
