"""The groups of a fairness audit, when a group's metric is estimable, and disparities.

Rows are coded once by their finest (intersectional) group; every grouping (overall, each
sensitive feature, their intersection) is a map from those codes, so counts are merged rather than
recomputed. A group's metric is not estimable when the group, or its denominator, is too small."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ._stats import RATE_CELLS, Cells, spread

OVERALL = "overall"
MISSING = "(missing)"
# the counts each rate is estimated from: (y, y_pred) cells summed; None means the whole group
DENOMINATOR_CELLS: dict[str, Cells | None] = {
    **{name: RATE_CELLS[name][1] for name in ("tpr", "fnr", "fpr", "ppv")},
    "auroc": None,
}
# disparity name -> (per-group metric, "difference" | "ratio")
DISPARITIES = {
    "demographic_parity_difference": ("selection_rate", "difference"),
    "demographic_parity_ratio": ("selection_rate", "ratio"),
    "disparate_impact_ratio": ("selection_rate", "ratio"),
    "equal_opportunity_difference": ("tpr", "difference"),
    "equal_opportunity_ratio": ("tpr", "ratio"),
    "fpr_difference": ("fpr", "difference"),
    "fpr_ratio": ("fpr", "ratio"),
    "auroc_difference": ("auroc", "difference"),
}
# equalized odds combines the TPR and FPR spreads (fairlearn's definition)
EQUALIZED_ODDS = {
    "equalized_odds_difference": ("difference", np.fmax),
    "equalized_odds_ratio": ("ratio", np.fmin),
}
DENOMINATOR_NAMES = {
    "tpr": "positives",
    "fnr": "positives",
    "fpr": "negatives",
    "ppv": "predicted positives",
    "auroc": "positives or negatives",
}


@dataclass(frozen=True)
class Grouping:
    """A partition of the rows: ``mapping`` sends each intersectional group to a group of this
    grouping."""

    name: str
    labels: tuple[str, ...]
    mapping: np.ndarray


@dataclass(frozen=True)
class Measured:
    """Point values (per group) and bootstrap samples (resample x group) of each metric for one
    grouping."""

    point: dict[str, np.ndarray]
    samples: dict[str, np.ndarray]
    notes: dict[str, list[str]]
    counts: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)  # x, n
    variances: dict[str, np.ndarray] = field(default_factory=dict)  # AUROC: DeLong
    # AUROC on binned scores: how far each group's value can be from the exact scores'
    bounds: dict[str, np.ndarray] = field(default_factory=dict)

    def estimable(self, name: str) -> np.ndarray:
        return np.array([note == "" for note in self.notes[name]])


def groupings(sensitive: pd.DataFrame, intersections: bool) -> tuple[np.ndarray, list[Grouping]]:
    """Codes of the finest (intersectional) groups per row, and every grouping as a map from
    them: overall, each sensitive column, and (with ``intersections``) their combination."""
    columns = [str(c) for c in sensitive.columns]
    per_feature = [
        pd.factorize(sensitive[c], sort=True, use_na_sentinel=False) for c in sensitive.columns
    ]
    labels = [[_label(u) for u in uniques] for _, uniques in per_feature]
    dims = tuple(len(names) for names in labels)
    fine, codes = np.unique(
        np.ravel_multi_index(tuple(c for c, _ in per_feature), dims), return_inverse=True
    )
    fine_by_feature = np.unravel_index(fine, dims)
    found = [Grouping(OVERALL, ("all",), np.zeros(len(fine), dtype=np.int64))]
    found += [
        Grouping(c, tuple(names), np.asarray(mapped))
        for c, names, mapped in zip(columns, labels, fine_by_feature, strict=True)
    ]
    if intersections and len(columns) > 1:
        combined = []
        for i in range(len(fine)):
            parts = [labels[k][fine_by_feature[k][i]] for k in range(len(columns))]
            combined.append("+".join(parts))
        found.append(Grouping("+".join(columns), tuple(combined), np.arange(len(fine))))
    return codes.ravel(), found


def rows_by_group(group_of_row: np.ndarray, n_groups: int) -> list[np.ndarray]:
    """The row indices of each group, in row order."""
    order = np.argsort(group_of_row, kind="stable")
    return np.split(order, np.cumsum(np.bincount(group_of_row, minlength=n_groups))[:-1])


def estimability_notes(
    name: str, cells: np.ndarray, min_group_size: int, min_denominator: int
) -> list[str]:
    """Why each group's value of ``name`` is not estimable ('' when it is): a group under
    ``min_group_size`` rows, or a rate's denominator under ``min_denominator``."""
    sizes = cells.sum(axis=(1, 2))
    if name in ("group_size", "positives"):
        return [""] * len(sizes)
    notes = []
    for n in sizes:
        if n < min_group_size:
            notes.append(f"not estimable: n={n} < min_group_size {min_group_size}")
        else:
            notes.append("")
    if name not in DENOMINATOR_CELLS:
        return notes
    counts = _denominators(name, cells)
    what = DENOMINATOR_NAMES[name]
    for g, count in enumerate(counts):
        if not notes[g] and count < min_denominator:
            notes[g] = f"not estimable: {int(count)} {what} < min_denominator {min_denominator}"
    return notes


def _denominators(name: str, cells: np.ndarray) -> np.ndarray:
    """Per group, the count the rate ``name`` is estimated from (AUROC: the smaller class)."""
    pairs = DENOMINATOR_CELLS[name]
    if pairs is None:
        return np.minimum(cells[:, 1, :].sum(axis=1), cells[:, 0, :].sum(axis=1))
    return np.sum([cells[:, a, b] for a, b in pairs], axis=0)


def _label(value: Any) -> str:
    return MISSING if pd.isna(value) else str(value)


def disparity_spreads(
    measured: Measured,
) -> dict[str, tuple[np.ndarray, np.ndarray | None, np.ndarray]]:
    """Per disparity: its value over the estimable groups, its resamples (None without a
    bootstrap) and which groups were used."""
    spreads: dict[str, tuple[np.ndarray, np.ndarray | None, np.ndarray]] = {}
    for name, (base, kind) in DISPARITIES.items():
        if base not in measured.point:
            continue
        used = measured.estimable(base)
        keep = np.where(used, 1.0, np.nan)
        index = 0 if kind == "difference" else 1
        boot = spread(measured.samples[base] * keep)[index] if measured.samples else None
        spreads[name] = (spread(measured.point[base] * keep)[index], boot, used)
    for name, (kind, combine) in EQUALIZED_ODDS.items():
        a, b = spreads[f"equal_opportunity_{kind}"], spreads[f"fpr_{kind}"]
        boot_a, boot_b = a[1], b[1]
        spreads[name] = (
            combine(a[0], b[0]),
            None if boot_a is None or boot_b is None else combine(boot_a, boot_b),
            a[2] & b[2],
        )
    return spreads


def disparity_note(point: float | np.ndarray, used: np.ndarray, left_out: list[str]) -> str:
    """Over how many estimable groups a disparity was taken, and which groups were left out."""
    if not np.isfinite(point):
        return "undefined: fewer than 2 estimable groups"
    note = f"over {int(used.sum())} estimable group(s)"
    if left_out:
        note += f"; left out: {', '.join(left_out)}"
    return note
