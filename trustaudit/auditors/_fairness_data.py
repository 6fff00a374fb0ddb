"""What the fairness auditor reads of its data, in memory or from an engine: the sensitive
values with the outcome (for planning and metric keys), and the cells of recorded predictions.

In memory each row is an entry; an engine returns one entry per distinct (sensitive values,
outcome) with its row count, which every caller weights by."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..adapters.recorded_table import RecordedColumns
from ..engines.cells import COUNT, CellQuery, Cells, Y
from ..errors import DataError, SpecError
from ..inputs.data import AuditData


def sensitive_entries(
    data: AuditData, columns: tuple[str, ...]
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray | None]:
    """The sensitive values and outcome per entry, and each entry's row count (None: rows)."""
    if data.table is None:
        return data.frame.loc[:, list(columns)], data.y, None
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


def recorded_cells(data: AuditData, model: Any, columns: tuple[str, ...], exact_rows: int) -> Cells:
    """The engine's cells of the recorded predictions (a model that must predict: refused)."""
    inner = getattr(model, "inner", model)
    if not isinstance(inner, RecordedColumns) or data.table is None or data.target is None:
        raise SpecError(
            f"On the {data.engine} engine the fairness auditor audits recorded "
            "predictions (model type: recorded, columns of the data); a model that predicts "
            "needs engine: pandas."
        )
    query = CellQuery(
        columns,
        data.target,
        data.positive_label,
        inner.prediction_column,
        inner.score_column,
        exact_rows,
    )
    cells = data.table.cells(query)
    if cells.rows != data.rows:  # the data changed under the run (e.g. files rewritten)
        raise DataError(
            f"{data.source}: the {data.engine} engine counted {cells.rows:,} rows, "
            f"{data.rows:,} when the run began. Audit data that do not change during the run."
        )
    return cells
