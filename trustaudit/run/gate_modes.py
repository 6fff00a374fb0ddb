"""Checks of thresholds with a ``mode``: the metric's groups go to stats.modes, whose outcome
(pass, fail, inconclusive) becomes the check's status, with the reason and the power stated."""

from __future__ import annotations

import math

from ..findings import AuditResult, Level, Metric, Status
from ..spec.models import ThresholdSpec
from ..stats.intervals import EXACT
from ..stats.modes import GroupValue, Judgement, judge_floor, judge_gap

_STATUS = {"pass": Status.PASS, "inconclusive": Status.INCONCLUSIVE}


def judge_mode(
    threshold: ThresholdSpec, result: AuditResult, metric: Metric, scale: str | None
) -> tuple[Status, float, str]:
    """The status, the number judged and the message of one moded check."""
    try:
        judgement = _judgement(threshold, result, metric, scale)
    except ValueError as error:
        return Status.SKIPPED, math.nan, f"{metric.key}: {error}"
    if judgement.outcome == "fail":
        status = Status.FAIL if threshold.level == Level.FAIL.value else Status.WARN
    else:
        status = _STATUS[judgement.outcome]
    head = f"{metric.key} {judgement.outcome.upper()} ({threshold.mode}, α = {threshold.alpha:g})"
    power = f" Power: {judgement.power}." if judgement.power else ""
    return status, judgement.observed, f"{head}: {judgement.reason}.{power}"


def _judgement(
    threshold: ThresholdSpec, result: AuditResult, metric: Metric, scale: str | None
) -> Judgement:
    if threshold.mode == "floor":
        if not metric.estimable:
            raise ValueError(metric.note or "not estimable")
        if threshold.min is not None:
            return judge_floor(group_value(metric), threshold.min, "min", threshold.alpha)
        assert threshold.max is not None  # ThresholdSpec requires a bound
        return judge_floor(group_value(metric), threshold.max, "max", threshold.alpha)
    if not metric.compares:
        raise ValueError(f"mode '{threshold.mode}' needs a disparity that names its groups")
    groups = [
        group_value(m)
        for m in result.metrics
        if m.name in metric.compares
        and m.grouping == metric.grouping
        and m.group is not None
        and m.group not in metric.left_out
        and m.estimable
    ]
    if len({g.group for g in groups}) < 2:
        raise ValueError("fewer than two estimable groups to compare")
    assert threshold.mode is not None
    if scale == "difference" and threshold.max is not None:
        return judge_gap(groups, threshold.mode, "difference", threshold.max, threshold.alpha)
    if scale == "ratio" and threshold.min is not None:
        return judge_gap(groups, threshold.mode, "ratio", threshold.min, threshold.alpha)
    raise ValueError(f"mode '{threshold.mode}' has no bound for a {scale} (see validate)")


def group_value(metric: Metric) -> GroupValue:
    """The group's estimate; its counts only when they are independent trials (an exact
    interval): clustered answers (several per vignette) are judged by their own interval."""
    independent = metric.interval == EXACT
    return GroupValue(
        metric=metric.name,
        group=metric.group or "all",
        value=metric.value,
        successes=metric.successes if independent else None,
        trials=metric.trials if independent else None,
        variance=metric.variance,
        bias_bound=metric.bias_bound,
        low=metric.ci_low,
        high=metric.ci_high,
        n=metric.n,
    )
