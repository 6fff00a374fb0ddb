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
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray], dict[str, np.ndarray]]:
    """AUROC, Brier, O/E and ECE per group, and per resample (``totals[b, g]`` rows of group g in
    resample b; none without ``rng``); AUROC's DeLong variance. Groups noted in ``skip`` stay
    NaN."""
    n_groups = len(grouping.labels)
    point = {name: np.full(n_groups, np.nan) for name in SCORE_METRICS}
    variance = np.full(n_groups, np.nan)
    samples = {name: np.full(totals.shape, np.nan) for name in SCORE_METRICS}
    for g, rows in enumerate(rows_by_group(group_of_entry, n_groups)):
        if skip[g]:
            continue
        prepared = entries.group(rows, n_bins)
        for name, value in prepared.metrics().items():
            point[name][g] = value
        variance[g] = delong_counts(*prepared.histogram())[1]
        if rng is not None:
            for name, values in prepared.bootstrap(totals[:, g], rng).items():
                samples[name][:, g] = values
        progress.tick(g + 1, n_groups, f"{label}: score metrics by {grouping.name}")
    return point, samples, {"auroc": variance}


def binning_finding(
    entries: ScoreEntries, codes: np.ndarray, groupings: list[Grouping], rows: int
) -> Finding:
    """What binning the scores may have changed: the largest AUROC shift over every group of
    every grouping (a coarser group can share more pairs in a bin than any of its parts)."""
    bounds = []
    for grouping in groupings:
        group_of_entry = grouping.mapping[codes]
        for group_rows in rows_by_group(group_of_entry, len(grouping.labels)):
            positives, negatives = entries.group(group_rows, 2).histogram()
            shared = entries.shared_bins(group_rows)
            bounds.append(auroc_tie_bound(positives, negatives, shared))
    worst = np.nanmax(bounds) if np.isfinite(bounds).any() else 0.0
    worst = np.ceil(worst * 1e4) / 1e4  # shown with 4 decimals: never below the bound
    return Finding(
        title=f"Scores binned to 1/{SCORE_GRID} ({rows:,} rows)",
        severity=Severity.INFO,
        detail=(
            f"Above the exact limit scores are counted per bin of width 1/{SCORE_GRID}: "
            f"each AUROC is within ±{worst:.4f} of its value on the exact scores (pairs sharing "
            f"a bin count half); Brier, O/E and ECE use each bin's midpoint (every score within "
            f"{0.5 / SCORE_GRID:g} of it). Intervals and gates are those of the binned scores: "
            "widen an AUROC interval by the bound above for the exact scores' AUROC, or raise "
            "exact_score_rows. Every engine gives these same numbers."
        ),
    )
