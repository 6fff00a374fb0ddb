"""The interval of a metric's change between two runs, valid however the runs depend on each other.

Two runs of one audit usually share their patients (the same data, a new model version) or share
some of them, so their estimates are correlated, and by an unknown amount: report.json keeps each
run's estimate and interval, not the per-patient answers a paired test would need. A difference
interval that assumes independence (MOVER, Newcombe) is then not known to cover.

What does cover, under any dependence, is the Bonferroni (union-bound) combination: when
θ_new ∈ [l_new, u_new] and θ_base ∈ [l_base, u_base], then
θ_new − θ_base ∈ [l_new − u_base, u_new − l_base]. Each end misses only if one of the two
runs' opposite ends misses, so with each run's interval at two-sided level 1 − γ/2 the
change's interval has level ≥ 1 − γ. Where a metric
carries counts of independent trials (an exact interval), each run's Clopper–Pearson interval is
recomputed at that level, so the change's interval has the level asked for. Otherwise only the
runs' reported intervals (at levels c_base, c_new) exist, and the combination's guaranteed level
is 1 − (1 − c_base) − (1 − c_new): 0.90 from two 95% intervals, stated as such. Counts and
indicators (calls made, a chain intact) are facts, not estimates: their change is exact.
benchmarks/bench_compare.py checks the coverage by simulation, on the same patients and on
independent ones."""

from __future__ import annotations

import math
from dataclasses import dataclass

from . import intervals

EXACT_COMBINED = "exact, union bound"  # Clopper–Pearson per run at 1 − γ/2, combined
REPORTED_COMBINED = "reported intervals, union bound"  # the runs' own intervals, combined
FACT = "exact (a count or indicator)"
NONE = "none"


@dataclass(frozen=True)
class RunValue:
    """One run's estimate of a metric, with what its interval can be computed from."""

    value: float
    low: float = math.nan
    high: float = math.nan
    confidence: float | None = None  # the level of ``low``/``high``
    successes: int | None = None  # counts of independent trials (an exact interval) ...
    trials: int | None = None  # ... or None
    fact: bool = False  # a count or an indicator: no sampling error


@dataclass(frozen=True)
class ChangeInterval:
    """new − baseline, its interval, the level it is guaranteed to have, and how it was made."""

    change: float
    low: float
    high: float
    level: float  # guaranteed two-sided coverage (NaN: no interval)
    method: str


def change_interval(base: RunValue, new: RunValue, confidence: float) -> ChangeInterval:
    """The change's interval at ``confidence`` when counts allow, else at the level the runs'
    reported intervals guarantee (stated in ``level``)."""
    change = new.value - base.value
    if not math.isfinite(change):
        return ChangeInterval(math.nan, math.nan, math.nan, math.nan, NONE)
    if base.fact and new.fact:
        return ChangeInterval(change, change, change, 1.0, FACT)
    per_run = 1 - (1 - confidence) / 2
    base_bounds, new_bounds = _exact(base, per_run), _exact(new, per_run)
    if base_bounds is not None and new_bounds is not None:
        low, high = _combine(base_bounds, new_bounds)
        return ChangeInterval(change, low, high, confidence, EXACT_COMBINED)
    if _has_interval(base) and _has_interval(new):
        assert base.confidence is not None and new.confidence is not None
        low, high = _combine((base.low, base.high), (new.low, new.high))
        level = 1 - (1 - base.confidence) - (1 - new.confidence)
        return ChangeInterval(change, low, high, level, REPORTED_COMBINED)
    return ChangeInterval(change, math.nan, math.nan, math.nan, NONE)


def _exact(run: RunValue, confidence: float) -> tuple[float, float] | None:
    if run.successes is None or not run.trials:
        return None
    low, high = intervals.clopper_pearson(run.successes, run.trials, confidence)
    return float(low), float(high)


def _has_interval(run: RunValue) -> bool:
    return run.confidence is not None and math.isfinite(run.low) and math.isfinite(run.high)


def _combine(base: tuple[float, float], new: tuple[float, float]) -> tuple[float, float]:
    """[l_new − u_base, u_new − l_base]: covers when both runs' intervals do."""
    return new[0] - base[1], new[1] - base[0]
