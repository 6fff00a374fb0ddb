"""Validity of the fairness gates and intervals (issue 11, item 6): a seeded simulation study.

    python benchmarks/bench_validity.py [--quick] [--seed 20261125] [--json out.json]
                                        [--only binned-auroc]

Every verdict comes from trustaudit's own functions: ``stats.modes.judge_gap`` (certify, detect)
and ``judge_floor``, the closed-form intervals of ``stats.intervals``, and, for today's (legacy)
gates, the fairness auditor's multinomial cell bootstrap (``bootstrap_cells``, ``COUNT_METRICS``,
``ScoreRows``) with ``disparity_spreads`` and the percentile interval. Only the data are simulated
here. Legacy gates are a threshold on the percentile-bootstrap interval of max − min (min / max
for a ratio): detect = ``applies_to: ci_low, max: δ`` (FAIL iff ci_low > δ), certify =
``applies_to: ci_high, max: δ`` (PASS iff ci_high ≤ δ), and the README's four-fifths example
(``disparate_impact_ratio, min: 0.8, applies_to: ci_high``: FAIL iff ci_high < 0.8).

Design (α = 0.05, δ = 0.10, r = 0.8). k groups; group 0 is the one that differs (and, in the
unequal designs, the small one). n is the count a metric rests on: positives for TPR, rows for
the selection rate, positives and as many negatives for AUROC and equalized odds.
- rates: TPR 0.60, group 0 at 0.60 − gap;
- ratios: selection rate 0.30, group 0 at 0.30 × ratio (ratios 1, 0.9, 0.8, 0.7 against r);
- AUROC: binormal, AUROC 0.80, group 0 at 0.80 − gap;
- equalized odds: TPR as above, FPR 0.20 with group 0 at 0.20 + gap / 2 (true EO gap = gap).
The binned-AUROC section runs the fairness auditor itself with scores binned to 1/1000 (its
``exact_score_rows`` lowered) and measures how often the reported AUROC intervals, widened by the
binning bound, cover the exact scores' AUROC (``--only binned-auroc`` runs that section alone).
The LLM section compares the LLM auditors' interval (stats.clustered) with the percentile cluster
bootstrap they used before and two references."""

from __future__ import annotations

import argparse
import json
import sys
import time
import zlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import partial

import numpy as np
import pandas as pd
from scipy.stats import binom, norm

from trustaudit.auditors import FairnessAuditor
from trustaudit.auditors._fairness_groups import Measured, disparity_spreads, estimability_notes
from trustaudit.auditors._stats import (
    COUNT_METRICS,
    ScoreRows,
    bootstrap_cells,
    bootstrap_weights,
    ratio,
    scalar_interval,
)
from trustaudit.run.gate_modes import group_value
from trustaudit.stats import clustered, intervals
from trustaudit.stats.modes import PAIRWISE, GroupValue, judge_floor, judge_gap, pairwise

SEED = 20261125
ALPHA, DELTA, RATIO_BOUND, CONFIDENCE = 0.05, 0.10, 0.8, 0.95
GAPS = (0.0, DELTA / 2, DELTA, 1.5 * DELTA)
RATIOS = (1.0, 0.9, 0.8, 0.7)
OUTCOMES = ("pass", "fail", "inconclusive")
RULES = ("certify", "detect", "legacy certify", "legacy detect")
MIN_GROUP_SIZE, MIN_DENOMINATOR = 30, 10  # the fairness auditor's defaults
LEGACY_BASES = ("selection_rate", "tpr", "fpr")  # the rates the disparities here rest on


@dataclass(frozen=True)
class Sizes:
    """Group sizes: all ``n``, or group 0 of ``small`` and the others of ``n``."""

    n: int
    small: int | None = None

    def of(self, k: int) -> np.ndarray:
        sizes = np.full(k, self.n)
        if self.small is not None:
            sizes[0] = self.small
        return sizes

    @property
    def label(self) -> str:
        return f"{self.n:,}" if self.small is None else f"{self.small} + {self.n:,}s"


@dataclass(frozen=True)
class Settings:
    reps_boundary: int = 1000  # replicates at gap = δ (ratio = r): where the targets are judged
    reps_other: int = 200
    n_boot: int = 1000  # legacy cell bootstrap for rates
    n_boot_auroc: int = 200  # legacy row bootstrap for AUROC (a Python loop per resample)
    ks: tuple[int, ...] = (2, 4, 8)
    sizes: tuple[Sizes, ...] = (Sizes(50), Sizes(200), Sizes(2000), Sizes(2000, 50))
    legacy_auroc_max: tuple[int, int] = (4, 200)  # legacy AUROC only for k, n up to these
    rate_ns: tuple[int, ...] = (10, 30, 50, 100, 200, 500, 1000, 2000)
    mc_reps: int = 1000  # AUROC and LLM coverage replicates
    binned_reps: int = 200  # binned-AUROC replicates (two fairness audits each)
    binned_ns: tuple[int, ...] = (200, 2000, 20000)  # positives (= negatives) per group
    vignettes: tuple[int, ...] = (4, 8, 16, 40)
    reproduce: bool = True
    seed: int = SEED

    def reps(self, boundary: bool) -> int:
        return self.reps_boundary if boundary else self.reps_other


QUICK = Settings(
    reps_boundary=60,
    reps_other=30,
    n_boot=200,
    n_boot_auroc=50,
    ks=(2, 4),
    sizes=(Sizes(50), Sizes(2000)),
    legacy_auroc_max=(2, 50),
    rate_ns=(10, 30, 200),
    mc_reps=60,
    binned_reps=20,
    binned_ns=(200,),
    vignettes=(4, 16),
    reproduce=True,  # the prior study's cells with k in ks only
)


def rng_for(settings: Settings, *key: object) -> np.random.Generator:
    """A generator per cell of the grid: results do not depend on the order cells run in."""
    return np.random.default_rng([settings.seed, zlib.crc32(repr(key).encode())])


# ---------------------------------------------------------------- simulated audits


@dataclass
class Draw:
    """One simulated audit: the groups as the gates see them, the confusion cells per group for
    the legacy bootstrap, and (AUROC) each group's labels and scores."""

    groups: list[GroupValue]
    cells: np.ndarray
    rows: list[tuple[np.ndarray, np.ndarray]] | None = None


def _rate_groups(metric: str, successes: np.ndarray, trials: np.ndarray) -> list[GroupValue]:
    return [
        GroupValue(metric, str(g), x / n, int(x), int(n))
        for g, (x, n) in enumerate(zip(successes, trials, strict=True))
    ]


def _shifted(base: float, shift: float, k: int) -> np.ndarray:
    values = np.full(k, base)
    values[0] = base + shift
    return values


def draw_rate(sizes: np.ndarray, gap: float, rng: np.random.Generator) -> Draw:
    """TPR: each group's n positives, TPR 0.60 (group 0: 0.60 − gap)."""
    return draw_tpr(sizes, _shifted(0.6, -gap, len(sizes)), rng)


def draw_tpr(sizes: np.ndarray, tpr: np.ndarray, rng: np.random.Generator) -> Draw:
    hits = rng.binomial(sizes, tpr)
    cells = np.zeros((len(sizes), 2, 2), int)
    cells[:, 1, 1], cells[:, 1, 0] = hits, sizes - hits
    return Draw(_rate_groups("tpr", hits, sizes), cells)


def draw_ratio(sizes: np.ndarray, true_ratio: float, rng: np.random.Generator) -> Draw:
    """Selection rate 0.30 (group 0: 0.30 × ratio) over each group's n rows."""
    rates = np.full(len(sizes), 0.3)
    rates[0] *= true_ratio
    selected = rng.binomial(sizes, rates)
    cells = np.zeros((len(sizes), 2, 2), int)
    cells[:, 0, 1], cells[:, 0, 0] = selected, sizes - selected
    return Draw(_rate_groups("selection_rate", selected, sizes), cells)


def draw_eo(sizes: np.ndarray, gap: float, rng: np.random.Generator) -> Draw:
    """Equalized odds: n positives (TPR as ``draw_rate``) and n negatives, FPR 0.20 (group 0:
    0.20 + gap / 2)."""
    k = len(sizes)
    hits = rng.binomial(sizes, _shifted(0.6, -gap, k))
    false_alarms = rng.binomial(sizes, _shifted(0.2, gap / 2, k))
    cells = np.stack([sizes - false_alarms, false_alarms, sizes - hits, hits], axis=1)
    groups = _rate_groups("tpr", hits, sizes) + _rate_groups("fpr", false_alarms, sizes)
    return Draw(groups, cells.reshape(k, 2, 2))


def binormal(n: int, auc: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """n positives and n negatives, unit-variance normal scores (mapped into [0, 1], as the
    auditor expects) whose AUROC is ``auc``."""
    y = np.r_[np.ones(n), np.zeros(n)]
    return y, norm.cdf(rng.normal(size=2 * n) + np.sqrt(2) * norm.ppf(auc) * y)


def draw_auroc(sizes: np.ndarray, gap: float, rng: np.random.Generator) -> Draw:
    """Binormal scores, n positives and n negatives per group; AUROC 0.80 (group 0: 0.80 − gap)."""
    groups, rows = [], []
    for g, (n, auc) in enumerate(zip(sizes, _shifted(0.8, -gap, len(sizes)), strict=True)):
        y, scores = binormal(n, auc, rng)
        auc, variance = intervals.delong(y, scores)
        groups.append(GroupValue("auroc", str(g), auc, variance=variance))
        rows.append((y, scores))
    cells = np.zeros((len(sizes), 2, 2), int)
    cells[:, 1, 1], cells[:, 0, 0] = sizes, sizes
    return Draw(groups, cells, rows)


@dataclass(frozen=True)
class Family:
    name: str
    title: str
    scale: str  # "difference" | "ratio"
    draw: Callable[[np.ndarray, float, np.random.Generator], Draw]
    disparity: str  # the legacy disparity metric
    truths: tuple[float, ...]
    boundary: float
    bound: float

    def label(self, truth: float) -> str:
        return f"{truth:.2f}" if self.scale == "difference" else f"ratio {truth:.2f}"


FAMILIES = (
    Family(
        "rate",
        "TPR difference",
        "difference",
        draw_rate,
        "equal_opportunity_difference",
        GAPS,
        DELTA,
        DELTA,
    ),
    Family(
        "ratio",
        "selection-rate ratio (four-fifths)",
        "ratio",
        draw_ratio,
        "disparate_impact_ratio",
        RATIOS,
        RATIO_BOUND,
        RATIO_BOUND,
    ),
    Family(
        "auroc",
        "AUROC difference (DeLong)",
        "difference",
        draw_auroc,
        "auroc_difference",
        GAPS,
        DELTA,
        DELTA,
    ),
    Family(
        "eo",
        "equalized odds (TPR and FPR)",
        "difference",
        draw_eo,
        "equalized_odds_difference",
        GAPS,
        DELTA,
        DELTA,
    ),
)


# ---------------------------------------------------------------- the legacy gates


def legacy_interval(draw: Draw, disparity: str, n_boot: int, rng: np.random.Generator):
    """The fairness auditor's interval of a disparity: cell bootstrap (rows for AUROC), the
    disparity per resample over the estimable groups, percentile interval."""
    boot = bootstrap_cells(draw.cells, n_boot, rng)
    point = {name: COUNT_METRICS[name](draw.cells) for name in LEGACY_BASES}
    samples = {name: COUNT_METRICS[name](boot) for name in LEGACY_BASES}
    names = [*LEGACY_BASES, "auroc"] if draw.rows else list(LEGACY_BASES)
    notes = {
        name: estimability_notes(name, draw.cells, MIN_GROUP_SIZE, MIN_DENOMINATOR)
        for name in names
    }
    if draw.rows:
        point["auroc"], samples["auroc"] = _legacy_auroc(draw.rows, boot.sum(axis=(2, 3)), rng)
    value, resamples, _ = disparity_spreads(Measured(point, samples, notes))[disparity]
    return float(value), scalar_interval(resamples, CONFIDENCE)


def _legacy_auroc(rows, totals: np.ndarray, rng: np.random.Generator):
    point, samples = np.empty(len(rows)), np.empty(totals.shape)
    for g, (y, scores) in enumerate(rows):
        prepared = ScoreRows.prepare(y, scores, 10)
        point[g] = prepared.metrics()["auroc"]
        samples[:, g] = prepared.bootstrap(totals[:, g], rng)["auroc"]
    return point, samples


def legacy_verdicts(family: Family, low: float, high: float) -> dict[str, str]:
    """Today's gates: two outcomes only (a threshold on an interval end)."""
    if family.scale == "difference":
        certify, fail = high <= family.bound, low > family.bound
    else:  # certify: min/max ≥ r by ci_low; README four-fifths: fail iff ci_high < r
        certify, fail = low >= family.bound, high < family.bound
    return {
        "legacy certify": "pass" if certify else "fail",
        "legacy detect": "fail" if fail else "pass",
    }


# ---------------------------------------------------------------- one cell of the gate grid


@dataclass
class Tally:
    """Outcome counts per rule over the replicates of one cell, and the legacy interval's
    coverage of the true disparity."""

    reps: int = 0
    outcomes: dict[str, Counter] = field(default_factory=dict)
    covered: int = 0
    legacy_reps: int = 0
    estimate_sum: float = 0.0

    def add(self, verdicts: dict[str, str]) -> None:
        for rule, outcome in verdicts.items():
            self.outcomes.setdefault(rule, Counter())[outcome] += 1

    def rate(self, rule: str, outcome: str) -> float:
        counts = self.outcomes.get(rule)
        return counts[outcome] / sum(counts.values()) if counts else float("nan")

    def as_json(self) -> dict:
        rates = {rule: {o: self.rate(rule, o) for o in OUTCOMES} for rule in self.outcomes}
        legacy = self.legacy_reps or float("nan")
        return {
            "reps": self.reps,
            "rates": rates,
            "legacy_ci_coverage": self.covered / legacy,
            "legacy_mean_estimate": self.estimate_sum / legacy,
        }


def with_legacy(family: Family, k: int, sizes: np.ndarray, settings: Settings) -> bool:
    if family.name != "auroc":
        return True
    max_k, max_n = settings.legacy_auroc_max
    return k <= max_k and int(sizes.max()) <= max_n


def run_cell(family: Family, k: int, sizes: Sizes, truth: float, settings: Settings) -> Tally:
    """All rules on the same replicates of one (family, k, sizes, truth) cell."""
    rng = rng_for(settings, family.name, k, sizes, truth)
    group_sizes = sizes.of(k)
    legacy = with_legacy(family, k, group_sizes, settings)
    n_boot = settings.n_boot_auroc if family.name == "auroc" else settings.n_boot
    tally = Tally(reps=settings.reps(truth == family.boundary))
    for _ in range(tally.reps):
        draw = family.draw(group_sizes, truth, rng)
        verdicts = {
            mode: judge_gap(draw.groups, mode, family.scale, family.bound, ALPHA).outcome
            for mode in ("certify", "detect")
        }
        if legacy:
            estimate, (low, high) = legacy_interval(draw, family.disparity, n_boot, rng)
            verdicts |= legacy_verdicts(family, low, high)
            tally.legacy_reps += 1
            tally.estimate_sum += estimate
            tally.covered += bool(low <= truth <= high)  # true max − min (min / max) = truth
        tally.add(verdicts)
    return tally


class Grid:
    """Cells computed once and shared by every table that shows them."""

    def __init__(self, settings: Settings) -> None:
        self.settings, self.cells = settings, {}

    def get(self, family: Family, k: int, sizes: Sizes, truth: float) -> Tally:
        key = (family.name, k, sizes, truth)
        if key not in self.cells:
            self.cells[key] = run_cell(family, k, sizes, truth, self.settings)
        return self.cells[key]


# ---------------------------------------------------------------- tables of the gate grid


def columns(text: str) -> list[str]:
    """A table's headers from one string, "a | b | c"."""
    return text.split(" | ")


def table(headers: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in rows])


def pct(value: float) -> str:
    return "—" if not np.isfinite(value) else f"{100 * value:.1f}%"


def mc_se(p: float, reps: int) -> float:
    """Monte Carlo standard error of a rate p estimated from ``reps`` replicates."""
    return float(np.sqrt(p * (1 - p) / reps))


def mark(value: float, target: float, reps: int, at_least: bool = False) -> str:
    """✓ when ``value`` meets ``target`` up to 2 Monte Carlo standard errors (— untested)."""
    if not np.isfinite(value):
        return "—"
    slack = 2 * mc_se(target, reps)
    ok = value >= target - slack if at_least else value <= target + slack
    return "✓" if ok else "✗"


def detect_null(family: Family, truth: float) -> bool:
    """True gap ≤ δ (ratio ≥ r): a FAIL is a false alarm."""
    if family.scale == "ratio":
        return truth >= family.bound - 1e-12
    return truth <= family.bound + 1e-12


def certify_null(family: Family, truth: float) -> bool:
    """True gap ≥ δ (ratio ≤ r): a PASS is a false pass."""
    if family.scale == "ratio":
        return truth <= family.bound + 1e-12
    return truth >= family.bound - 1e-12


def _cells(grid: Grid):
    settings = grid.settings
    for family in FAMILIES:
        for k in settings.ks:
            for sizes in settings.sizes:
                yield family, k, sizes


def headline(grid: Grid) -> str:
    """At the boundary (gap = δ, ratio = r): detect's P(FAIL) and certify's P(PASS)."""
    reps = grid.settings.reps_boundary
    detect_cap = 0.025 + 2 * mc_se(0.025, reps)
    certify_cap = 0.05 + 2 * mc_se(0.05, reps)
    headers = columns(
        "metric | k | n per group | detect P(FAIL) | ok | legacy detect P(FAIL) | ok | "
        "certify P(PASS) | ok | legacy certify P(PASS) | ok"
    )
    rows = [
        [
            family.title,
            str(k),
            sizes.label,
            *target_cells(grid.get(family, k, sizes, family.boundary)),
        ]
        for family, k, sizes in _cells(grid)
    ]
    intro = (
        f"### Headline: error rates at the boundary (true gap = δ = {DELTA}; ratio = r = "
        f"{RATIO_BOUND})\n\n{reps} replicates per row; Monte Carlo s.e. "
        f"{100 * mc_se(0.025, reps):.2f} points at 2.5% and {100 * mc_se(0.05, reps):.2f} at 5%. "
        f"✓: detect P(FAIL) ≤ {100 * detect_cap:.2f}% (2.5% + 2 s.e.); certify P(PASS) ≤ "
        f"{100 * certify_cap:.2f}% (5% + 2 s.e.). Legacy AUROC runs only for k ≤ "
        f"{grid.settings.legacy_auroc_max[0]}, n ≤ {grid.settings.legacy_auroc_max[1]} "
        f"(— elsewhere: a row bootstrap of {grid.settings.n_boot_auroc} resamples per replicate "
        "is too slow)."
    )
    return intro + "\n\n" + table(headers, rows) + "\n\n" + targets_met(rows)


TARGETS = (
    ("detect", "fail", 0.025),
    ("legacy detect", "fail", 0.025),
    ("certify", "pass", 0.05),
    ("legacy certify", "pass", 0.05),
)


def target_cells(tally: Tally) -> list[str]:
    """Per rule of TARGETS: its error rate at the boundary, and ✓/✗ against the target."""
    cells = []
    for rule, outcome, target in TARGETS:
        value = tally.rate(rule, outcome)
        cells += [pct(value), mark(value, target, tally.reps)]
    return cells


def targets_met(rows: list[list[str]]) -> str:
    """One line: in how many designs each rule meets its target (the ✓ columns ending rows)."""
    counts = []
    for i, (rule, _, _) in enumerate(TARGETS):
        marks = [row[len(row) - 2 * len(TARGETS) + 2 * i + 1] for row in rows]
        counts.append(f"{rule} {marks.count('✓')}/{len(marks) - marks.count('—')}")
    return "Targets met (designs): " + "; ".join(counts) + "."


def _three(tally: Tally, rule: str) -> str:
    """P(PASS) / P(FAIL) / P(INCONCLUSIVE) in one cell."""
    if rule not in tally.outcomes:
        return "—"
    return " / ".join(pct(tally.rate(rule, o)).rstrip("%") for o in OUTCOMES)


def family_table(grid: Grid, family: Family) -> str:
    """Every cell of one metric family: outcome rates per rule and the legacy interval."""
    settings = grid.settings
    headers = columns(
        "k | n per group | true | reps | certify P/F/I % | detect P/F/I % | "
        "legacy certify P/F % | legacy detect P/F % | legacy CI covers true | legacy mean est."
    )
    rows = []
    for k in settings.ks:
        for sizes in settings.sizes:
            for truth in family.truths:
                tally = grid.get(family, k, sizes, truth)
                summary = tally.as_json()
                legacy = [_three(tally, r).rsplit(" / ", 1)[0] for r in RULES[2:]]
                rows.append(
                    [
                        str(k),
                        sizes.label,
                        family.label(truth),
                        str(tally.reps),
                        _three(tally, "certify"),
                        _three(tally, "detect"),
                        *legacy,
                        pct(summary["legacy_ci_coverage"]),
                        f"{summary['legacy_mean_estimate']:.3f}",
                    ]
                )
    se_other = 100 * mc_se(0.5, settings.reps_other)
    intro = (
        f"#### {family.title}\n\n{settings.reps_boundary} replicates at the boundary, "
        f"{settings.reps_other} elsewhere (Monte Carlo s.e. ≤ {se_other:.1f} points there). "
        "P/F/I = PASS / FAIL / INCONCLUSIVE; legacy gates have no INCONCLUSIVE. Legacy CI: the "
        "95% percentile-bootstrap interval of max − min (min / max) and whether it covers the "
        "true value."
    )
    return intro + "\n\n" + table(headers, rows)


def _extreme(
    grid: Grid,
    family: Family,
    k: int,
    sizes: Sizes,
    rule: str,
    outcome: str,
    null: Callable[[Family, float], bool],
) -> float:
    values = [grid.get(family, k, sizes, t).rate(rule, outcome) for t in family.truths]
    chosen = [v for t, v in zip(family.truths, values, strict=True) if null(family, t)]
    return max(chosen) if chosen else float("nan")


def readoff_table(grid: Grid) -> str:
    """False-alarm rate, false-pass rate and power, new against legacy, per design."""
    headers = columns(
        "metric | k | n per group | false alarm: detect (legacy) | "
        "false pass: certify (legacy) | power to FAIL at 1.5δ / 0.7: detect (legacy) | "
        "power to PASS at 0 / 1.0: certify (legacy)"
    )
    rows = []
    for family, k, sizes in _cells(grid):
        cells = []
        for rule, outcome, null in (
            ("detect", "fail", detect_null),
            ("certify", "pass", certify_null),
        ):
            new = _extreme(grid, family, k, sizes, rule, outcome, null)
            old = _extreme(grid, family, k, sizes, f"legacy {rule}", outcome, null)
            cells.append(f"{pct(new)} ({pct(old)})")
        for rule, outcome, truth in (
            ("detect", "fail", family.truths[-1]),
            ("certify", "pass", family.truths[0]),
        ):
            tally = grid.get(family, k, sizes, truth)
            cells.append(
                f"{pct(tally.rate(rule, outcome))} ({pct(tally.rate('legacy ' + rule, outcome))})"
            )
        rows.append([family.title, str(k), sizes.label, *cells])
    intro = (
        "### Read-off: false alarms, false passes and power (new gate, legacy in brackets)\n\n"
        "False alarm = the largest P(FAIL) over true gaps ≤ δ (ratios ≥ r); false pass = the "
        "largest P(PASS) over true gaps ≥ δ (ratios ≤ r). Both are reached at the boundary for "
        "every valid rule; replicates as in the tables below."
    )
    return intro + "\n\n" + table(headers, rows)


# ---------------------------------------------------------------- the prior study, reproduced

RATE, RATIO = FAMILIES[0], FAMILIES[1]
# /work/shared/reference/fairness-gate-statistics.md §3.3: (k, n) -> per true value, the
# (legacy, pairwise) numbers; coverage rows give (mean max − min, percentile-CI coverage)
REFERENCE = {
    "coverage": {
        (4, 400, 0.0): (0.051, 0.000),
        (8, 400, 0.0): (0.068, 0.000),
        (8, 400, GAPS[1]): (0.088, 0.157),
        (4, 2000, DELTA): (0.109, 0.863),
        (8, 2000, DELTA): (0.115, 0.666),
    },
    "certify": {
        (4, 400): ((0.184, 0.402), (0.048, 0.154), (0.001, 0.007)),
        (8, 400): ((0.000, 0.092), (0.000, 0.028), (0.000, 0.003)),
        (8, 2000): ((1.000, 1.000), (0.695, 0.765), (0.000, 0.002)),
        (2, 2000): ((1.000, 1.000), (0.946, 0.946), (0.059, 0.059)),
    },
    "detect": {
        (4, 400): ((0.006, 0.000), (0.151, 0.010), (0.708, 0.230)),
        (4, 2000): ((0.000, 0.000), (0.138, 0.025), (0.996, 0.899)),
        (8, 100): ((0.586, 0.000), (0.775, 0.004), (0.928, 0.041)),
        (8, 2000): ((0.000, 0.000), (0.315, 0.004), (1.000, 0.891)),
    },
    "four-fifths": {
        (4, 200): ((0.153,), (0.049,)),
        (8, 200): ((0.800,), (0.609,)),
        (8, 1000): ((0.262,), (0.011,)),
    },
}


def _versus(tally: Tally, rule: str, outcome: str, reference: tuple[float, ...]) -> str:
    ours = [tally.rate(f"legacy {rule}", outcome), tally.rate(rule, outcome)]
    text = " vs ".join(f"{v:.3f}" for v in ours[: len(reference)])
    return f"{text} (ref {' vs '.join(f'{v:.3f}' for v in reference)})"


def _reproduce_rows(grid: Grid, part: str, family: Family, truths, rule, outcome) -> list:
    rows = []
    for (k, n), reference in REFERENCE[part].items():
        if k not in grid.settings.ks:
            continue
        cells = [grid.get(family, k, Sizes(n), t) for t in truths]
        rows.append(
            [str(k), f"{n:,}"]
            + [_versus(c, rule, outcome, r) for c, r in zip(cells, reference, strict=True)]
        )
    return rows


def reproduction(grid: Grid) -> str:
    """The prior study's cells (stratified bootstrap there; trustaudit's multinomial cell
    bootstrap here) next to its numbers."""
    coverage = []
    for (k, n, gap), (mean, covered) in REFERENCE["coverage"].items():
        if k not in grid.settings.ks:
            continue
        summary = grid.get(RATE, k, Sizes(n), gap).as_json()
        coverage.append(
            [
                str(k),
                f"{n:,}",
                f"{gap:.2f}",
                f"{summary['legacy_mean_estimate']:.3f} (ref {mean:.3f})",
                f"{summary['legacy_ci_coverage']:.3f} (ref {covered:.3f})",
            ]
        )
    parts = [
        (
            ["k", "n", "true gap", "mean est. max − min", "95% pct-boot CI covers true gap"],
            coverage,
        ),
        (
            ["k", "n", "certify P(PASS) gap 0: legacy vs IUT", "gap 0.05", "gap 0.10 (= δ)"],
            _reproduce_rows(grid, "certify", RATE, GAPS[:3], "certify", "pass"),
        ),
        (
            [
                "k",
                "n",
                "detect P(FAIL) gap 0.05: legacy vs Bonferroni",
                "gap 0.10 (= δ)",
                "gap 0.15",
            ],
            _reproduce_rows(grid, "detect", RATE, GAPS[1:], "detect", "fail"),
        ),
        (
            ["k", "n", "four-fifths P(FAIL) ratio 0.80: legacy", "ratio 0.90"],
            _reproduce_rows(grid, "four-fifths", RATIO, (0.8, 0.9), "detect", "fail"),
        ),
    ]
    intro = (
        "### The prior study's cells, reproduced (TPR 0.60, selection rate 0.30)\n\n"
        "Ours first, the reference (fairness-gate-statistics.md §3.3, 1,000 replicates, "
        "stratified bootstrap) in brackets. Ours: replicates as in the grid "
        f"({grid.settings.reps_boundary} at the boundary, {grid.settings.reps_other} elsewhere), "
        "trustaudit's multinomial cell bootstrap (group sizes vary across resamples), B = "
        f"{grid.settings.n_boot}. Legacy certify here is trustaudit's ci_high at confidence "
        "0.95, the 97.5th percentile; the reference used the 95th, so it passes less often."
    )
    return "\n\n".join([intro, *(table(h, r) for h, r in parts)])


# ---------------------------------------------------------------- stress: a small group, low rates

# (the small group's rate, the other groups' rate, sizes): a true gap of δ; k = 2
STRESS = (
    (0.02, 0.12, Sizes(2000, 50)),
    (0.12, 0.02, Sizes(2000, 50)),
    (0.05, 0.15, Sizes(2000, 50)),
    (0.02, 0.12, Sizes(2000, 100)),
)
STRESS_FACTOR = 4  # times the boundary replicates: these cells sit near the targets


def stress_family(small: float, large: float) -> Family:
    def draw(sizes: np.ndarray, gap: float, rng: np.random.Generator) -> Draw:
        rates = np.full(len(sizes), large)
        rates[0] = small
        return draw_tpr(sizes, rates, rng)

    return replace(
        RATE, name=f"rate {small:g} vs {large:g}", title=f"TPR {small:g} vs {large:g}", draw=draw
    )


def stress_table(settings: Settings, out: dict) -> str:
    """Designs where the pairwise intervals' tails are off (see the pairwise table): TPR near 0
    in one small group, and AUROC with one small group; k = 2, true gap δ."""
    more = replace(settings, reps_boundary=STRESS_FACTOR * settings.reps_boundary)
    designs = [(stress_family(a, b), sizes) for a, b, sizes in STRESS]
    designs.append((FAMILIES[2], Sizes(2000, 50)))
    rows, out["stress"] = [], []
    for family, sizes in designs:
        tally = run_cell(family, 2, sizes, DELTA, more)
        out["stress"].append(
            {"design": family.title, "sizes": sizes.of(2).tolist(), **tally.as_json()}
        )
        rows.append([family.title, sizes.label, str(tally.reps), *target_cells(tally)])
    headers = columns(
        "design (group 0 first) | n per group | reps | detect P(FAIL) | ok | "
        "legacy detect P(FAIL) | ok | certify P(PASS) | ok | legacy certify P(PASS) | ok"
    )
    intro = (
        "### Stress: one small group, rates near 0, k = 2, true gap = δ\n\n"
        f"{more.reps_boundary} replicates per row (Monte Carlo s.e. "
        f"{100 * mc_se(0.05, more.reps_boundary):.2f} points at 5%, "
        f"{100 * mc_se(0.025, more.reps_boundary):.2f} at 2.5%); marks as in the headline."
    )
    return intro + "\n\n" + table(headers, rows) + "\n\n" + targets_met(rows)


# ---------------------------------------------------------------- floor (a goal per group)

FLOOR_GOAL, FLOOR_TRUTHS = 0.8, (0.75, 0.8, 0.85, 0.9)
WORST_FIRST = {"fail": 0, "inconclusive": 1, "pass": 2}


def floor_verdicts(draw: Draw, n_boot: int, rng: np.random.Generator) -> dict[str, str]:
    """Every group's ``judge_floor`` (the gate's verdict: the worst of them) and the legacy
    ``tpr min: goal, applies_to: ci_low`` on each group's percentile-bootstrap interval."""
    outcomes = [judge_floor(g, FLOOR_GOAL, "min", ALPHA).outcome for g in draw.groups]
    samples = COUNT_METRICS["tpr"](bootstrap_cells(draw.cells, n_boot, rng))
    lows = [scalar_interval(samples[:, g], CONFIDENCE)[0] for g in range(len(draw.groups))]
    legacy = "pass" if min(lows) >= FLOOR_GOAL else "fail"
    return {"floor": min(outcomes, key=WORST_FIRST.__getitem__), "legacy floor": legacy}


def run_floor_cell(k: int, sizes: Sizes, truth: float, settings: Settings) -> Tally:
    """Group 0's true TPR is ``truth``, the others' 0.90; goal TPR ≥ 0.80."""
    rng = rng_for(settings, "floor", k, sizes, truth)
    tpr = np.full(k, 0.9)
    tpr[0] = truth
    tally = Tally(reps=settings.reps(truth == FLOOR_GOAL))
    for _ in range(tally.reps):
        tally.add(floor_verdicts(draw_tpr(sizes.of(k), tpr, rng), settings.n_boot, rng))
    return tally


def floor_table(settings: Settings, out: dict) -> str:
    reps = settings.reps_boundary
    headers = columns(
        "k | n per group | group 0 true TPR | reps | floor P/F/I % | legacy floor P/F % | "
        "false pass ≤ 5%: floor | legacy"
    )
    rows, out["floor"] = [], []
    for k in settings.ks:
        for sizes in settings.sizes:
            for truth in FLOOR_TRUTHS:
                tally = run_floor_cell(k, sizes, truth, settings)
                out["floor"].append(
                    {"k": k, "sizes": sizes.of(k).tolist(), "true": truth, **tally.as_json()}
                )
                marks = ["", ""]
                if truth <= FLOOR_GOAL:
                    marks = [
                        mark(tally.rate(r, "pass"), 0.05, tally.reps)
                        for r in ("floor", "legacy floor")
                    ]
                rows.append(
                    [
                        str(k),
                        sizes.label,
                        f"{truth:.2f}",
                        str(tally.reps),
                        _three(tally, "floor"),
                        _three(tally, "legacy floor").rsplit(" / ", 1)[0],
                        *marks,
                    ]
                )
    intro = (
        f"### Floor: every group's TPR ≥ {FLOOR_GOAL} (judge_floor, one-sided exact bound)\n\n"
        f"Other groups at TPR 0.90. The gate's verdict is the worst group's. {reps} replicates "
        f"where group 0 sits on the goal (Monte Carlo s.e. {100 * mc_se(0.05, reps):.2f} points "
        f"at 5%), {settings.reps_other} elsewhere. Legacy: each group's 95% percentile "
        "interval's ci_low ≥ goal. ✓: P(PASS) ≤ 5% + 2 s.e. when group 0 is at or below the goal."
    )
    return intro + "\n\n" + table(headers, rows)


# ---------------------------------------------------------------- interval coverage

RATE_PS = (0.02, 0.05, 0.1, 0.3, 0.5)
# (p1, p2): a gap of δ, a ratio of r (0.24 / 0.3), equal rates, and a gap of δ at low rates
PAIRS = ((0.6, 0.5), (0.3, 0.24), (0.1, 0.1), (0.02, 0.02), (0.12, 0.02), (0.02, 0.12))
TAIL_LIMIT = 0.055  # a one-sided 5% miss rate materially above 5%
PAIR_SIZES = ((30, 30), (100, 100), (500, 500), (2000, 2000), (50, 2000))
AUCS, AUC_NS = (0.7, 0.8, 0.9), (30, 50, 200, 1000)
COVERAGE_TARGET = 0.94


def support(n: int, p: float) -> tuple[np.ndarray, np.ndarray]:
    """The counts a Binomial(n, p) takes outside a 1e-10 tail each side, and their
    probabilities: coverage below is summed exactly over them (no Monte Carlo error)."""
    low, high = binom.ppf(1e-10, n, p), binom.isf(1e-10, n, p)
    x = np.arange(int(low), int(high) + 1)
    return x, binom.pmf(x, n, p)


def legacy_rate_interval(x: int, n: int, n_boot: int, rng: np.random.Generator):
    """The fairness auditor's per-group interval of a rate: cell bootstrap, percentile."""
    cells = np.array([[[0, 0], [n - x, x]]])
    samples = COUNT_METRICS["tpr"](bootstrap_cells(cells, n_boot, rng))
    return scalar_interval(samples[:, 0], CONFIDENCE)


def rate_coverage(method: str, n: int, p: float, settings: Settings) -> float:
    x, weight = support(n, p)
    if method == "legacy percentile bootstrap":
        rng = rng_for(settings, "rate coverage", n, p)
        bounds = np.array([legacy_rate_interval(int(c), n, settings.n_boot, rng) for c in x])
        low, high = bounds[:, 0], bounds[:, 1]
    else:
        low, high = intervals.rate_interval(x, n, CONFIDENCE, method)
    return float(weight @ ((low <= p) & (p <= high)))


def _coverage_cell(value: float, n: int) -> str:
    short = n >= 30 and value < COVERAGE_TARGET
    return f"{100 * value:.1f}" + (" ✗" if short else "")


def rate_coverage_table(settings: Settings, out: dict) -> str:
    """Exact coverage of each per-group rate interval over a grid of p and n."""
    rows, out["rate_coverage"] = [], []
    for method in ("wilson", "clopper-pearson", "legacy percentile bootstrap"):
        for p in RATE_PS:
            values = [rate_coverage(method, n, p, settings) for n in settings.rate_ns]
            out["rate_coverage"] += [
                {"method": method, "p": p, "n": n, "coverage": v}
                for n, v in zip(settings.rate_ns, values, strict=True)
            ]
            cells = [_coverage_cell(v, n) for n, v in zip(settings.rate_ns, values, strict=True)]
            rows.append([method, f"{p:g}", *cells])
    intro = (
        "### Per-group rate intervals: coverage of a nominal 95% interval (%)\n\n"
        "Exact: summed over the binomial distribution (no Monte Carlo error; the legacy "
        f"bootstrap uses B = {settings.n_boot} per count). Coverage at 1 − p is the same by "
        f"symmetry. ✗: below {100 * COVERAGE_TARGET:.0f}% with n ≥ 30."
    )
    headers = ["interval", "p", *(f"n={n:,}" for n in settings.rate_ns)]
    return intro + "\n\n" + table(headers, rows)


def pair_misses(bound, fn, p1: float, p2: float, n1: int, n2: int, confidence: float):
    """Exact P(truth below the interval) and P(truth above it) for a two-group interval
    ``bound`` (``fn``, difference or log ratio, with its limits), summed over both binomial
    distributions."""
    x1, w1 = support(n1, p1)
    x2, w2 = support(n2, p2)
    low, high = bound(x1[:, None], n1, x2[None, :], n2, confidence)
    truth = p1 - p2 if fn is intervals.difference_interval else np.log(p1 / p2)
    weight = w1[:, None] * w2[None, :]
    return float((weight * (truth < low)).sum()), float((weight * (truth > high)).sum())


def pair_coverage_table(out: dict) -> str:
    """MOVER difference and log ratio from exact limits (what the gates use, modes.PAIRWISE) and
    from Wilson limits (Newcombe's original): coverage at 95%, and each tail's miss rate at 90%
    (the level certify uses: each should be ≤ 5%)."""
    rows, out["pair_coverage"] = [], []
    for p1, p2 in PAIRS:
        for n1, n2 in PAIR_SIZES:
            for limits in (PAIRWISE, "wilson"):
                row = [f"{p1:g} vs {p2:g}", f"{n1:,} / {n2:,}", limits]
                for name, fn in (
                    ("difference", intervals.difference_interval),
                    ("log ratio", intervals.log_ratio_interval),
                ):
                    bound = partial(fn, method=limits)
                    below95, above95 = pair_misses(bound, fn, p1, p2, n1, n2, 0.95)
                    below90, above90 = pair_misses(bound, fn, p1, p2, n1, n2, 0.90)
                    coverage = 1 - below95 - above95
                    out["pair_coverage"].append(
                        {
                            "interval": name,
                            "limits": limits,
                            "p": [p1, p2],
                            "n": [n1, n2],
                            "coverage95": coverage,
                            "miss90": [below90, above90],
                        }
                    )
                    tails = [
                        f"{100 * m:.1f}" + (" ✗" if m > TAIL_LIMIT else "")
                        for m in (below90, above90)
                    ]
                    row += [_coverage_cell(coverage, min(n1, n2)), " / ".join(tails)]
                rows.append(row)
    headers = columns(
        "p1 vs p2 | n1 / n2 | per-group limits | difference 95% cov. | 90%: miss low / high | "
        "log ratio 95% cov. | 90%: miss low / high"
    )
    intro = (
        "### Pairwise intervals (what certify and detect rest on): exact coverage (%)\n\n"
        f"MOVER from {PAIRWISE} limits (what the gates use) and from Wilson limits (Newcombe's "
        "original, for comparison). "
        "Summed over both binomial distributions. ✗ on coverage: below 94% (n ≥ 30); ✗ on a "
        f"tail: above {100 * TAIL_LIMIT:.1f}% at the 90% level certify uses (each tail is a "
        "one-sided 5% test; at a true gap of ±δ the tail toward 0 is certify's false-pass rate "
        "for k = 2: miss high when p1 − p2 = +δ, miss low when −δ)."
    )
    return intro + "\n\n" + table(headers, rows)


def auroc_coverage_table(settings: Settings, out: dict) -> str:
    """DeLong: per-group logit interval, and the difference of two independent groups (AUROC
    and AUROC − 0.10), by simulation."""
    reps, rows, out["auroc_coverage"] = settings.mc_reps, [], []
    for auc in AUCS:
        for n in AUC_NS:
            rng = rng_for(settings, "auroc coverage", auc, n)
            one, diff = 0, 0
            for _ in range(reps):
                a1, v1 = intervals.delong(*binormal(n, auc, rng))
                a2, v2 = intervals.delong(*binormal(n, auc - DELTA, rng))
                low, high = intervals.auroc_interval(a1, v1, CONFIDENCE)
                one += bool(low <= auc <= high)
                low, high = intervals.auroc_difference_interval(a1, v1, a2, v2, CONFIDENCE)
                diff += bool(low <= DELTA <= high)
            out["auroc_coverage"].append(
                {"auc": auc, "n": n, "group": one / reps, "difference": diff / reps}
            )
            rows.append(
                [
                    f"{auc:g}",
                    f"{n:,}",
                    _mc_cell(one / reps, n, reps),
                    _mc_cell(diff / reps, n, reps),
                ]
            )
    intro = (
        "### AUROC (DeLong): coverage of nominal 95% intervals (%)\n\n"
        f"Binormal scores, n positives and n negatives; {reps} replicates (Monte Carlo s.e. "
        f"{100 * mc_se(0.95, reps):.2f} points at 95%). ✗: below 94% by more than 2 s.e."
    )
    headers = ["AUROC", "n per class", "per group (logit)", "difference vs AUROC − 0.10 (MOVER)"]
    return intro + "\n\n" + table(headers, rows)


def _mc_cell(value: float, n: int, reps: int) -> str:
    short = n >= 30 and mark(value, COVERAGE_TARGET, reps, at_least=True) == "✗"
    return f"{100 * value:.1f}" + (" ✗" if short else "")


# ---------------------------------------------------------------- AUROC on binned scores

BINNED_SPREADS = (0.02, 0.005, 0.001)  # score sd (0.001: a bin holds one sd)
BINNED_AUCS = (0.8, 0.7)  # groups A and B: a true difference of 0.10
BINNED_LIMIT = 100  # exact_score_rows: every design here is binned
# per replicate: [covered by exact / binned / binned + bound] for each group and the difference,
# then each group's bound, |binned − exact AUROC| and interval width (exact, binned + bound)
BINNED_KEYS = ("exact", "binned", "widened")


def narrow_scores(n: int, auc: float, spread: float, rng: np.random.Generator):
    """Binormal scores with AUROC ``auc`` packed around 0.5 with sd ``spread``: at 0.005 a bin of
    1/1000 holds a fifth of a standard deviation, so many (positive, negative) pairs share one."""
    y = np.r_[np.ones(n), np.zeros(n)]
    return y, 0.5 + spread * (rng.normal(size=2 * n) + np.sqrt(2) * norm.ppf(auc) * y)


def _auroc_metrics(frame: dict, limit: int) -> list:
    auditor = FairnessAuditor(sensitive_features=("g",), n_boot=0, exact_score_rows=limit)
    sensitive = pd.DataFrame({"g": frame["g"]})
    result = auditor.measure(frame["y"], frame["y"], frame["score"], sensitive, seed=0)
    return [next(m for m in result.metrics if m.key == f"auroc[g={g}]") for g in "AB"]


def binned_replicate(n: int, spread: float, rng: np.random.Generator) -> np.ndarray:
    """One audit of groups A and B, exact and binned: coverage of the true AUROCs (each group)
    and of their difference by the exact, the binned and the widened 95% intervals; the bounds,
    the shifts binning caused and the widths."""
    drawn = [narrow_scores(n, auc, spread, rng) for auc in BINNED_AUCS]
    frame = {
        "g": np.repeat(["A", "B"], 2 * n),
        "y": np.concatenate([y for y, _ in drawn]).astype(int),
        "score": np.concatenate([s for _, s in drawn]),
    }
    exact, binned = _auroc_metrics(frame, 10 * len(frame["g"])), _auroc_metrics(frame, BINNED_LIMIT)
    covered = []
    for e, b, truth in zip(exact, binned, BINNED_AUCS, strict=True):
        plain = intervals.auroc_interval(b.value, b.variance, CONFIDENCE)
        for low, high in ((e.ci_low, e.ci_high), plain, (b.ci_low, b.ci_high)):
            covered.append(low <= truth <= high)
    plain_pair = intervals.auroc_difference_interval(
        binned[0].value, binned[0].variance, binned[1].value, binned[1].variance, CONFIDENCE
    )
    truth = BINNED_AUCS[0] - BINNED_AUCS[1]
    for low, high in (_pair(exact), plain_pair, _pair(binned)):
        covered.append(low <= truth <= high)
    extra = [
        [b.bias_bound, abs(b.value - e.value), e.ci_high - e.ci_low, b.ci_high - b.ci_low]
        for e, b in zip(exact, binned, strict=True)
    ]
    return np.r_[np.array(covered, float), np.mean(extra, axis=0)]


def _pair(metrics: list) -> tuple[float, float]:
    (pair,) = pairwise([group_value(m) for m in metrics], "difference", CONFIDENCE)
    return pair.low, pair.high


def binned_auroc_table(settings: Settings, out: dict) -> str:
    reps, rows, out["binned_auroc"] = settings.binned_reps, [], []
    for spread in BINNED_SPREADS:
        for n in settings.binned_ns:
            rng = rng_for(settings, "binned auroc", spread, n)
            mean = np.mean([binned_replicate(n, spread, rng) for _ in range(reps)], axis=0)
            group = (mean[0:3] + mean[3:6]) / 2  # both groups' intervals, per kind
            pair = mean[6:9]
            bound, shift, width_exact, width_widened = mean[9:]
            out["binned_auroc"].append(
                {"spread": spread, "n": n, "group": dict(zip(BINNED_KEYS, group, strict=True))}
                | {"difference": dict(zip(BINNED_KEYS, pair, strict=True))}
                | {"bound": bound, "shift": shift, "widths": [width_exact, width_widened]}
            )
            cells = [_mc_cell(v, n, reps) for v in (*group, *pair)]
            widths = f"{width_exact:.3f} / {width_widened:.3f}"
            rows.append([f"{spread:g}", f"{n:,}", f"{bound:.4f}", f"{shift:.4f}", *cells, widths])
    intro = (
        "### AUROC on binned scores: coverage of the exact scores' AUROC (%)\n\n"
        "The fairness auditor itself, run twice per replicate on the same rows: exact scores, and "
        f"scores binned to 1/1000 (exact_score_rows = {BINNED_LIMIT}). Two groups, n positives and "
        "n negatives each, binormal scores with AUROC 0.80 and 0.70 packed around 0.5 with the "
        f"stated sd; nominal 95%; {reps} replicates (Monte Carlo s.e. "
        f"{100 * mc_se(0.95, reps):.1f} points at 95%). Estimand: the exact scores' AUROC (0.80, "
        "0.70) and their difference (0.10). Per group and for the pairwise difference: the "
        "exact-score interval, the binned interval without the bound (what was reported before) "
        "and the reported one (widened by each group's bound; a difference by the sum of both). "
        "✗: below 94% by more than 2 s.e."
    )
    headers = columns(
        "score sd | n per class | mean bound | mean binning shift | group: exact | "
        "group: binned | group: binned + bound | difference: exact | difference: binned | "
        "difference: binned + bound | mean group width: exact / binned + bound"
    )
    return intro + "\n\n" + table(headers, rows)


# ---------------------------------------------------------------- LLM flip rates, clustered

SAMPLES_PER_VIGNETTE, FLIP_RATES, ICCS = 5, (0.05, 0.2, 0.5), (0.1, 0.5)


def draw_flips(vignettes: int, p: float, icc: float, rng: np.random.Generator) -> np.ndarray:
    """Flips per vignette: each vignette's flip probability ~ Beta(mean p, intra-vignette
    correlation ``icc``), then SAMPLES_PER_VIGNETTE samples/perturbations of it."""
    a, b = p * (1 - icc) / icc, (1 - p) * (1 - icc) / icc
    return rng.binomial(SAMPLES_PER_VIGNETTE, rng.beta(a, b, size=vignettes))


def candidate_cluster_bootstrap(flips: np.ndarray, n_boot: int, rng: np.random.Generator):
    """The LLM auditors' interval before stats.clustered: resample vignettes (the clusters) with
    replacement, pooled flip rate per resample, percentile interval."""
    weights = bootstrap_weights(len(flips), n_boot, rng)
    samples = ratio(weights @ flips, weights.sum(axis=1) * SAMPLES_PER_VIGNETTE)
    return scalar_interval(samples, CONFIDENCE)


def vignettes_as_trials(flips: np.ndarray):
    """Reference: Clopper–Pearson with each vignette one observation (the design effect at full
    within-vignette correlation): valid, and wide."""
    total = len(flips) * SAMPLES_PER_VIGNETTE
    low, high = intervals.clopper_pearson(flips.sum() / total * len(flips), len(flips), CONFIDENCE)
    return float(low), float(high)


def trustaudit_clustered(flips: np.ndarray, rng: np.random.Generator, n_boot: int):
    """What the counterfactual and text_robustness auditors report (stats.clustered):
    Clopper–Pearson on the effective n, united with the cluster bootstrap."""
    trials = np.full((len(flips), 1), SAMPLES_PER_VIGNETTE)
    _, _, bounds = clustered.clustered_interval(flips[:, None], trials, CONFIDENCE)
    low, high = clustered.united(bounds, candidate_cluster_bootstrap(flips, n_boot, rng))
    return float(np.asarray(low).ravel()[0]), float(np.asarray(high).ravel()[0])


LLM_INTERVALS = {
    "percentile cluster bootstrap (before)": lambda f, rng, b: candidate_cluster_bootstrap(
        f, b, rng
    ),
    "trustaudit: CP on effective n ∪ bootstrap": trustaudit_clustered,
    "CP, n = vignettes (reference)": lambda f, rng, b: vignettes_as_trials(f),
    "CP ignoring clusters (reference)": lambda f, rng, b: tuple(
        float(v)
        for v in intervals.clopper_pearson(f.sum(), len(f) * SAMPLES_PER_VIGNETTE, CONFIDENCE)
    ),
}


def llm_cell(vignettes: int, p: float, icc: float, settings: Settings) -> dict[str, list]:
    """Per interval: [coverage, share of degenerate intervals (width 0), mean width]."""
    rng = rng_for(settings, "llm", vignettes, p, icc)
    stats = {name: np.zeros(3) for name in LLM_INTERVALS}
    for _ in range(settings.mc_reps):
        flips = draw_flips(vignettes, p, icc, rng)
        for name, fn in LLM_INTERVALS.items():
            low, high = fn(flips, rng, settings.n_boot)
            stats[name] += [low <= p <= high, high - low == 0, high - low]
    return {name: list(s / settings.mc_reps) for name, s in stats.items()}


def llm_table(settings: Settings, out: dict) -> str:
    reps, rows, out["llm_coverage"] = settings.mc_reps, [], []
    for vignettes in settings.vignettes:
        for p in FLIP_RATES:
            for icc in ICCS:
                cell = llm_cell(vignettes, p, icc, settings)
                out["llm_coverage"].append({"vignettes": vignettes, "p": p, "icc": icc, **cell})
                row = [str(vignettes), f"{p:g}", f"{icc:g}"]
                for coverage, degenerate, width in cell.values():
                    flag = mark(coverage, COVERAGE_TARGET, reps, at_least=True)
                    row.append(
                        f"{100 * coverage:.1f} {flag} / {100 * degenerate:.0f} / {width:.2f}"
                    )
                rows.append(row)
    intro = (
        "### LLM flip rates with clustered vignettes: 95% interval coverage\n\n"
        f"{SAMPLES_PER_VIGNETTE} samples/perturbations per vignette; each vignette's flip "
        "probability ~ Beta with the stated mean and intra-vignette correlation (ICC); the "
        f"estimand is the mean flip probability. {reps} replicates (Monte Carlo s.e. "
        f"{100 * mc_se(0.95, reps):.2f} points at 95%); bootstrap B = {settings.n_boot}. Cell: "
        "coverage % (✓/✗ against 94% up to 2 s.e.) / % degenerate (width 0, e.g. [0, 0]) / "
        "mean width."
    )
    headers = ["vignettes", "flip rate", "ICC", *LLM_INTERVALS]
    return intro + "\n\n" + table(headers, rows)


# ---------------------------------------------------------------- the run


def grid_json(grid: Grid) -> list[dict]:
    return [
        {"family": f, "k": k, "sizes": list(s.of(k).tolist()), "true": t, **tally.as_json()}
        for (f, k, s, t), tally in grid.cells.items()
    ]


def sections(settings: Settings, out: dict):
    """The report's sections in order, each yielded when computed (the gate grid first: the
    later tables reuse its cells)."""
    grid = Grid(settings)
    yield headline(grid)
    yield readoff_table(grid)
    if settings.reproduce:
        yield reproduction(grid)
    yield "### Every cell of the gate grid"
    for family in FAMILIES:
        yield family_table(grid, family)
    out["gates"] = grid_json(grid)
    yield stress_table(settings, out)
    yield floor_table(settings, out)
    yield rate_coverage_table(settings, out)
    yield pair_coverage_table(out)
    yield auroc_coverage_table(settings, out)
    yield binned_auroc_table(settings, out)
    yield llm_table(settings, out)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="few replicates: a smoke test")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--json", help="also write every number to this JSON file")
    parser.add_argument("--only", choices=["binned-auroc"], help="run this section alone")
    args = parser.parse_args(argv)
    settings = QUICK if args.quick else Settings()
    settings = Settings(**{**settings.__dict__, "seed": args.seed})
    start = time.perf_counter()
    out: dict = {"settings": {k: repr(v) for k, v in settings.__dict__.items()}}
    mode = "--quick (a smoke test: too few replicates to judge)" if args.quick else "full"
    print(
        f"## Validity of trustaudit's fairness gates and intervals ({mode})\n\n"
        f"α = {ALPHA}, δ = {DELTA}, r = {RATIO_BOUND}; seed {settings.seed}.",
        flush=True,
    )
    parts = [binned_auroc_table(settings, out)] if args.only else sections(settings, out)
    for part in parts:
        print("\n" + part, flush=True)
    out["seconds"] = time.perf_counter() - start
    print(f"\nRun time: {out['seconds']:.0f} s on one core.")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump(out, handle, indent=1, default=float)
    return out


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
