"""The validation questions (rows, missing values, distinct values, scores outside [0, 1]) and the
cells a run will ask, answered from one pass over the data.

An engine whose every question is a job over the files (Spark) counts the rows once per distinct
(raw sensitive, outcome and prediction values, outcome and prediction as 0/1, score bin, score
outside [0, 1]) of the cells it expects (``CellQuery``): a few thousand entries at any size. Every
answer below is a sum over those entries, so it equals the engine's own query; a question the
profile does not cover (another column, exact scores) goes to the engine."""

from __future__ import annotations

import math
from collections import Counter
from typing import Any

import pandas as pd

from .cells import BIN, COUNT, HIGH, LOW, Y_PRED, CellQuery, Cells, Y

BAD = "__score_bad"  # the score is missing, NaN or outside SCORE_RANGE
SCORE_RANGE = (0.0, 1.0)
MAX_ENTRIES = 200_000  # above this (a sensitive column of identifiers) the engine asks per question


def raw_columns(query: CellQuery) -> list[str]:
    """The data columns a profile groups by, each once."""
    return list(dict.fromkeys([*query.keys, query.target, query.prediction]))


def profile_columns(query: CellQuery) -> list[str]:
    """A profile entry's fields, in the order an engine returns them."""
    scored = [BAD, BIN, COUNT, LOW, HIGH] if query.score is not None else [COUNT]
    return [*raw_columns(query), Y, Y_PRED, *scored]


class Profile:
    """Row counts per distinct entry of ``profile_columns(query)`` (scores binned)."""

    def __init__(self, query: CellQuery, entries: list[tuple]) -> None:
        self.query = query
        self.entries = entries
        self._at = {column: i for i, column in enumerate(profile_columns(query))}

    @property
    def rows(self) -> int:
        return sum(self._values(COUNT))

    def missing(self, column: str) -> int | None:
        """Rows where ``column`` is NULL or NaN; None: not profiled."""
        if column not in raw_columns(self.query):
            return None
        counts = zip(self._values(column), self._values(COUNT), strict=True)
        return sum(n for value, n in counts if value is None or _is_nan(value))

    def distinct_values(self, column: str, limit: int) -> list[Any] | None:
        """Spark's order: most rows first, then by value, NULL first and NaN last."""
        if column not in raw_columns(self.query):
            return None
        counts: Counter = Counter()
        found: dict[Any, Any] = {}
        for value, n in zip(self._values(column), self._values(COUNT), strict=True):
            key = _NAN if _is_nan(value) else value  # NaN != NaN: one key for every NaN
            counts[key] += n
            found.setdefault(key, value)
        ordered = sorted(counts, key=lambda k: (-counts[k], _order(found[k])))
        return [found[key] for key in ordered[: int(limit)]]

    def outside(self, column: str, low: float, high: float) -> int | None:
        """Rows whose score is missing, NaN or outside [low, high]; None: not profiled."""
        if column != self.query.score or (float(low), float(high)) != SCORE_RANGE:
            return None
        return sum(n for bad, n in zip(self._values(BAD), self._values(COUNT), strict=True) if bad)

    def cells(self, query: CellQuery, rows: int) -> Cells | None:
        """``query``'s cells, its entries merged by ``Cells``; None when the profile cannot say
        (other columns or outcome, exact scores, scores outside [0, 1])."""
        mine = self.query
        same_label = type(query.positive_label) is type(mine.positive_label)
        if not same_label or query.positive_label != mine.positive_label:
            return None
        if query.target != mine.target or not set(query.keys) <= set(raw_columns(mine)):
            return None
        if query.prediction not in (mine.prediction, mine.target):
            return None
        if query.score is not None and (query.score != mine.score or not query.binned(rows)):
            return None
        if query.score is not None and any(self._values(BAD)):  # never reached: validation
            return None  # stops first; and Spark bins a NaN score with 0, the profile apart
        predicted = Y_PRED if query.prediction == mine.prediction else Y
        fields = [*query.keys, Y, predicted, COUNT, *((LOW, HIGH) if query.score else ())]
        names = [*query.keys, Y, Y_PRED, COUNT, *((LOW, HIGH) if query.score else ())]
        picked = [tuple(entry[self._at[f]] for f in fields) for entry in self.entries]
        return Cells.of(pd.DataFrame(picked, columns=names), query, rows)

    def _values(self, column: str) -> list[Any]:
        at = self._at[column]
        return [entry[at] for entry in self.entries]


_NAN = object()


def _is_nan(value: Any) -> bool:
    return isinstance(value, float) and math.isnan(value)


def _order(value: Any) -> tuple:
    """Ascending with NULL first and NaN after every number (Spark's order); the value itself is
    compared only between two entries that are both neither."""
    plain = value is not None and not _is_nan(value)
    return (value is not None, _is_nan(value), value if plain else 0)
