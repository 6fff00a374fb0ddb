"""One representation per group value, whatever type an engine's client returned it as.

pandas reads an integer column with a missing value as floats (1.0), DuckDB hands back Python
ints (1); a date arrives as a date, a Timestamp or datetime64; a DECIMAL as Decimal or float.
Group labels are made from these values, and groups are ordered by them, so each key column is
brought to one form before anything is counted: numbers that are all whole become nullable
integers, other numbers floats, dates and times ISO text (sorting as time does), NULL and NaN
one missing value."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np
import pandas as pd


def canonical_keys(frame: pd.DataFrame, keys: tuple[str, ...] | list[str]) -> pd.DataFrame:
    """``frame`` with each of ``keys`` in its canonical form (other columns untouched)."""
    out = frame.copy()
    for key in keys:
        out[key] = canonical_column(frame[key])
    return out


def canonical_column(values: pd.Series) -> pd.Series:
    if pd.api.types.is_bool_dtype(values) or _all_of(values, (bool, np.bool_)):
        return values.astype(object).where(values.notna(), None)
    if pd.api.types.is_datetime64_any_dtype(values) or _all_of(values, (dt.date, pd.Timestamp)):
        return _iso(pd.to_datetime(values))
    if pd.api.types.is_numeric_dtype(values) or _all_of(values, (int, float, Decimal, np.number)):
        numbers = pd.to_numeric(values.astype(object), errors="coerce").astype(float)
        finite = numbers.dropna()
        if len(finite) and np.all(np.isfinite(finite)) and np.all(finite == np.round(finite)):
            return numbers.astype("Int64")
        return numbers
    return values.astype(object).where(values.notna(), None)


def _iso(times: pd.Series) -> pd.Series:
    known = times.dropna()
    midnight = bool(len(known)) and bool((known == known.dt.normalize()).all())
    text = times.dt.strftime("%Y-%m-%d" if midnight else "%Y-%m-%dT%H:%M:%S")
    return text.astype(object).where(times.notna(), None)


def _all_of(values: pd.Series, kinds: tuple[type, ...]) -> bool:
    """Whether every non-missing value of an object column is one of ``kinds`` (and one is)."""
    if values.dtype != object:
        return False
    present = [v for v in values.tolist() if v is not None and not _is_nan(v)]
    return bool(present) and all(isinstance(v, kinds) for v in present)


def _is_nan(value: object) -> bool:
    return isinstance(value, float) and value != value
