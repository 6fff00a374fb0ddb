"""What the DuckDB and Spark tables share: the row count and the cells counted once per query
(planning and the run ask the same question), and the progress hook."""

from __future__ import annotations

from .cells import CellQuery, Cells
from .watch import Tick


class CountingTable:
    """Caches an engine's answers; a subclass says how to count rows and cells."""

    def __init__(self) -> None:
        self._rows: int | None = None
        self._cells: dict[CellQuery, Cells] = {}
        self._tick: Tick | None = None

    def observe(self, tick: Tick | None) -> None:
        self._tick = tick

    def count(self) -> int:
        if self._rows is None:
            self._rows = self._count_rows()
        return self._rows

    def cells(self, query: CellQuery) -> Cells:
        if query not in self._cells:
            self._cells[query] = self._count_cells(query)
        return self._cells[query]

    def _count_rows(self) -> int:
        raise NotImplementedError

    def _count_cells(self, query: CellQuery) -> Cells:
        raise NotImplementedError
