"""``trustaudit compare BASELINE_RUN NEW_RUN``: every metric of both runs with its change and an
interval valid under any dependence between the runs (stats/change.py), a regression gate per
metric family (regression.py), and what was audited side by side (identity.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..findings import Level, Status, worst
from .identity import identity, statements
from .pairs import Matched, match_metrics
from .regression import MaxRegression, Mode, RegressionCheck, family_members, judge_family
from .runs import RunSnapshot, read_run

CONFIDENCE = 0.95  # the level of the change intervals shown (the gate uses its own)


@dataclass(frozen=True)
class GateSettings:
    """How ``--max-regression`` is judged (the fairness gates' modes and defaults)."""

    limits: tuple[MaxRegression, ...] = ()
    mode: Mode = "detect"
    alpha: float = 0.05
    inconclusive: Level = Level.WARN


@dataclass(frozen=True)
class Comparison:
    baseline: RunSnapshot
    new: RunSnapshot
    matched: Matched
    gate: GateSettings
    checks: list[RegressionCheck] = field(default_factory=list)
    said: list[str] = field(default_factory=list)  # what differs between the runs

    @property
    def verdict(self) -> Status:
        return worst({c.status for c in self.checks})

    @property
    def exit_code(self) -> int:
        """1 when a family regressed (or was inconclusive under ``--inconclusive fail``), else 0."""
        blocking = self.gate.inconclusive is Level.FAIL and any(
            c.status is Status.INCONCLUSIVE for c in self.checks
        )
        return 1 if self.verdict is Status.FAIL or blocking else 0


def compare_runs(baseline_dir: Path, new_dir: Path, gate: GateSettings) -> Comparison:
    """Read both runs (exit 2 on a bad folder), match their metrics and judge the families."""
    baseline = read_run(baseline_dir, "BASELINE_RUN")
    new = read_run(new_dir, "NEW_RUN")
    matched = match_metrics(baseline, new)
    checks = [
        check
        for limit in gate.limits
        for check in judge_family(
            limit, family_members(limit, matched.pairs), gate.mode, gate.alpha
        )
    ]
    said = statements(identity(baseline), identity(new))
    return Comparison(baseline, new, matched, gate, checks, said)
