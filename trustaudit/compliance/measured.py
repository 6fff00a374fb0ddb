"""Measured values: which metrics of a run evidence which key-metric category of the card
(usefulness, fairness/equity, safety/reliability), each with its estimate, interval, n, verdict
and the metric key and run it came from."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from .sources import RunSource

CATEGORIES = ("usefulness", "fairness", "safety")
FAIRNESS_AUDITORS = ("fairness", "counterfactual")
NOT_GATED = "not gated"


@dataclass(frozen=True)
class Measured:
    """One metric of one run, as report.json holds it."""

    label: str
    metric: str  # the metric key in report.json
    auditor: str  # the auditor's label
    run_id: str
    estimate: float | None  # None: not estimable
    lower: float | None
    upper: float | None
    level: float | None  # the interval's confidence level (0.95), None without one
    n: int | None
    verdict: str  # the status of the check on it, or "not gated"
    interval: str  # how the interval was computed

    def value_json(self) -> dict[str, Any]:
        """CHAI's ValueJson: ``estimate_ci`` with a confidence interval, else ``single`` (a
        disparity's descriptive spread is not one: no level is claimed); trustaudit adds
        n, the verdict, the interval's method and the metric key and run it came from."""
        source = {"metric": self.metric, "auditor": self.auditor, "run": self.run_id}
        extra = {"n": self.n, "verdict": self.verdict, "source": source}
        if self.lower is None or self.upper is None or self.estimate is None:
            return {"kind": "single", "value": self.estimate, **extra}
        if "descriptive" in self.interval:  # a disparity's bootstrap spread, not a CI: no level
            spread = {"lower": self.lower, "upper": self.upper, "what": self.interval}
            return {"kind": "single", "value": self.estimate, "spread": spread, **extra}
        percent = round(100 * self.level, 6) if self.level is not None else None
        level = int(percent) if percent is not None and percent.is_integer() else percent
        interval = {"lower": self.lower, "upper": self.upper, "level": level}
        return {
            "kind": "estimate_ci",
            "estimate": self.estimate,
            **interval,
            **extra,
            "interval": self.interval,
        }


def _overall(metric: dict[str, Any]) -> bool:
    return metric["grouping"] in (None, "overall") and metric["group"] is None


def _control(metric: dict[str, Any]) -> bool:
    return metric["grouping"] == "all vignettes" and metric["group"] == "control"


def _swapped(metric: dict[str, Any]) -> bool:
    return metric["grouping"] == "all vignettes" and metric["group"] not in (None, "control")


def _any(metric: dict[str, Any]) -> bool:
    return True


_HEADLINE_DISPARITIES = (
    "equal_opportunity_difference",
    "disparate_impact_ratio",
    "auroc_difference",
)
Rule = tuple[str, str, tuple[str, ...], Callable[[dict[str, Any]], bool]]
#: (category, auditor, metric names, which of their keys): the headline metrics of each category
RULES: tuple[Rule, ...] = (
    ("usefulness", "fairness", ("auroc", "accuracy", "tpr", "fpr", "ppv", "brier"), _overall),
    ("usefulness", "counterfactual", ("accuracy", "decision_coverage"), _control),
    ("fairness", "fairness", _HEADLINE_DISPARITIES, _any),
    ("fairness", "counterfactual", ("flip_rate", "rate_ratio", "decision_loss_rate"), _swapped),
    ("safety", "fairness", ("oe_ratio", "ece"), _overall),
    ("safety", "robustness", ("flip_rate", "accuracy_drop_rate"), _any),
    ("safety", "text_robustness", ("flip_rate", "directional_pass_rate"), _any),
    ("safety", "counterfactual", ("control_self_flip_rate", "coverage"), _any),
    ("safety", "privacy", ("leaky_output_rate", "identifier_leaks", "coverage"), _any),
    ("safety", "canary", ("max_exposure", "verbatim_rate"), _any),
    ("safety", "membership", ("mia_auc", "mia_tpr_at_fpr"), _any),
    ("safety", "phi_scan", ("rows_with_phi_rate",), _any),
    ("safety", "accountability", ("chain_intact", "ledger_completeness"), _any),
)


def category(auditor: str, metric: dict[str, Any], gated: bool) -> str | None:
    """The card's category of a metric: its headline rule's, else (when a threshold judged it)
    fairness for a grouped metric of a fairness auditor and safety for the rest; None: not on
    the card."""
    for name, who, metrics, which in RULES:
        if who == auditor and metric["name"] in metrics and which(metric):
            return name
    if not gated:
        return None
    grouped = metric["grouping"] not in (None, "overall")
    return "fairness" if auditor in FAIRNESS_AUDITORS and grouped else "safety"


def measured_values(sources: list[RunSource]) -> dict[str, list[Measured]]:
    """Every run's card metrics by category, in run, auditor and metric order."""
    found: dict[str, list[Measured]] = {name: [] for name in CATEGORIES}
    for source in sources:
        for name, value in _run_values(source, len(sources) > 1):
            found[name].append(value)
    return found


def _run_values(source: RunSource, several: bool) -> Iterator[tuple[str, Measured]]:
    checks = source.checks_by_metric()
    for auditor in source.view["auditors"]:
        for metric in auditor["metrics"]:
            check = checks.get((auditor["label"], metric["key"]))
            name = category(auditor["name"], metric, check is not None)
            if name is None:
                continue
            label = f"{metric['key']} ({auditor['label']})"
            yield (
                name,
                Measured(
                    label=f"{source.name}: {label}" if several else label,
                    metric=metric["key"],
                    auditor=auditor["label"],
                    run_id=source.run_id,
                    estimate=metric["value"],
                    lower=metric["ci_low"],
                    upper=metric["ci_high"],
                    level=auditor["confidence"] if metric["ci_low"] is not None else None,
                    n=metric["n"],
                    verdict=check["status"] if check else NOT_GATED,
                    interval=metric["interval"] or "",
                ),
            )


def check_category(source: RunSource, check: dict[str, Any]) -> str:
    """The card category a check's metric belongs to (safety when its metric is not in the
    report, e.g. an auditor that could not complete)."""
    for auditor in source.view["auditors"]:
        if auditor["label"] != check["auditor"]:
            continue
        for metric in auditor["metrics"]:
            if metric["key"] == check["metric"]:
                return category(auditor["name"], metric, gated=True) or "safety"
    return "safety"
