"""Recorded predictions that are columns of engine-held data (DuckDB or Spark): the engine counts
them where they lie, so this adapter only names the columns and checks them with queries."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ..errors import AdapterError, DataError, SpecError, did_you_mean
from ..inputs.data import AuditData
from ..phi.masking import value_summary
from .base import ModelInfo


@dataclass(frozen=True)
class RecordedColumns:
    """Predictions (and scores) in columns of the engine's table; never asked row by row."""

    prediction_column: str
    score_column: str | None
    info: ModelInfo

    def predict(self, X: pd.DataFrame) -> None:
        raise self._refusal()

    def predict_scores(self, X: pd.DataFrame) -> None:
        raise self._refusal()

    def _refusal(self) -> AdapterError:
        return AdapterError(
            f"recorded adapter ({self.info.name}): predictions held by an engine are counted "
            "in the engine; an auditor that needs them row by row needs engine: pandas."
        )


def load_recorded_columns(spec_model, data: AuditData, where: str) -> RecordedColumns:
    """Check the recorded columns on the engine: present, complete, binary with the positive
    label, scores in [0, 1]."""
    table = data.table
    assert table is not None
    if spec_model.path is not None or spec_model.id_column is not None:
        raise SpecError(
            f"{where}: on the {table.engine} engine the predictions must be columns of the data "
            "itself: drop model.path and model.id_column and join them in the source (e.g. in "
            "data.sql)."
        )
    for key in ("prediction_column", "score_column"):
        column = getattr(spec_model, key)
        if column is not None and column not in table.columns:
            raise DataError(
                f"{where}.{key}: column '{column}' is not in the data ({table.source})."
                f"{did_you_mean(column, table.columns)} Columns: {', '.join(table.columns)}."
            )
    _check_predictions(table, spec_model.prediction_column, data.positive_label, where)
    if spec_model.score_column is not None:
        bad = table.outside(spec_model.score_column, 0.0, 1.0)
        if bad:
            raise DataError(
                f"{where}.score_column: '{spec_model.score_column}' has {bad:,} row(s) that are "
                "missing or outside [0, 1]; scores must be probabilities of the positive label."
            )
    name = f"{spec_model.prediction_column} in {table.source}"
    info = ModelInfo("recorded", name, spec_model.version or "recorded", data.fingerprint)
    return RecordedColumns(spec_model.prediction_column, spec_model.score_column, info)


def _check_predictions(table, column: str, positive_label, where: str) -> None:
    missing = table.missing(column)
    if missing:
        raise DataError(
            f"{where}.prediction_column: '{column}' has {missing:,} missing value(s). "
            "Predictions must be complete."
        )
    labels = table.distinct_values(column, 3)
    if any(_kind(label) != _kind(positive_label) for label in labels):
        raise DataError(
            f"{where}.prediction_column: '{column}' holds {value_summary(labels)} but "
            f"positive_label is {positive_label!r}: engines compare text and numbers "
            "differently. Store predictions with the outcome's type (e.g. CAST in data.sql)."
        )
    if len(labels) > 2 or (len(labels) == 2 and positive_label not in set(labels)):
        raise DataError(
            f"{where}.prediction_column: predictions must be binary with positive label "
            f"{positive_label!r}; '{column}' has {value_summary(labels)}."
        )


def _kind(value) -> str:
    """text, number or boolean: a prediction must be of the positive label's kind."""
    if isinstance(value, str):
        return "text"
    return "boolean" if isinstance(value, bool) else "number"
