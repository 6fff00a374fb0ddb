"""A finished run folder as ``trustaudit compare`` reads it: its manifest and its report.json,
checked before anything is compared, so a wrong folder exits 2 with the path and the key."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import DataError, UsageError, file_problem
from ..inputs.jsonl import JSON_TYPES, json_type
from ..ledger.manifest import read_manifest, read_run_json

REPORT_FILE = "report.json"
_NUMBER = (int, float, type(None))
_TEXT = (str, type(None))
# the keys of a report.json metric that compare reads, with their JSON types
METRIC_SHAPE: dict[str, tuple[type, ...]] = {
    "key": (str,),
    "name": (str,),
    "kind": (str,),
    "value": _NUMBER,
    "ci_low": _NUMBER,
    "ci_high": _NUMBER,
    "successes": (int, type(None)),
    "trials": (int, type(None)),
    "interval": _TEXT,
}


@dataclass(frozen=True)
class RunSnapshot:
    """What one finished run says about itself: the manifest and the report's view-model."""

    folder: Path
    role: str  # BASELINE_RUN or NEW_RUN: how the command line named it
    manifest: dict[str, Any]
    report: dict[str, Any]

    @property
    def run_id(self) -> str:
        return str(self.manifest["run_id"])


def read_run(folder: Path, role: str) -> RunSnapshot:
    """The run in ``folder``, complete and readable, or a UsageError/DataError naming the path."""
    if not folder.is_dir():
        raise UsageError(
            f"{role} {folder}: no such run folder. Give a folder written by trustaudit run."
        )
    manifest = read_manifest(folder)
    if manifest["status"] != "complete":
        raise DataError(
            f"{role} {folder}: the run is not complete (manifest status "
            f"'{manifest['status']}'). Finish it first: trustaudit run SPEC --resume {folder}."
        )
    return RunSnapshot(folder, role, manifest, _read_report(folder / REPORT_FILE))


def _read_report(path: Path) -> dict[str, Any]:
    problem = file_problem(path)
    if problem:
        raise DataError(f"{path} {problem}; a complete run folder has one. Re-run the audit.")
    report: dict[str, Any] = read_run_json(path, "report", report_problem)
    return report


def report_problem(report: Any) -> str | None:
    """The first key of report.json whose JSON type differs from what compare reads."""
    if not isinstance(report, dict):
        return f"expected a JSON object, got {json_type(report)}"
    auditors = report.get("auditors")
    if not isinstance(auditors, list):
        return f"auditors: expected a list, got {json_type(auditors)}"
    for i, auditor in enumerate(auditors):
        where = f"auditors[{i}]"
        if not isinstance(auditor, dict) or not isinstance(auditor.get("label"), str):
            return f"{where}: expected an object with a 'label' text"
        if not isinstance(auditor.get("confidence"), _NUMBER):
            return f"{where}.confidence: expected a number or null"
        metrics = auditor.get("metrics")
        if not isinstance(metrics, list):
            return f"{where}.metrics: expected a list, got {json_type(metrics)}"
        for j, metric in enumerate(metrics):
            problem = _metric_problem(metric, f"{where}.metrics[{j}]")
            if problem:
                return problem
    return None


def _metric_problem(metric: Any, where: str) -> str | None:
    if not isinstance(metric, dict):
        return f"{where}: expected an object, got {json_type(metric)}"
    for key, kinds in METRIC_SHAPE.items():
        value = metric.get(key)
        if key not in metric or not isinstance(value, kinds) or isinstance(value, bool):
            return f"{where}.{key}: expected {_names(kinds)}, got {_found(metric, key)}"
    return None


def _names(kinds: tuple[type, ...]) -> str:
    return " or ".join(dict.fromkeys(JSON_TYPES[k] for k in kinds))


def _found(metric: dict[str, Any], key: str) -> str:
    return json_type(metric[key]) if key in metric else "nothing (missing)"
