"""The fairness auditor's metrics from what it measured: per-group estimates with intervals a
reader can recompute, and disparities as descriptive summaries.

Per-group rates carry their counts and a Clopper–Pearson interval (exact: never below its level,
never [0, 0] from 0 of 4); AUROC carries DeLong's variance and its logit interval (on binned
scores widened by the group's binning bound, and the bound itself, so that the interval and every
gate on it cover the exact scores' AUROC); the other score metrics keep the percentile bootstrap.
A disparity (max − min, min / max) keeps fairlearn's value, but its percentile interval is
labelled descriptive: max and min are not differentiable where groups are equal, so that interval
is not a confidence interval (Fang & Santos 2019). Gates on disparities use ``mode:`` and
pairwise intervals of the metrics it ``compares`` (stats.modes)."""

from __future__ import annotations

import numpy as np

from ..findings import Metric, MetricKind
from ..stats.intervals import EXACT, auroc_interval, clopper_pearson
from ._fairness_groups import (
    DISPARITIES,
    EQUALIZED_ODDS,
    OVERALL,
    Grouping,
    Measured,
    disparity_note,
    disparity_spreads,
)
from ._fairness_scores import bound_text
from ._stats import COUNT_METRICS, interval, rate_counts, scalar_interval

COUNTS = ("group_size", "positives")
DESCRIPTIVE = "descriptive percentile bootstrap (not a confidence interval of the gap)"


def group_metrics(
    names: tuple[str, ...], grouping: Grouping, measured: Measured, confidence: float
) -> list[Metric]:
    """Every per-group metric of ``names`` for ``grouping`` (not estimable: NaN and why)."""
    sizes = measured.point["group_size"]
    group_names = [None] if grouping.name == OVERALL else grouping.labels
    out = []
    for name in names:
        if name not in measured.point:
            continue
        low, high, how = _intervals(name, measured, confidence)
        successes, trials = measured.counts.get(name, (None, None))
        variance = measured.variances.get(name)
        bounds = measured.bounds.get(name, np.zeros(len(sizes)))
        for g, group in enumerate(group_names):
            note = measured.notes[name][g]
            ok = not note
            bound = float(bounds[g]) if ok else 0.0
            out.append(
                Metric(
                    name=name,
                    value=float(measured.point[name][g]) if ok else np.nan,
                    ci_low=float(low[g]) if ok else np.nan,
                    ci_high=float(high[g]) if ok else np.nan,
                    n=int(sizes[g]),
                    grouping=grouping.name,
                    group=group,
                    note=note,
                    kind=MetricKind.COUNT if name in COUNTS else MetricKind.ESTIMATE,
                    successes=None if successes is None else int(successes[g]),
                    trials=None if trials is None else int(trials[g]),
                    variance=None if variance is None or not ok else float(variance[g]),
                    bias_bound=bound,
                    interval=_widened(how, bound) if ok else "",
                )
            )
    return out


def _intervals(
    name: str, measured: Measured, confidence: float
) -> tuple[np.ndarray, np.ndarray, str]:
    width = len(measured.point[name])
    if name in COUNTS:
        low, high = interval(None, confidence, width)
        return low, high, ""
    if name in COUNT_METRICS:
        low, high = clopper_pearson(*measured.counts[name], confidence)
        return low, high, EXACT
    if name in measured.variances:
        bound = measured.bounds.get(name, 0.0)
        low, high = auroc_interval(
            measured.point[name], measured.variances[name], confidence, bound
        )
        return low, high, "delong-logit"
    low, high = interval(measured.samples.get(name), confidence, width)
    return low, high, "percentile bootstrap" if name in measured.samples else ""


def _widened(how: str, bound: float) -> str:
    """An interval's method, with the binning bound it was widened by (when there is one)."""
    return f"{how}, widened by the binning bound ±{bound_text(bound)}" if bound > 0 else how


def disparity_metrics(grouping: Grouping, measured: Measured, confidence: float) -> list[Metric]:
    """Max − min and min / max of each compared metric over the estimable groups; a difference of
    binned AUROCs has its interval widened by the sum of the two largest bounds of its groups
    (the most max − min can move when every group moves by at most its own bound)."""
    out = []
    for name, (point, boot, used) in disparity_spreads(measured).items():
        low, high = scalar_interval(boot, confidence)
        bound = _spread_bound(name, measured, used)
        low, high = low - bound, high + bound
        left_out = [g for g, ok in zip(grouping.labels, used, strict=True) if not ok]
        out.append(
            Metric(
                name=name,
                value=float(point),
                ci_low=low,
                ci_high=high,
                n=int(measured.point["group_size"][used].sum()),
                grouping=grouping.name,
                group=None,
                note=disparity_note(point, used, left_out),
                kind=MetricKind.DISPARITY,
                left_out=tuple(left_out),
                compares=compared(name),
                bias_bound=bound,
                interval=_widened(DESCRIPTIVE, bound) if boot is not None else "",
            )
        )
    return out


def _spread_bound(name: str, measured: Measured, used: np.ndarray) -> float:
    """How far a difference disparity can be from its exact scores' value: the sum of the two
    largest bounds over the groups it uses (0 when its metrics carry none)."""
    if scale_of(name) != "difference":
        return 0.0
    sums = [
        np.sort(measured.bounds[base][used])[-2:].sum()
        for base in compared(name)
        if base in measured.bounds
    ]
    return float(max(sums, default=0.0))


def compared(name: str) -> tuple[str, ...]:
    """The per-group metrics a disparity compares (equalized odds: TPR and FPR)."""
    if name in EQUALIZED_ODDS:
        kind = EQUALIZED_ODDS[name][0]
        return (DISPARITIES[f"equal_opportunity_{kind}"][0], DISPARITIES[f"fpr_{kind}"][0])
    return (DISPARITIES[name][0],)


def scale_of(name: str) -> str:
    """'difference' or 'ratio': how a disparity compares groups."""
    return EQUALIZED_ODDS[name][0] if name in EQUALIZED_ODDS else DISPARITIES[name][1]


def count_metrics(cells: np.ndarray, boot: np.ndarray) -> tuple[dict, dict, dict]:
    """Per group: sizes and every rate (point), the rates per resample, and their counts."""
    point = {
        "group_size": cells.sum(axis=(1, 2)).astype(float),
        "positives": cells[:, 1, :].sum(axis=1).astype(float),
    }
    samples, counts = {}, {}
    for name, fn in COUNT_METRICS.items():
        point[name], samples[name] = fn(cells), fn(boot)
        counts[name] = rate_counts(name, cells)
    return point, samples, counts
