"""Robustness of a tabular classifier to realistic input changes: noise, missing values, unit
mix-ups and category swaps, at several severity levels, with chosen features (e.g. sensitive
attributes) frozen.

Per perturbation and level: ``flip_rate`` (share of predictions that change: invariance), and with
the outcome ``accuracy_drop_rate`` and ``auroc_drop_rate`` (1 - perturbed / clean), each with a
paired bootstrap CI over rows; degradation-by-level figures; flipped rows shown with what changed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any, ClassVar, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..adapters.base import PREDICTION_CALLS, binary_outcomes
from ..errors import AdapterError
from ..findings import AuditResult, Finding, Metric, Plot, Severity
from ..inputs.data import AuditData
from ..keys import KeySpace, keys, level_group
from ..perturbations import DEFAULT_LEVELS, TABULAR
from ..phi.masking import mask_phi
from ..shown import Plain
from ._stats import ScoreRows, bootstrap_weights, interval_metric
from .base import (
    AuditContext,
    AuditedModel,
    Auditor,
    BootstrapParams,
    audit_data,
    registry,
    tabular_model,
)

SHARES = ("missing_values", "category_swap")  # levels that are shares of cells


class PerturbationChoice(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    name: Literal["gaussian_noise", "missing_values", "unit_rescale", "category_swap"]
    levels: tuple[Annotated[float, Field(gt=0, allow_inf_nan=False)], ...] | None = Field(
        default=None,
        min_length=1,
        description="Severities, each above 0; shares (missing_values, category_swap) at most 1 "
        "(default: the perturbation's own).",
    )
    columns: tuple[str, ...] | None = Field(
        default=None, description="Columns it may change (default: all not frozen)."
    )

    @model_validator(mode="after")
    def _shares_at_most_one(self) -> PerturbationChoice:
        if self.name in SHARES and any(level > 1 for level in self.levels or ()):
            raise ValueError(f"{self.name} levels are shares of cells: each at most 1")
        return self


@registry.register
@dataclass(frozen=True, kw_only=True)
class RobustnessAuditor(BootstrapParams, Auditor):
    """Robustness of a tabular classifier: prediction flips and performance drop under realistic
    perturbations."""

    name: ClassVar[str] = "robustness"
    perturbations: tuple[PerturbationChoice, ...] = field(
        default_factory=lambda: tuple(
            PerturbationChoice(name=n)
            for n in ("gaussian_noise", "missing_values", "category_swap")
        )
    )
    frozen: Annotated[
        tuple[str, ...], Field(description="Columns never perturbed (e.g. sensitive attributes).")
    ] = ()
    worst_examples: Annotated[int, Field(ge=0, le=100, description="Flipped rows shown.")] = 5

    @classmethod
    def metric_names(cls) -> set[str]:
        return {"flip_rate", "accuracy_drop_rate", "auroc_drop_rate"}

    def required_columns(self) -> dict[str, tuple[str, ...]]:
        columns = tuple(c for p in self.perturbations for c in (p.columns or ()))
        return {"frozen": self.frozen, "perturbations": columns}

    def metric_keys(self, spec: Any, data: AuditData | None, where: str) -> KeySpace:
        """Per perturbation (the grouping) and level (the group)."""
        data = audit_data(data)
        found = [
            keys(self.metric_names(), choice.name, map(level_group, _levels(choice)))
            for choice in self.perturbations
        ]
        return KeySpace(frozenset().union(*found))

    def model_calls(self, spec: Any, data: AuditData | None, where: str) -> int:
        """The clean data, then every level of every perturbation."""
        data = audit_data(data)
        return PREDICTION_CALLS * (1 + sum(len(_levels(choice)) for choice in self.perturbations))

    def run(
        self, model: AuditedModel | None, data: AuditData | None, ctx: AuditContext
    ) -> AuditResult:
        data = audit_data(data)
        model = tabular_model(model)
        X = data.X
        clean = binary_outcomes(model, X, data.positive_label)
        y = data.y if data.target is not None else None
        weights = bootstrap_weights(len(X), self.n_boot, np.random.default_rng(ctx.seed))
        metrics, examples, plots = [], [], []
        for p_index, choice in enumerate(self.perturbations):
            columns = list(choice.columns or [c for c in X.columns if c not in self.frozen])
            for l_index, level in enumerate(_levels(choice)):
                rng = np.random.default_rng([ctx.seed, p_index, l_index])
                perturbed = TABULAR[choice.name](X, level, rng, columns)
                group = level_group(level)
                try:
                    with ctx.recorder.scope(check=f"{choice.name}={group}"):
                        out = binary_outcomes(model, perturbed, data.positive_label)
                except AdapterError as exc:
                    metrics += self._failed(exc, len(X), choice.name, group)
                    continue
                metrics += self._measure(clean, out, y, weights, choice.name, group)
                examples += _flipped_rows(
                    X, perturbed, clean.y_pred, out.y_pred, choice.name, group
                )
            plots.append(
                Plot(
                    title=f"{choice.name}: degradation by level",
                    metric_names=("flip_rate", "accuracy_drop_rate", "auroc_drop_rate"),
                    grouping=choice.name,
                )
            )
        return self.result(
            ctx,
            metrics=tuple(metrics),
            findings=tuple(self._findings(examples)),
            plots=tuple(plots),
        )

    def _failed(self, exc: AdapterError, n: int, grouping: str, group: str) -> list[Metric]:
        """Every metric of a level the model failed on, not estimable."""
        note = f"not estimable: the model failed on this input ({exc})"
        return [
            Metric(
                name=name,
                value=np.nan,
                n=n,
                grouping=grouping,
                group=group,
                note=note,
            )
            for name in sorted(self.metric_names())
        ]

    def _findings(self, examples: list[tuple]) -> list[Finding]:
        if not examples:
            return []
        return [
            Finding(
                title="Predictions that changed under perturbation",
                severity=Severity.MEDIUM,
                detail="Each row: the perturbation, the data row, and the values that changed.",
                examples=tuple(examples[: self.worst_examples]),
                columns=("perturbation", "data row", "changed"),
            )
        ]

    def _measure(self, clean, out, y, weights, grouping: str, group: str) -> list[Metric]:
        n = len(clean.y_pred)
        flips = (clean.y_pred != out.y_pred).astype(float)
        values = {"flip_rate": (flips.mean(), None if weights is None else weights @ flips / n)}
        if y is not None:
            correct_clean, correct_out = (
                (clean.y_pred == y).astype(float),
                (out.y_pred == y).astype(float),
            )
            values["accuracy_drop_rate"] = (
                1 - correct_out.mean() / correct_clean.mean(),
                None
                if weights is None
                else 1 - (weights @ correct_out) / (weights @ correct_clean),
            )
            if clean.scores is not None and out.scores is not None:
                values["auroc_drop_rate"] = _auroc_drop(y, clean.scores, out.scores, weights)
        out_metrics = [
            interval_metric(name, value, samples, n, self.confidence, grouping, group)
            for name, (value, samples) in values.items()
        ]
        return out_metrics


def _levels(choice: PerturbationChoice) -> tuple[float, ...]:
    return choice.levels or DEFAULT_LEVELS[choice.name]


def _auroc_drop(
    y: np.ndarray, clean: np.ndarray, perturbed: np.ndarray, weights: np.ndarray | None
) -> tuple[float, np.ndarray | None]:
    """1 - perturbed AUROC / clean AUROC, and the same under each resample's row weights."""
    before = ScoreRows.prepare(y, clean, 10)
    after = ScoreRows.prepare(y, perturbed, 10)

    def drop(w: np.ndarray | None = None) -> float:
        return 1 - after.metrics(w)["auroc"] / before.metrics(w)["auroc"]

    return drop(), None if weights is None else np.array([drop(w) for w in weights])


def _flipped_rows(
    X: pd.DataFrame, perturbed: pd.DataFrame, before, after, name: str, level: str
) -> list[tuple]:
    rows = []
    for row in np.flatnonzero(before != after)[:3]:
        changed = [
            f"{c}: {_show(X[c].iat[row])} → {_show(perturbed[c].iat[row])}"
            for c in X.columns
            if _differs(X[c].iat[row], perturbed[c].iat[row])
        ]
        rows.append(
            (
                Plain(f"{name}={level}"),
                Plain(str(row + 1)),
                mask_phi("; ".join(changed[:6]) + (" …" if len(changed) > 6 else "")),
            )
        )
    return rows


def _differs(before: Any, after: Any) -> bool:
    """The value changed (two missing values are the same)."""
    if pd.isna(before) and pd.isna(after):
        return False
    return bool(before != after)


def _show(value: Any) -> str:
    return f"{value:.4g}" if isinstance(value, (float, np.floating)) else str(value)
