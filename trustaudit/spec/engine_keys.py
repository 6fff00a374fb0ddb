"""The data section's keys for data too large for pandas: a SQL query or a Spark table as the
source, and the engine that holds the rows (``data.engine``)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


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
            "Who holds the rows. auto: pandas for one file under 512 MB or a factory; DuckDB "
            "for globs, folders, larger files and sql; Spark for a table. Only the fairness "
            "(recorded predictions) and phi_scan auditors run on DuckDB or Spark."
        ),
    )
