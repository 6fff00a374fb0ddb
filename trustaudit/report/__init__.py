"""Write a run folder: report.json (the view-model), report.html and junit.xml rendered from it."""

from __future__ import annotations

import json
from pathlib import Path

from ..findings import AuditRun
from .html import render_html
from .junit import render_junit
from .view import SCHEMA_VERSION, build_view

__all__ = ["SCHEMA_VERSION", "build_view", "render_html", "render_junit", "write_report"]


def write_report(run: AuditRun, parent: Path) -> Path:
    """Create ``parent/<name>-<UTC timestamp>/`` and write the three report files into it."""
    folder = _new_folder(parent, run)
    view = build_view(run)
    (folder / "report.json").write_text(json.dumps(view, indent=2, ensure_ascii=False, allow_nan=False) + "\n", encoding="utf-8")
    (folder / "report.html").write_text(render_html(view), encoding="utf-8")
    (folder / "junit.xml").write_text(render_junit(view), encoding="utf-8")
    return folder


def _new_folder(parent: Path, run: AuditRun) -> Path:
    stamp = run.started.replace("-", "").replace(":", "").replace("+0000", "Z").replace("+00:00", "Z")
    base = parent / f"{run.name}-{stamp}"
    folder, n = base, 1
    while folder.exists():
        n += 1
        folder = base.with_name(f"{base.name}-{n}")
    folder.mkdir(parents=True)
    return folder
