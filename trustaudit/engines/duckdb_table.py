"""Audit data held by DuckDB (embedded): Parquet files, globs and partitioned folders, large CSV
files, or a SQL query over a DuckDB database. DuckDB streams the rows through each GROUP BY in
bounded memory (``memory_limit``, spilling to a temporary folder), so a table of a hundred million
rows is audited without ever becoming a DataFrame."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import pandas as pd

from ..errors import DataError
from .cells import BIN, COUNT, HIGH, LOW, SCORE_GRID, Y_PRED, CellQuery, Cells, Y
from .errors import engine_error
from .shared import CountingTable
from .sql import quoted, relation_sql
from .watch import polling

T = TypeVar("T")
BATCH_ROWS = 10_000
VECTOR = 2048  # DuckDB hands rows out in vectors of this many


def batch_rows(rows: int) -> int:
    """The rows of each batch ``batches`` yields when asked for about ``rows``."""
    return max(1, rows // VECTOR) * VECTOR


class DuckTable(CountingTable):
    """A DuckDB relation named by the spec; every question is one SQL query over it."""

    engine = "duckdb"

    def __init__(self, connection: Any, relation: str, source: str, where: str) -> None:
        self._db = connection
        self._relation = relation
        self.source = source
        self._where = where
        super().__init__()
        described = self._query(f"DESCRIBE SELECT * FROM {relation}")
        self.columns = tuple(str(row[0]) for row in described)

    @classmethod
    def open(
        cls,
        *,
        paths: list[str] | None = None,
        sql: str | None = None,
        database: str | None = None,
        source: str,
        where: str,
        memory_limit: str = "700MB",
        threads: int = 2,
    ) -> DuckTable:
        import duckdb

        try:
            connection = duckdb.connect(database or ":memory:", read_only=database is not None)
            connection.execute(f"SET memory_limit = '{memory_limit}'")
            connection.execute(f"SET threads = {int(threads)}")
            connection.execute("SET preserve_insertion_order = false")
            connection.execute("SET enable_progress_bar = true")  # query_progress() reads it
            connection.execute("SET enable_progress_bar_print = false")
            connection.execute(f"SET temp_directory = '{tempfile.gettempdir()}/trustaudit-duckdb'")
        except duckdb.Error as exc:
            raise DataError(f"{where}: cannot open DuckDB database '{database}': {exc}") from None
        try:
            return cls(connection, relation_sql(paths, sql), source, where)
        except BaseException:  # e.g. a query that does not parse: release the database file
            connection.close()
            raise

    def _count_rows(self) -> int:
        return int(self._query(f"SELECT count(*) FROM {self._relation}")[0][0])

    def _count_cells(self, query: CellQuery) -> Cells:
        select = [
            *(quoted(k) for k in query.keys),
            f"CAST({quoted(query.target)} = $pos AS INTEGER) AS {quoted(Y)}",
            f"CAST({quoted(query.prediction)} = $pos AS INTEGER) AS {quoted(Y_PRED)}",
        ]
        if query.score is not None:
            score = f"CAST({quoted(query.score)} AS DOUBLE)"
            if query.binned(self.count()):
                select += [
                    f"floor({score} * {int(SCORE_GRID)}) AS {quoted(BIN)}",
                    f"min({score}) AS {quoted(LOW)}",
                    f"max({score}) AS {quoted(HIGH)}",
                ]
            else:
                select += [f"{score} AS {quoted(LOW)}", f"{score} AS {quoted(HIGH)}"]
        select.append(f"count(*) AS {quoted(COUNT)}")
        # GROUP BY ALL: every non-aggregate expression of the select list, never a data column
        # that happens to share an output's name
        sql = f"SELECT {', '.join(select)} FROM {self._relation} GROUP BY ALL"
        table = self._frame(sql, {"pos": query.positive_label})
        return Cells.of(table, query, self.count())

    def _distinct_values(self, column: str, limit: int) -> list[Any]:
        sql = (
            f"SELECT {quoted(column)} FROM {self._relation} GROUP BY 1 "
            f"ORDER BY count(*) DESC, 1 LIMIT {int(limit)}"
        )
        return [row[0] for row in self._query(sql)]

    def nested(self, columns: list[str]) -> list[str]:
        kinds = ("STRUCT", "MAP", "UNION")
        return [c for c in columns if "[" in self._type(c) or self._type(c).startswith(kinds)]

    def _missing(self, column: str) -> int:
        name = quoted(column)
        check = f"{name} IS NULL"
        if self._type(column) in ("DOUBLE", "FLOAT"):
            check += f" OR isnan({name})"
        return int(self._query(f"SELECT count(*) FROM {self._relation} WHERE {check}")[0][0])

    def _outside(self, column: str, low: float, high: float) -> int:
        values = f"SELECT TRY_CAST({quoted(column)} AS DOUBLE) AS v FROM {self._relation}"
        check = f"v IS NULL OR isnan(v) OR v < {float(low)!r} OR v > {float(high)!r}"
        return int(self._query(f"SELECT count(*) FROM ({values}) WHERE {check}")[0][0])

    def batches(self, columns: list[str], rows: int) -> Iterator[pd.DataFrame]:
        """The columns in DataFrames of ``batch_rows(rows)`` rows (the last shorter), in the
        source's order (so a resumed run asks its model the same batches)."""
        self._db.execute("SET preserve_insertion_order = true")
        names = ", ".join(quoted(c) for c in columns)
        reader = self._run(f"SELECT {names} FROM {self._relation}", None)
        try:
            with self._reading():
                while len(batch := reader.fetch_df_chunk(batch_rows(rows) // VECTOR)):
                    yield batch
        finally:
            self._db.execute("SET preserve_insertion_order = false")

    def fold_texts(
        self, column: str, scan: Callable[[Iterable[Any]], T], merge: Callable[[T, T], T]
    ) -> T:
        reader = self._run(f"SELECT {quoted(column)} FROM {self._relation}", None)
        result: T | None = None
        with self._reading():
            while batch := reader.fetchmany(BATCH_ROWS):
                part = scan(row[0] for row in batch)
                result = part if result is None else merge(result, part)
        return scan([]) if result is None else result

    def close(self) -> None:
        self._db.close()

    @contextmanager
    def _reading(self) -> Iterator[None]:
        """A failure while rows are fetched (a value that will not convert) as a DataError."""
        import duckdb

        try:
            yield
        except duckdb.Error as exc:
            raise engine_error(self._where, "DuckDB", self.source, exc) from None

    def _fraction(self) -> float | None:
        share = self._db.query_progress()
        return share / 100 if share >= 0 else None

    def _type(self, column: str) -> str:
        described = self._query(f"DESCRIBE SELECT {quoted(column)} FROM {self._relation}")
        return str(described[0][1])

    def _query(self, sql: str, parameters: dict[str, Any] | None = None) -> list[tuple]:
        return self._run(sql, parameters).fetchall()

    def _frame(self, sql: str, parameters: dict[str, Any]) -> Any:
        return self._run(sql, parameters).df()

    def _run(self, sql: str, parameters: dict[str, Any] | None) -> Any:
        import duckdb

        rows = self._rows or 0
        try:
            with polling(self._fraction, rows, self._tick if rows else None):
                return self._db.execute(sql, parameters or {})
        except duckdb.Error as exc:
            raise engine_error(self._where, "DuckDB", self.source, exc) from None
