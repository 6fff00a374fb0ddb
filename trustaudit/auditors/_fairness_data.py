"""What the fairness auditor reads of its data, in memory or from an engine: the sensitive
values with the outcome (for planning and metric keys), and the cells of recorded predictions.

In memory each row is an entry; an engine returns one entry per distinct (sensitive values,
outcome) with its row count, which every caller weights by."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from ..adapters.base import binary_outcomes
from ..adapters.recorded_table import RecordedColumns
from ..engines.canonical import canonical_keys
from ..engines.cells import COUNT, CellQuery, Cells, Y, merged_cells, outcome_cells
from ..engines.duckdb_table import batch_rows
from ..errors import DataError, SpecError
from ..inputs.data import AuditData


def sensitive_entries(
    data: AuditData, columns: tuple[str, ...]
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray | None]:
    """The sensitive values and outcome per entry, and each entry's row count (None: rows)."""
    if data.table is None:  # the labels the run's cells will have (engines/canonical.py)
        return canonical_keys(data.frame.loc[:, list(columns)], columns), data.y, None
    assert data.target is not None
    query = CellQuery(columns, data.target, data.positive_label, data.target)
    cells = data.table.cells(query)
    table = cells.table
    return table.loc[:, list(columns)], table[Y].to_numpy(), table[COUNT].to_numpy()


def distinct_counts(data: AuditData, columns: list[str], limit: int) -> dict[str, int]:
    """Distinct values per column (NULL counts as one), up to ``limit`` + 1 on an engine."""
    if data.table is None:
        return {c: int(data.frame[c].nunique(dropna=False)) for c in columns}
    return {c: len(data.table.distinct_values(c, limit + 1)) for c in columns}


def recorded_cells(
    data: AuditData, recorded: RecordedColumns, columns: tuple[str, ...], exact_rows: int
) -> Cells:
    """The engine's cells of the recorded predictions: one GROUP BY, no row in memory."""
    assert data.table is not None and data.target is not None  # an engine's data, checked
    query = CellQuery(
        columns,
        data.target,
        data.positive_label,
        recorded.prediction_column,
        recorded.score_column,
        exact_rows,
    )
    cells = data.table.cells(query)
    if cells.rows != data.rows:  # the data changed under the run (e.g. files rewritten)
        raise DataError(
            f"{data.source}: the {data.engine} engine counted {cells.rows:,} rows, "
            f"{data.rows:,} when the run began. Audit data that do not change during the run."
        )
    return cells


BATCH_ROWS = 100_000


def batch_count(data: AuditData) -> int:
    """How many batches a model predicting on an engine's table is called with."""
    return max(1, -(-data.rows // batch_rows(BATCH_ROWS)))


def predicted_cells(
    data: AuditData,
    model: Any,
    columns: tuple[str, ...],
    exact_rows: int,
    tick: Callable[[int, int], None],
) -> Cells:
    """A model's predictions on an engine's table, batch by batch (each batch one recorded call
    of the ledger), counted per batch and merged: the rows never all sit in memory."""
    table = data.table
    batches = getattr(table, "batches", None)
    if batches is None or data.target is None:
        raise SpecError(
            f"On the {data.engine} engine the fairness auditor audits recorded predictions; "
            "a model that predicts runs on DuckDB (in batches) or pandas."
        )
    wanted = list(dict.fromkeys([*data.features, *columns, data.target]))
    parts, done = [], 0
    for batch in batches(wanted, BATCH_ROWS):
        outcomes = binary_outcomes(model, batch.loc[:, list(data.features)], data.positive_label)
        y = (batch[data.target].to_numpy() == data.positive_label).astype(np.int8)
        parts.append(
            outcome_cells(
                batch.loc[:, list(columns)],
                y,
                outcomes.y_pred,
                outcomes.scores,
                exact_rows,
                data.rows,
            )
        )
        done += len(batch)
        tick(done, data.rows)
    return merged_cells(parts)
