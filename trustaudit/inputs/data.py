"""Load and check the audit data named in a spec."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import pandas as pd

from ..engines.choose import chosen_engine
from ..errors import DataError, SpecError, did_you_mean, file_problem
from ..fingerprint import sha256_file, sha256_frame
from ..phi.masking import value_summary
from .loading import load_function

if TYPE_CHECKING:  # the spec layer sits above this one
    from ..engines import CellQuery, Table
    from ..spec.models import AuditSpec

_READERS: dict[str, Callable[..., pd.DataFrame]] = {
    ".csv": pd.read_csv,
    ".parquet": pd.read_parquet,
    ".pq": pd.read_parquet,
}


@dataclass(frozen=True)
class AuditData:
    """The audit data: the frame, its binary outcome and where it came from.

    Data held by an engine (``table``: DuckDB or Spark) has an empty ``frame`` that only names
    its columns; the auditors that run there ask ``table`` for aggregates."""

    frame: pd.DataFrame
    target: str | None
    positive_label: Any
    features: tuple[str, ...]
    source: str
    fingerprint: str
    table: Table | None = None

    @property
    def rows(self) -> int:
        return len(self.frame) if self.table is None else self.table.count()

    @property
    def engine(self) -> str:
        return "pandas" if self.table is None else self.table.engine

    @property
    def X(self) -> pd.DataFrame:
        return self.frame.loc[:, list(self.features)]

    @property
    def y(self) -> np.ndarray:
        """The outcome as 0/1 (1 = positive label)."""
        return (self.frame[self.target].to_numpy() == self.positive_label).astype(np.int8)

    def info(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "fingerprint": self.fingerprint,
            "rows": self.rows,
            "engine": self.engine,
            "columns": len(self.frame.columns),
            "target": self.target,
            "positive_label": self.positive_label,
        }

    def require_columns(self, columns: Iterable[str], where: str) -> None:
        """Raise DataError naming the first missing column, with 'did you mean'."""
        for column in columns:
            if column not in self.frame.columns:
                raise DataError(
                    f"{where}: column '{column}' is not in the data ({self.source})."
                    f"{did_you_mean(column, map(str, self.frame.columns))} "
                    f"Columns: {', '.join(map(str, self.frame.columns))}."
                )


def read_table(path: Path, where: str) -> pd.DataFrame:
    """Read a CSV or Parquet file, turning every failure into a DataError that names the file."""
    reader = _READERS.get(path.suffix.lower())
    if reader is None:
        raise DataError(
            f"{where}: '{path.name}' is neither CSV nor Parquet. Use a .csv or .parquet file."
        )
    problem = file_problem(path)
    if problem:
        raise DataError(f"{where}: file '{path}' {problem}.")
    try:
        frame = reader(path)
        header = _csv_header(path) if reader is pd.read_csv else frame.columns
    except ImportError as exc:
        raise DataError(
            f"{where}: reading Parquet needs pyarrow: pip install 'trustaudit[parquet]' ({exc})."
        ) from None
    except UnicodeDecodeError as exc:
        raise DataError(
            f"{where}: '{path}' is not UTF-8 text ({exc.reason} at byte "
            f"{exc.start}). Re-save it as UTF-8."
        ) from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError, OSError) as exc:
        raise DataError(f"{where}: cannot read '{path}': {str(exc).strip()}.") from None
    check_unique_columns(header, where, path.name)
    return frame


def _csv_header(path: Path) -> list[str]:
    """The header as written: pandas renames a repeated name ('sex' becomes 'sex.1') when it
    reads."""
    return pd.read_csv(path, header=None, nrows=1, dtype=str).iloc[0].dropna().tolist()


def check_unique_columns(names: Iterable[Any], where: str, source: str) -> None:
    """Two columns with one name would make every column reference ambiguous (or silently
    renamed)."""
    repeated = [
        f"'{name}' ({count} times)" for name, count in Counter(map(str, names)).items() if count > 1
    ]
    if repeated:
        raise DataError(
            f"{where}: column name {', '.join(repeated)} repeats in {source}. "
            "Give every column its own name."
        )


def check_flat(data: AuditData | pd.DataFrame, columns: Iterable[str], where: str) -> None:
    """A list or struct value (nested Parquet) cannot be compared or grouped: stop before any
    model runs (on an engine, by the column's type)."""
    if isinstance(data, AuditData) and data.table is not None:
        typed = data.table.nested(list(columns))
        if typed:
            raise DataError(
                f"{where}: column '{typed[0]}' holds lists, structs or maps in {data.source}; "
                "expected one plain value per row. Flatten it into plain columns first."
            )
        return
    frame = data.frame if isinstance(data, AuditData) else data
    for column in columns:
        nested: Any = (
            frame[column].map(_is_nested).to_numpy(dtype=bool)
            if frame[column].dtype == object
            else []
        )
        if np.any(nested):
            raise DataError(
                f"{where}: column '{column}' holds lists or structs in {int(np.sum(nested))} "
                f"row(s) (first: data row {int(np.argmax(nested)) + 1}); "
                "expected one plain value per row. Flatten it into plain columns first."
            )


def _is_nested(value: Any) -> bool:
    return isinstance(value, (list, tuple, dict, set, np.ndarray))


def load_data(spec: AuditSpec, expected: CellQuery | None = None) -> AuditData:
    """Load the spec's data and check the target, the positive label and the feature columns;
    ``expected``: the cells the run will ask of an engine (``Table.expect``)."""
    data_spec = spec.data
    if data_spec is None:
        raise SpecError(f"{spec.where('data')}: this audit has no data section.")
    kind = chosen_engine(spec)
    if kind != "pandas":
        from .table_data import load_table_data  # imports this module

        return load_table_data(spec, kind, expected)
    if data_spec.path is not None:
        path = spec.resolve(data_spec.path)
        frame = read_table(path, spec.where("data.path"))
        source, fingerprint = str(path), sha256_file(path)
    else:
        reference = cast(str, data_spec.factory)  # exactly one of path and factory (validated)
        factory = load_function(
            reference, base_dir=spec.path.parent, where=spec.where("data.factory")
        )
        try:
            frame = factory(**data_spec.kwargs)
        except (Exception, SystemExit) as exc:
            raise SpecError(
                f"{spec.where('data.factory')}: '{reference}' failed: {type(exc).__name__}: {exc}"
            ) from exc
        if not isinstance(frame, pd.DataFrame):
            raise SpecError(
                f"{spec.where('data.factory')}: '{reference}' returned "
                f"{type(frame).__name__}; expected a pandas DataFrame."
            )
        check_unique_columns(frame.columns, spec.where("data.factory"), reference)
        source, fingerprint = reference, sha256_frame(frame)
    if frame.empty:
        raise DataError(f"{spec.where('data')}: the data ({source}) has no rows.")
    frame = frame.reset_index(drop=True)
    features = (
        tuple(data_spec.features)
        if data_spec.features
        else tuple(c for c in frame.columns if c != data_spec.target)
    )
    data = AuditData(
        frame, data_spec.target, data_spec.positive_label, features, source, fingerprint
    )
    data.require_columns(features, spec.where("data.features"))
    if data_spec.target is not None:
        data.require_columns([data_spec.target], spec.where("data.target"))
        check_flat(frame, [data_spec.target], spec.where("data.target"))
        check_binary_target(data, spec.where("data.target"))
    return data


def check_binary_target(data: AuditData, where: str) -> None:
    """The target must have no missing values and at most two values, one of them the positive
    label."""
    column = data.frame[data.target]
    missing = np.flatnonzero(column.isna().to_numpy())
    if missing.size:
        rows = ", ".join(str(r + 1) for r in missing[:5])
        raise DataError(
            f"{where}: column '{data.target}' has {missing.size} missing value(s) "
            f"(data rows {rows}). Drop or fill those rows."
        )
    values = pd.unique(column)
    if len(values) > 2:
        raise DataError(
            f"{where}: column '{data.target}' has {value_summary(values)}; "
            "a binary outcome is required. Binarize it, e.g. with a data factory."
        )
    if data.positive_label not in set(values.tolist()):
        raise DataError(
            f"{where}: positive_label {data.positive_label!r} does not occur in column "
            f"'{data.target}' ({value_summary(values)}). Set data.positive_label to one "
            "of the column's values."
        )
