"""The train/test overlap check of a run: when the spec names the model's training rows
(``data.train``, else the membership auditor's ``train``), the runner measures how many audit rows
also appear in them and judges the shares against ``data.max_overlap``."""

from __future__ import annotations

import time

import pandas as pd

from ..errors import SpecError
from ..findings import AuditResult, Check
from ..inputs.data import AuditData
from ..inputs.overlap import overlap_metrics, require_columns, training_rows
from ..spec.models import AuditSpec, ThresholdSpec
from .gate import checks_for

LABEL = "train/test overlap"
PROVENANCE = (
    "literature: FDA, Health Canada and MHRA Good Machine Learning Practice, principle 4 "
    "(test data sets independent of the training data)"
)


def training_source(spec: AuditSpec) -> tuple[str, str] | None:
    """(the training rows' file or 'module:func', the spec key naming it), or None."""
    if spec.data is not None and spec.data.train is not None:
        return str(spec.resolve(spec.data.train)), "data.train"
    for i, entry in enumerate(spec.auditors):
        if entry.use == "membership" and isinstance(entry.params.get("train"), str):
            return entry.params["train"], f"auditors[{i}].params.train"
    return None


def load_training(spec: AuditSpec, data: AuditData | None) -> pd.DataFrame | None:
    """The training rows, checked to hold the audit data's feature and key columns (before any
    model runs: ``validate`` reports a bad file); None when the spec names none."""
    source = training_source(spec)
    key = spec.data.overlap_key if spec.data is not None else []
    if source is None or data is None:
        if key:
            raise SpecError(
                f"{spec.where('data.overlap_key')}: a key to compare needs training rows: add "
                "data.train (a CSV or Parquet file of the model's training rows)."
            )
        return None
    value, where = source
    frame, shown = training_rows(value, spec.path.parent, spec.where(where))
    require_columns(frame, [*data.features, *key], shown, spec.where(where))
    require_columns(data.frame, key, data.source, spec.where("data.overlap_key"))
    return frame


def overlap_check(
    spec: AuditSpec, data: AuditData | None, train: pd.DataFrame | None
) -> tuple[list[AuditResult], list[Check]]:
    """The overlap result and its checks (none without training rows)."""
    source = training_source(spec)
    if data is None or train is None or spec.data is None or source is None:
        return [], []
    start = time.perf_counter()
    metrics = overlap_metrics(data, train, spec.data.overlap_key)
    result = AuditResult(
        auditor="train_overlap",
        label=LABEL,
        params={"train": source[1], "overlap_key": spec.data.overlap_key},
        metrics=metrics,
        seconds=time.perf_counter() - start,
    )
    if spec.data.max_overlap is None:
        return [result], []
    checks = [
        check
        for metric in metrics
        for check in checks_for(
            ThresholdSpec(
                metric=metric.name,
                max=spec.data.max_overlap,
                level=spec.data.overlap_level,
                provenance=PROVENANCE,
            ),
            result,
            {},
        )
    ]
    return [result], checks
