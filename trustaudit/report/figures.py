"""Matplotlib figures drawn from the view-model's metrics, returned as inline SVG text.

SVG output is made byte-stable (fixed hash salt, no date) so reports are reproducible. Text is
written as SVG <text> elements, which matplotlib escapes. Labels are data (group values, column
names): never read as mathtext or TeX (``$\\foo$`` is drawn as typed), control and bidi
characters shown as escapes (``printable``), and cut to ``LABEL_LIMIT`` characters (the tables
show them whole).
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from ..printable import shortened
from .view import AuditorView, MetricView

_RC: dict[Any, Any] = {  # matplotlib types its keys as a Literal of every rcParam
    "svg.hashsalt": "trustaudit",
    "svg.fonttype": "none",
    "text.parse_math": False,  # a '$' in a label is a dollar sign, not mathtext
    "text.usetex": False,  # whatever the user's matplotlibrc says: labels never reach TeX
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
}
_HEADER = re.compile(r"^.*?(?=<svg)", re.S)
LABEL_LIMIT = 60


def render_plots(auditor: AuditorView) -> list[tuple[str, str]]:
    """(title, svg) for each plot the auditor asked for; plots with nothing to show are left out."""
    out = []
    for plot in auditor["plots"]:
        names = plot["metric_names"]
        if plot["grouping"] is not None:
            metrics = [
                m
                for m in auditor["metrics"]
                if m["grouping"] == plot["grouping"]
                and m["group"] is not None
                and m["name"] in names
            ]
            svg = _group_panels(metrics, names) if metrics else None
        else:
            metrics = [
                m
                for m in auditor["metrics"]
                if m["group"] is None
                and m["name"] in names
                and m["grouping"] not in (None, "overall")
            ]
            svg = (
                _bars([f"{m['name']} [{m['grouping']}]" for m in metrics], metrics, "value")
                if metrics
                else None
            )
        if svg:
            out.append((plot["title"], svg))
    return out


def _group_panels(metrics: list[MetricView], names: list[str]) -> str:
    present = [n for n in names if any(m["name"] == n for m in metrics)]
    groups = list(dict.fromkeys(str(m["group"]) for m in metrics))  # panels hold groups only
    with plt.rc_context(_RC):
        fig, axes = plt.subplots(
            1,
            len(present),
            sharey=True,
            squeeze=False,
            figsize=(2.3 * len(present) + 1.2, 0.32 * len(groups) + 1.1),
        )
        for ax, name in zip(axes[0], present, strict=True):
            by_group = {m["group"]: m for m in metrics if m["name"] == name}
            _draw(ax, groups, [by_group.get(g) for g in groups], name)
        return _to_svg(fig)


def _bars(labels: list[str], metrics: list[MetricView], xlabel: str) -> str:
    with plt.rc_context(_RC):
        fig, ax = plt.subplots(figsize=(7.5, 0.32 * len(labels) + 1.1))
        _draw(ax, labels, metrics, xlabel)
        return _to_svg(fig)


def _draw(ax: Any, labels: list[str], metrics: Sequence[MetricView | None], title: str) -> None:
    """Horizontal bars with CI whiskers; a missing value is marked 'n/e' (not estimable)."""
    positions = range(len(labels))
    values = [m["value"] if m and m["value"] is not None else 0.0 for m in metrics]
    low = [
        max(v - m["ci_low"], 0) if m and m["ci_low"] is not None else 0.0
        for v, m in zip(values, metrics, strict=True)
    ]
    high = [
        max(m["ci_high"] - v, 0) if m and m["ci_high"] is not None else 0.0
        for v, m in zip(values, metrics, strict=True)
    ]
    ax.barh(
        list(positions),
        values,
        xerr=[low, high],
        color="#4C78A8",
        ecolor="#222222",
        capsize=2,
        height=0.6,
    )
    for position, metric in zip(positions, metrics, strict=True):
        if metric is None or metric["value"] is None:
            ax.text(0, position, " n/e", va="center", fontsize=8, color="#A33")
    ax.set_yticks(list(positions), [shortened(label, LABEL_LIMIT) for label in labels])
    ax.invert_yaxis()
    ax.set_title(shortened(title, LABEL_LIMIT))
    ax.grid(axis="x", alpha=0.3)


def _to_svg(fig: Any) -> str:
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", metadata={"Date": None}, bbox_inches="tight")
    plt.close(fig)
    return _HEADER.sub("", buffer.getvalue(), count=1)
