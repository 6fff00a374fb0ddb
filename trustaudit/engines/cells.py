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

from ..errors import DataError
from .canonical import canonical_keys

#: The count table's own columns: names no data column is likely to have (checked: ``CellQuery``)
Y, Y_PRED, LOW, HIGH, COUNT = "__y", "__y_pred", "__score_min", "__score_max", "__n"
BIN = "__bin"
RESERVED = (Y, Y_PRED, LOW, HIGH, COUNT, BIN)
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

    def __post_init__(self) -> None:
        for column in (*self.keys, self.target, self.prediction, self.score):
            if column in RESERVED:
                raise DataError(
                    f"column '{column}' has a name trustaudit uses for its counts; rename it."
                )

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
        """The engine's answer in canonical form, so that equal counts give equal arrays on
        every engine."""
        return cls.canonical(table, query.keys, query.score is not None, query.binned(rows))

    @classmethod
    def canonical(
        cls, table: pd.DataFrame, keys: tuple[str, ...], scores: bool, binned: bool
    ) -> Cells:
        """Keys in one form (``canonical_keys``), entries that became equal merged (counts
        summed, a bin's minimum and maximum kept), sorted."""
        columns = [*keys, Y, Y_PRED, *((LOW, HIGH) if scores else ()), COUNT]
        table = canonical_keys(table.loc[:, columns], keys)
        for column in (Y, Y_PRED, COUNT):
            table[column] = table[column].astype(np.int64)
        by = [*keys, Y, Y_PRED]
        aggregate: dict[str, str] = {COUNT: "sum"}
        if scores:
            for column in (LOW, HIGH):
                table[column] = table[column].astype(float)
            table[BIN] = np.floor(table[LOW] * SCORE_GRID) if binned else table[LOW]
            by.append(BIN)
            aggregate |= {LOW: "min", HIGH: "max"}
        merged = table.groupby(by, dropna=False, sort=False).agg(aggregate).reset_index()
        merged = _sorted(merged.loc[:, columns], columns[:-1])
        return cls(merged.reset_index(drop=True), keys, binned)

    @property
    def rows(self) -> int:
        return int(self.table[COUNT].sum())

    @property
    def has_scores(self) -> bool:
        return LOW in self.table.columns

    def scores(self) -> np.ndarray:
        """Each entry's score: its exact value, or a bin's midpoint."""
        return (self.table[LOW].to_numpy() + self.table[HIGH].to_numpy()) / 2


def pandas_cells(frame: pd.DataFrame, query: CellQuery, rows: int | None = None) -> Cells:
    """``Cells`` of an in-memory frame (the pandas engine), or of one batch of a table of
    ``rows`` rows (which decides exact or binned scores)."""
    rows = len(frame) if rows is None else rows
    columns = {
        **{key: frame[key] for key in query.keys},
        Y: (frame[query.target] == query.positive_label).astype(np.int64),
        Y_PRED: (frame[query.prediction] == query.positive_label).astype(np.int64),
    }
    by = [*query.keys, Y, Y_PRED]
    binned = query.binned(rows)
    if query.score is not None:
        score = frame[query.score].astype(float)
        columns[LOW] = score
        if binned:
            columns[BIN] = np.floor(score * SCORE_GRID)
        by.append(BIN if binned else LOW)
    grouped = pd.DataFrame(columns).groupby(by, dropna=False, sort=False)
    if binned:
        table = grouped[LOW].agg(["size", "min", "max"]).reset_index()
        table = table.rename(columns={"size": COUNT, "min": LOW, "max": HIGH})
    else:
        table = grouped.size().rename(COUNT).reset_index()
        if query.score is not None:
            table[HIGH] = table[LOW]
    return Cells.of(table, query, rows)


def outcome_cells(
    sensitive: pd.DataFrame,
    y: np.ndarray,
    y_pred: np.ndarray,
    scores: np.ndarray | None,
    exact_rows: int = EXACT_ROWS,
    rows: int | None = None,
) -> Cells:
    """``Cells`` of outcomes already as 0/1 arrays (a model's predictions, a batch of them)."""
    names = tuple(map(str, sensitive.columns))
    keys = tuple(f"k{i}" for i in range(len(names)))  # never clash with the outcome columns
    columns = {key: sensitive.iloc[:, i].to_numpy() for i, key in enumerate(keys)}
    columns.update(target=y, prediction=y_pred)
    if scores is not None:
        columns["score"] = scores
    score = None if scores is None else "score"
    query = CellQuery(keys, "target", 1, "prediction", score, exact_rows)
    cells = pandas_cells(pd.DataFrame(columns), query, rows)
    renamed = cells.table.set_axis([*names, *cells.table.columns[len(keys) :]], axis=1)
    return Cells(renamed, names, cells.binned)


def merged_cells(parts: list[Cells]) -> Cells:
    """The cells of batches as one: counts summed, each bin's minimum and maximum kept."""
    first = parts[0]
    table = pd.concat([part.table for part in parts], ignore_index=True)
    return Cells.canonical(table, first.keys, first.has_scores, first.binned)


def _sorted(table: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Sorted by ``by``, missing first; a key column mixing types sorts by its text."""
    try:
        return table.sort_values(by, kind="stable", na_position="first")
    except TypeError:
        return table.sort_values(by, kind="stable", key=lambda c: c.map(_text))


def _text(value: Any) -> str:
    return "" if value is None or value is pd.NA else str(value)


def auroc_tie_bound(positives: np.ndarray, negatives: np.ndarray, shared: np.ndarray) -> float:
    """How far AUROC can differ from its value on the exact scores: half the share of
    (positive, negative) pairs that fall in one bin holding several values (``shared``)."""
    pairs = positives.sum() * negatives.sum()
    if not pairs:
        return float("nan")
    return float(0.5 * (positives * negatives * shared).sum() / pairs)
