"""Predictions recorded elsewhere: audit a model nobody can run from columns of a CSV/Parquet
file."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import AdapterError, DataError, did_you_mean
from ..fingerprint import sha256_file
from ..inputs.data import AuditData, read_table
from ..paths import resolve
from .base import ModelInfo, require_data
from .recorded_table import RecordedColumns, load_recorded_columns


@dataclass(frozen=True)
class RecordedAdapter:
    """Answers only for the audit data's own rows (by index): recorded outputs cannot react to new
    inputs."""

    predictions: pd.Series
    scores: pd.Series | None
    row_hashes: pd.Series
    info: ModelInfo

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        return self._lookup(self.predictions, X)

    def predict_scores(self, X: pd.DataFrame) -> np.ndarray | None:
        return None if self.scores is None else self._lookup(self.scores, X)

    def _lookup(self, column: pd.Series, X: pd.DataFrame) -> np.ndarray:
        unknown = ~X.index.isin(column.index)
        changed = (
            pd.util.hash_pandas_object(X, index=False).to_numpy()
            != self.row_hashes.reindex(X.index).to_numpy()
        )
        if unknown.any() or changed.any():
            raise AdapterError(
                f"recorded adapter ({self.info.name}): asked about rows that were not recorded "
                f"({int(unknown.sum() + changed.sum())} of {len(X)}); "
                "recorded predictions cannot answer new or perturbed inputs. "
                "Use a runnable model for this auditor."
            )
        return column.loc[X.index].to_numpy()


def load_recorded(
    spec_model, *, base_dir: Path, where: str, data: AuditData | None = None
) -> RecordedAdapter | RecordedColumns:
    """Align the recorded columns with the audit data, by ``id_column`` or by row order."""
    data = require_data(data, where)
    if data.table is not None:
        return load_recorded_columns(spec_model, data, where)
    if spec_model.path is None:
        table, source, fingerprint = data.frame, data.source, data.fingerprint
    else:
        path = resolve(spec_model.path, base_dir)
        table, source, fingerprint = read_table(path, f"{where}.path"), str(path), sha256_file(path)
    wanted = [
        c
        for c in (spec_model.prediction_column, spec_model.score_column, spec_model.id_column)
        if c
    ]
    for column in wanted:
        if column not in table.columns:
            raise DataError(
                f"{where}: column '{column}' is not in "
                f"'{source}'.{did_you_mean(column, map(str, table.columns))} Columns: "
                f"{', '.join(map(str, table.columns))}."
            )
    table = _align(table, data, spec_model.id_column, source, where)
    scores = table[spec_model.score_column] if spec_model.score_column else None
    row_hashes = pd.util.hash_pandas_object(data.X, index=False)
    info = ModelInfo(
        "recorded",
        f"{spec_model.prediction_column} in {Path(source).name}",
        spec_model.version or "recorded",
        fingerprint,
    )
    return RecordedAdapter(table[spec_model.prediction_column], scores, row_hashes, info)


def _align(
    table: pd.DataFrame, data: AuditData, id_column: str | None, source: str, where: str
) -> pd.DataFrame:
    if id_column is None:
        if len(table) != len(data.frame):
            raise DataError(
                f"{where}: '{source}' has {len(table)} rows but the audit data has "
                f"{len(data.frame)}. Record one prediction per data row, "
                "or set id_column to match rows by an id."
            )
        return table.set_axis(data.frame.index)
    data.require_columns([id_column], f"{where}.id_column")
    duplicated = table[id_column].duplicated()
    if duplicated.any():
        raise DataError(
            f"{where}: id_column '{id_column}' repeats in '{source}' (first repeat at row "
            f"{int(np.flatnonzero(duplicated)[0]) + 1}). Ids must be unique."
        )
    indexed = table.set_index(id_column)
    missing = ~data.frame[id_column].isin(indexed.index)
    if missing.any():
        raise DataError(
            f"{where}: {int(missing.sum())} data row(s) have no recorded prediction in '{source}' "
            f"(first: data row {int(np.flatnonzero(missing)[0]) + 1}). "
            "Record them or drop them from the data."
        )
    return indexed.loc[data.frame[id_column]].set_axis(data.frame.index)
