"""The report files of a run folder: report.json (the view-model), report.html and junit.xml
rendered from it."""

from __future__ import annotations

import json
import os
from pathlib import Path

from ..compliance import RunSource, build_evidence, documents, report_section
from ..findings import AuditRun
from ..ledger.manifest import read_manifest
from ..redaction import redact_data
from ..shown import mask_labels, run_labels
from .html import render_html
from .junit import render_junit
from .view import SCHEMA_VERSION, build_view

__all__ = [
    "SCHEMA_VERSION",
    "build_view",
    "render_html",
    "render_junit",
    "write_documents",
    "write_report",
]


def write_report(run: AuditRun, folder: Path) -> None:
    """Write report.json (the view-model), report.html and junit.xml into the run folder, then
    the compliance pack built from the same view and the folder's manifest. The view passes the
    output boundary first: data labels holding identifiers masked, secrets redacted (examples and
    errors were masked as the runner received them)."""
    view = redact_data(mask_labels(build_view(run), run_labels(run)))
    report = json.dumps(view, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    _replace(folder / "report.json", report)
    evidence = build_evidence([RunSource(view, read_manifest(folder), folder.name)])
    _replace(folder / "report.html", render_html(view, report_section(evidence)))
    _replace(folder / "junit.xml", render_junit(view))
    write_documents(folder, documents(evidence))


def write_documents(folder: Path, files: dict[str, str]) -> None:
    """Write each file (by its path under ``folder``) whole or not at all."""
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        _replace(folder / name, text)


def _replace(path: Path, text: str) -> None:
    """Write ``path`` whole or not at all (through ``<name>.partial``): a run killed while writing
    its reports leaves every report file either absent, the previous one, or complete."""
    partial = path.with_name(path.name + ".partial")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)
