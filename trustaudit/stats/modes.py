"""The tests behind a gate's ``mode``: certify, detect and floor, each with three outcomes.

A claim about a between-group gap is judged by pairwise intervals of θg − θh (or log θg/θh),
never by an interval of max − min: the percentile bootstrap of max − min is invalid exactly when
groups are near-equal (Fang & Santos 2019) and never covers a true gap of 0.

- ``certify`` (burden on the model): PASS iff every pair's (1 − 2α) interval lies inside
  (−δ, δ). An intersection–union test (Berger & Hsu 1996): P(PASS) ≤ α whenever some true
  gap is ≥ δ, with no multiplicity correction. FAIL when the estimate of some pair is
  already beyond δ; INCONCLUSIVE when the estimates are inside but the data cannot certify
  them.
- ``detect`` (burden on the auditor): FAIL iff some pair's simultaneous (Bonferroni over the
  m pairs, two-sided 1 − α/m) interval lies beyond δ, so P(FAIL) ≤ α/2 when every true gap is
  ≤ δ. For "is any pair beyond δ" Holm's first step is this Bonferroni step, so Holm adds
  nothing. PASS when every estimate is inside δ; INCONCLUSIVE when some estimate is beyond δ
  but not provably.
- ``floor`` (a performance goal per group): PASS iff the group's one-sided (1 − α) bound meets
  the goal (an intersection–union test over groups again); FAIL when its estimate misses it;
  INCONCLUSIVE otherwise.

An AUROC measured on binned scores carries a bound on its distance from the exact scores' AUROC
(``GroupValue.bias_bound``); its intervals here are widened by it (a pair's by the sum of both),
so the error rates hold for the exact scores' AUROC.

Each outcome carries the margin the data can certify (or the effect they can detect) with 80% power,
so "not significant" is always stated as what the data could have shown."""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import combinations
from typing import Literal

import numpy as np

from . import intervals
from .power import floor_power, pair_power

Mode = Literal["certify", "detect", "floor"]
PAIRWISE: intervals.Method = "clopper-pearson"  # the per-group limits MOVER combines
Scale = Literal["difference", "ratio"]
Outcome = Literal["pass", "fail", "inconclusive"]


@dataclass(frozen=True)
class GroupValue:
    """One group's estimate and what its interval is computed from: counts for a rate, a variance
    for AUROC, or only a precomputed interval (``low``/``high`` at the auditor's confidence)."""

    metric: str
    group: str
    value: float
    successes: int | None = None
    trials: int | None = None
    variance: float | None = None
    low: float = math.nan
    high: float = math.nan
    n: int | None = None  # the group's size (for a rate: its denominator is ``trials``)
    # how far ``value`` may be from what it stands for (AUROC on binned scores: the exact
    # scores' AUROC); intervals from the variance are widened by it, so gates cover the latter
    bias_bound: float = 0.0

    @property
    def size(self) -> float:
        """The n its precision rests on: a rate's denominator, else the group's size."""
        if self.trials is not None:
            return float(self.trials)
        return float(self.n) if self.n is not None else math.nan


@dataclass(frozen=True)
class PairInterval:
    metric: str
    first: str
    second: str
    estimate: float
    low: float
    high: float


@dataclass(frozen=True)
class Judgement:
    """A mode's outcome; ``observed`` is the number compared with the bound (certify: the widest
    pairwise bound = the smallest margin the data certify; detect: the largest simultaneous lower
    bound of a gap; floor: the group's one-sided bound), on the metric's own scale."""

    outcome: Outcome
    observed: float
    reason: str
    power: str


def pairwise(groups: list[GroupValue], scale: Scale, confidence: float) -> list[PairInterval]:
    """Intervals of every pair's difference (or log ratio) of the same metric, at ``confidence``."""
    out = []
    for a, b in combinations(groups, 2):
        if a.metric != b.metric:
            continue
        low, high = _pair_bounds(a, b, scale, confidence)
        estimate = a.value - b.value if scale == "difference" else _log_ratio(a.value, b.value)
        out.append(PairInterval(a.metric, a.group, b.group, estimate, low, high))
    return out


def _pair_bounds(a: GroupValue, b: GroupValue, scale: Scale, confidence: float):
    if a.trials is not None and b.trials is not None:
        # MOVER with exact (Clopper–Pearson) limits: with Wilson's (Newcombe's original) a small
        # group at a rate near 0 made certify pass 7.5% of the time at gap = δ (bench_validity)
        counts = (a.successes, a.trials, b.successes, b.trials)
        fn = (
            intervals.difference_interval if scale == "difference" else intervals.log_ratio_interval
        )
        low, high = fn(*counts, confidence, PAIRWISE)
        return float(low), float(high)
    if scale == "difference" and a.variance is not None and b.variance is not None:
        low, high = intervals.auroc_difference_interval(
            a.value, a.variance, b.value, b.variance, confidence, a.bias_bound + b.bias_bound
        )
        return float(low), float(high)
    raise ValueError(f"no counts or variance for '{a.metric}': pairwise intervals need them")


def _log_ratio(a: float, b: float) -> float:
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(np.log(a) - np.log(b))


def judge_gap(
    groups: list[GroupValue], mode: Mode, scale: Scale, bound: float, alpha: float
) -> Judgement:
    """Certify or detect that every pairwise gap is within ``bound`` (δ for a difference, the
    smallest allowed ratio r < 1 for a ratio)."""
    groups = [g for g in groups if math.isfinite(g.value) and (g.trials is None or g.trials > 0)]
    n_pairs = sum(1 for _ in _pairs(groups))
    if n_pairs == 0:
        raise ValueError("fewer than two estimable groups")
    confidence = 1 - 2 * alpha if mode == "certify" else 1 - alpha / n_pairs
    pairs = pairwise(groups, scale, confidence)
    delta = bound if scale == "difference" else -math.log(bound)
    largest = max(pairs, key=lambda p: abs(p.estimate))
    power = pair_power(groups, mode, scale, bound, alpha, n_pairs)
    level = f"{confidence:.4g}"
    if mode == "certify":
        widest = max(pairs, key=lambda p: max(abs(p.low), abs(p.high)))
        margin = max(abs(widest.low), abs(widest.high))
        if margin < delta:
            outcome: Outcome = "pass"
            why = f"every pairwise {level} interval lies within the bound; widest: "
            why += _text(widest, scale)
        elif abs(largest.estimate) >= delta:
            outcome, why = "fail", f"the estimate is beyond the bound: {_text(largest, scale)}"
        else:
            outcome = "inconclusive"
            why = f"not certified: {_text(widest, scale)} ({level} interval) crosses the bound"
    else:
        beyond = max(pairs, key=lambda p: max(p.low, -p.high))
        margin = max(beyond.low, -beyond.high, 0.0)  # a lower bound of |gap| is never below 0
        if margin > delta:
            outcome = "fail"
            why = f"a gap beyond the bound is shown: {_text(beyond, scale)} (simultaneous {level})"
        elif abs(largest.estimate) < delta:
            outcome, why = "pass", f"no gap beyond the bound; largest: {_text(largest, scale)}"
        else:
            outcome = "inconclusive"
            why = f"the estimate {_text(largest, scale)} is beyond the bound, but not provably"
    observed = margin if scale == "difference" else math.exp(-margin)
    if mode == "certify":
        what = "δ" if scale == "difference" else "ratio bound"
        why += f"; the smallest {what} these data certify is {observed:.3g}"
    return Judgement(outcome, observed, why, power)


def judge_floor(
    group: GroupValue, goal: float, side: Literal["min", "max"], alpha: float
) -> Judgement:
    """Whether one group meets a performance goal (``side`` 'min': value ≥ goal; 'max': ≤ goal)
    by its one-sided (1 − α) bound: exact Clopper–Pearson for a rate, DeLong on the logit scale
    for AUROC, else the auditor's own interval (one-sided at (1 + confidence)/2)."""
    low, high, how = _one_sided(group, alpha)
    bound = low if side == "min" else high
    meets = bound >= goal if side == "min" else bound <= goal
    misses = group.value < goal if side == "min" else group.value > goal
    power = floor_power(group, goal, alpha)
    word = "lower" if side == "min" else "upper"
    if meets:
        return Judgement("pass", bound, f"its {how} {word} bound {bound:.4g} meets the goal", power)
    if misses:
        return Judgement("fail", bound, f"its estimate {group.value:.4g} misses the goal", power)
    why = f"estimate {group.value:.4g} meets the goal but its {how} {word} bound {bound:.4g} not"
    return Judgement("inconclusive", bound, why, power)


def _one_sided(group: GroupValue, alpha: float) -> tuple[float, float, str]:
    confidence = 1 - 2 * alpha  # two-sided 1 − 2α: each end is a one-sided 1 − α bound
    level = f"{1 - alpha:.3g}"
    if group.trials is not None:
        low, high = intervals.clopper_pearson(group.successes, group.trials, confidence)
        return float(low), float(high), f"exact {level}"
    if group.variance is not None:
        low, high = intervals.auroc_interval(
            group.value, group.variance, confidence, group.bias_bound
        )
        return float(low), float(high), f"DeLong {level}"
    return group.low, group.high, "reported interval's"


def _pairs(groups: list[GroupValue]):
    return ((a, b) for a, b in combinations(groups, 2) if a.metric == b.metric)


def _text(pair: PairInterval, scale: Scale) -> str:
    if scale == "ratio":
        with np.errstate(over="ignore"):
            values = np.exp([pair.estimate, pair.low, pair.high])
        what = f"{pair.metric} ratio {pair.first} / {pair.second}"
    else:
        values = np.array([pair.estimate, pair.low, pair.high])
        what = f"{pair.metric} {pair.first} − {pair.second}"
    return f"{what} = {values[0]:.3g} [{values[1]:.3g}, {values[2]:.3g}]"
