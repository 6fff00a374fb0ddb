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
from ..adapters.recorded_table import RecordedColumns
from ..engines.cells import COUNT, EXACT_ROWS, Y_PRED, Cells, Y, outcome_cells
from ..errors import DataError, SpecError
from ..findings import AuditResult, Finding, Metric, Plot, Severity
from ..inputs.data import AuditData, check_flat
from ..keys import KeySpace, keys
from ..progress import SILENT, Progress
from ..shown import Plain
from ._fairness_data import (
    batch_count,
    distinct_counts,
    predicted_cells,
    recorded_cells,
    sensitive_entries,
)
from ._fairness_groups import (
    DISPARITIES,
    EQUALIZED_ODDS,
    OVERALL,
    Grouping,
    Measured,
    estimability_notes,
    groupings,
)
from ._fairness_metrics import (
    compared,
    count_metrics,
    disparity_metrics,
    group_metrics,
    scale_of,
)
from ._fairness_scores import ScoreEntries, binning_finding, score_metrics
from ._stats import (
    COUNT_METRICS,
    SCORE_METRICS,
    bootstrap_cells,
    confusion_cells,
    merge_groups,
)
from .base import (
    AuditContext,
    AuditedModel,
    Auditor,
    BootstrapParams,
    audit_data,
    registry,
    tabular_model,
)

GROUP_METRICS = ("group_size", "positives", *COUNT_METRICS, *SCORE_METRICS)


@registry.register
@dataclass(frozen=True, kw_only=True)
class FairnessAuditor(BootstrapParams, Auditor):
    """Group fairness of a binary classifier: per-group rates, AUROC and calibration, disparities,
    bootstrap CIs."""

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
    exact_score_rows: Annotated[
        int,
        Field(
            ge=1,
            description=(
                "Up to this many rows scores are counted per exact value; above it per bin of "
                "width 1/1000 (memory bounded; AUROC intervals and gates include the bound)."
            ),
        ),
    ] = EXACT_ROWS
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

    @classmethod
    def comparisons(cls) -> dict[str, str]:
        return {name: scale_of(name) for name in (*DISPARITIES, *EQUALIZED_ODDS)}

    def required_columns(self) -> dict[str, tuple[str, ...]]:
        return {"sensitive_features": self.sensitive_features}

    def check_inputs(self, spec: Any, where: str) -> None:
        if spec.data is None or spec.data.target is None:
            raise SpecError(
                f"{spec.where('data.target')}: the fairness auditor needs the outcome "
                "column: set data.target."
            )

    def metric_keys(self, spec: Any, data: AuditData | None, where: str) -> KeySpace:
        """Per group of every grouping the data's sensitive columns give (small groups too: they are
        reported as not estimable); disparities per grouping."""
        data = audit_data(data)
        found: set = set()
        sensitive = sensitive_entries(data, self.sensitive_features)[0]
        for grouping in groupings(sensitive, self.intersections)[1]:
            overall = grouping.name == OVERALL
            found |= keys(GROUP_METRICS, grouping.name, (None,) if overall else grouping.labels)
            if not overall:
                found |= keys((*DISPARITIES, *EQUALIZED_ODDS), grouping.name)
        return KeySpace(frozenset(found), from_data=True)

    def plan_sizes(self, spec: Any, data: AuditData | None) -> dict[str, dict[str, dict[str, int]]]:
        """Rates whose denominator the outcome fixes (all rows, positives or negatives) and AUROC
        (its smaller class); PPV's denominator is the model's positive predictions: not planned.
        Groups the run would find not estimable count 0 (they are left out of every gap)."""
        data = audit_data(data)
        sensitive, y, counts = sensitive_entries(data, self.sensitive_features)
        codes, found = groupings(sensitive, self.intersections)
        fine = confusion_cells(codes, len(found[0].mapping), y, np.zeros(len(y), int), counts)
        sizes: dict[str, dict[str, dict[str, int]]] = {}
        for grouping in found:
            cells = merge_groups(fine, grouping.mapping, len(grouping.labels))
            small = cells.sum(axis=(1, 2)) < self.min_group_size  # not estimable in the run
            positives = np.where(small, 0, cells[:, 1, 0])
            negatives = np.where(small, 0, cells[:, 0, 0])
            by_metric = {
                **dict.fromkeys(("selection_rate", "base_rate", "accuracy"), positives + negatives),
                **dict.fromkeys(("tpr", "fnr"), positives),
                "fpr": negatives,
                "auroc": np.minimum(positives, negatives),
            }
            for name in self.comparisons():  # a gap rests on its compared metrics' sizes
                by_metric[name] = np.min([by_metric[m] for m in compared(name)], axis=0)
            for name, counts in by_metric.items():
                kept = np.where(counts < self.min_denominator, 0, counts)
                sizes.setdefault(name, {})[grouping.name] = dict(
                    zip(grouping.labels, map(int, kept), strict=True)
                )
        return sizes

    def model_calls(self, spec: Any, data: AuditData | None, where: str) -> int:
        data = audit_data(data)
        return PREDICTION_CALLS * (batch_count(data) if data.table is not None else 1)

    def check_data(self, data: AuditData, where: str) -> None:
        """Group columns must be flat and have at most ``max_groups`` values (counted, never
        quoted)."""
        columns = list(self.sensitive_features)
        check_flat(data, columns, f"{where}.sensitive_features")
        counts = {c: (n, "") for c, n in distinct_counts(data, columns, self.max_groups).items()}
        if self.intersections and len(columns) > 1 and max(counts.values())[0] <= self.max_groups:
            sensitive = sensitive_entries(data, self.sensitive_features)[0]
            distinct = len(sensitive.drop_duplicates())
            counts["+".join(columns)] = (distinct, ", set intersections: false")
        for grouping, (count, alternative) in counts.items():
            if count > self.max_groups:
                raise DataError(
                    f"{where}.sensitive_features: '{grouping}' has {count:,} distinct values, "
                    f"more than max_groups ({self.max_groups}). Bin or merge its categories (e.g. "
                    f"with a data factory){alternative} or raise max_groups."
                )

    def run(
        self, model: AuditedModel | None, data: AuditData | None, ctx: AuditContext
    ) -> AuditResult:
        data = audit_data(data)
        model = tabular_model(model)
        if data.table is not None:
            ctx.progress.step(
                f"{ctx.label}: counting {data.rows:,} rows of recorded predictions on {data.engine}"
            )

            def tick(done: int, total: int) -> None:
                ctx.progress.tick(done, total, f"{ctx.label}: rows counted")

            columns, recorded = self.sensitive_features, getattr(model, "inner", model)
            if isinstance(recorded, RecordedColumns):
                data.table.observe(tick)
                cells = recorded_cells(data, recorded, columns, self.exact_score_rows)
                data.table.observe(None)
            else:
                cells = predicted_cells(data, model, columns, self.exact_score_rows, tick)
            return self.measure_cells(cells, seed=ctx.seed, progress=ctx.progress, label=ctx.label)
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
        cells = outcome_cells(sensitive, y, y_pred, scores, self.exact_score_rows)
        return self.measure_cells(cells, seed=seed, progress=progress, label=label)

    def measure_cells(
        self, cells: Cells, *, seed: int, progress: Progress = SILENT, label: str = "fairness"
    ) -> AuditResult:
        """All metrics from an engine's cells (row counts per group, outcome, prediction, score):
        the same numbers whichever engine counted them."""
        rng = np.random.default_rng(seed)
        table = cells.table
        codes, found = groupings(table.loc[:, list(cells.keys)], self.intersections)
        n_fine = len(found[0].mapping)
        fine = confusion_cells(
            codes, n_fine, table[Y].to_numpy(), table[Y_PRED].to_numpy(), table[COUNT].to_numpy()
        )
        if self.n_boot:
            progress.step(
                f"{label}: {self.n_boot} bootstrap resamples over {n_fine} intersectional groups"
            )
        boot = bootstrap_cells(fine, self.n_boot, rng) if self.n_boot else None
        entries = ScoreEntries.of(cells) if cells.has_scores else None
        metrics: list[Metric] = []
        small: list[str] = []
        bounds: list[np.ndarray] = []  # AUROC's binning bounds, per grouping
        for grouping in found:
            measured = self._measure_grouping(
                grouping, codes, fine, boot, entries, rng, progress, label
            )
            bounds += measured.bounds.values()
            metrics += group_metrics(GROUP_METRICS, grouping, measured, self.confidence)
            if grouping.name != OVERALL:
                metrics += disparity_metrics(grouping, measured, self.confidence)
                small += [
                    Plain(f"{grouping.name}={g} (n={int(n)})")  # a label: masked by shape only
                    for g, n in zip(grouping.labels, measured.point["group_size"], strict=True)
                    if n < self.min_group_size
                ]
        findings = self._findings(small, entries is not None)
        if entries is not None and cells.binned:
            findings.append(binning_finding(bounds, cells.rows))
        return AuditResult(
            auditor=self.name,
            label=label,
            params=self.params(),
            metrics=tuple(metrics),
            findings=tuple(findings),
            plots=tuple(self._plots(found, entries is not None)),
        )

    def _measure_grouping(
        self,
        grouping: Grouping,
        codes: np.ndarray,
        fine_cells: np.ndarray,
        fine_boot: np.ndarray | None,
        entries: ScoreEntries | None,
        rng: np.random.Generator,
        progress: Progress,
        label: str,
    ) -> Measured:
        n_groups = len(grouping.labels)
        cells = merge_groups(fine_cells, grouping.mapping, n_groups)
        boot = (
            cells[None]
            if fine_boot is None
            else merge_groups(fine_boot, grouping.mapping, n_groups)
        )
        point, samples, counts = count_metrics(cells, boot)
        notes = {name: self._notes(name, cells) for name in point}
        variances: dict[str, np.ndarray] = {}
        bounds: dict[str, np.ndarray] = {}
        if entries is not None:
            for name in SCORE_METRICS:
                notes[name] = self._notes(name, cells)
            score_point, score_samples, variances, bounds = score_metrics(
                grouping,
                grouping.mapping[codes],
                entries,
                boot.sum(axis=(2, 3)),
                notes["brier"],
                None if fine_boot is None else rng,
                self.calibration_bins,
                progress,
                label,
            )
            point.update(score_point)
            samples.update(score_samples)
        for name, group_notes in notes.items():
            for g, note in enumerate(group_notes):
                if not note and np.isnan(point[name][g]):
                    group_notes[g] = "undefined: no rows in its denominator"
        kept = samples if fine_boot is not None else {}
        return Measured(point, kept, notes, counts, variances, bounds)

    def _notes(self, name: str, cells: np.ndarray) -> list[str]:
        """Why each group's value of ``name`` is not estimable ('' when it is)."""
        return estimability_notes(name, cells, self.min_group_size, self.min_denominator)

    def _findings(self, small: list[str], has_scores: bool) -> list[Finding]:
        findings = []
        if small:
            findings.append(
                Finding(
                    title=f"{len(small)} group(s) below min_group_size "
                    f"{self.min_group_size}: not estimable",
                    severity=Severity.MEDIUM,
                    detail="Their metrics are not estimated and they are left out of every "
                    "disparity. Collect more data for them or merge categories.",
                    examples=tuple(small),
                )
            )
        if not has_scores:
            findings.append(
                Finding(
                    title="No scores: AUROC and calibration were not measured",
                    severity=Severity.INFO,
                    detail="The model gives labels only. Provide predict_proba or a score column.",
                )
            )
        return findings

    def _plots(self, groupings: list[Grouping], has_scores: bool) -> list[Plot]:
        names = ("selection_rate", "tpr", "fpr", "ppv") + (
            ("auroc", "oe_ratio") if has_scores else ()
        )
        plots = [
            Plot(title=f"Per-group metrics by {g.name}", metric_names=names, grouping=g.name)
            for g in groupings
            if g.name != OVERALL
        ]
        differences = [
            n
            for n in (*DISPARITIES, *EQUALIZED_ODDS)
            if n.endswith("difference") and (has_scores or "auroc" not in n)
        ]
        plots.append(
            Plot(
                title="Disparities (max − min over estimable groups)",
                metric_names=tuple(differences),
            )
        )
        return plots
