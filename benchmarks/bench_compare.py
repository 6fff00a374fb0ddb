"""Coverage of ``trustaudit compare``'s change intervals and the error rates of its regression gate
(issue 14, item 3): a seeded simulation study.

    python benchmarks/bench_compare.py [--quick] [--seed 20261126]

Every interval and verdict comes from trustaudit's own functions (``stats.change.change_interval``,
``compare.regression.judge_family``, ``stats.intervals``); only the data are simulated here.

Why a simulation: the change between two runs is computed from each run's own interval (report.json
keeps no per-patient answers), and the runs usually share their patients, so their estimates are
dependent in an unknown way. The union-bound combination claims coverage ≥ its level under any
dependence; an interval that assumes independent runs (MOVER with exact limits, as the fairness
gates use between groups) does not, and undercovers when the runs are negatively correlated.

Design. A rate (TPR) measured on n positives by a baseline and a new model. Same patients: each
patient's pair of decisions is drawn from a joint Bernoulli with the two true rates and a
correlation ρ ∈ {−0.5, 0, 0.5, 0.9} (ρ < 0: the new model flags whom the old one missed).
Independent: two separate samples of n. AUROC: binormal scores on the same patients (n positives,
n negatives), the new model's noise correlated 0.8 with the old one's; only the runs' reported 95%
DeLong intervals are combined, so the claimed level is 90%. Gate: one metric (m = 1), δ = 0.10,
α = 0.05, the new TPR exactly δ below the baseline's: detect may FAIL ≤ 2.5%, certify may PASS
≤ 5%."""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass

import numpy as np
from scipy.stats import norm

from trustaudit.compare.pairs import MetricPair
from trustaudit.compare.regression import MaxRegression, judge_family
from trustaudit.findings import Status
from trustaudit.stats import intervals
from trustaudit.stats.change import RunValue, change_interval

SEED = 20261126
CONFIDENCE, ALPHA, DELTA = 0.95, 0.05, 0.10
RATES = ((0.60, 0.60), (0.60, 0.50), (0.10, 0.05))
SIZES = (30, 200, 1000)
DEPENDENCE = (-0.5, 0.0, 0.5, 0.9, None)  # None: independent samples (different patients)


@dataclass(frozen=True)
class Settings:
    replicates: int = 2000
    seed: int = SEED


def joint_draws(rng, n: int, p: tuple[float, float], rho: float | None, reps: int):
    """Successes of both runs per replicate: shared patients with correlation rho, or two
    independent samples (rho None)."""
    if rho is None:
        return rng.binomial(n, p[0], reps), rng.binomial(n, p[1], reps)
    (a, b), sd = p, np.sqrt(p[0] * (1 - p[0]) * p[1] * (1 - p[1]))
    both = a * b + rho * sd
    cells = np.array([both, a - both, b - both, 1 - a - b + both])
    if (cells < 0).any():
        raise ValueError(f"rho {rho} is impossible with rates {p}")
    counts = rng.multinomial(n, cells, reps)
    return counts[:, 0] + counts[:, 1], counts[:, 0] + counts[:, 2]


def rate_row(rng, n: int, p: tuple[float, float], rho: float | None, reps: int) -> str:
    """Coverage and width of the union-bound interval and of independent MOVER."""
    x_base, x_new = joint_draws(rng, n, p, rho, reps)
    truth = p[1] - p[0]
    union = np.array(
        [
            _bounds(
                RunValue(xb / n, successes=xb, trials=n), RunValue(xn / n, successes=xn, trials=n)
            )
            for xb, xn in zip(x_base.tolist(), x_new.tolist(), strict=True)
        ]
    )
    low, high = intervals.difference_interval(x_new, n, x_base, n, CONFIDENCE, "clopper-pearson")
    mover = np.column_stack([low, high])
    dependence = "independent samples" if rho is None else f"same patients, ρ = {rho:+.1f}"
    return (
        f"| {p[0]:.2f} → {p[1]:.2f} | {n:,} | {dependence} | {_covered(union, truth)} | "
        f"{_covered(mover, truth)} | {_width(union)} | {_width(mover)} |"
    )


def _bounds(base: RunValue, new: RunValue) -> tuple[float, float]:
    interval = change_interval(base, new, CONFIDENCE)
    return interval.low, interval.high


def _covered(bounds: np.ndarray, truth: float) -> str:
    inside = (bounds[:, 0] <= truth + 1e-12) & (truth - 1e-12 <= bounds[:, 1])
    return f"{100 * inside.mean():.1f}%"


def _width(bounds: np.ndarray) -> str:
    return f"{np.mean(bounds[:, 1] - bounds[:, 0]):.3f}"


def auroc_row(rng, n: int, reps: int, separation=(1.19, 0.91), rho: float = 0.8) -> str:
    """Reported 95% DeLong intervals of two models on the same patients, combined (level ≥ 90%)."""
    truth = float(np.diff([_binormal_auc(d) for d in separation])[0])
    bounds, levels = [], set()
    y = np.r_[np.ones(n), np.zeros(n)].astype(bool)
    for _ in range(reps):
        noise = rng.standard_normal((2, 2 * n))
        scores_a = separation[0] * y + noise[0]
        scores_b = separation[1] * y + rho * noise[0] + np.sqrt(1 - rho**2) * noise[1]
        runs = [_reported(y, s) for s in (scores_a, scores_b)]
        interval = change_interval(runs[0], runs[1], CONFIDENCE)
        bounds.append((interval.low, interval.high))
        levels.add(round(interval.level, 6))
    (level,) = levels
    array = np.array(bounds)
    return (
        f"| AUROC {_binormal_auc(separation[0]):.2f} → {_binormal_auc(separation[1]):.2f} | "
        f"{n:,} + {n:,} | same patients, noise ρ = {rho} | {_covered(array, truth)} "
        f"(claimed ≥ {100 * level:.0f}%) | — | {_width(array)} | — |"
    )


def _binormal_auc(separation: float) -> float:
    return float(norm.cdf(separation / np.sqrt(2)))


def _reported(y: np.ndarray, scores: np.ndarray) -> RunValue:
    auc, variance = intervals.delong(y, scores)
    low, high = intervals.auroc_interval(auc, variance, CONFIDENCE)
    return RunValue(auc, float(low), float(high), CONFIDENCE)


def gate_row(rng, n: int, rho: float | None, reps: int) -> str:
    """P(detect FAIL) and P(certify PASS) when the true regression is exactly δ."""
    p = (0.60, 0.60 - DELTA)
    x_base, x_new = joint_draws(rng, n, p, rho, reps)
    limit = MaxRegression("tpr", DELTA)
    rates = {"detect": Status.FAIL, "certify": Status.PASS}
    shares = {}
    for mode, status in rates.items():
        hits = 0
        for xb, xn in zip(x_base.tolist(), x_new.tolist(), strict=True):
            pair = MetricPair(
                "fairness", "tpr", "tpr", "estimate",
                RunValue(xb / n, successes=xb, trials=n), RunValue(xn / n, successes=xn, trials=n),
            )  # fmt: skip
            (check,) = judge_family(limit, [pair], mode, ALPHA)  # type: ignore[arg-type]
            hits += check.status is status
        shares[mode] = hits / reps
    dependence = "independent samples" if rho is None else f"same patients, ρ = {rho:+.1f}"
    ok = shares["detect"] <= 0.025 + 2 * np.sqrt(0.025 * 0.975 / reps) and shares[
        "certify"
    ] <= 0.05 + 2 * np.sqrt(0.05 * 0.95 / reps)
    return (
        f"| {n:,} | {dependence} | {100 * shares['detect']:.1f}% | "
        f"{100 * shares['certify']:.1f}% | {'✓' if ok else '✗'} |"
    )


def main(argv: list[str] | None = None) -> bool:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="few replicates: a smoke test")
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    settings = Settings(200 if args.quick else Settings.replicates, args.seed)
    rng, reps, start = (
        np.random.default_rng(settings.seed),
        settings.replicates,
        time.perf_counter(),
    )
    print(
        f"## Change intervals and the regression gate ({reps:,} replicates, seed {settings.seed})"
    )
    print(f"\n### Coverage of the change's {CONFIDENCE:.0%} interval\n")
    print("| true rates | n | runs | union bound covers | independent MOVER covers | "
          "union width | MOVER width |\n|---|---|---|---|---|---|---|")  # fmt: skip
    for p in RATES:
        for n in SIZES:
            for rho in DEPENDENCE:
                try:
                    print(rate_row(rng, n, p, rho, reps), flush=True)
                except ValueError:  # no joint distribution has these rates and correlation
                    continue
    print(auroc_row(rng, 200, max(reps // 4, 50)))
    print(f"\n### Regression gate at a true regression of exactly δ = {DELTA} (TPR 0.60 → 0.50)\n")
    print("| n | runs | detect P(FAIL) (≤ 2.5%) | certify P(PASS) (≤ 5%) | ok |")
    print("|---|---|---|---|---|")
    for n in SIZES:
        for rho in (-0.5, 0.5, None):
            print(gate_row(rng, n, rho, reps), flush=True)
    print(f"\nRun time: {time.perf_counter() - start:.0f} s.")
    return True


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
