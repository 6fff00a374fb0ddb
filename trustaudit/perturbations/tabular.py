"""Tabular perturbations: small seeded functions ``(X, level, rng, columns) -> perturbed copy of
X``.

``columns`` are the columns a perturbation may touch (the caller leaves frozen ones, e.g. sensitive
attributes, out). ``level`` is the perturbation's severity: a noise scale, a rate, or a factor.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

import numpy as np
import pandas as pd

Perturbation = Callable[[pd.DataFrame, float, np.random.Generator, list[str]], pd.DataFrame]


def _numeric(X: pd.DataFrame, columns: list[str]) -> list[str]:
    return [
        c
        for c in columns
        if pd.api.types.is_numeric_dtype(X[c]) and not pd.api.types.is_bool_dtype(X[c])
    ]


def gaussian_noise(
    X: pd.DataFrame, level: float, rng: np.random.Generator, columns: list[str]
) -> pd.DataFrame:
    """Add N(0, (level x the feature's standard deviation)^2) to every numeric feature that is not a
    0/1 flag."""
    out = X.copy()
    for column in [c for c in _numeric(X, columns) if X[c].nunique(dropna=True) > 2]:
        values = X[column].astype(float)
        out[column] = values + rng.normal(0.0, level * values.std(ddof=0), len(X))
    return out


def missing_values(
    X: pd.DataFrame, level: float, rng: np.random.Generator, columns: list[str]
) -> pd.DataFrame:
    """Blank each cell with probability ``level`` (the model's own imputation has to cope)."""
    out = X.copy()
    for column in columns:
        hit = rng.random(len(X)) < level
        out[column] = out[column].astype(
            object if not pd.api.types.is_numeric_dtype(X[column]) else float
        )
        out.loc[hit, column] = np.nan
    return out


def unit_rescale(
    X: pd.DataFrame, level: float, rng: np.random.Generator, columns: list[str]
) -> pd.DataFrame:
    """Multiply the numeric columns by ``level`` (a value recorded in another unit without
    conversion)."""
    out = X.copy()
    for column in _numeric(X, columns):
        out[column] = X[column].astype(float) * level
    return out


def category_swap(
    X: pd.DataFrame, level: float, rng: np.random.Generator, columns: list[str]
) -> pd.DataFrame:
    """Replace each categorical cell, with probability ``level``, by another category seen in that
    column."""
    out = X.copy()
    for column in [c for c in columns if c not in _numeric(X, columns)]:
        categories = pd.unique(X[column].dropna())
        if len(categories) < 2:
            continue
        hit = np.flatnonzero(rng.random(len(X)) < level)
        position = cast(int, X.columns.get_loc(column))  # column names are unique (checked)
        for row in map(int, hit):
            others = categories[categories != X[column].iat[row]]
            out.iloc[row, position] = others[rng.integers(len(others))]
    return out


TABULAR: dict[str, Perturbation] = {
    "gaussian_noise": gaussian_noise,
    "missing_values": missing_values,
    "unit_rescale": unit_rescale,
    "category_swap": category_swap,
}
DEFAULT_LEVELS = {
    "gaussian_noise": (0.1, 0.25, 0.5),
    "missing_values": (0.05, 0.1, 0.2),
    "unit_rescale": (0.5, 2.0, 10.0),
    "category_swap": (0.05, 0.1, 0.2),
}
