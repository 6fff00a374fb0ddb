"""The data section's keys for data too large for pandas: a SQL query or a Spark table as the
source, and the engine that holds the rows (``data.engine``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ..engines.choose import engine_kind


class SparkEngineSpec(BaseModel):
    """Spark: a new session on ``master``, or the running one (spark-submit) without it."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    type: Literal["spark"]
    master: str | None = Field(
        None, description="local[2], spark://host:7077, yarn; unset: the running session."
    )
    conf: dict[str, str] = Field(
        default_factory=dict, description="Spark settings, e.g. {spark.executor.memory: 4g}."
    )


class DuckDBEngineSpec(BaseModel):
    """DuckDB with its memory limit (it spills to a temporary folder beyond it)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    type: Literal["duckdb"]
    memory_limit: str = Field("700MB", pattern=r"^\d+(\.\d+)?\s*(KB|MB|GB|TB)$")
    threads: int = Field(2, ge=1, le=256)


EngineSpec = Literal["auto", "pandas", "duckdb", "spark"] | DuckDBEngineSpec | SparkEngineSpec


class EngineKeys(BaseModel):
    """Mixed into ``DataSpec``: sources beyond one file, and the engine."""

    sql: str | None = Field(
        None, description="A SELECT over 'database' (DuckDB) whose rows are the audit data."
    )
    database: Path | None = Field(None, description="The DuckDB database file 'sql' reads.")
    table: str | None = Field(None, description="A table of the Spark session's catalog.")
    engine: EngineSpec = Field(
        "auto",
        description=(
            "Who holds the rows. auto: pandas for a factory or one file (DuckDB, if installed, "
            "for Parquet over 2M rows or CSV over 256 MB); DuckDB for globs, folders and sql; "
            "Spark for a table. Only the fairness and phi_scan auditors run on DuckDB or Spark."
        ),
    )


def one_source(data: Any) -> Any:
    """A data section names exactly one source, with an engine that can read it."""
    given = [k for k in ("path", "factory", "sql", "table") if getattr(data, k) is not None]
    if len(given) != 1:
        raise ValueError(
            "give exactly one of 'path' (CSV/Parquet files), 'factory' ('module:func'), "
            f"'sql' (with 'database') or 'table' (Spark); got {', '.join(given) or 'none'}"
        )
    if (data.sql is None) != (data.database is None):
        raise ValueError("'sql' and 'database' go together: the query and the DuckDB file")
    kind = engine_kind(data.engine)
    if data.table is not None and kind not in ("auto", "spark"):
        raise ValueError("'table' names a Spark table: set engine: {type: spark, ...}")
    if data.sql is not None and kind not in ("auto", "duckdb"):
        raise ValueError("'sql' runs on DuckDB: set engine: duckdb (or leave it auto)")
    if data.factory is not None and kind not in ("auto", "pandas"):
        raise ValueError("a factory returns a pandas DataFrame: set engine: pandas")
    return data
