"""What a fairness audit needs from the rows, whatever engine holds them: row counts per
(sensitive values, outcome, prediction, score), computed by one GROUP BY.

Every engine returns the same table (``Cells``), and everything after it (groups, rates, score
metrics, the bootstrap) is computed here in numpy, so pandas, DuckDB and Spark give identical
numbers: counts are integers, and a score bin's minimum and maximum are exact in any summation
order, where a sum of floats is not.

Scores are grouped by their exact value when the data have at most ``exact_rows`` rows; above it,
by bins of width 1 / ``grid``: memory and the score bootstrap's cost are then bounded by the grid,
not the rows (a bootstrap over a million distinct scores costs minutes per thousand resamples).
A bin holding several values is represented by the midpoint of its smallest and largest score;
AUROC then counts pairs that share such a bin as half (``auroc_tie_bound`` states how far that
can move it)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

Y, Y_PRED, LOW, HIGH, COUNT = "y", "y_pred", "score_min", "score_max", "n"
EXACT_ROWS = 100_000
SCORE_GRID = 1000


@dataclass(frozen=True)
class CellQuery:
    """The columns to count by, and how scores are grouped."""

    keys: tuple[str, ...]
    target: str
    positive_label: Any
    prediction: str
    score: str | None = None
    exact_rows: int = EXACT_ROWS
    grid: int = SCORE_GRID

    def binned(self, rows: int) -> bool:
        """Whether scores are grouped by bins (too many rows for one group per exact value)."""
        return self.score is not None and rows > self.exact_rows


@dataclass(frozen=True)
class Cells:
    """Row counts per distinct (keys, y, y_pred[, score bin]), sorted: the engines' common
    answer."""

    table: pd.DataFrame
    keys: tuple[str, ...]
    binned: bool

    @classmethod
    def of(cls, table: pd.DataFrame, query: CellQuery, rows: int) -> Cells:
        """Canonical order and dtypes, so that equal counts give equal arrays on every engine."""
        columns = [*query.keys, Y, Y_PRED, *((LOW, HIGH) if query.score else ()), COUNT]
        table = table.loc[:, columns].copy()
        for column in (Y, Y_PRED, COUNT):
            table[column] = table[column].astype(np.int64)
        if query.score:
            for column in (LOW, HIGH):
                table[column] = table[column].astype(float)
        table = table.sort_values(columns[:-1], kind="stable", na_position="first")
        return cls(table.reset_index(drop=True), query.keys, query.binned(rows))

    @property
    def rows(self) -> int:
        return int(self.table[COUNT].sum())

    @property
    def has_scores(self) -> bool:
        return LOW in self.table.columns

    def scores(self) -> np.ndarray:
        """Each entry's score: its exact value, or a bin's midpoint."""
        return (self.table[LOW].to_numpy() + self.table[HIGH].to_numpy()) / 2


def pandas_cells(frame: pd.DataFrame, query: CellQuery) -> Cells:
    """``Cells`` of an in-memory frame (the pandas engine)."""
    columns = {
        **{key: frame[key] for key in query.keys},
        Y: (frame[query.target] == query.positive_label).astype(np.int64),
        Y_PRED: (frame[query.prediction] == query.positive_label).astype(np.int64),
    }
    by = [*query.keys, Y, Y_PRED]
    binned = query.binned(len(frame))
    if query.score is not None:
        score = frame[query.score].astype(float)
        columns[LOW] = score
        if binned:
            columns["bin"] = np.floor(score * query.grid)
        by.append("bin" if binned else LOW)
    grouped = pd.DataFrame(columns).groupby(by, dropna=False, sort=False)
    if binned:
        table = grouped[LOW].agg(["size", "min", "max"]).reset_index()
        table = table.rename(columns={"size": COUNT, "min": LOW, "max": HIGH})
    else:
        table = grouped.size().rename(COUNT).reset_index()
        if query.score is not None:
            table[HIGH] = table[LOW]
    return Cells.of(table, query, len(frame))


def auroc_tie_bound(positives: np.ndarray, negatives: np.ndarray, shared: np.ndarray) -> float:
    """How far AUROC can differ from its value on the exact scores: half the share of
    (positive, negative) pairs that fall in one bin holding several values (``shared``)."""
    pairs = positives.sum() * negatives.sum()
    if not pairs:
        return float("nan")
    return float(0.5 * (positives * negatives * shared).sum() / pairs)
