"""The report files of a run folder: report.json (the view-model), report.html and junit.xml
rendered from it."""

from __future__ import annotations

import json
from pathlib import Path

from ..findings import AuditRun
from ..redaction import redact_data
from ..shown import mask_labels, run_labels
from .html import render_html
from .junit import render_junit
from .view import SCHEMA_VERSION, build_view

__all__ = ["SCHEMA_VERSION", "build_view", "render_html", "render_junit", "write_report"]


def write_report(run: AuditRun, folder: Path) -> None:
    """Write report.json (the view-model), report.html and junit.xml into the run folder. The
    view passes the output boundary first: data labels holding identifiers masked, secrets
    redacted (examples and errors were masked as the runner received them)."""
    view = redact_data(mask_labels(build_view(run), run_labels(run)))
    (folder / "report.json").write_text(
        json.dumps(view, indent=2, ensure_ascii=False, allow_nan=False) + "\n", encoding="utf-8"
    )
    (folder / "report.html").write_text(render_html(view), encoding="utf-8")
    (folder / "junit.xml").write_text(render_junit(view), encoding="utf-8")
