"""Group fairness of a binary classifier (fairlearn's MetricFrame is the reference engine).

Per group of every sensitive feature and of their intersection: rates, AUROC and calibration;
per grouping: disparities as differences and ratios. Every value carries a percentile bootstrap CI.
Groups smaller than ``min_group_size`` are reported with their n as not estimable, never dropped.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, ClassVar

import numpy as np
import pandas as pd
from pydantic import Field

from ..adapters.base import PREDICTION_CALLS, binary_outcomes
from ..errors import DataError, SpecError
from ..findings import AuditResult, Finding, Metric, Plot
from ..inputs.data import AuditData, check_flat
from ..keys import KeySpace, keys
from ..progress import SILENT, Progress
from ._stats import (
    COUNT_METRICS,
    SCORE_METRICS,
    ScoreRows,
    bootstrap_cells,
    confusion_cells,
    merge_groups,
    percentile_ci,
    spread,
)
from .base import AuditContext, Auditor, BootstrapParams, registry

OVERALL = "overall"
MISSING = "(missing)"
GROUP_METRICS = ("group_size", "positives", *COUNT_METRICS, *SCORE_METRICS)
# disparity name -> (per-group metric, "difference" | "ratio")
DISPARITIES = {
    "demographic_parity_difference": ("selection_rate", "difference"),
    "demographic_parity_ratio": ("selection_rate", "ratio"),
    "disparate_impact_ratio": ("selection_rate", "ratio"),
    "equal_opportunity_difference": ("tpr", "difference"),
    "equal_opportunity_ratio": ("tpr", "ratio"),
    "fpr_difference": ("fpr", "difference"),
    "fpr_ratio": ("fpr", "ratio"),
    "auroc_difference": ("auroc", "difference"),
}
# the counts each rate is estimated from: (y, y_pred) cells summed; None means the whole group
DENOMINATOR_CELLS = {
    "tpr": ((1, 0), (1, 1)),
    "fnr": ((1, 0), (1, 1)),
    "fpr": ((0, 0), (0, 1)),
    "ppv": ((0, 1), (1, 1)),
    "auroc": None,
}
# equalized odds combines the TPR and FPR spreads (fairlearn's definition)
EQUALIZED_ODDS = {
    "equalized_odds_difference": ("difference", np.fmax),
    "equalized_odds_ratio": ("ratio", np.fmin),
}


@dataclass(frozen=True)
class Grouping:
    """A partition of the rows: ``mapping`` sends each intersectional group to a group of this
    grouping."""

    name: str
    labels: tuple[str, ...]
    mapping: np.ndarray


@dataclass(frozen=True)
class Measured:
    """Point values (per group) and bootstrap samples (resample x group) of each metric for one
    grouping."""

    point: dict[str, np.ndarray]
    samples: dict[str, np.ndarray]
    notes: dict[str, list[str]]

    def estimable(self, name: str) -> np.ndarray:
        return np.array([note == "" for note in self.notes[name]])


@registry.register
@dataclass(frozen=True, kw_only=True)
class FairnessAuditor(BootstrapParams, Auditor):
    """Group fairness of a binary classifier: per-group rates, AUROC and calibration, disparities, bootstrap CIs."""  # noqa: E501 (kept whole: the `trustaudit list` summary and the schema description)

    name: ClassVar[str] = "fairness"
    sensitive_features: Annotated[
        tuple[str, ...], Field(min_length=1, description="Columns defining groups.")
    ]
    intersections: Annotated[
        bool, Field(description="Also audit the intersection of all sensitive features.")
    ] = True
    min_group_size: Annotated[
        int, Field(ge=1, description="Groups with fewer rows are 'not estimable'.")
    ] = 30
    min_denominator: Annotated[
        int,
        Field(
            ge=1,
            description=(
                "TPR/FNR need this many positives, FPR negatives, PPV predicted positives, "
                "AUROC both classes; fewer: not estimable."
            ),
        ),
    ] = 10
    calibration_bins: Annotated[
        int, Field(ge=2, le=100, description="Equal-width bins for the ECE.")
    ] = 10
    max_groups: Annotated[
        int,
        Field(
            ge=2,
            le=100_000,
            description=(
                "Most groups a sensitive feature (and their intersection) may have; "
                "more stops the audit before any model call, since hundreds of groups are too "
                "small to estimate and too many to show. Bin or merge "
                "categories first, or raise this."
            ),
        ),
    ] = 50

    def __post_init__(self) -> None:
        repeated = sorted(
            {c for c in self.sensitive_features if self.sensitive_features.count(c) > 1}
        )
        if repeated:
            raise ValueError(f"sensitive_features lists {', '.join(repeated)} more than once")

    @classmethod
    def metric_names(cls) -> set[str]:
        return {*GROUP_METRICS, *DISPARITIES, *EQUALIZED_ODDS}

    def required_columns(self) -> dict[str, tuple[str, ...]]:
        return {"sensitive_features": self.sensitive_features}

    def check_inputs(self, spec: Any, where: str) -> None:
        if spec.data is None or spec.data.target is None:
            raise SpecError(
                f"{spec.where('data.target')}: the fairness auditor needs the outcome "
                "column: set data.target."
            )

    def metric_keys(self, spec: Any, data: AuditData, where: str) -> KeySpace:
        """Per group of every grouping the data's sensitive columns give (small groups too: they are
        reported as not estimable); disparities per grouping."""
        found: set = set()
        for grouping in self._groupings(data.frame.loc[:, list(self.sensitive_features)])[1]:
            overall = grouping.name == OVERALL
            found |= keys(GROUP_METRICS, grouping.name, (None,) if overall else grouping.labels)
            if not overall:
                found |= keys((*DISPARITIES, *EQUALIZED_ODDS), grouping.name)
        return KeySpace(frozenset(found), from_data=True)

    def model_calls(self, spec: Any, data: AuditData, where: str) -> int:
        return PREDICTION_CALLS

    def check_data(self, data: AuditData, where: str) -> None:
        """Group columns must be flat and have at most ``max_groups`` values (counted, never
        quoted)."""
        columns = list(self.sensitive_features)
        check_flat(data.frame, columns, f"{where}.sensitive_features")
        counts = {c: (data.frame[c].nunique(dropna=False), "") for c in columns}
        if self.intersections and len(columns) > 1:
            distinct = len(data.frame[columns].drop_duplicates())
            counts["+".join(columns)] = (distinct, ", set intersections: false")
        for grouping, (count, alternative) in counts.items():
            if count > self.max_groups:
                raise DataError(
                    f"{where}.sensitive_features: '{grouping}' has {count:,} distinct values, "
                    f"more than max_groups ({self.max_groups}). Bin or merge its categories (e.g. "
                    f"with a data factory){alternative} or raise max_groups."
                )

    def run(self, model: Any, data: AuditData, ctx: AuditContext) -> AuditResult:
        ctx.progress.step(
            f"{ctx.label}: predicting {len(data.frame):,} rows with {model.info.name}"
        )
        outcomes = binary_outcomes(model, data.X, data.positive_label)
        return self.measure(
            data.y,
            outcomes.y_pred,
            outcomes.scores,
            data.frame.loc[:, list(self.sensitive_features)],
            seed=ctx.seed,
            progress=ctx.progress,
            label=ctx.label,
        )

    def measure(
        self,
        y: np.ndarray,
        y_pred: np.ndarray,
        scores: np.ndarray | None,
        sensitive: pd.DataFrame,
        *,
        seed: int,
        progress: Progress = SILENT,
        label: str = "fairness",
    ) -> AuditResult:
        """All metrics from outcomes and sensitive columns (no model involved)."""
        rng = np.random.default_rng(seed)
        codes, groupings = self._groupings(sensitive)
        n_fine = len(groupings[0].mapping)
        cells = confusion_cells(codes, n_fine, y, y_pred)
        if self.n_boot:
            progress.step(
                f"{label}: {self.n_boot} bootstrap resamples over {n_fine} intersectional groups"
            )
        boot = bootstrap_cells(cells, self.n_boot, rng) if self.n_boot else None
        metrics: list[Metric] = []
        small: list[str] = []
        for grouping in groupings:
            measured = self._measure_grouping(
                grouping, codes, cells, boot, y, scores, rng, progress, label
            )
            metrics += self._group_metrics(grouping, measured)
            if grouping.name != OVERALL:
                metrics += self._disparities(grouping, measured)
                small += [
                    f"{grouping.name}={g} (n={int(n)})"
                    for g, n in zip(grouping.labels, measured.point["group_size"], strict=True)
                    if n < self.min_group_size
                ]
        return AuditResult(
            auditor=self.name,
            label=label,
            params=self.params(),
            metrics=tuple(metrics),
            findings=tuple(self._findings(small, scores is not None)),
            plots=tuple(self._plots(groupings, scores is not None)),
        )

    def _groupings(self, sensitive: pd.DataFrame) -> tuple[np.ndarray, list[Grouping]]:
        """Codes of the finest (intersectional) groups per row, and every grouping as a map from
        them."""
        columns = [str(c) for c in sensitive.columns]
        per_feature = [
            pd.factorize(sensitive[c], sort=True, use_na_sentinel=False) for c in sensitive.columns
        ]
        labels = [[_label(u) for u in uniques] for _, uniques in per_feature]
        dims = tuple(len(names) for names in labels)
        fine, codes = np.unique(
            np.ravel_multi_index(tuple(c for c, _ in per_feature), dims), return_inverse=True
        )
        fine_by_feature = np.unravel_index(fine, dims)
        groupings = [Grouping(OVERALL, ("all",), np.zeros(len(fine), dtype=np.int64))]
        groupings += [
            Grouping(c, tuple(names), np.asarray(mapped))
            for c, names, mapped in zip(columns, labels, fine_by_feature, strict=True)
        ]
        if self.intersections and len(columns) > 1:
            combined = tuple(
                "+".join(labels[k][fine_by_feature[k][i]] for k in range(len(columns)))
                for i in range(len(fine))
            )
            groupings.append(Grouping("+".join(columns), combined, np.arange(len(fine))))
        return codes.ravel(), groupings

    def _measure_grouping(
        self,
        grouping: Grouping,
        codes: np.ndarray,
        fine_cells: np.ndarray,
        fine_boot,
        y,
        scores,
        rng,
        progress: Progress,
        label: str,
    ) -> Measured:
        n_groups = len(grouping.labels)
        cells = merge_groups(fine_cells, grouping.mapping, n_groups)
        boot = (
            merge_groups(fine_boot, grouping.mapping, n_groups)
            if fine_boot is not None
            else cells[None]
        )
        point = {
            "group_size": cells.sum(axis=(1, 2)).astype(float),
            "positives": cells[:, 1, :].sum(axis=1).astype(float),
        }
        samples = {}
        for name, fn in COUNT_METRICS.items():
            point[name], samples[name] = fn(cells), fn(boot)
        notes = {name: self._notes(name, cells) for name in point}
        if scores is not None:
            group_of_row = grouping.mapping[codes]
            order = np.argsort(group_of_row, kind="stable")
            rows_by_group = np.split(
                order, np.cumsum(np.bincount(group_of_row, minlength=n_groups))[:-1]
            )
            totals = boot.sum(axis=(2, 3))
            for name in SCORE_METRICS:
                point[name], samples[name] = (
                    np.full(n_groups, np.nan),
                    np.full(totals.shape, np.nan),
                )
                notes[name] = self._notes(name, cells)
            for g, rows in enumerate(rows_by_group):
                if notes["brier"][g]:
                    continue
                prepared = ScoreRows.prepare(y[rows], scores[rows], self.calibration_bins)
                for name, value in prepared.metrics().items():
                    point[name][g] = value
                if fine_boot is not None:
                    for name, values in prepared.bootstrap(totals[:, g], rng).items():
                        samples[name][:, g] = values
                progress.tick(g + 1, n_groups, f"{label}: score metrics by {grouping.name}")
        for name, group_notes in notes.items():
            for g, note in enumerate(group_notes):
                if not note and np.isnan(point[name][g]):
                    group_notes[g] = "undefined: no rows in its denominator"
        return Measured(point, samples if fine_boot is not None else {}, notes)

    def _notes(self, name: str, cells: np.ndarray) -> list[str]:
        """Why each group's value of ``name`` is not estimable ('' when it is)."""
        sizes = cells.sum(axis=(1, 2))
        if name in ("group_size", "positives"):
            return [""] * len(sizes)
        notes = [
            f"not estimable: n={n} < min_group_size {self.min_group_size}"
            if n < self.min_group_size
            else ""
            for n in sizes
        ]
        if name not in DENOMINATOR_CELLS:
            return notes
        if DENOMINATOR_CELLS[name] is None:  # AUROC needs both classes
            counts, what = (
                np.minimum(cells[:, 1, :].sum(axis=1), cells[:, 0, :].sum(axis=1)),
                "positives or negatives",
            )
        else:
            counts = sum(cells[:, a, b] for a, b in DENOMINATOR_CELLS[name])
            what = {
                "tpr": "positives",
                "fnr": "positives",
                "fpr": "negatives",
                "ppv": "predicted positives",
            }[name]
        return [
            note
            or (
                f"not estimable: {int(c)} {what} < min_denominator {self.min_denominator}"
                if c < self.min_denominator
                else ""
            )
            for note, c in zip(notes, counts, strict=True)
        ]

    def _ci(self, measured: Measured, name: str) -> tuple[np.ndarray, np.ndarray]:
        if name not in measured.samples:
            nan = np.full_like(measured.point[name], np.nan)
            return nan, nan
        return percentile_ci(measured.samples[name], self.confidence)

    def _group_metrics(self, grouping: Grouping, measured: Measured) -> list[Metric]:
        sizes = measured.point["group_size"]
        group_names = [None] if grouping.name == OVERALL else grouping.labels
        out = []
        for name in GROUP_METRICS:
            if name not in measured.point:
                continue
            low, high = self._ci(measured, name)
            for g, group in enumerate(group_names):
                note = measured.notes[name][g]
                ok = not note
                out.append(
                    Metric(
                        name,
                        float(measured.point[name][g]) if ok else np.nan,
                        float(low[g]) if ok else np.nan,
                        float(high[g]) if ok else np.nan,
                        int(sizes[g]),
                        grouping.name,
                        group,
                        note,
                    )
                )
        return out

    def _disparities(self, grouping: Grouping, measured: Measured) -> list[Metric]:
        spreads: dict[str, tuple[np.ndarray, np.ndarray | None, np.ndarray]] = {}
        for name, (base, kind) in DISPARITIES.items():
            if base not in measured.point:
                continue
            used = measured.estimable(base)
            keep = np.where(used, 1.0, np.nan)
            index = 0 if kind == "difference" else 1
            boot = spread(measured.samples[base] * keep)[index] if measured.samples else None
            spreads[name] = (spread(measured.point[base] * keep)[index], boot, used)
        for name, (kind, combine) in EQUALIZED_ODDS.items():
            a, b = spreads[f"equal_opportunity_{kind}"], spreads[f"fpr_{kind}"]
            spreads[name] = (
                combine(a[0], b[0]),
                None if a[1] is None else combine(a[1], b[1]),
                a[2] & b[2],
            )
        out = []
        for name, (point, boot, used) in spreads.items():
            low, high = (
                percentile_ci(boot[:, None], self.confidence)
                if boot is not None
                else (np.array([np.nan]),) * 2
            )
            left_out = [g for g, ok in zip(grouping.labels, used, strict=True) if not ok]
            note = (
                f"over {int(used.sum())} estimable group(s)"
                + (f"; left out: {', '.join(left_out)}" if left_out else "")
                if np.isfinite(point)
                else "undefined: fewer than 2 estimable groups"
            )
            out.append(
                Metric(
                    name,
                    float(point),
                    float(low[0]),
                    float(high[0]),
                    int(measured.point["group_size"][used].sum()),
                    grouping.name,
                    None,
                    note,
                )
            )
        return out

    def _findings(self, small: list[str], has_scores: bool) -> list[Finding]:
        findings = []
        if small:
            findings.append(
                Finding(
                    f"{len(small)} group(s) below min_group_size "
                    f"{self.min_group_size}: not estimable",
                    "medium",
                    "Their metrics are not estimated and they are left out of every disparity. "
                    "Collect more data for them or merge categories.",
                    tuple(small),
                )
            )
        if not has_scores:
            findings.append(
                Finding(
                    "No scores: AUROC and calibration were not measured",
                    "info",
                    "The model gives labels only. Provide predict_proba or a score column.",
                )
            )
        return findings

    def _plots(self, groupings: list[Grouping], has_scores: bool) -> list[Plot]:
        names = ("selection_rate", "tpr", "fpr", "ppv") + (
            ("auroc", "oe_ratio") if has_scores else ()
        )
        plots = [
            Plot(f"Per-group metrics by {g.name}", names, g.name)
            for g in groupings
            if g.name != OVERALL
        ]
        differences = [
            n
            for n in (*DISPARITIES, *EQUALIZED_ODDS)
            if n.endswith("difference") and (has_scores or "auroc" not in n)
        ]
        plots.append(Plot("Disparities (max − min over estimable groups)", tuple(differences)))
        return plots


def _label(value: Any) -> str:
    return MISSING if pd.isna(value) else str(value)
