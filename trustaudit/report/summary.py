"""The plain-language summary at the top of every report: the verdict, one sentence per failed,
inconclusive or warned check, and what was not tested.

A compliance reader knows no metric key, so every sentence is composed from the metrics (the
estimates, the groups, the interval, the bound) with the words of ``phrases``. A gap between
groups is stated by its two extreme groups and the interval of their difference (MOVER with exact
limits, as the gates use), never the descriptive interval of a max − min."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from typing_extensions import TypedDict

from ..auditors import registry
from ..findings import AuditResult, AuditRun, Check, Metric, MetricKind, Status
from ..run.gate_modes import group_value
from ..shown import label
from ..stats.modes import GroupValue, pairwise
from .phrases import (
    MODE_CLAUSES,
    SUBJECTS,
    VERDICTS,
    Phrase,
    bound_words,
    category_name,
    context,
    phrase,
)
from .untested import not_tested

_TOLD = (Status.FAIL, Status.INCONCLUSIVE, Status.WARN)  # the statuses a sentence is written for


class SentenceView(TypedDict):
    status: Status
    auditor: str  # the auditor's label
    metric: str  # the metric key the sentence is about (for engineers)
    text: str


class SummaryView(TypedDict):
    verdict: str  # the verdict in words, with the counts of checks
    findings: list[SentenceView]  # failed, then inconclusive, then warned checks
    not_tested: list[str]  # auditors not run or failed, groups not estimable, PHI not covered


@dataclass(frozen=True)
class Words:
    """What every sentence of one run may name: the outcome and the intervals' level."""

    outcome: str
    confidence: float


def build_summary(run: AuditRun) -> SummaryView:
    """The summary of ``run``; group labels and names from the data pass ``shown.label``."""
    results = {r.label: r for r in run.results}
    outcome = outcome_words(run.spec)
    findings: list[SentenceView] = []
    for status in _TOLD:
        for check in run.checks:
            if check.status is status and check.auditor_label in results:
                text = check_sentence(check, results[check.auditor_label], outcome)
                findings.append(
                    {
                        "status": status,
                        "auditor": check.auditor_label,
                        "metric": check.metric_key,
                        "text": text,
                    }
                )
    return {
        "verdict": f"{VERDICTS[run.verdict.value]} {_counts(run.checks)}",
        "findings": findings,
        "not_tested": not_tested(run),
    }


def outcome_words(spec: dict[str, Any]) -> str:
    """The spec's human name of the outcome (``data.outcome_name``), else its target column."""
    data = spec.get("data") or {}
    if data.get("outcome_name"):
        return label(str(data["outcome_name"]))
    if data.get("target"):
        return f"positive cases of '{label(str(data['target']))}'"
    return "the outcome"


def _counts(checks: tuple[Check, ...]) -> str:
    """'Of 28 checks: 19 passed, 1 inconclusive, 7 warned, 1 not judged.'"""
    if not checks:
        return "The spec sets no thresholds, so nothing was judged."
    words = {
        Status.PASS: "passed",
        Status.FAIL: "failed",
        Status.INCONCLUSIVE: "inconclusive",
        Status.WARN: "warned",
        Status.ERROR: "could not be judged",
        Status.SKIPPED: "not judged",
    }
    parts = [
        f"{n} {word}"
        for status, word in words.items()
        if (n := sum(c.status is status for c in checks))
    ]
    return f"Of {len(checks)} check{'s' if len(checks) > 1 else ''}: {', '.join(parts)}."


def check_sentence(check: Check, result: AuditResult, outcome: str) -> str:
    """One sentence for one judged check, from the metric it judged."""
    metric = next((m for m in result.metrics if m.key == check.metric_key), None)
    if metric is None:
        return f"{result.label}: {check.message}."
    words = Words(outcome, _confidence(result))
    if metric.kind is MetricKind.DISPARITY and metric.compares:
        pair = extreme_pair(result, metric)
        if pair is not None:
            return gap_sentence(check, result, metric, pair, words)
    return metric_sentence(check, result, metric, words)


def _confidence(result: AuditResult) -> float:
    level = result.params.get("confidence")
    return float(level) if isinstance(level, (int, float)) else 0.95


def fill(text: str, result: AuditResult, metric: Metric, outcome: str, where: str = "") -> str:
    """A phrase with its {outcome}, {decision} and {category} filled in, and ``where`` (the
    groups' context) at its {where}, or after it."""
    category = category_name(metric.group or "") if metric.grouping == "category" else "PHI"
    decision = focal_decision(result, metric.grouping)
    if "{where}" not in text:
        text += "{where}"
    return text.format(outcome=outcome, decision=decision, category=category, where=where)


def focal_decision(result: AuditResult, grouping: str | None) -> str:
    """An LLM audit's focal decision in a vignette family, read off its decision-rate note
    ("admit rate: share of answers that are 'admit'")."""
    for metric in result.metrics:
        if (
            metric.name == "decision_rate"
            and metric.grouping == grouping
            and " rate" in metric.note
        ):
            word = metric.note.split(" rate", 1)[0]
            return (
                "the focal decision of each family"
                if word == "focal-decision"
                else f"'{label(word)}'"
            )
    return "the focal decision"


def number(value: float) -> str:
    """Two decimals, as a reader compares rates; large values (per 1,000) with one."""
    if not math.isfinite(value):
        return "not estimable"
    return f"{value:.2f}" if abs(value) < 10 else f"{value:,.1f}"


def interval(low: float, high: float, confidence: float, what: str = "CI") -> str:
    if not (math.isfinite(low) and math.isfinite(high)):
        return "no interval"
    dash = "–" if low >= 0 else " to "  # '−0.01–0.43' would read as a range of negatives
    return f"{100 * confidence:g}% {what} {number(low)}{dash}{number(high)}"


def metric_sentence(check: Check, result: AuditResult, metric: Metric, words: Words) -> str:
    """'The model under-predicts … among Black patients: observed/expected 1.21 (95% CI
    1.02–1.41); above the bound 0.80–1.20.'"""
    said = phrase(result.auditor, metric.name)
    claim = said.high if _side(check) == "high" else said.low
    where = context(result.auditor, metric.grouping, metric.group)
    noun = fill(said.noun, result, metric, words.outcome)
    claim = fill(claim, result, metric, words.outcome, where)
    subject = SUBJECTS.get(result.auditor, "The model")
    if metric.kind is MetricKind.INDICATOR:  # a 1/0 fact: the claim states it, the note says why
        return f"{subject} {claim}: {metric.note or noun}."
    numbers = f"{noun} {number(metric.value)}"
    if math.isfinite(metric.ci_low):
        numbers += f" ({interval(metric.ci_low, metric.ci_high, words.confidence)})"
    return f"{subject} {claim}: {numbers}; {check_clause(check)}."


def _side(check: Check) -> str:
    """Which side of its bound the judged number fell (or, undecided, which bound it is)."""
    if check.min is not None and (check.max is None or check.observed < check.min):
        return "low"
    return "high"


def extreme_pair(result: AuditResult, metric: Metric) -> tuple[GroupValue, GroupValue] | None:
    """The (lowest, highest) groups of the compared metric with the largest gap: the pair a
    max − min or min / max disparity is made of."""
    best: tuple[GroupValue, GroupValue] | None = None
    for name in metric.compares:
        groups = [
            group_value(m)
            for m in result.metrics
            if m.name == name
            and m.grouping == metric.grouping
            and m.group is not None
            and m.group not in metric.left_out
            and m.estimable
        ]
        if len(groups) < 2:
            continue
        low, high = min(groups, key=lambda g: g.value), max(groups, key=lambda g: g.value)
        if best is None or high.value - low.value > best[1].value - best[0].value:
            best = (low, high)
    return best


def gap_sentence(
    check: Check,
    result: AuditResult,
    metric: Metric,
    pair: tuple[GroupValue, GroupValue],
    words: Words,
) -> str:
    """'The model detects fewer … among Black patients than among White patients: sensitivity
    0.51 vs 0.65 (difference 0.14, 95% CI 0.04–0.23); the gap could not be certified below
    0.10.'"""
    low, high = pair
    said: Phrase = phrase(result.auditor, low.metric)
    worse, better = (low, high) if said.worse == "lower" else (high, low)
    ratio = registry.get(result.auditor).comparisons().get(metric.name) == "ratio"
    claim = fill(said.fewer, result, metric, words.outcome)
    noun = fill(said.noun, result, metric, words.outcome)
    first = context(result.auditor, metric.grouping, worse.group)
    second = context(result.auditor, metric.grouping, better.group)
    numbers = f"{noun} {number(worse.value)} vs {number(better.value)}"
    return (
        f"The model {claim}{first} than{second}: {numbers} "
        f"({_pair_numbers(low, high, ratio, metric, words.confidence)}); "
        f"{check_clause(check)}."
    )


def _pair_numbers(
    low: GroupValue, high: GroupValue, ratio: bool, metric: Metric, confidence: float
) -> str:
    """'difference 0.14, 95% CI 0.04–0.23' or 'ratio 0.76, 95% CI 0.60–0.96': the pair's own
    interval; the disparity's descriptive one when the groups carry no counts or variance."""
    try:
        (pair,) = pairwise([high, low], "ratio" if ratio else "difference", confidence)
    except ValueError:
        what = "descriptive interval"
        estimate = low.value / high.value if ratio else high.value - low.value
        return f"{'ratio' if ratio else 'difference'} {number(estimate)}, " + interval(
            metric.ci_low, metric.ci_high, confidence, what
        )
    if ratio:  # log(high / low): the ratio low / high and its interval
        estimate, lo, hi = math.exp(-pair.estimate), math.exp(-pair.high), math.exp(-pair.low)
        return f"ratio {number(estimate)}, {interval(lo, hi, confidence)}"
    return f"difference {number(pair.estimate)}, {interval(pair.low, pair.high, confidence)}"


def check_clause(check: Check) -> str:
    """What the gate concluded, after the numbers: a mode's outcome, or which side of the bound
    the judged number fell."""
    bound = bound_words(check.min, check.max, number)
    if check.mode:
        outcome = "inconclusive" if check.status is Status.INCONCLUSIVE else "fail"
        return MODE_CLAUSES[(check.mode, outcome)].format(bound=bound)
    side = "below" if _side(check) == "low" else "above"
    if check.applies_to.value == "value":
        return f"{side} {bound}"
    end = "lower" if check.applies_to.value == "ci_low" else "upper"
    return f"the {end} end of its interval, {number(check.observed)}, is {side} {bound}"
