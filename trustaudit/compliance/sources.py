"""The runs a compliance pack is built from: each run folder's report.json and manifest.json, read
as trustaudit wrote them (nothing is re-run or re-measured)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import DataError, file_problem
from ..fingerprint import strict_json
from ..ledger.manifest import read_manifest

REPORT_FILE = "report.json"


@dataclass(frozen=True)
class RunSource:
    """One audited run: its view-model (report.json), its manifest and its folder's name."""

    view: dict[str, Any]
    manifest: dict[str, Any]
    folder: str
    # `trustaudit compare` results against earlier runs (comparison-*/comparison.json)
    comparisons: tuple[dict[str, Any], ...] = ()

    @property
    def run_id(self) -> str:
        return str(self.view["run"]["id"])

    @property
    def name(self) -> str:
        return str(self.view["run"]["name"])

    def checks_by_metric(self) -> dict[tuple[str, str], dict[str, Any]]:
        """Each check by (auditor label, metric key): what judged a measured value."""
        return {(c["auditor"], c["metric"]): c for c in self.view["checks"]}


def read_run(folder: Path) -> RunSource:
    """The run in ``folder``; DataError naming the file and the fix when it is not a complete
    trustaudit run folder."""
    manifest = read_manifest(folder)
    path = folder / REPORT_FILE
    problem = file_problem(path)
    if problem:
        raise DataError(
            f"{path}: {problem}. A compliance card is built from a finished run: give a folder "
            "written by trustaudit run (finish an interrupted one with --resume)."
        )
    try:
        view = strict_json(path.read_bytes())
    except (ValueError, UnicodeDecodeError) as exc:
        raise DataError(
            f"{path}: not readable JSON ({exc}). Use the run folder as written."
        ) from None
    if not isinstance(view, dict) or not all(
        isinstance(view.get(key), expected)
        for key, expected in (("run", dict), ("checks", list), ("auditors", list))
    ):
        raise DataError(
            f"{path}: expected trustaudit's report (an object with run, checks and auditors). "
            "Use the run folder as written."
        )
    _check_fields(path, view)
    return RunSource(view, manifest, folder.name, _comparisons(folder))


METRIC_FIELDS = ("key", "value", "ci_low", "ci_high", "interval", "n", "grouping", "group")


def _check_fields(path: Path, view: dict[str, Any]) -> None:
    """The fields the card reads, present in every auditor and metric: a report written by an
    older trustaudit lacks some (DataError naming the first missing one and the fix)."""
    for auditor in view["auditors"]:
        missing = [f for f in ("label", "name", "confidence", "metrics") if f not in auditor]
        missing += [f for m in auditor.get("metrics", []) for f in METRIC_FIELDS if f not in m]
        if missing:
            raise DataError(
                f"{path}: auditor {auditor.get('label', '?')!r} has no {missing[0]!r} "
                f"(report schema {view.get('schema_version', '?')}, written by an older "
                "trustaudit). Rerun the spec with this version to build its card."
            )


def _comparisons(folder: Path) -> tuple[dict[str, Any], ...]:
    """The comparisons written beside the run (``trustaudit compare`` or ``run --baseline``): the
    run history the card's ongoing maintenance links."""
    found = []
    for path in sorted(folder.glob("comparison-*/comparison.json")):
        try:
            comparison = strict_json(path.read_bytes())
        except (ValueError, UnicodeDecodeError) as exc:
            raise DataError(
                f"{path}: not readable JSON ({exc}). Rerun trustaudit compare, or remove the "
                "folder."
            ) from None
        if isinstance(comparison, dict) and isinstance(comparison.get("baseline"), dict):
            found.append(comparison)
    return tuple(found)


def check_same_model(sources: list[RunSource]) -> None:
    """Every run must audit the same model (same fingerprint; a data-only run has none): one
    card describes one model."""
    seen: dict[str, str] = {}
    for source in sources:
        fingerprint = source.view.get("model", {}).get("fingerprint")
        if fingerprint:
            seen.setdefault(str(fingerprint), source.folder)
    if len(seen) > 1:
        (first, a), (second, b) = list(seen.items())[:2]
        raise DataError(
            f"{b}: audits another model than {a} (model fingerprint {second[:24]}… vs "
            f"{first[:24]}…). A card describes one model: give runs of the same model."
        )
