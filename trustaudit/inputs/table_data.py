"""Audit data held by an engine (DuckDB or Spark): checked with queries, never loaded.

The same checks as for a DataFrame (columns present, the outcome binary and complete, the
positive label present), answered by the engine; problems name the column and the count of rows,
not row numbers (an engine's rows have no stable order)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from ..engines.cells import CellQuery
from ..engines.choose import open_table
from ..errors import DataError
from ..fingerprint import canonical, sha256_file, sha256_hex
from ..phi.masking import value_summary
from .data import AuditData, check_flat, check_unique_columns

if TYPE_CHECKING:  # the spec layer sits above this one
    from ..spec.models import AuditSpec


def load_table_data(spec: AuditSpec, kind: str, expected: CellQuery | None = None) -> AuditData:
    """The spec's data on ``kind`` ('duckdb' or 'spark'), checked like a DataFrame would be
    (from one pass when the engine profiles the ``expected`` cells)."""
    data_spec = spec.data
    assert data_spec is not None
    table, files = open_table(spec, kind)
    try:
        if expected is not None:
            table.expect(expected)
        check_unique_columns(table.columns, spec.where("data"), table.source)
        if table.count() == 0:
            raise DataError(f"{spec.where('data')}: the data ({table.source}) has no rows.")
        features = tuple(data_spec.features or (c for c in table.columns if c != data_spec.target))
        data = AuditData(
            pd.DataFrame(columns=list(table.columns)),
            data_spec.target,
            data_spec.positive_label,
            features,
            table.source,
            _fingerprint(files, data_spec.sql, data_spec.table, table.count()),
            table,
        )
        data.require_columns(features, spec.where("data.features"))
        if data_spec.target is not None:
            data.require_columns([data_spec.target], spec.where("data.target"))
            check_flat(data, [data_spec.target], spec.where("data.target"))
            check_table_target(data, spec.where("data.target"))
    except BaseException:
        table.close()
        raise
    return data


def check_table_target(data: AuditData, where: str) -> None:
    """The outcome column complete, binary, with the positive label among its values."""
    assert data.table is not None and data.target is not None
    missing = data.table.missing(data.target)
    if missing:
        raise DataError(
            f"{where}: column '{data.target}' has {missing:,} missing value(s) in "
            f"{data.source}. Drop or fill those rows (e.g. in data.sql)."
        )
    values = data.table.distinct_values(data.target, 3)
    if len(values) > 2:
        raise DataError(
            f"{where}: column '{data.target}' has {value_summary(values)}; a binary outcome is "
            "required. Binarize it (e.g. a CASE expression in data.sql)."
        )
    if data.positive_label not in set(values):
        raise DataError(
            f"{where}: positive_label {data.positive_label!r} does not occur in column "
            f"'{data.target}' ({value_summary(values)}). Set data.positive_label to one of the "
            "column's values."
        )


def _fingerprint(files: list[Path], sql: str | None, table: str | None, rows: int) -> str:
    """The files' contents (and the query that reads them); a catalog table only by name and
    rows (its storage is the cluster's)."""
    parts = [[f.name, sha256_file(f)] for f in files]
    return sha256_hex(canonical({"files": parts, "sql": sql, "table": table, "rows": rows}))
