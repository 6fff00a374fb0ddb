"""Membership inference against a classifier (Shokri et al. 2017; Yeom et al. 2018): can the model's
loss on a row tell whether the row was in its training data? The attack scores each row by its
negative log loss under the model; its AUC (0.5: no better than chance) and TPR at 1% FPR are
measured on equal numbers of training rows (members) and held-out audit rows (non-members), with
stratified bootstrap CIs."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, ClassVar

import numpy as np
import pandas as pd
from pydantic import Field
from sklearn.metrics import roc_auc_score, roc_curve

from ..adapters.base import PREDICTION_CALLS, binary_outcomes
from ..errors import AuditorError
from ..findings import AuditResult, Metric
from ..inputs.data import AuditData
from ..inputs.overlap import require_columns, training_rows
from ..keys import KeySpace, keys
from ._stats import scalar_interval
from .base import AuditContext, AuditedModel, Auditor, BootstrapParams, audit_data, registry


@registry.register
@dataclass(frozen=True, kw_only=True)
class MembershipAuditor(BootstrapParams, Auditor):
    """Membership inference: does the classifier's loss give away which rows it was trained on?"""

    name: ClassVar[str] = "membership"
    train: Annotated[
        str,
        Field(
            description="The training rows: a CSV/Parquet file or 'module:func' returning a "
            "DataFrame (relative to the spec's folder)."
        ),
    ]
    max_rows: Annotated[
        int, Field(ge=20, le=1_000_000, description="Rows per side (seeded sample).")
    ] = 5000
    fpr: Annotated[
        float, Field(gt=0, lt=1, description="False-positive rate at which TPR is reported.")
    ] = 0.01

    @classmethod
    def metric_names(cls) -> set[str]:
        return {"mia_auc", "mia_tpr_at_fpr"}

    def metric_keys(self, spec: Any, data: AuditData | None, where: str) -> KeySpace:
        data = audit_data(data)
        return KeySpace(frozenset(keys(self.metric_names())))

    def model_calls(self, spec: Any, data: AuditData | None, where: str) -> int:
        data = audit_data(data)
        return 2 * PREDICTION_CALLS  # the training rows and the held-out rows

    def run(
        self, model: AuditedModel | None, data: AuditData | None, ctx: AuditContext
    ) -> AuditResult:
        data = audit_data(data)
        if data.target is None:
            raise AuditorError(
                f"{ctx.label}: membership inference needs data.target (the "
                "loss uses the true label)."
            )
        members = self._training_rows(Path(ctx.base_dir), data, f"{ctx.label}.params.train")
        rng = np.random.default_rng(ctx.seed)
        n = min(len(members), len(data.frame), self.max_rows)
        sides = [
            frame.iloc[np.sort(rng.choice(len(frame), n, replace=False))].reset_index(drop=True)
            for frame in (members, data.frame)
        ]
        ctx.progress.step(f"{ctx.label}: {n:,} training rows against {n:,} held-out rows")
        losses = [self._loss(model, side, data) for side in sides]
        is_member = np.r_[np.ones(n), np.zeros(n)]
        attack = -np.r_[losses[0], losses[1]]
        auc, tpr = _auc(is_member, attack), _tpr_at(is_member, attack, self.fpr)
        boot_auc, boot_tpr = self._bootstrap(is_member, attack, n, rng)
        metrics = []
        for name, value, samples, note in (
            ("mia_auc", auc, boot_auc, "0.5: the attack does no better than chance"),
            (
                "mia_tpr_at_fpr",
                tpr,
                boot_tpr,
                f"share of training rows found at {self.fpr:.0%} false positives",
            ),
        ):
            low, high = scalar_interval(samples, self.confidence)
            metrics.append(
                Metric(
                    name=name,
                    value=float(value),
                    ci_low=low,
                    ci_high=high,
                    n=2 * n,
                    note=note,
                )
            )
        return self.result(ctx, metrics=tuple(metrics))

    def _bootstrap(
        self, is_member: np.ndarray, attack: np.ndarray, n: int, rng: np.random.Generator
    ) -> tuple[np.ndarray | None, np.ndarray | None]:
        """AUC and TPR at ``fpr`` over stratified resamples (n members, n non-members each);
        None without resamples."""
        if not self.n_boot:
            return None, None
        boot_auc, boot_tpr = [], []
        for _ in range(self.n_boot):
            index = np.r_[rng.integers(0, n, n), n + rng.integers(0, n, n)]
            boot_auc.append(_auc(is_member[index], attack[index]))
            boot_tpr.append(_tpr_at(is_member[index], attack[index], self.fpr))
        return np.array(boot_auc), np.array(boot_tpr)

    def _training_rows(self, base_dir: Path, data: AuditData, where: str) -> pd.DataFrame:
        frame, source = training_rows(self.train, base_dir, where)
        require_columns(frame, [*data.features, str(data.target)], source, where)
        return frame

    @staticmethod
    def _loss(model: Any, frame: pd.DataFrame, data: AuditData) -> np.ndarray:
        outcomes = binary_outcomes(model, frame.loc[:, list(data.features)], data.positive_label)
        if outcomes.scores is None:
            raise AuditorError(
                f"membership inference needs scores; {model.info.name} gives labels only."
            )
        y = frame[data.target].to_numpy() == data.positive_label
        p_true = np.clip(np.where(y, outcomes.scores, 1 - outcomes.scores), 1e-12, 1)
        return -np.log(p_true)


def _auc(labels: np.ndarray, scores: np.ndarray) -> float:
    return float(roc_auc_score(labels, scores))


def _tpr_at(labels: np.ndarray, scores: np.ndarray, fpr: float) -> float:
    false_positive, true_positive, _ = roc_curve(labels, scores)
    return float(true_positive[false_positive <= fpr].max())
