"""The fairness auditor's score metrics (AUROC, Brier, O/E, ECE) per group from an engine's
cells: each entry is one (outcome, score or score bin) with its row count, so the same code serves
rows in memory and aggregates brought back from DuckDB or Spark."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..engines.cells import COUNT, HIGH, LOW, SCORE_GRID, Cells, Y, auroc_tie_bound
from ..findings import Finding, Severity
from ..progress import Progress
from ..stats.intervals import delong_counts
from ._fairness_groups import Grouping, rows_by_group
from ._stats import SCORE_METRICS, ScoreRows


@dataclass(frozen=True)
class ScoreEntries:
    """The cells' outcome, score, row count and rank key per entry."""

    y: np.ndarray
    scores: np.ndarray
    counts: np.ndarray
    rank_key: np.ndarray
    low: np.ndarray  # each entry's smallest and largest score (equal when exact)
    high: np.ndarray
    binned: bool

    @classmethod
    def of(cls, cells: Cells) -> ScoreEntries:
        scores = cells.scores()
        rank = np.floor(scores * SCORE_GRID) if cells.binned else scores
        table = cells.table
        return cls(
            table[Y].to_numpy(),
            scores,
            table[COUNT].to_numpy(),
            rank,
            table[LOW].to_numpy(),
            table[HIGH].to_numpy(),
            cells.binned,
        )

    def shared_bins(self, rows: np.ndarray) -> np.ndarray:
        """Per distinct rank key of ``rows`` (ascending, as ``ScoreRows`` orders them): whether
        its bin holds more than one score value."""
        keys, inverse = np.unique(self.rank_key[rows], return_inverse=True)
        low = np.full(len(keys), np.inf)
        high = np.full(len(keys), -np.inf)
        np.minimum.at(low, inverse.ravel(), self.low[rows])
        np.maximum.at(high, inverse.ravel(), self.high[rows])
        return low < high

    def tie_bound(self, rows: np.ndarray, histogram: tuple[np.ndarray, np.ndarray]) -> float:
        """How far the AUROC of ``rows`` (whose ``histogram`` of positives and negatives per rank
        key is given) can be from its exact scores' AUROC: 0 when scores are exact."""
        if not self.binned:
            return 0.0
        return auroc_tie_bound(*histogram, self.shared_bins(rows))

    def group(self, rows: np.ndarray, n_bins: int) -> ScoreRows:
        return ScoreRows.prepare(
            self.y[rows], self.scores[rows], n_bins, self.counts[rows], self.rank_key[rows]
        )


def score_metrics(
    grouping: Grouping,
    group_of_entry: np.ndarray,
    entries: ScoreEntries,
    totals: np.ndarray,
    skip: list[str],
    rng: np.random.Generator | None,
    n_bins: int,
    progress: Progress,
    label: str,
) -> tuple[dict[str, np.ndarray], ...]:
    """AUROC, Brier, O/E and ECE per group, and per resample (``totals[b, g]`` rows of group g in
    resample b; none without ``rng``); AUROC's DeLong variance and its binning bound (0 for
    exact scores). Groups noted in ``skip`` stay NaN."""
    n_groups = len(grouping.labels)
    point = {name: np.full(n_groups, np.nan) for name in SCORE_METRICS}
    variance, bound = np.full(n_groups, np.nan), np.zeros(n_groups)
    samples = {name: np.full(totals.shape, np.nan) for name in SCORE_METRICS}
    for g, rows in enumerate(rows_by_group(group_of_entry, n_groups)):
        if skip[g]:
            continue
        prepared = entries.group(rows, n_bins)
        for name, value in prepared.metrics().items():
            point[name][g] = value
        histogram = prepared.histogram()
        variance[g] = delong_counts(*histogram)[1]
        bound[g] = entries.tie_bound(rows, histogram)
        if rng is not None:
            for name, values in prepared.bootstrap(totals[:, g], rng).items():
                samples[name][:, g] = values
        progress.tick(g + 1, n_groups, f"{label}: score metrics by {grouping.name}")
    return point, samples, {"auroc": variance}, {"auroc": bound}


def binning_finding(bounds: list[np.ndarray], rows: int) -> Finding:
    """What binning the scores changed: the largest AUROC bound over every group of every
    grouping (``bounds``: each grouping's per-group bounds; a coarser group can share more pairs
    in a bin than any of its parts), and that the intervals and gates already include each
    group's own bound."""
    every = np.concatenate(bounds) if bounds else np.zeros(0)
    worst = np.nanmax(every) if np.isfinite(every).any() else 0.0
    return Finding(
        title=f"Scores binned to 1/{SCORE_GRID} ({rows:,} rows)",
        severity=Severity.INFO,
        detail=(
            f"Above the exact limit scores are counted per bin of width 1/{SCORE_GRID}: "
            f"each AUROC is within ±{bound_text(worst)} of its value on the exact scores "
            "(pairs sharing a bin count half); Brier, O/E and ECE use each bin's midpoint (every "
            f"score within {0.5 / SCORE_GRID:g} of it). AUROC values are the binned scores', "
            "but their intervals and gates already include the bound: each group's AUROC "
            "interval is widened by its own bound, an AUROC difference's by the sum of its two "
            "groups' bounds, so they cover the exact scores' AUROC. Raise exact_score_rows for "
            "exact values. Every engine gives these same numbers."
        ),
    )


def bound_text(bound: float) -> str:
    """A bound with 4 decimals, rounded up: never below the bound it states."""
    return f"{np.ceil(bound * 1e4) / 1e4:.4f}"
