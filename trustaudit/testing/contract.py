"""The contract every auditor keeps, as checks anyone can run (scikit-learn's ``check_estimator``).

``check_auditor(FairnessAuditor, subject)`` runs every check; ``auditor_checks`` yields them one by
one, named, to parametrize a test over. An auditor is run the way a user runs it: a tiny spec is
written into a private folder and ``run_audit`` executes it (real model adapter, real ledger, real
report writers), twice with the same seed. Each check raises AssertionError saying what broke.
"""

from __future__ import annotations

import dataclasses
import json
import math
import tempfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property, partial
from pathlib import Path
from typing import Any

import pandas as pd

from ..auditors import Auditor, AuditorRegistry, registry
from ..findings import AuditResult, AuditRun, Status
from ..ledger.chain import read_ledger
from ..report import build_view, render_html, render_junit
from ..run.runner import prepare, run_audit
from ..spec import load_spec

CHECKED, AGAIN = "checked", "again"  # labels of the auditor's two copies in each run
MODEL_KINDS = ("tabular", "text", "any")


@dataclass(frozen=True, kw_only=True)
class Subject:
    """A small, real audit to check an auditor on: its parameters, a spec ``model`` entry (None for
    data-only auditors), the data (None for text auditors) and its target, and ``companions``:
    other ``auditors`` entries to run first (an auditor that reads the others' results needs
    them)."""

    params: Mapping[str, Any] = field(default_factory=dict)
    model: Mapping[str, Any] | None = None
    data: pd.DataFrame | None = None
    target: str | None = None
    seed: int = 0
    companions: tuple[Mapping[str, Any], ...] = ()


class Trial:
    """One auditor on one subject in its own folder; each run happens once, when a check needs it.

    Both runs hold the auditor twice (labels ``checked`` and ``again``): auditors of a run share
    one data frame, so ``again`` sees whatever ``checked`` left behind."""

    def __init__(
        self,
        auditor: type[Auditor] | Auditor,
        subject: Subject,
        folder: Path,
        registry: AuditorRegistry = registry,
    ) -> None:
        self.cls = auditor if isinstance(auditor, type) else type(auditor)
        self.subject = subject
        self.folder = Path(folder)
        self.registry = registry
        self._given = None if isinstance(auditor, type) else auditor

    @cached_property
    def auditor(self) -> Auditor:
        """The instance checked: the one given, or the class built from the subject's params."""
        if self._given is not None:
            return self._given
        return self.registry.build(self.cls.name, dict(self.subject.params))

    @cached_property
    def spec_path(self) -> Path:
        """The spec, written as JSON (valid YAML): a parameter JSON cannot hold fails here."""
        self.folder.mkdir(parents=True, exist_ok=True)
        spec: dict[str, Any] = {
            "name": f"contract-{self.cls.name}",
            "seed": self.subject.seed,
            "output": str(self.folder / "runs"),
            "auditors": [
                *self.subject.companions,
                *(
                    {"use": self.cls.name, "label": label, "params": self.auditor.params()}
                    for label in (CHECKED, AGAIN)
                ),
            ],
        }
        if self.subject.model is not None:
            spec["model"] = dict(self.subject.model)
        if self.subject.data is not None:
            self.subject.data.to_csv(self.folder / "data.csv", index=False)
            spec["data"] = {"path": str(self.folder / "data.csv")}
            if self.subject.target is not None:
                spec["data"]["target"] = self.subject.target
        try:
            text = json.dumps(spec, indent=1)
        except (TypeError, ValueError) as exc:
            raise AssertionError(f"{self.cls.name}: params() cannot go into a spec: {exc}") from exc
        path = self.folder / "spec.yaml"
        path.write_text(text, encoding="utf-8")
        return path

    def _run(self, name: str) -> AuditRun:
        """A real run; a crash outside ``run()`` (the gate, the report writers) fails the check."""
        spec = load_spec(self.spec_path)
        try:
            return run_audit(spec, out=self.folder / name)
        except Exception as exc:  # whatever broke, the check names it
            raise AssertionError(
                f"{self.cls.name}: the audit run failed: {type(exc).__name__}: {exc}"
            ) from exc

    @cached_property
    def run(self) -> AuditRun:
        return self._run("first")

    @cached_property
    def rerun(self) -> AuditRun:
        return self._run("second")

    def result(self, run: AuditRun, label: str = CHECKED) -> AuditResult:
        """The auditor's result in ``run``; an ERROR result fails the check with its error."""
        result = next(r for r in run.results if r.label == label)
        assert result.status is not Status.ERROR, (
            f"{self.cls.name}: run() failed on the subject: {result.error}"
        )
        return result


def _registered(trial: Trial) -> None:
    cls = trial.cls
    assert dataclasses.is_dataclass(cls) and issubclass(cls, Auditor), (
        f"{cls.__name__} must be a dataclass subclassing Auditor"
    )
    params = cls.__dataclass_params__  # type: ignore[attr-defined]
    assert params.frozen, f"{cls.__name__} must be frozen: @dataclass(frozen=True, kw_only=True)"
    positional = [f.name for f in dataclasses.fields(cls) if not f.kw_only]
    assert not positional, f"{cls.__name__}: parameters {positional} must be keyword-only"
    assert isinstance(getattr(cls, "name", None), str), f"{cls.__name__} must set a str `name`"
    known = trial.registry.names()
    assert cls.name in known and trial.registry.get(cls.name) is cls, (
        f"{cls.__name__} is not registered under '{cls.name}' (@registry.register)"
    )
    assert cls.model_kind in MODEL_KINDS, f"{cls.name}: model_kind must be one of {MODEL_KINDS}"
    names = cls.metric_names()
    assert names and all(isinstance(n, str) for n in names), (
        f"{cls.name}: metric_names() must be a non-empty set of str, got {names!r}"
    )


def _params_round_trip(trial: Trial) -> None:
    params = trial.auditor.params()
    try:
        text = json.dumps(params, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise AssertionError(f"{trial.cls.name}: params() is not JSON data: {exc}") from exc
    rebuilt = trial.registry.build(trial.cls.name, json.loads(text))
    assert rebuilt == trial.auditor, (
        f"{trial.cls.name}: building from params() gives a different auditor: "
        f"{rebuilt!r} != {trial.auditor!r}"
    )


def _metrics_named(trial: Trial) -> None:
    """Names within metric_names() (thresholds are validated against it) and keys within
    metric_keys() when the auditor knows them before the run."""
    result = trial.result(trial.run)
    assert result.auditor == trial.cls.name, (
        f"{trial.cls.name}: result names auditor '{result.auditor}'"
    )
    names = trial.cls.metric_names()
    stray = sorted({m.name for m in result.metrics} - names)
    assert not stray, f"{trial.cls.name}: metrics {stray} are not in metric_names() {sorted(names)}"
    spec = load_spec(trial.spec_path)
    data, _ = prepare(spec)
    space = trial.auditor.metric_keys(spec, data, "contract")
    if space is not None:
        unknown = sorted(
            m.key for m in result.metrics if (m.name, m.grouping, m.group) not in space.keys
        )
        assert not unknown, f"{trial.cls.name}: metric keys {unknown} are not in metric_keys()"


def _metric_values(trial: Trial) -> None:
    result = trial.result(trial.run)
    keys = [m.key for m in result.metrics]
    twice = sorted({k for k in keys if keys.count(k) > 1})
    assert not twice, f"{trial.cls.name}: metric keys {twice} occur more than once"
    for m in result.metrics:
        where = f"{trial.cls.name}: metric {m.key}"
        for part in ("value", "ci_low", "ci_high"):
            got = getattr(m, part)
            assert isinstance(got, float), f"{where}: {part} is {type(got).__name__}, not float"
        assert not math.isnan(m.value) or m.note, f"{where} is NaN without a note saying why"
        if not (math.isnan(m.ci_low) or math.isnan(m.ci_high) or math.isnan(m.value)):
            assert m.ci_low <= m.value <= m.ci_high, (
                f"{where}: interval not ordered: {m.ci_low} <= {m.value} <= {m.ci_high}"
            )
        assert m.n is None or m.n >= 0, f"{where}: n is {m.n}"


def _comparable(result: AuditResult) -> list[dict[str, Any]]:
    """Metrics as dicts with NaN spelled out (NaN != NaN would make equal runs differ)."""
    return [
        {k: "nan" if isinstance(v, float) and math.isnan(v) else v for k, v in row.items()}
        for row in map(dataclasses.asdict, result.metrics)
    ]


def _deterministic(trial: Trial) -> None:
    first, second = (_comparable(trial.result(run)) for run in (trial.run, trial.rerun))
    diff = [(a, b) for a, b in zip(first, second, strict=False) if a != b]
    assert first == second, (
        f"{trial.cls.name}: two runs with seed {trial.subject.seed} differ "
        f"({len(first)} vs {len(second)} metrics); first difference: {diff[:1]}"
    )


def _renders(trial: Trial) -> None:
    """The report view, HTML, JUnit and JSON of a run holding the result can be written."""
    trial.result(trial.run)
    try:
        view = build_view(trial.run)
        json.loads(json.dumps(view, allow_nan=False))
        html = render_html(view)
        render_junit(view)
    except Exception as exc:  # whatever a writer raises, the check names it
        raise AssertionError(
            f"{trial.cls.name}: the report cannot be rendered: {type(exc).__name__}: {exc}"
        ) from exc
    assert CHECKED in html, f"{trial.cls.name}: its result is missing from report.html"


def _inputs_unchanged(trial: Trial) -> None:
    """The second copy (same frame) measures what the first did, and the frame keeps its rows and
    columns. ``run_audit`` owns the frame, so a changed value no auditor reads goes unseen."""
    first, again = (_comparable(trial.result(trial.run, label)) for label in (CHECKED, AGAIN))
    assert first == again, f"{trial.cls.name}: a second run on the same data measured otherwise"
    frame = trial.subject.data
    if frame is not None:
        shape = (trial.run.data_info["rows"], trial.run.data_info["columns"])
        assert shape == frame.shape, (
            f"{trial.cls.name}: run() changed the data frame's shape {frame.shape} to {shape}"
        )


def _model_calls_bounded(trial: Trial) -> None:
    """The spec's ``max_calls`` budget trusts model_calls() as an upper bound."""
    trial.result(trial.run)
    spec = load_spec(trial.spec_path)
    data, _ = prepare(spec)
    estimate = trial.auditor.model_calls(spec, data, "contract")
    records = read_ledger(Path(trial.run.provenance["folder"]) / "ledger.jsonl").records
    made = sum(
        r.get("kind") == "call" and r.get("auditor") == CHECKED and r.get("replayed_from") is None
        for r in records
    )
    assert made <= estimate, (
        f"{trial.cls.name}: made {made} model calls; model_calls() said {estimate}"
    )


CHECKS: dict[str, Callable[[Trial], None]] = {
    "registered": _registered,
    "params_round_trip": _params_round_trip,
    "metrics_named": _metrics_named,
    "metric_values": _metric_values,
    "deterministic": _deterministic,
    "renders": _renders,
    "inputs_unchanged": _inputs_unchanged,
    "model_calls_bounded": _model_calls_bounded,
}


def auditor_checks(trial: Trial) -> Iterator[tuple[str, Callable[[], None]]]:
    """``(check name, check)`` pairs for one trial, to parametrize a test over."""
    for name, check in CHECKS.items():
        yield name, partial(check, trial)


def check_auditor(
    auditor: type[Auditor] | Auditor,
    subject: Subject,
    *,
    registry: AuditorRegistry = registry,
) -> None:
    """Run every check on ``auditor`` (a class is built from ``subject.params``); raise
    AssertionError at the first one that fails."""
    with tempfile.TemporaryDirectory(prefix="trustaudit-contract-") as folder:
        for _, check in auditor_checks(Trial(auditor, subject, Path(folder), registry)):
            check()
