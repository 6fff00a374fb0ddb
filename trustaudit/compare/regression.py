"""The regression gate of ``trustaudit compare``: ``--max-regression FAMILY=δ`` judges every metric
of a family (a metric name such as ``tpr``, or one key such as ``tpr[sex=F]``) with the outcomes of
the fairness gates' modes (stats/modes.py), on the change new − baseline:

- ``detect`` (a monitor; burden on the auditor): FAIL iff the change's simultaneous interval
  (Bonferroni over the family's m metrics, two-sided 1 − α/m) lies wholly beyond a
  regression of δ, so P(FAIL) ≤ α/2 for a family whose every true regression is ≤ δ;
  PASS when every estimate is within δ; INCONCLUSIVE when an estimate is beyond δ but not
  provably.
- ``certify`` (a release gate, non-inferiority; burden on the model): PASS iff the (1 − 2α)
  interval excludes a regression of δ (an intersection–union test over the family, no
  multiplicity correction: P(PASS) ≤ α when some true regression is ≥ δ); FAIL when the
  estimate regresses by δ or more; INCONCLUSIVE otherwise.

A regression is a change in the metric's worse direction (``direction``); a metric with no worse
direction (a selection rate, O/E) regresses by drifting either way."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from ..errors import UsageError, did_you_mean
from ..findings import Status
from ..stats.change import ChangeInterval
from ..stats.modes import Outcome
from .pairs import MetricPair

Direction = Literal["higher", "lower", "either"]  # which way is better ('either': none is)
Mode = Literal["certify", "detect"]

HIGHER_IS_BETTER = frozenset(
    [
        "accuracy",
        "auroc",
        "ppv",
        "tpr",
        "coverage",
        "decision_coverage",
        "chain_intact",
        "ledger_completeness",
        "declared_within_ci",
        "directional_pass_rate",
        "demographic_parity_ratio",
        "disparate_impact_ratio",
        "equal_opportunity_ratio",
        "equalized_odds_ratio",
        "fpr_ratio",
    ]
)
LOWER_IS_BETTER = frozenset(
    [
        "brier",
        "ece",
        "fnr",
        "fpr",
        "auroc_difference",
        "demographic_parity_difference",
        "equal_opportunity_difference",
        "equalized_odds_difference",
        "fpr_difference",
        "accuracy_gap",
        "flip_rate",
        "control_self_flip_rate",
        "decision_loss_rate",
        "error_rate",
        "refusal_rate",
        "unparseable_rate",
        "exposure",
        "max_exposure",
        "partial_rate",
        "verbatim_rate",
        "mia_auc",
        "mia_tpr_at_fpr",
        "phi_per_1000_rows",
        "rows_with_phi_rate",
        "skipped_rows",
        "echoed_phi_per_1000",
        "identifier_leaks",
        "leaky_output_rate",
        "new_phi_per_1000",
        "accuracy_drop_rate",
        "auroc_drop_rate",
        "model_changed",
    ]
)
_RANK = {"pass": 0, "inconclusive": 1, "fail": 2}
_STATUS = {"pass": Status.PASS, "inconclusive": Status.INCONCLUSIVE, "fail": Status.FAIL}


@dataclass(frozen=True)
class MaxRegression:
    """One ``--max-regression FAMILY=δ``."""

    family: str
    bound: float


@dataclass(frozen=True)
class RegressionCheck:
    """The judgement of one metric of a family."""

    limit: MaxRegression
    pair: MetricPair
    interval: ChangeInterval  # at the gate's level
    status: Status
    message: str


def parse_max_regression(text: str) -> MaxRegression:
    """``tpr=0.05`` -> MaxRegression('tpr', 0.05), or a UsageError naming the value and the fix."""
    family, sep, number = text.partition("=")
    try:
        bound = float(number)
    except ValueError:
        bound = math.nan
    if not sep or not family.strip() or not (math.isfinite(bound) and bound > 0):
        raise UsageError(
            "expected FAMILY=VALUE with a metric name or key and a number > 0, e.g. tpr=0.05 or "
            f"auroc[overall]=0.02; got {text!r}"
        )
    return MaxRegression(family.strip(), bound)


def direction(name: str) -> Direction:
    if name in HIGHER_IS_BETTER:
        return "higher"
    return "lower" if name in LOWER_IS_BETTER else "either"


def family_members(limit: MaxRegression, pairs: list[MetricPair]) -> list[MetricPair]:
    """The metrics of both runs a family names, or a UsageError listing the names there are."""
    members = [p for p in pairs if limit.family in (p.name, p.key)]
    if not members:
        names = sorted({p.name for p in pairs})
        raise UsageError(
            f"--max-regression {limit.family}={limit.bound:g}: no metric named "
            f"'{limit.family}' is in both runs.{did_you_mean(limit.family, names)} "
            f"Metrics in both: {', '.join(names) or 'none'}."
        )
    return members


def judge_family(
    limit: MaxRegression, members: list[MetricPair], mode: Mode, alpha: float
) -> list[RegressionCheck]:
    """One check per metric of the family, at the family's level (see the module's doc)."""
    estimable = [p for p in members if math.isfinite(p.new.value - p.base.value)]
    level = 1 - 2 * alpha if mode == "certify" else 1 - alpha / max(len(estimable), 1)
    return [_judge(limit, pair, mode, level) for pair in members]


def _judge(limit: MaxRegression, pair: MetricPair, mode: Mode, level: float) -> RegressionCheck:
    interval = pair.change(level)
    head = f"{pair.key} ({pair.auditor})"
    if not math.isfinite(interval.change):
        why = f"{head}: not estimable in both runs; not judged"
        return RegressionCheck(limit, pair, interval, Status.SKIPPED, why)
    outcome = _outcome(interval, direction(pair.name), limit.bound, mode)
    short = math.isfinite(interval.level) and interval.level < level - 1e-12
    if short and outcome == ("fail" if mode == "detect" else "pass"):
        # the claim (a FAIL's false-alarm rate, a PASS's miss rate) needs the level asked for
        outcome = "inconclusive"
    message = (
        f"{head} {outcome.upper()} ({mode}, regression ≤ {limit.bound:g}, "
        f"{_worse(pair.name)}): change {_describe(interval)}"
    )
    if short:
        message += (
            f". Only the runs' reported intervals exist for this metric: the interval's level is "
            f"≥ {interval.level:.3g}, not the {level:.4g} the gate asks for, "
            "so it can be no more than inconclusive"
        )
    elif not math.isfinite(interval.level):
        message += ". No interval: the runs report none for this metric"
    return RegressionCheck(limit, pair, interval, _STATUS[outcome], message)


def _outcome(interval: ChangeInterval, better: Direction, bound: float, mode: Mode) -> Outcome:
    """The worst outcome over the directions that count as a regression."""
    sides = ("higher", "lower") if better == "either" else (better,)
    outcomes = [_one_sided(interval, side, bound, mode) for side in sides]
    return max(outcomes, key=_RANK.__getitem__)


def _one_sided(interval: ChangeInterval, better: str, bound: float, mode: Mode) -> Outcome:
    """Outcome on the regression r (the change toward worse) and its interval [r_low, r_high]."""
    sign = -1.0 if better == "higher" else 1.0
    r = sign * interval.change
    r_low, r_high = sorted((sign * interval.low, sign * interval.high))
    if mode == "detect":
        if r_low > bound:  # NaN (no interval) compares False: never a FAIL without evidence
            return "fail"
        return "pass" if r <= bound else "inconclusive"
    if r_high < bound:
        return "pass"
    return "fail" if r >= bound else "inconclusive"


def _worse(name: str) -> str:
    return {"higher": "lower is worse", "lower": "higher is worse"}.get(
        direction(name), "either way is a change"
    )


def _describe(interval: ChangeInterval) -> str:
    text = f"{interval.change:+.4g}"
    if math.isfinite(interval.low):
        text += f" [{interval.low:+.4g}, {interval.high:+.4g}] ({interval.method})"
    return text
