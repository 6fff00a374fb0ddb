"""Where the rows live when they are not a pandas DataFrame in memory.

A ``Table`` is audit data held by an engine (DuckDB, embedded; Spark, for a cluster). Auditors
that can run on one ask it for small aggregates (``cells``: row counts per group, outcome,
prediction and score) or fold a function over a text column inside the engine
(``fold_texts``); the rows themselves never come into Python. pandas stays the engine of small
single files (``AuditData.frame``)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Protocol, TypeVar

from .cells import CellQuery, Cells

T = TypeVar("T")

#: Auditors that run on an engine's table; every other auditor needs the rows in memory.
ENGINE_AUDITORS = ("fairness", "phi_scan")


class Table(Protocol):
    """Audit data held by an engine: its columns, and the aggregates auditors ask of it."""

    engine: str  # "duckdb" or "spark"
    source: str  # what the spec named (path, glob, table or query), for messages
    columns: tuple[str, ...]

    def observe(self, tick: Callable[[int, int], None] | None) -> None:
        """Report (rows processed, rows in all) to ``tick`` while a query runs."""
        ...

    def expect(self, query: CellQuery) -> None:
        """The cells the run will ask for, said before any question: an engine may then answer
        the validation questions (rows, missing and distinct values, score range) from the same
        single pass (Spark: ``profile.py``)."""
        ...

    def count(self) -> int:
        """Rows of the table."""
        ...

    def cells(self, query: CellQuery) -> Cells:
        """Row counts per distinct (keys, outcome, prediction, score or score bin)."""
        ...

    def distinct_values(self, column: str, limit: int) -> list[Any]:
        """Up to ``limit`` distinct values of ``column`` (NULL as None), sorted by count."""
        ...

    def nested(self, columns: list[str]) -> list[str]:
        """The columns of ``columns`` holding lists, structs or maps (they cannot be grouped)."""
        ...

    def missing(self, column: str) -> int:
        """Rows where ``column`` is NULL (or NaN)."""
        ...

    def outside(self, column: str, low: float, high: float) -> int:
        """Rows where ``column`` is NULL, NaN or outside [low, high]."""
        ...

    def fold_texts(
        self,
        column: str,
        scan: Callable[[Iterable[Any]], T],
        merge: Callable[[T, T], T],
    ) -> T:
        """``scan`` applied to the values of ``column``, part by part inside the engine (a DuckDB
        batch, a Spark partition), the parts' results merged with ``merge``. Parts and their order
        differ between engines: ``merge`` must be associative and commutative, and ``scan``'s
        result must not depend on where a value falls (pick examples by content, not position).
        ``scan`` must be picklable (a module-level function, or a partial of one) for Spark."""
        ...

    def close(self) -> None:
        """Release the engine (a Spark session stops only if this table started it)."""
        ...


__all__ = ["ENGINE_AUDITORS", "CellQuery", "Cells", "Table"]
