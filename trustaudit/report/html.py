"""The self-contained HTML report: Jinja2 with autoescape and StrictUndefined, fed the view-model.

Nothing from a model or a dataset is marked safe; only trustaudit's own matplotlib SVG is.
"""

from __future__ import annotations

import math
from typing import Any

import yaml
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from .figures import render_plots

_ENV = Environment(
    loader=PackageLoader("trustaudit.report", "templates"),
    autoescape=select_autoescape(default=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def fmt(value: Any) -> str:
    """Numbers for people: counts as integers, the rest to 3 decimals; missing as an em dash."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    if float(value).is_integer() and abs(value) >= 1:
        return f"{int(value):,}"
    return f"{value:.3f}"


def ci(low: Any, high: Any) -> str:
    return "—" if low is None or high is None else f"[{fmt(low)}, {fmt(high)}]"


_ENV.filters["fmt"] = fmt
_ENV.globals["ci"] = ci


_SEVERITY = {"fail": 0, "error": 1, "warn": 2, "skipped": 3, "pass": 4}


def render_html(view: dict[str, Any]) -> str:
    checks = sorted(view["checks"], key=lambda c: _SEVERITY[c["status"]])
    sections = [
        {
            "auditor": auditor,
            "disparities": disparity_table(auditor["metrics"]),
            "measurements": plain_metrics(auditor["metrics"]),
            "tables": group_tables(auditor["metrics"]),
            "figures": [(title, Markup(svg)) for title, svg in render_plots(auditor)],
        }
        for auditor in view["auditors"]
    ]
    spec_yaml = yaml.safe_dump(view["reproducibility"]["spec"], sort_keys=False, allow_unicode=True)
    return _ENV.get_template("report.html.j2").render(
        view=view, checks=checks, sections=sections, spec_yaml=spec_yaml
    )


def _grouped(metrics: list[dict[str, Any]]) -> set[str]:
    """Groupings that have per-group metrics (their grouping-level metrics are disparities)."""
    return {m["grouping"] for m in metrics if m["group"] is not None}


def plain_metrics(metrics: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Metrics that belong to no group table and no disparity table."""
    grouped = _grouped(metrics)
    return [
        m
        for m in metrics
        if m["group"] is None and m["grouping"] != "overall" and m["grouping"] not in grouped
    ]


def disparity_table(metrics: list[dict[str, Any]]) -> dict[str, Any]:
    """Grouping-level metrics pivoted: a row per metric name, a column per grouping."""
    rows: dict[str, dict[str, Any]] = {}
    groupings: list[str] = []
    left_out: list[str] = []
    grouped = _grouped(metrics)
    for metric in metrics:
        if metric["group"] is not None or metric["grouping"] not in grouped:
            continue
        if metric["grouping"] not in groupings:
            groupings.append(metric["grouping"])
        rows.setdefault(metric["name"], {})[metric["grouping"]] = metric
        _, marker, groups = metric["note"].partition("left out: ")
        if marker and f"{metric['grouping']}: {groups}" not in left_out:
            left_out.append(f"{metric['grouping']}: {groups}")
    return {"groupings": groupings, "rows": list(rows.items()), "left_out": left_out}


def group_tables(metrics: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One table per grouping: a row per group (overall first), a column per metric name."""
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
    return [{**t, "rows": list(t["rows"].items())} for t in tables.values()]
