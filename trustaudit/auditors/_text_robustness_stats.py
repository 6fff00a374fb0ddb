"""The measurements of one text perturbation level against the clean run (text_robustness).

Every answer is counted. Over the vignettes the perturbation changed (applicable cases):

* ``flip_rate`` (``directional_pass_rate`` for negation): the decision differs from the clean one,
  among the cases with a decision both times;
* ``decision_loss_rate``: the clean answer gave a decision and the perturbed one none (refused,
  unparseable or a failed request), among the cases with a clean decision. A loss is a change of
  its own kind, kept apart from flips so that a flip still means "a different clinical decision";
  a spec gates on both;
* ``unparseable_rate`` and ``decision_coverage``: shares of the perturbed prompts with an
  unparseable answer, and with a decision (what the flip rate's denominator keeps; named apart from
  the auditor's ``coverage`` of answered requests, which a ``coverage`` threshold gates);
* ``accuracy_drop_rate``: 1 − perturbed accuracy / clean accuracy where vignettes have a gold
  answer (an answer without a decision is not correct).

Each vignette is one case, so the rates' intervals (stats/clustered.py) are Clopper–Pearson on the
counts united with the percentile bootstrap over vignettes; the accuracy drop's is MOVER on the log
ratio united with the bootstrap. A resample that drew no applicable case has no rate (NaN, left out
of the interval), never 0 or 1."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..findings import Metric
from ..shown import Plain
from ..stats.clustered import RATIO, WITH_BOOTSTRAP, clustered_ratio_interval, united
from ._stats import rate_metric, scalar_interval, share
from ._text import shown_answer

NO_FLIP = "not estimable: the perturbation changed no answered vignette"
NO_CASE = "not estimable: the perturbation changed no vignette"


@dataclass(frozen=True)
class Answered:
    """One run of every vignette (clean, or at one perturbation level): per vignette, the decision
    (None without one), the outcome (answer, refused, unparseable, error) and the answer text."""

    decisions: np.ndarray
    outcomes: np.ndarray
    texts: list[str]

    @property
    def decided(self) -> np.ndarray:
        return (self.outcomes == "answer").astype(float)


@dataclass(frozen=True)
class Level:
    """A perturbation level against the clean run, on the vignettes it ``applies`` to (1.0)."""

    name: str
    level: str
    clean: Answered
    perturbed: Answered
    applies: np.ndarray

    @property
    def answered(self) -> np.ndarray:
        return self.clean.decided * self.perturbed.decided * self.applies

    @property
    def changed(self) -> np.ndarray:
        differs = np.array(
            [a != b for a, b in zip(self.clean.decisions, self.perturbed.decisions, strict=True)]
        )
        return differs * self.answered

    @property
    def lost(self) -> np.ndarray:
        return self.clean.decided * (1 - self.perturbed.decided) * self.applies

    def measure(
        self, gold: np.ndarray, weights: np.ndarray | None, confidence: float
    ) -> list[Metric]:
        """The level's metrics (see the module docstring)."""
        where = (confidence, self.name, self.level)
        flip = "directional_pass_rate" if self.name == "negation" else "flip_rate"
        metrics = [
            rate_metric(
                flip,
                self.changed,
                self.answered,
                weights,
                *where,
                note="share of the applicable vignettes with a decision both times whose "
                f"decision changed{' (it should)' if flip != 'flip_rate' else ''}",
                why_not=NO_FLIP,
            ),
            rate_metric(
                "decision_loss_rate",
                self.lost,
                self.clean.decided * self.applies,
                weights,
                *where,
                note="share of the clean decisions the perturbed answer lost (refused, "
                "unparseable or failed)",
                why_not="not estimable: no applicable vignette had a clean decision",
            ),
            rate_metric(
                "unparseable_rate",
                (self.perturbed.outcomes == "unparseable") * self.applies,
                self.applies,
                weights,
                *where,
                note="share of the perturbed prompts whose answer gave no decision",
                why_not=NO_CASE,
            ),
            rate_metric(
                "decision_coverage",
                self.perturbed.decided * self.applies,
                self.applies,
                weights,
                *where,
                note=self._coverage_note(),
                why_not=NO_CASE,
            ),
        ]
        has_gold = np.array([g is not None for g in gold], float) * self.applies
        if has_gold.any() and self.name != "negation":
            metrics.append(self._accuracy_drop(gold, has_gold, weights, confidence))
        return metrics

    def _coverage_note(self) -> str:
        outcomes = self.perturbed.outcomes[self.applies > 0]
        counts = {k: int((outcomes == k).sum()) for k in ("refused", "unparseable", "error")}
        return (
            f"share of the perturbed prompts that gave a decision; {counts['refused']} refused, "
            f"{counts['unparseable']} unparseable, {counts['error']} failed"
        )

    def _accuracy_drop(
        self, gold: np.ndarray, has_gold: np.ndarray, weights: np.ndarray | None, confidence: float
    ) -> Metric:
        """1 - perturbed accuracy / clean accuracy on the applicable vignettes with a gold
        answer."""
        correct_clean, correct_after = (
            np.array([d == g for d, g in zip(run.decisions, gold, strict=True)], float) * has_gold
            for run in (self.clean, self.perturbed)
        )
        kept, samples = share(correct_after, correct_clean, weights)
        low, high = clustered_ratio_interval(
            correct_after, has_gold, correct_clean, has_gold, confidence
        )
        method = RATIO
        if samples is not None:
            low, high = united((low, high), scalar_interval(samples, confidence))
            method += WITH_BOOTSTRAP
        base = int(correct_clean.sum())
        return Metric(
            name="accuracy_drop_rate",
            value=float(1 - kept),
            ci_low=float(1 - high) if base else np.nan,
            ci_high=float(1 - low) if base else np.nan,
            n=base,
            grouping=self.name,
            group=self.level,
            note="1 - perturbed accuracy / clean accuracy"
            if base
            else "not estimable: no correct clean answers",
            interval=method,
        )

    def examples(self, ids: list[str]) -> tuple[float, list[tuple[str, str, str, str]]]:
        """(share of the clean decisions that changed or were lost, a row per such vignette)."""
        changed = (self.changed + self.lost) > 0
        rows: list[tuple[str, str, str, str]] = [
            (
                Plain(ids[i]),
                Plain(f"{self.name}={self.level}"),
                shown_answer(self.clean.texts[i], self.clean.decisions[i], self.clean.outcomes[i]),
                shown_answer(
                    self.perturbed.texts[i], self.perturbed.decisions[i], self.perturbed.outcomes[i]
                ),
            )
            for i in np.flatnonzero(changed)
        ]
        reference = (self.clean.decided * self.applies).sum()
        return (float(changed.sum() / reference) if reference else 0.0), rows
