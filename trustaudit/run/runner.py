"""Run an audit: data, model adapter, every auditor (a crash becomes an ERROR result), the gate, and
the sealed run folder (ledger, manifest, reports)."""

from __future__ import annotations

import importlib.metadata
import platform
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any

from ..adapters import ModelInfo, build_model
from ..auditors import AuditContext, Auditor, registry
from ..clock import utc_now
from ..errors import SpecError, TrustAuditError
from ..findings import AuditResult, AuditRun, Check, Provenance, Status
from ..inputs.data import AuditData, load_data
from ..ledger import runfolder
from ..ledger.manifest import git_commit, operator, read_manifest, write_manifest
from ..ledger.recorder import RecordedTabularModel, RecordedTextModel, Recorder
from ..progress import SILENT, Progress
from ..report import write_report
from ..shown import Plain, free_text, masked_result
from ..spec.models import AuditSpec
from . import interrupts
from .behaviour import behaviour_fingerprint
from .budget import check_budget, model_calls
from .engine_check import check_engine, expected_cells
from .gate import evaluate
from .overlap import load_training, overlap_check

KEY_PACKAGES = (
    "trustaudit",
    "numpy",
    "pandas",
    "scikit-learn",
    "fairlearn",
    "scipy",
    "pydantic",
    "jinja2",
    "matplotlib",
)


@contextmanager
def prepared(spec: AuditSpec) -> Iterator[tuple[AuditData | None, list[tuple[str, Auditor]]]]:
    """``prepare``, releasing an engine that holds the data (DuckDB, a Spark session) after."""
    data, auditors = prepare(spec)
    try:
        yield data, auditors
    finally:
        if data is not None and data.table is not None:
            data.table.close()


def prepare(spec: AuditSpec) -> tuple[AuditData | None, list[tuple[str, Auditor]]]:
    """Load the data (if any) and build the auditors, checking every column they need, every
    threshold's metric key and the number of model calls against ``max_calls`` (no model runs)."""
    data = load_data(spec, expected_cells(spec)) if spec.data is not None else None
    try:
        return data, _auditors(spec, data)
    except BaseException:
        if data is not None and data.table is not None:
            data.table.close()
        raise


def _auditors(spec: AuditSpec, data: AuditData | None) -> list[tuple[str, Auditor]]:
    """The spec's auditors, built and checked against the data."""
    check_engine(spec, data)
    auditors, problems = [], []
    labels = _labels(spec)
    for i, entry in enumerate(spec.auditors):
        auditor = registry.build(entry.use, entry.params)
        for param, columns in auditor.required_columns().items():
            if data is not None:  # an auditor that needs data without a data section: spec error
                data.require_columns(columns, spec.where(f"auditors[{i}].params.{param}"))
        auditor.check_inputs(spec, spec.where(f"auditors[{i}].params"))
        if data is not None:
            auditor.check_data(data, spec.where(f"auditors[{i}].params"))
        problems += _threshold_problems(spec, i, auditor, data)
        auditors.append((labels[i], auditor))
    if problems:
        raise SpecError("\n".join(problems))
    check_budget(spec, model_calls(spec, data, auditors))
    load_training(spec, data)  # a bad training file stops validate and run before any call
    return auditors


def _threshold_problems(
    spec: AuditSpec, index: int, auditor: Auditor, data: AuditData | None
) -> list[str]:
    """A line per threshold whose metric the auditor will not produce (the gate would reject it)."""
    space = auditor.metric_keys(spec, data, spec.where(f"auditors[{index}].params"))
    if space is None:
        return []
    problems = []
    for j, threshold in enumerate(spec.auditors[index].thresholds):
        problem = space.problem(threshold.metric, auditor.name)
        if problem:
            problems.append(f"{spec.where(f'auditors[{index}].thresholds[{j}].metric')}: {problem}")
    return problems


def run_audit(
    spec: AuditSpec,
    *,
    out: Path | None = None,
    resume: Path | None = None,
    baseline: Path | None = None,
    progress: Progress = SILENT,
) -> AuditRun:
    """Run every auditor of ``spec``, every model call through the ledger; write and seal the run
    folder.

    ``out`` overrides the spec's output folder; ``resume`` finishes an interrupted run in its own
    folder, reusing its recorded model outputs; ``baseline`` is an earlier run folder to compare the
    model with."""
    with prepared(spec) as (data, auditors):
        return _run(spec, data, auditors, out, resume, baseline, progress)


def _run(
    spec: AuditSpec,
    data: AuditData | None,
    auditors: list[tuple[str, Auditor]],
    out: Path | None,
    resume: Path | None,
    baseline: Path | None,
    progress: Progress,
) -> AuditRun:
    key = runfolder.hmac_key(spec)
    baseline_manifest = read_manifest(baseline) if baseline else None
    if data is not None:
        progress.step(f"data: {data.rows:,} rows from {data.source} ({data.engine})")
    parent = out or spec.resolve(spec.output)
    if not resume:
        runfolder.make_parent(parent, f"--out {out}" if out else spec.where("output"))
    model = build_model(spec, data) if spec.model is not None else None
    if model is not None:
        progress.step(f"model: {model.info.name} ({model.info.adapter}, {model.info.version})")
    folder = _open_folder(spec, parent, resume, key, progress)
    manifest = _manifest(spec, folder, data, model.info if model is not None else None)
    try:
        write_manifest(folder.path, manifest)
        recorder = Recorder(
            folder.writer,
            run_id=folder.run_id,
            capture=spec.ledger.capture,
            replay=folder.replay,
            recorded_asks=folder.recorded_asks,
        )
        context = _context(spec, model, recorder, baseline_manifest, key)
        recorded = _recorded(spec, model, recorder)
        probe = partial(_fingerprint_behaviour, manifest, recorded, recorder)
        results = _run_auditors(auditors, recorded, data, spec.seed, progress, context, probe)
        overlap = overlap_check(spec, data, load_training(spec, data))
        run = _finish(spec, folder, manifest, model, recorder, results, data, overlap)
        write_report(run, folder.path)
        interrupts.sealing()  # from here on the run completes; an interruption waits for it
        runfolder.seal(folder)
    finally:
        folder.writer.close()
    return run


def _open_folder(
    spec: AuditSpec, parent: Path, resume: Path | None, key: bytes | None, progress: Progress
) -> runfolder.RunFolder:
    """A new run folder, or the interrupted one to resume."""
    if resume:
        folder = runfolder.resume(resume, spec, key=key, progress=progress)
    else:
        folder = runfolder.create(
            parent, spec.name, utc_now(), key=key, fsync_every=spec.ledger.fsync_every
        )
    progress.step(f"run folder: {folder.path}")
    return folder


def _context(
    spec: AuditSpec,
    model: Any,
    recorder: Recorder,
    baseline: dict[str, Any] | None,
    key: bytes | None,
) -> dict[str, Any]:
    """What every auditor's AuditContext holds besides its own label and the earlier results."""
    return {
        "recorder": recorder,
        "ledger_path": recorder.writer.path,
        "baseline": baseline,
        "declared": spec.declared_metrics(),
        "spec_digest": spec.digest(),
        "model_info": model.info if model is not None else None,
        "hmac_key": key,
        "base_dir": spec.path.parent,
    }


def _finish(
    spec: AuditSpec,
    folder: runfolder.RunFolder,
    manifest: dict[str, Any],
    model: Any,
    recorder: Recorder,
    results: list[AuditResult],
    data: AuditData | None,
    overlap: tuple[list[AuditResult], list[Check]],
) -> AuditRun:
    """Judge the results, add the train/test overlap check, mark the manifest complete and
    assemble the run for the report."""
    checks = evaluate(spec, results) + overlap[1]
    results = results + overlap[0]
    ledger = {**manifest["ledger"], "head": folder.writer.head, "records": folder.writer.count}
    manifest.update(status="complete", finished=utc_now(), ledger=ledger)
    provenance: Provenance = {
        "folder": str(folder.path),
        "manifest_sha256": write_manifest(folder.path, manifest),
        "ledger_head": folder.writer.head,
        "ledger_records": folder.writer.count,
        "model_calls": recorder.calls,
        "replayed_calls": recorder.replayed,
        "resumed_calls": recorder.resumed,
        "failed_calls": dict(recorder.failures.most_common()),
        "retries": getattr(model, "retries", 0),
    }
    return AuditRun(
        run_id=folder.run_id,
        name=spec.name,
        started=folder.started,
        finished=manifest["finished"],
        seed=spec.seed,
        spec=spec.normalized(),
        spec_path=str(spec.path),
        results=tuple(results),
        checks=tuple(checks),
        model_info=model.info.as_dict() if model is not None else {},
        data_info=data.info() if data is not None else {},
        environment=manifest["environment"],
        provenance=provenance,
    )


def _recorded(spec: AuditSpec, model: Any, recorder: Recorder) -> Any:
    """The model wrapped so every call goes through the ledger (None for a data-only audit)."""
    if model is None:
        return None
    if spec.model_kind == "text":
        return RecordedTextModel(model, recorder, spec.model, spec.seed)
    return RecordedTabularModel(model, recorder)


def _fingerprint_behaviour(manifest: dict[str, Any], model: Any, recorder: Recorder) -> None:
    """An endpoint's answers to the fixed probe set (run/behaviour.py), into the manifest."""
    behaviour = behaviour_fingerprint(model, recorder)
    if behaviour is not None:
        manifest["models"][0]["behaviour"] = behaviour


def _run_auditors(
    auditors: list[tuple[str, Auditor]],
    model: Any,
    data: AuditData | None,
    seed: int,
    progress: Progress,
    context: dict[str, Any],
    probe: Callable[[], None],
) -> list[AuditResult]:
    """Run in spec order, except auditors that read the others' results (``runs_last``), which
    run after ``probe`` (so a resumed run's ledger reads as an uninterrupted one's); report in
    spec order."""
    results: dict[int, AuditResult] = {}
    last = [i for i, (_, auditor) in enumerate(auditors) if auditor.runs_last]
    steps = [i for i in range(len(auditors)) if i not in last] + [None] + last
    for i in steps:
        if i is None:
            probe()
            continue
        label, auditor = auditors[i]
        progress.step(f"{label}: running")
        ctx = AuditContext(
            seed, label, progress, results=tuple(results[j] for j in sorted(results)), **context
        )
        with context["recorder"].scope(label):
            results[i] = _run_one(auditor, model, data, ctx)
        outcome = "could not complete" if results[i].status is Status.ERROR else "done"
        progress.step(f"{label}: {outcome} in {results[i].seconds:.1f}s")
    return [results[i] for i in range(len(auditors))]


def _manifest(
    spec: AuditSpec,
    folder: runfolder.RunFolder,
    data: AuditData | None,
    model_info: ModelInfo | None,
) -> dict[str, Any]:
    return {
        "run_id": folder.run_id,
        "status": "running",
        "started": folder.started,
        "finished": None,
        "operator": operator(),
        "git": git_commit(Path.cwd()),
        "environment": environment(),
        "spec_path": str(spec.path),
        "spec_sha256": spec.digest(),
        "spec": spec.normalized(),
        "seed": spec.seed,
        "data": [
            {
                "source": data.source,
                "sha256": data.fingerprint,
                "rows": data.rows,
                "engine": data.engine,
            }
        ]
        if data is not None
        else [],
        "models": [model_info.as_dict()] if model_info is not None else [],
        "ledger": {
            "file": "ledger.jsonl",
            "capture": spec.ledger.capture,
            "hmac": spec.ledger.hmac_key_env is not None,
            "hmac_key_env": spec.ledger.hmac_key_env,
            "head": None,
            "records": None,
        },
    }


def _run_one(
    auditor: Auditor, model: Any, data: AuditData | None, ctx: AuditContext
) -> AuditResult:
    start = time.perf_counter()
    try:
        result = auditor.run(model, data, ctx)
        # the masking boundary: no auditor's example or error reaches an output unmasked
        return masked_result(replace(result, label=ctx.label, seconds=time.perf_counter() - start))
    except Exception as exc:  # an auditor's crash must not stop the others
        # trustaudit's own errors quote foreign text only masked (adapters mask what servers and
        # callables say); any other exception's message is foreign: masked here
        error = Plain(exc) if isinstance(exc, TrustAuditError) else _describe_crash(exc)
        return masked_result(
            AuditResult(
                auditor=auditor.name,
                label=ctx.label,
                params=auditor.params(),
                status=Status.ERROR,
                error=error,
                seconds=time.perf_counter() - start,
            )
        )


def _describe_crash(exc: Exception) -> Plain:
    """``KeyError: 'x' (at file.py:12 in run)``: the message masked, the place shown as is."""
    frame = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
    where = f" (at {frame.filename}:{frame.lineno} in {frame.name})" if frame else ""
    return Plain(f"{type(exc).__name__}: {free_text(str(exc))}{where}")


def _labels(spec: AuditSpec) -> list[str]:
    """Report headings: the entry's label or auditor name, numbered when repeated."""
    raw = [entry.label or entry.use for entry in spec.auditors]
    return [
        name if raw.count(name) == 1 else f"{name}#{raw[: i + 1].count(name)}"
        for i, name in enumerate(raw)
    ]


def environment() -> dict[str, str]:
    """Versions of Python, the platform and the key dependencies, for the reproducibility
    appendix."""
    versions = {"python": platform.python_version(), "platform": platform.platform()}
    for package in KEY_PACKAGES:
        try:
            versions[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            versions[package] = "not installed"
    return versions
