"""``trustaudit plan``: before anything is paid for, what each moded threshold can show with the
data at hand, and how much data its claim needs (stats.power, at 80% power).

The sizes come from the auditors (``Auditor.plan_sizes``: rates' denominators fixed by the
outcome); the rates themselves are not known before the model answers, so a rate is assumed
(``--rate``, default 0.5: the largest variance of a difference) and AUROC is assumed 0.75."""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..auditors.base import Auditor
from ..inputs.data import AuditData
from ..keys import split_key
from ..spec.models import AuditSpec, ThresholdSpec
from ..stats import power

ASSUMED_AUROC = 0.75


@dataclass(frozen=True)
class Assumptions:
    rate: float = 0.5  # the true rate of a planned rate metric
    effect: float = 1.5  # detect: the true gap to find, as a multiple of the bound
    margin: float = 0.05  # floor: how far beyond the goal the true value is


@dataclass(frozen=True)
class PlanRow:
    auditor: str
    threshold: str
    grouping: str
    groups: int
    smallest: int
    now: str  # what the data at hand show with 80% power
    needed: str  # the smallest group's n the claim needs


def plan(
    spec: AuditSpec,
    data: AuditData | None,
    auditors: list[tuple[str, Auditor]],
    assume: Assumptions,
) -> list[PlanRow]:
    """One row per (moded threshold, grouping) whose sizes the auditor knows before running."""
    rows = []
    for entry, (label, auditor) in zip(spec.auditors, auditors, strict=True):
        sizes = auditor.plan_sizes(spec, data)
        scales = auditor.comparisons()
        for threshold in entry.thresholds:
            name, grouping, group = split_key(threshold.metric)
            if threshold.mode is None or name not in sizes:
                continue
            for found, by_group in sizes[name].items():
                if grouping is None or found == grouping:
                    counts = [n for g, n in by_group.items() if group in (None, g) and n > 0]
                    rows += _rows(label, threshold, found, counts, scales.get(name), assume)
    return rows


def _rows(
    label: str,
    threshold: ThresholdSpec,
    grouping: str,
    counts: list[int],
    scale: str | None,
    assume: Assumptions,
) -> list[PlanRow]:
    if threshold.mode == "floor":
        return [_floor_row(label, threshold, grouping, counts, assume)] if counts else []
    if len(counts) < 2 or scale not in ("difference", "ratio"):
        return []
    return [_gap_row(label, threshold, grouping, sorted(counts), scale, assume)]


def _gap_row(
    label: str,
    threshold: ThresholdSpec,
    grouping: str,
    counts: list[int],
    scale: str,
    assume: Assumptions,
) -> PlanRow:
    ratio = scale == "ratio"
    bound = threshold.min if ratio else threshold.max
    assert bound is not None  # spec.modes checked it
    delta = -math.log(bound) if ratio else bound
    unit = _unit(threshold.base_name, assume, "ratio" if ratio else "difference")
    se = math.sqrt(unit * (1 / counts[0] + 1 / counts[1]))
    pairs = len(counts) * (len(counts) - 1) // 2
    if threshold.mode == "certify":
        factor, margin = power.certify_factor(threshold.alpha), delta
        shown = factor * se
        now = f"certifies {'ratio ≥ ' if ratio else 'δ = '}{_on(shown, ratio):.3g}"
        claim = f"to certify {_bound(threshold)} (groups truly equal)"
    else:
        factor, margin = power.detect_factor(threshold.alpha, pairs), (assume.effect - 1) * delta
        shown = delta + factor * se
        now = f"detects a true {'ratio ≤ ' if ratio else 'gap ≥ '}{_on(shown, ratio):.3g}"
        target = _on(assume.effect * delta, ratio)
        claim = f"to detect a true {'ratio' if ratio else 'gap'} of {target:.3g}"
    needed = power.n_for(counts[0], se, factor, margin)
    return PlanRow(
        label, threshold.metric, grouping, len(counts), counts[0], now, f"{needed:,} {claim}"
    )


def _floor_row(
    label: str, threshold: ThresholdSpec, grouping: str, counts: list[int], assume: Assumptions
) -> PlanRow:
    goal = threshold.min if threshold.min is not None else threshold.max
    assert goal is not None
    sign = 1 if threshold.min is not None else -1
    unit = _unit(threshold.base_name, assume, "difference", goal)
    smallest = min(counts)
    se = math.sqrt(unit / smallest)
    factor = power.floor_factor(threshold.alpha)
    now = f"passes a group whose true value is {goal + sign * factor * se:.3g}"
    needed = power.n_for(smallest, se, factor, assume.margin)
    claim = f"to pass a true value {assume.margin:g} beyond the goal"
    return PlanRow(
        label, threshold.metric, grouping, len(counts), smallest, now, f"{needed:,} {claim}"
    )


def _unit(name: str, assume: Assumptions, scale: str, at: float | None = None) -> float:
    if name == "auroc" or name == "auroc_difference":
        return power.auroc_unit(at if at is not None else ASSUMED_AUROC)
    rate = assume.rate if at is None else at
    return power.unit_variance(rate, "ratio" if scale == "ratio" else "difference")


def _on(margin: float, ratio: bool) -> float:
    return math.exp(-margin) if ratio else margin


def _bound(threshold: ThresholdSpec) -> str:
    if threshold.min is not None:
        return f"ratio ≥ {threshold.min:g}"
    return f"δ = {threshold.max:g}"


def render(rows: list[PlanRow], assume: Assumptions) -> str:
    """The plan as a plain-text table, with its assumptions."""
    if not rows:
        return "No threshold with a mode whose sample sizes are known before the run."
    head = ("auditor", "threshold", "grouping", "groups", "smallest n", "80% power now", "needs")
    lines = [" | ".join(head), " | ".join("---" for _ in head)]
    for row in rows:
        cells = (row.auditor, row.threshold, row.grouping, str(row.groups), f"{row.smallest:,}")
        lines.append(" | ".join((*cells, row.now, row.needed)))
    lines.append(
        f"Assumed: true rates {assume.rate:g} (--rate), AUROC {ASSUMED_AUROC:g}; detect finds "
        f"{assume.effect:g}× the bound (--effect); floor margin {assume.margin:g} (--margin). "
        "'smallest n' is the smallest estimable group's denominator (groups the run cannot "
        "estimate are left out, as in the run); 'needs' is the n it needs, others growing alike."
    )
    return "\n".join(lines)
