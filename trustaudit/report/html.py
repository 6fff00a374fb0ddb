"""The self-contained HTML report: Jinja2 with autoescape and StrictUndefined, fed the view-model.

Nothing from a model or a dataset is marked safe; only trustaudit's own matplotlib SVG is. Every
other value printed passes ``printable`` (control and bidi characters as visible escapes) before
it is escaped.
"""

from __future__ import annotations

import math
from typing import Any

import yaml
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from ..findings import MetricKind
from ..printable import printable
from .figures import render_plots
from .view import MetricView, ReportView


def _shown(value: Any) -> Any:
    """Jinja's ``finalize``: every ``{{ … }}`` string but trustaudit's own markup is made
    printable."""
    return printable(value) if isinstance(value, str) and not isinstance(value, Markup) else value


_ENV = Environment(
    loader=PackageLoader("trustaudit.report", "templates"),
    finalize=_shown,
    autoescape=select_autoescape(default=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def fmt(value: Any, kind: str | None = None) -> str:
    """Numbers for people: integers and counts (``kind`` count or indicator) as integers, every
    other number to 3 decimals (a rate of 1 reads 1.000, like its interval); missing as a dash."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, int) or kind in (MetricKind.COUNT.value, MetricKind.INDICATOR.value):
        return f"{round(value):,}"
    return f"{value:.3f}"


def ci(low: Any, high: Any) -> str:
    return "—" if low is None or high is None else f"[{fmt(low)}, {fmt(high)}]"


_ENV.filters["fmt"] = fmt
_ENV.globals["ci"] = ci


_SEVERITY = {"fail": 0, "error": 1, "inconclusive": 2, "warn": 3, "skipped": 4, "pass": 5}
DISPARITY = MetricKind.DISPARITY.value


def render_html(view: ReportView, compliance: dict[str, Any] | None = None) -> str:
    """The report; ``compliance`` (``compliance.report_section``) adds its Compliance section."""
    checks = sorted(view["checks"], key=lambda c: _SEVERITY[c["status"]])
    confidence = {a["label"]: a["confidence"] for a in view["auditors"]}
    sections = [
        {
            "auditor": auditor,
            "ci_label": ci_label([auditor["confidence"]]),
            "disparities": disparity_table(auditor["metrics"]),
            "measurements": plain_metrics(auditor["metrics"]),
            "tables": group_tables(auditor["metrics"]),
            "figures": [(title, Markup(svg)) for title, svg in render_plots(auditor)],
        }
        for auditor in view["auditors"]
    ]
    spec_yaml = yaml.safe_dump(view["reproducibility"]["spec"], sort_keys=False, allow_unicode=True)
    return _ENV.get_template("report.html.j2").render(
        view=view,
        checks=checks,
        checks_ci_label=ci_label(
            [confidence.get(c["auditor"]) for c in checks if c["ci_low"] is not None]
        ),
        sections=sections,
        spec_yaml=spec_yaml,
        fairness_methods=any(a["name"] == "fairness" for a in view["auditors"]),
        compliance=compliance,
    )


def ci_label(levels: list[float | None]) -> str:
    """``95% CI`` when every interval shown has that level, else ``CI`` (levels differ or are
    unknown)."""
    known = set(levels)
    level = known.pop() if len(known) == 1 else None
    return "CI" if level is None else f"{100 * level:g}% CI"


def plain_metrics(metrics: list[MetricView]) -> list[MetricView]:
    """Metrics that belong to no group table and no disparity table."""
    return [
        m
        for m in metrics
        if m["group"] is None and m["grouping"] != "overall" and m["kind"] != DISPARITY
    ]


def disparity_table(metrics: list[MetricView]) -> dict[str, Any]:
    """Disparities pivoted: a row per metric name, a column per grouping; ``left_out`` lists, per
    grouping, the groups a disparity was computed without."""
    rows: dict[str, dict[str, MetricView]] = {}
    groupings: list[str] = []
    left_out: list[str] = []
    for metric in metrics:
        if metric["kind"] != DISPARITY:
            continue
        grouping = str(metric["grouping"])  # a disparity is over the groups of one grouping
        if grouping not in groupings:
            groupings.append(grouping)
        rows.setdefault(metric["name"], {})[grouping] = metric
        groups = f"{grouping}: {', '.join(metric['left_out'])}"
        if metric["left_out"] and groups not in left_out:
            left_out.append(groups)
    return {"groupings": groupings, "rows": list(rows.items()), "left_out": left_out}


def group_tables(metrics: list[MetricView]) -> list[dict[str, Any]]:
    """One table per grouping: a row per group (overall first), a column per metric name; ``notes``
    says what a column counts when all its cells say the same (e.g. which decision a rate
    counts)."""
    tables: dict[str, dict[str, Any]] = {}
    for metric in metrics:
        if metric["grouping"] is None or (
            metric["group"] is None and metric["grouping"] != "overall"
        ):
            continue
        table = tables.setdefault(
            metric["grouping"], {"grouping": metric["grouping"], "columns": [], "rows": {}}
        )
        if metric["name"] not in table["columns"]:
            table["columns"].append(metric["name"])
        table["rows"].setdefault(metric["group"] or "all", {})[metric["name"]] = metric
    return [
        {**t, "rows": list(t["rows"].items()), "notes": _column_notes(t)} for t in tables.values()
    ]


def _column_notes(table: dict[str, Any]) -> list[tuple[str, str]]:
    """(metric name, note) for the columns whose estimable cells all carry the same note."""
    notes = []
    for column in table["columns"]:
        said = {
            cells[column]["note"]
            for cells in table["rows"].values()
            if column in cells and cells[column]["value"] is not None
        }
        if len(said) == 1 and (note := said.pop()):
            notes.append((column, note))
    return notes
