"""What the DuckDB and Spark tables share: the row count and the cells counted once per query
(planning and the run ask the same question), answers from a profile of the expected cells
where the engine makes one (``profile.py``), and the progress hook."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from .cells import CellQuery, Cells
from .profile import Profile
from .watch import Tick

T = TypeVar("T")


class CountingTable:
    """Caches an engine's answers; a subclass says how to count rows and cells, and answers the
    validation questions a profile does not."""

    def __init__(self) -> None:
        self._rows: int | None = None
        self._cells: dict[CellQuery, Cells] = {}
        self._tick: Tick | None = None
        self._expected: CellQuery | None = None
        self._profile: Profile | None = None

    def observe(self, tick: Tick | None) -> None:
        self._tick = tick

    def expect(self, query: CellQuery) -> None:
        """The cells the run will ask for, said before any question: an engine that makes
        profiles answers the validation questions from the same single pass."""
        self._expected = query

    def count(self) -> int:
        if self._rows is None:
            self._rows = self._answer(lambda p: p.rows, self._count_rows)
        return self._rows

    def cells(self, query: CellQuery) -> Cells:
        if query not in self._cells:
            self._cells[query] = self._answer(
                lambda p: p.cells(query, self.count()), lambda: self._count_cells(query)
            )
        return self._cells[query]

    def distinct_values(self, column: str, limit: int) -> list[Any]:
        """Up to ``limit`` distinct values of ``column`` (NULL as None), sorted by count."""
        return self._answer(
            lambda p: p.distinct_values(column, limit), lambda: self._distinct_values(column, limit)
        )

    def missing(self, column: str) -> int:
        """Rows where ``column`` is NULL (or NaN)."""
        return self._answer(lambda p: p.missing(column), lambda: self._missing(column))

    def outside(self, column: str, low: float, high: float) -> int:
        """Rows where ``column`` is NULL, NaN or outside [low, high]."""
        return self._answer(
            lambda p: p.outside(column, low, high), lambda: self._outside(column, low, high)
        )

    def _answer(self, ask: Callable[[Profile], T | None], scan: Callable[[], T]) -> T:
        """The profile's answer when it has one, else the engine's own query."""
        profile = self._profiled()
        found = ask(profile) if profile is not None else None
        return found if found is not None else scan()

    def _profiled(self) -> Profile | None:
        """The profile of the expected cells, made at the first question (once)."""
        if self._expected is not None:
            query, self._expected = self._expected, None
            self._profile = self._count_profile(query)
        return self._profile

    def _count_profile(self, query: CellQuery) -> Profile | None:
        """None: this engine answers every question with its own query (DuckDB's are cheap)."""
        return None

    def _count_rows(self) -> int:
        raise NotImplementedError

    def _count_cells(self, query: CellQuery) -> Cells:
        raise NotImplementedError

    def _distinct_values(self, column: str, limit: int) -> list[Any]:
        raise NotImplementedError

    def _missing(self, column: str) -> int:
        raise NotImplementedError

    def _outside(self, column: str, low: float, high: float) -> int:
        raise NotImplementedError
