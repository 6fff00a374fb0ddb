"""Train/test overlap (FDA GMLP principle 4: test data independent of the training data): the share
of audit rows that also appear in the model's training rows, exactly (the same values in every
feature column) or by a declared key (the same patient or record id).

A model scored on rows it was trained on looks better than it is, and its fairness and robustness
numbers inherit the optimism; this measures how much of the audit data that can be."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import DataError, did_you_mean
from ..findings import Metric
from ..paths import resolve
from ..stats.intervals import EXACT, clopper_pearson
from .data import AuditData, read_table
from .loading import load_function

CONFIDENCE = 0.95


def training_rows(value: str, base_dir: Path, where: str) -> tuple[pd.DataFrame, str]:
    """The training rows a spec names (a CSV/Parquet file or 'module:func' returning a frame),
    and their source for messages."""
    if value.lower().endswith((".csv", ".parquet", ".pq")):
        path = resolve(value, base_dir)
        if not path.is_file():
            raise DataError(f"{where}: file '{path}' does not exist.")
        return read_table(path, where), str(path)
    frame = load_function(value, base_dir=base_dir, where=where)()
    if not isinstance(frame, pd.DataFrame):
        raise DataError(
            f"{where}: '{value}' returned {type(frame).__name__}; expected a pandas DataFrame."
        )
    return frame, value


def require_columns(frame: pd.DataFrame, columns: Sequence[str], source: str, where: str) -> None:
    """DataError naming the file, the first column it lacks and the fix."""
    for column in columns:
        if column not in frame.columns:
            raise DataError(
                f"{where}: column '{column}' is not in {source}."
                f"{did_you_mean(column, map(str, frame.columns))} Its columns: "
                f"{', '.join(map(str, frame.columns))}. Give training rows with the audit "
                "data's columns."
            )


def record_hashes(frame: pd.DataFrame, columns: Sequence[str]) -> np.ndarray:
    """One hash per row over ``columns``, each value in one canonical text: a number as a number
    whatever the file typed it as (1 in one file equals 1.0 or the text "1" in the other: an id
    read as integers from a CSV and as text from Parquet still matches), missing values alike."""
    shown = pd.DataFrame({str(i): _canonical(frame[c]) for i, c in enumerate(columns)})
    return pd.util.hash_pandas_object(shown, index=False).to_numpy()


MISSING = "\x00missing"


def _canonical(column: pd.Series) -> pd.Series:
    """Numbers (or text that is all numbers) as their shortest text, integral ones without a
    decimal point; anything else as text."""
    if pd.api.types.is_bool_dtype(column):
        return column.astype("string").fillna(MISSING)
    numbers = pd.to_numeric(column, errors="coerce")
    if numbers.notna().sum() != column.notna().sum():  # not all numbers: compare as text
        return column.astype("string").fillna(MISSING)
    numbers = numbers.astype("float64")
    integral = np.isfinite(numbers) & (numbers == np.floor(numbers)) & (numbers.abs() < 2**53)
    text = numbers.map(repr)
    text[integral] = numbers[integral].astype("int64").astype(str)
    return text.where(numbers.notna(), MISSING).astype("string")


def overlap_metrics(data: AuditData, train: pd.DataFrame, key: Sequence[str]) -> tuple[Metric, ...]:
    """``train_overlap_rate`` over the feature columns and, with a key, ``train_key_overlap_rate``
    (rows with a missing key value never match)."""
    features = list(data.features)
    exact = np.isin(record_hashes(data.frame, features), record_hashes(train, features))
    metrics = [
        _share(
            "train_overlap_rate",
            exact,
            f"audit rows equal to a training row in all {len(features)} feature columns",
        )
    ]
    if key:
        known = data.frame[list(key)].notna().all(axis=1).to_numpy()
        trained = train.dropna(subset=list(key))
        by_key = known & np.isin(record_hashes(data.frame, key), record_hashes(trained, key))
        metrics.append(
            _share(
                "train_key_overlap_rate",
                by_key,
                f"audit rows whose {', '.join(key)} also appears in the training rows",
            )
        )
    return tuple(metrics)


def _share(name: str, hits: np.ndarray, what: str) -> Metric:
    successes, trials = int(hits.sum()), len(hits)
    low, high = clopper_pearson(successes, trials, CONFIDENCE)
    return Metric(
        name=name,
        value=successes / trials,
        ci_low=float(low),
        ci_high=float(high),
        n=trials,
        note=f"{what}: {successes:,} of {trials:,}",
        successes=successes,
        trials=trials,
        interval=EXACT,
    )
