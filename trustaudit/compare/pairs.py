"""The metrics two runs have in common, matched by auditor label and metric key, each with both
runs' values and the change's interval."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from ..findings import MetricKind
from ..stats.change import ChangeInterval, RunValue, change_interval
from ..stats.intervals import EXACT
from .runs import RunSnapshot

_FACTS = (MetricKind.COUNT.value, MetricKind.INDICATOR.value)


@dataclass(frozen=True)
class MetricPair:
    """One metric measured in both runs."""

    auditor: str  # the auditor's label in the spec
    key: str
    name: str
    kind: str
    base: RunValue
    new: RunValue

    def change(self, confidence: float) -> ChangeInterval:
        return change_interval(self.base, self.new, confidence)


@dataclass(frozen=True)
class Matched:
    """The metrics of both runs, and how many were in one run only."""

    pairs: list[MetricPair]
    only_baseline: list[str]  # 'label: key'
    only_new: list[str]


def match_metrics(baseline: RunSnapshot, new: RunSnapshot) -> Matched:
    """Pair every metric of ``baseline`` with the same auditor label and key in ``new``."""
    before, after = _metrics(baseline.report), _metrics(new.report)
    pairs = [
        MetricPair(
            auditor=label,
            key=key,
            name=metric["name"],
            kind=metric["kind"],
            base=run_value(metric, confidence),
            new=run_value(*after[(label, key)]),
        )
        for (label, key), (metric, confidence) in before.items()
        if (label, key) in after
    ]
    return Matched(
        pairs=pairs,
        only_baseline=[f"{label}: {key}" for label, key in before if (label, key) not in after],
        only_new=[f"{label}: {key}" for label, key in after if (label, key) not in before],
    )


def _metrics(report: dict[str, Any]) -> dict[tuple[str, str], tuple[dict[str, Any], Any]]:
    """(auditor label, metric key) -> (the metric's view, its auditor's confidence)."""
    return {
        (auditor["label"], metric["key"]): (metric, auditor["confidence"])
        for auditor in report["auditors"]
        for metric in auditor["metrics"]
    }


def run_value(metric: dict[str, Any], confidence: float | None) -> RunValue:
    """A report.json metric as the change interval reads it: counts only when they are
    independent trials (an exact interval), as the gate modes use them."""
    exact = metric["interval"] == EXACT
    descriptive = "descriptive" in str(metric["interval"])  # a disparity's spread, not a CI
    return RunValue(
        value=_number(metric["value"]),
        low=_number(metric["ci_low"]),
        high=_number(metric["ci_high"]),
        confidence=None if descriptive else confidence,
        successes=metric["successes"] if exact else None,
        trials=metric["trials"] if exact else None,
        fact=metric["kind"] in _FACTS,
    )


def _number(value: float | None) -> float:
    return math.nan if value is None else float(value)
