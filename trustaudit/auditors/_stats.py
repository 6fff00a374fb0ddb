"""Group metrics of a binary classifier and their bootstrap, vectorised.

Count-based metrics are functions of per-group confusion cells ``cells[..., group, y, y_pred]``.
Resampling N rows with replacement (fairlearn's bootstrap) gives cell counts that are one
multinomial draw with probabilities ``cells / N``, so the bootstrap draws cell counts directly: its
cost does not depend on N. Score-based metrics (AUROC, Brier, O/E, ECE) need the rows: they are
computed with integer row weights, one weight vector per resample."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np

from ..findings import Metric
from ..stats.clustered import CLUSTERED, WITH_BOOTSTRAP, clustered_interval, united

CountMetric = Callable[[np.ndarray], np.ndarray]


def ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """Element-wise ``numerator / denominator`` as floats; NaN where the denominator is not
    positive."""
    numerator, denominator = np.asarray(numerator, float), np.asarray(denominator, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(
            denominator > 0, numerator / np.where(denominator > 0, denominator, 1), np.nan
        )


Cells = tuple[tuple[int, int], ...]  # (y, y_pred) cells summed
# each rate: its numerator cells and denominator cells (None: the whole group)
RATE_CELLS: dict[str, tuple[Cells, Cells | None]] = {
    "base_rate": (((1, 0), (1, 1)), None),
    "selection_rate": (((0, 1), (1, 1)), None),
    "tpr": (((1, 1),), ((1, 0), (1, 1))),
    "fpr": (((0, 1),), ((0, 0), (0, 1))),
    "fnr": (((1, 0),), ((1, 0), (1, 1))),
    "ppv": (((1, 1),), ((0, 1), (1, 1))),
    "accuracy": (((0, 0), (1, 1)), None),
}


def rate_counts(name: str, cells: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The successes and trials of rate ``name`` per group (any leading axes)."""
    numerator, denominator = RATE_CELLS[name]
    x = sum(cells[..., a, b] for a, b in numerator)
    n = (
        cells.sum(axis=(-1, -2))
        if denominator is None
        else sum(cells[..., a, b] for a, b in denominator)
    )
    return np.asarray(x), np.asarray(n)


def _rate(name: str) -> CountMetric:
    return lambda cells: ratio(*rate_counts(name, cells))


COUNT_METRICS: dict[str, CountMetric] = {name: _rate(name) for name in RATE_CELLS}
SCORE_METRICS = ("auroc", "brier", "oe_ratio", "ece")


def confusion_cells(
    codes: np.ndarray,
    n_groups: int,
    y: np.ndarray,
    y_pred: np.ndarray,
    counts: np.ndarray | None = None,
) -> np.ndarray:
    """Counts per (group, y, y_pred) in one pass: shape (n_groups, 2, 2). Each entry is one row,
    or ``counts`` rows when it is an engine's aggregate."""
    flat = codes.astype(np.int64) * 4 + y.astype(np.int64) * 2 + y_pred.astype(np.int64)
    if counts is None:
        return np.bincount(flat, minlength=n_groups * 4).reshape(n_groups, 2, 2)
    summed = np.bincount(flat, weights=counts, minlength=n_groups * 4)
    return summed.round().astype(np.int64).reshape(n_groups, 2, 2)


def bootstrap_cells(cells: np.ndarray, n_boot: int, rng: np.random.Generator) -> np.ndarray:
    """``n_boot`` row-bootstrap resamples of the cell counts: shape (n_boot, *cells.shape)."""
    total = int(cells.sum())
    draws = rng.multinomial(total, cells.ravel() / total, size=n_boot)
    return draws.reshape(n_boot, *cells.shape)


def merge_groups(cells: np.ndarray, mapping: np.ndarray, n_target: int) -> np.ndarray:
    """Sum cells of fine groups (axis -3) into coarser ones: ``mapping[fine] = coarse``.

    Linear in the number of groups (a one-hot matrix would be fine x coarse: 10^8 cells for
    10^4 groups)."""
    merged = np.zeros((n_target, *cells.shape[:-3], *cells.shape[-2:]), dtype=cells.dtype)
    np.add.at(merged, mapping, np.moveaxis(cells, -3, 0))
    return np.moveaxis(merged, 0, -3)


def bootstrap_weights(n: int, n_boot: int, rng: np.random.Generator) -> np.ndarray | None:
    """Row weights of ``n_boot`` resamples of ``n`` rows with replacement: shape (n_boot, n), each
    row summing to n (how often each row was drawn). None when ``n_boot`` is 0 (no intervals)."""
    if not n_boot:
        return None
    return rng.multinomial(n, np.full(n, 1 / n), size=n_boot)


def interval(
    samples: np.ndarray | None, confidence: float, width: int = 1
) -> tuple[np.ndarray, np.ndarray]:
    """Percentile interval over axis 0 of ``samples`` (resample x value), or NaN bounds for
    ``width`` values when there are no resamples."""
    if samples is None:
        return np.full(width, np.nan), np.full(width, np.nan)
    return percentile_ci(samples, confidence)


def scalar_interval(samples: np.ndarray | None, confidence: float) -> tuple[float, float]:
    """The interval of one value from its resamples (a vector), or (NaN, NaN) without them."""
    low, high = interval(None if samples is None else samples[:, None], confidence)
    return float(low[0]), float(high[0])


def percentile_ci(samples: np.ndarray, confidence: float) -> tuple[np.ndarray, np.ndarray]:
    """Percentile interval over axis 0, ignoring resamples where the metric is undefined (NaN)."""
    alpha = (1 - confidence) / 2
    with _quiet_nan_warnings():
        low, high = np.nanquantile(
            np.where(np.isfinite(samples), samples, np.nan), [alpha, 1 - alpha], axis=0
        )
    return low, high


def spread(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Largest difference (max - min) and smallest ratio (min / max) over the last axis, NaN-aware.

    Undefined (NaN) when fewer than two groups have a value.
    """
    defined = np.isfinite(values).sum(axis=-1) >= 2
    masked = np.where(np.isfinite(values), values, np.nan)
    with _quiet_nan_warnings():
        high, low = np.nanmax(masked, axis=-1), np.nanmin(masked, axis=-1)
    difference = np.where(defined, high - low, np.nan)
    return difference, np.where(defined, ratio(low, high), np.nan)


@dataclass(frozen=True)
class ScoreRows:
    """One group's labels and scores, prepared once for repeated weighted evaluation.

    An entry stands for ``counts`` rows of one (label, score) (1 each when they are rows);
    ``rank_key`` orders them for AUROC (the score, or its bin when scores were binned)."""

    y: np.ndarray
    scores: np.ndarray
    counts: np.ndarray
    score_rank: np.ndarray
    n_unique: int
    bin_index: np.ndarray
    n_bins: int
    unit: bool  # every entry one row

    @classmethod
    def prepare(
        cls,
        y: np.ndarray,
        scores: np.ndarray,
        n_bins: int,
        counts: np.ndarray | None = None,
        rank_key: np.ndarray | None = None,
    ) -> ScoreRows:
        unique, rank = np.unique(scores if rank_key is None else rank_key, return_inverse=True)
        # scikit-learn's calibration_curve binning: equal-width, right-closed
        bins = np.searchsorted(np.linspace(0.0, 1.0, n_bins + 1)[1:-1], scores)
        weights = np.ones(len(y)) if counts is None else np.asarray(counts, float)
        unit = bool(np.all(weights == 1))
        return cls(
            y.astype(float),
            scores.astype(float),
            weights,
            rank.ravel(),
            len(unique),
            bins,
            n_bins,
            unit,
        )

    def metrics(self, weights: np.ndarray | None = None) -> dict[str, float]:
        """AUROC (ties count half), Brier score, observed/expected ratio and ECE under row
        weights (default: the entries' counts)."""
        w = self.counts if weights is None else weights.astype(float)
        wy = w * self.y
        total = w.sum()
        if total == 0:
            return dict.fromkeys(SCORE_METRICS, np.nan)
        pos, neg = self.histogram(w)
        n_pos, n_neg = pos.sum(), neg.sum()
        auroc = (
            float(pos @ (np.cumsum(neg) - 0.5 * neg) / (n_pos * n_neg))
            if n_pos and n_neg
            else np.nan
        )
        ws = w * self.scores
        expected = ws.sum()
        observed_by_bin = np.bincount(self.bin_index, wy, self.n_bins)
        expected_by_bin = np.bincount(self.bin_index, ws, self.n_bins)
        return {
            "auroc": auroc,
            "brier": float((w * (self.scores - self.y) ** 2).sum() / total),
            "oe_ratio": float(n_pos / expected) if expected > 0 else np.nan,
            "ece": float(np.abs(observed_by_bin - expected_by_bin).sum() / total),
        }

    def histogram(self, weights: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Positives and negatives per distinct rank key, in ascending order."""
        w = self.counts if weights is None else weights
        wy = w * self.y
        return (
            np.bincount(self.score_rank, wy, self.n_unique),
            np.bincount(self.score_rank, w - wy, self.n_unique),
        )

    def bootstrap(self, totals: np.ndarray, rng: np.random.Generator) -> dict[str, np.ndarray]:
        """Metrics over resamples; resample b draws ``totals[b]`` rows of this group with
        replacement (one multinomial draw over the entries, in proportion to their counts)."""
        out = {name: np.full(len(totals), np.nan) for name in SCORE_METRICS}
        for b, total in enumerate(totals):
            for name, value in self.metrics(self._draw(int(total), rng)).items():
                out[name][b] = value
        return out

    def _draw(self, total: int, rng: np.random.Generator) -> np.ndarray:
        """How often each entry is drawn in ``total`` draws: row indices when entries are rows
        (cost ∝ rows), one multinomial when they are counts (cost ∝ entries, not rows)."""
        if self.unit:
            return np.bincount(rng.integers(0, len(self.counts), total), minlength=len(self.y))
        return rng.multinomial(total, self.counts / self.counts.sum())


@contextmanager
def _quiet_nan_warnings():
    """Silence numpy's all-NaN warnings: an all-NaN slice is a legitimate 'not estimable'."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="All-NaN slice", category=RuntimeWarning)
        yield


def interval_metric(
    name: str,
    value: float,
    samples: np.ndarray | None,
    n: int,
    confidence: float,
    grouping: str,
    group: str,
    why_not: str = "",
) -> Metric:
    """The metric with its interval; ``why_not`` is its note when n is 0 (not estimable)."""
    low, high = scalar_interval(samples, confidence)
    return Metric(
        name=name,
        value=float(value),
        ci_low=low,
        ci_high=high,
        n=n,
        grouping=grouping,
        group=group,
        note="" if n else why_not,
    )


def share(
    numerator: np.ndarray, denominator: np.ndarray, weights: np.ndarray | None
) -> tuple[float, np.ndarray | None]:
    """sum(numerator) / sum(denominator) and its bootstrap resamples under the row weights (None
    without weights); NaN when the denominator is 0. A resample that drew no applicable case has
    no share at all: it is NaN (left out of the interval), not 0 or 1."""
    total = denominator.sum()
    if not total:
        return np.nan, None
    if weights is None:
        return numerator.sum() / total, None
    drawn = weights @ denominator
    with np.errstate(invalid="ignore", divide="ignore"):
        samples = np.where(drawn > 0, (weights @ numerator) / drawn, np.nan)
    return numerator.sum() / total, samples


def rate_metric(
    name: str,
    successes: np.ndarray,
    trials: np.ndarray,
    weights: np.ndarray | None,
    confidence: float,
    grouping: str,
    group: str,
    note: str = "",
    why_not: str = "",
) -> Metric:
    """A rate over clusters (one entry of ``successes`` and ``trials`` per cluster, e.g. a
    vignette) with the interval of stats/clustered.py (Clopper–Pearson on the effective n) united
    with the cluster bootstrap under ``weights``; ``why_not`` is its note when nothing was
    counted."""
    value, samples = share(successes, trials, weights)
    _, _, (low, high) = clustered_interval(successes, trials, confidence)
    bounds = (np.asarray(low, float), np.asarray(high, float))
    method = CLUSTERED
    if samples is not None:
        bounds = united(bounds, scalar_interval(samples, confidence))
        method += WITH_BOOTSTRAP
    n = int(trials.sum())
    return Metric(
        name=name,
        value=float(value),
        ci_low=float(bounds[0]),
        ci_high=float(bounds[1]),
        n=n,
        grouping=grouping,
        group=group,
        note=note if n else why_not,
        successes=int(successes.sum()),
        trials=n,
        interval=method,
    )
