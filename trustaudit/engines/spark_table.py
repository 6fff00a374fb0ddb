"""Audit data held by Spark, for data one machine has outgrown: files or a table of the session's
catalog. Every job reads the files again, so the questions a run asks of the cells it expects are
answered from one GROUP BY (``profile.py``); any other question is one job whose result is a small
aggregate. ``fold_texts`` runs inside the executors' partitions, and only each partition's folded
result travels back.

What travels to executors: the functions passed to ``fold_texts`` (pickled with their module
references), so trustaudit and its extras must be installed in the executors' Python (the same
environment, e.g. a packed virtualenv shipped with ``spark-submit --archives``)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from functools import reduce
from typing import Any, TypeVar

import pandas as pd

from ..errors import DataError
from .cells import BIN, COUNT, HIGH, LOW, SCORE_GRID, Y_PRED, CellQuery, Cells, Y
from .errors import engine_error
from .profile import MAX_ENTRIES, SCORE_RANGE, Profile, raw_columns
from .shared import CountingTable
from .watch import polling

T = TypeVar("T")


class SparkTable(CountingTable):
    """A Spark DataFrame named by the spec (files or a catalog table)."""

    engine = "spark"

    def __init__(self, frame: Any, source: str, where: str, stop: Callable[[], None] | None):
        self._df = frame
        self.source = source
        self._where = where
        self._stop = stop
        self.columns = tuple(frame.columns)
        super().__init__()

    @classmethod
    def open(
        cls,
        *,
        paths: list[str] | None = None,
        table: str | None = None,
        master: str | None = None,
        conf: dict[str, str] | None = None,
        base: str | None = None,
        source: str,
        where: str,
    ) -> SparkTable:
        """Files or a catalog table in a session: a new one on ``master`` (stopped on
        ``close``), or without ``master`` the session already running (spark-submit's)."""
        session, stop = _session(master, conf or {}, where)
        try:
            if table is not None:
                frame = session.table(table)
            else:
                reader = session.read.option("basePath", base) if base else session.read
                if paths and all(p.lower().endswith(".csv") for p in paths):
                    frame = reader.csv(paths, header=True, inferSchema=True)
                else:  # partition columns below basePath, schemas merged as DuckDB unites them
                    frame = reader.option("mergeSchema", "true").parquet(*(paths or []))
        except Exception as exc:  # AnalysisException: missing path or table
            if stop is not None:
                stop()
            raise engine_error(where, "Spark", source, exc) from None
        return cls(frame, source, where, stop)

    def _count_rows(self) -> int:
        return int(self._df.count())

    def _count_cells(self, query: CellQuery) -> Cells:
        from pyspark.sql import functions as F

        groups = [*(F.col(_name(k)) for k in query.keys), *_outcomes(query)]
        aggregates = [F.count(F.lit(1)).alias(COUNT)]
        if query.score is not None:
            score = F.col(_name(query.score)).cast("double")
            if query.binned(self.count()):
                groups.append(F.floor(score * SCORE_GRID).alias(BIN))
                aggregates += [F.min(score).alias(LOW), F.max(score).alias(HIGH)]
            else:
                groups.append(score.alias(LOW))
                aggregates.append(F.max(score).alias(HIGH))
        rows = self._collect(self._df.groupBy(*groups).agg(*aggregates))
        names = [*query.keys, Y, Y_PRED, COUNT]  # groupBy's columns, then the aggregates
        if query.score is not None:
            binned = query.binned(self.count())
            names = [*names[:-1], *((BIN, COUNT, LOW) if binned else (LOW, COUNT)), HIGH]
        table = pd.DataFrame([tuple(row) for row in rows], columns=names)  # by position
        return Cells.of(table, query, self.count())

    def _distinct_values(self, column: str, limit: int) -> list[Any]:
        from pyspark.sql import functions as F

        counted = self._df.groupBy(F.col(_name(column)).alias("v")).count()
        ordered = counted.orderBy(F.desc("count"), F.asc_nulls_first("v")).limit(int(limit))
        return [row["v"] for row in self._collect(ordered)]

    def nested(self, columns: list[str]) -> list[str]:
        types = dict(self._df.dtypes)
        return [c for c in columns if types[c].startswith(("array", "struct", "map"))]

    def _missing(self, column: str) -> int:
        from pyspark.sql import functions as F

        value = F.col(_name(column))
        check = value.isNull()
        if dict(self._df.dtypes)[column] in ("double", "float"):
            check = check | F.isnan(value)
        return int(self._df.filter(check).count())

    def _outside(self, column: str, low: float, high: float) -> int:
        from pyspark.sql import functions as F

        return int(self._df.filter(_outside(F.col(_name(column)), low, high)).count())

    def _count_profile(self, query: CellQuery) -> Profile | None:
        """One GROUP BY answering the validation questions and the expected cells (``Profile``);
        None when it has more than ``MAX_ENTRIES`` entries (then each question is a query)."""
        from pyspark.sql import functions as F

        groups = [*(F.col(_name(c)) for c in raw_columns(query)), *_outcomes(query)]
        aggregates = [F.count(F.lit(1))]
        if query.score is not None:
            score = F.col(_name(query.score)).cast("double")
            groups += [_outside(score, *SCORE_RANGE), F.floor(score * SCORE_GRID)]
            aggregates += [F.min(score), F.max(score)]
        counted = self._df.groupBy(*groups).agg(*aggregates).limit(MAX_ENTRIES + 1)
        entries = [tuple(row) for row in self._collect(counted)]  # profile_columns' order
        return Profile(query, entries) if len(entries) <= MAX_ENTRIES else None

    def fold_texts(
        self, column: str, scan: Callable[[Iterable[Any]], T], merge: Callable[[T, T], T]
    ) -> T:
        def per_partition(rows: Iterator[Any]) -> Iterator[T]:
            yield scan(row[0] for row in rows)

        texts = self._df.select(_name(column))
        cores = self._df.sparkSession.sparkContext.defaultParallelism
        if texts.rdd.getNumPartitions() < cores:  # a small file is one split: one core would work
            texts = texts.repartition(cores)
        parts = self._collect(texts.rdd.mapPartitions(per_partition))
        return reduce(merge, parts) if parts else scan([])

    def close(self) -> None:
        if self._stop is not None:
            self._stop()

    def _fraction(self) -> float | None:
        """Finished tasks of the running stages (a stage's tasks are its partitions)."""
        tracker = self._df.sparkSession.sparkContext.statusTracker()
        stages = [tracker.getStageInfo(s) for s in tracker.getActiveStageIds()]
        total = sum(s.numTasks for s in stages if s is not None)
        return sum(s.numCompletedTasks for s in stages if s is not None) / total if total else None

    def _collect(self, frame: Any) -> list[Any]:
        rows = self._rows or 0
        try:
            with polling(self._fraction, rows, self._tick if rows else None):
                return list(frame.collect())
        except Exception as exc:  # Spark raises its own hierarchy (AnalysisException, Py4J...)
            raise engine_error(self._where, "Spark", self.source, exc) from None


def _session(
    master: str | None, conf: dict[str, str], where: str
) -> tuple[Any, Callable[[], None] | None]:
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None:  # a notebook's or spark-submit's session: used, never stopped
        return active, None
    if master is None:
        raise DataError(
            f"{where}: no Spark session is running and no master is given. Set "
            "data.engine.master (e.g. local[2], spark://host:7077, yarn) or run under "
            "spark-submit."
        )
    builder = SparkSession.builder.master(master).appName("trustaudit")
    quiet = {"spark.ui.enabled": "false", "spark.ui.showConsoleProgress": "false"}
    for key, value in {**quiet, **conf}.items():
        builder = builder.config(key, value)
    try:
        session = builder.getOrCreate()
        session.sparkContext.setLogLevel("ERROR")
    except Exception as exc:  # no Java, a master that does not answer
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DataError(
            f"{where}: cannot start Spark on master '{master}': {message}. Spark needs Java 17 "
            "or 21 (e.g. apt-get install openjdk-17-jre-headless) and a reachable master."
        ) from None
    return session, session.stop


def _outcomes(query: CellQuery) -> list[Any]:
    """The outcome and the prediction as 1 (the positive label) or 0."""
    from pyspark.sql import functions as F

    positive = F.lit(query.positive_label)
    y = (F.col(_name(query.target)) == positive).cast("int").alias(Y)
    return [y, (F.col(_name(query.prediction)) == positive).cast("int").alias(Y_PRED)]


def _outside(value: Any, low: float, high: float) -> Any:
    """Whether a value (cast to double) is NULL, NaN or outside [low, high]."""
    from pyspark.sql import functions as F

    value = value.cast("double")
    return value.isNull() | F.isnan(value) | (value < low) | (value > high)


def _name(column: str) -> str:
    """A column reference Spark reads literally (dots and spaces included)."""
    return "`" + column.replace("`", "``") + "`"
