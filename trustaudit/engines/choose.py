"""Which engine holds a spec's data, and opening it there."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import extras
from ..errors import SpecError
from .files import data_files, dataset_root, is_dataset

if TYPE_CHECKING:  # the spec layer sits above this one
    from ..spec.models import AuditSpec
    from . import Table

#: Under ``engine: auto`` one file goes to DuckDB (when its extra is installed) above these: a
#: Parquet file by its rows (compressed, its bytes say little), a CSV file by its bytes.
LARGE_PARQUET_ROWS = 2_000_000
LARGE_CSV_BYTES = 256 * 1024**2


def engine_kind(engine: Any) -> str:
    """'pandas', 'duckdb', 'spark' or 'auto' of a spec's ``data.engine`` value."""
    return engine if isinstance(engine, str) else str(engine.type)


def chosen_engine(spec: AuditSpec) -> str:
    """'pandas', 'duckdb' or 'spark' for the spec's data (``engine: auto`` decided by the
    source: a factory or one small file stays in pandas)."""
    data = spec.data
    assert data is not None
    kind = engine_kind(data.engine)
    if kind != "auto":
        if kind == "pandas" and data.path is not None and is_dataset(spec.resolve(data.path)):
            raise SpecError(
                f"{spec.where('data.engine')}: pandas reads one file; '{data.path}' names "
                "several. Set engine: duckdb (or leave it auto)."
            )
        return kind
    if data.table is not None:
        return "spark"
    if data.sql is not None:
        return "duckdb"
    if data.path is None:
        return "pandas"
    path = spec.resolve(data.path)
    if is_dataset(path):
        return "duckdb"
    return "duckdb" if extras.available("duckdb") and _large(path) else "pandas"


def open_table(spec: AuditSpec, kind: str) -> tuple[Table, list[Path]]:
    """The spec's data held by DuckDB or Spark, and its local files (for the fingerprint). The
    engine's extra was checked with the spec (spec/load.py)."""
    data = spec.data
    assert data is not None
    where = spec.where("data")
    files = (
        data_files(spec.resolve(data.path), spec.where("data.path"))
        if data.path is not None
        else []
    )
    paths = [str(f) for f in files] or None
    source = str(data.path or data.table or "sql over " + str(data.database))
    if kind == "duckdb":
        from .duckdb_table import DuckTable

        options: dict[str, Any] = {}
        if not isinstance(data.engine, str):
            options = data.engine.model_dump(exclude={"type"})
        database = str(spec.resolve(data.database)) if data.database is not None else None
        table: Table = DuckTable.open(
            paths=paths, sql=data.sql, database=database, source=source, where=where, **options
        )
        return table, files + ([spec.resolve(data.database)] if data.database else [])
    from .spark_table import SparkTable

    master, conf = None, {}
    if not isinstance(data.engine, str):
        master, conf = data.engine.model_dump().get("master"), data.engine.model_dump()["conf"]
    elif data.engine == "spark":
        master = "local[2]"
    base = dataset_root(spec.resolve(data.path)) if data.path is not None else None
    table = SparkTable.open(
        paths=paths,
        table=data.table,
        master=master,
        conf=conf,
        base=base,
        source=source,
        where=where,
    )
    return table, files


def _large(path: Path) -> bool:
    """Whether one file is too large for pandas (unreadable: not large; read_table says why)."""
    try:
        if path.suffix.lower() == ".csv":
            return path.stat().st_size > LARGE_CSV_BYTES
        if not extras.available("parquet"):
            return False
        import pyarrow.parquet as pq

        return pq.read_metadata(path).num_rows > LARGE_PARQUET_ROWS
    except (OSError, ValueError, ImportError):
        return False
