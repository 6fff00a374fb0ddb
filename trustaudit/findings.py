"""The value objects that flow from auditors to the gate and the report. All frozen."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, TypedDict


class Status(str, Enum):  # noqa: UP042 (StrEnum would change str() of a member, which callers see)
    """Outcome of a check or an auditor (Evidently's single status enum)."""

    PASS = "pass"
    WARN = "warn"
    FAIL = "fail"
    ERROR = "error"
    SKIPPED = "skipped"
    # a gate mode's test could not decide: the data can neither certify nor refute the claim
    INCONCLUSIVE = "inconclusive"


class Severity(str, Enum):  # noqa: UP042 (as Status: str() of a member stays its value)
    """How much a finding deserves a reader's attention."""

    INFO = "info"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class Level(str, Enum):  # noqa: UP042 (as Status: str() of a member stays its value)
    """What a broken threshold does to the verdict: fail the run, or only warn."""

    FAIL = "fail"
    WARN = "warn"


class AppliesTo(str, Enum):  # noqa: UP042 (as Status: str() of a member stays its value)
    """Which number of a metric a threshold judges: the estimate or an end of its interval."""

    VALUE = "value"
    CI_LOW = "ci_low"
    CI_HIGH = "ci_high"


class MetricKind(str, Enum):  # noqa: UP042 (as Status: str() of a member stays its value)
    """What a metric is, so the report can lay it out without guessing from its name.

    ESTIMATE: a measured quantity (overall or of one group); DISPARITY: a comparison over the
    groups of one grouping (max − min, min/max); COUNT: a number of things (calls, records);
    INDICATOR: 1.0 or 0.0 (a yes/no fact such as 'the chain is intact')."""

    ESTIMATE = "estimate"
    DISPARITY = "disparity"
    COUNT = "count"
    INDICATOR = "indicator"


def metric_key(name: str, grouping: str | None = None, group: str | None = None) -> str:
    """``tpr``, ``equalized_odds_difference[sex]`` or ``tpr[sex=F]``: how thresholds name it."""
    if grouping is None:
        return name
    return f"{name}[{grouping}]" if group is None else f"{name}[{grouping}={group}]"


@dataclass(frozen=True, kw_only=True)
class Metric:
    """One measured quantity, optionally for one group of one grouping, with its confidence
    interval.

    ``key`` identifies it uniquely within an auditor: ``tpr[sex=F]``,
    ``equalized_odds_difference[sex]``. A value of NaN means "not estimable"; ``note`` then says
    why."""

    name: str
    value: float
    ci_low: float = math.nan
    ci_high: float = math.nan
    n: int | None = None
    grouping: str | None = None
    group: str | None = None
    note: str = ""
    kind: MetricKind = MetricKind.ESTIMATE
    left_out: tuple[str, ...] = ()  # a disparity's groups left out as not estimable
    # what the gate modes need to compute intervals at any level (stats.intervals):
    successes: int | None = None  # a rate's numerator ...
    trials: int | None = None  # ... and denominator
    variance: float | None = None  # a non-count estimate's sampling variance (AUROC: DeLong)
    # how far the value may be from what it stands for (AUROC on binned scores: the exact
    # scores'); its interval, and the gates' intervals of it, are already widened by this
    bias_bound: float = 0.0
    compares: tuple[str, ...] = ()  # a disparity: the per-group metrics it compares
    interval: str = ""  # how ci_low/ci_high were computed (e.g. 'wilson', 'descriptive')

    @property
    def key(self) -> str:
        return metric_key(self.name, self.grouping, self.group)

    @property
    def estimable(self) -> bool:
        return not math.isnan(self.value)


@dataclass(frozen=True, kw_only=True)
class Finding:
    """Something a reader should look at: a title, a severity and masked examples."""

    title: str
    severity: Severity
    detail: str = ""
    examples: tuple[Any, ...] = ()  # strings, or rows (tuples) when ``columns`` names them
    columns: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class Plot:
    """A figure the report draws from the result's own metrics (so figures and tables never
    disagree).

    ``grouping`` set: one panel per metric name, one bar per group of that grouping, with CI
    whiskers. ``grouping`` None: one bar per (metric, grouping) pair, for disparities."""

    title: str
    metric_names: tuple[str, ...]
    grouping: str | None = None


@dataclass(frozen=True, kw_only=True)
class AuditResult:
    """What one auditor measured. ``status`` is ERROR when the auditor crashed; ``error`` says
    why."""

    auditor: str
    label: str
    params: dict[str, Any]
    metrics: tuple[Metric, ...] = ()
    findings: tuple[Finding, ...] = ()
    plots: tuple[Plot, ...] = ()
    status: Status = Status.PASS
    error: str = ""
    seconds: float = 0.0


@dataclass(frozen=True, kw_only=True)
class Check:
    """A threshold applied to one metric: the judgement the gate turns into an exit code.

    ``auditor_label`` is the label of the auditor entry in the spec (not its registry name)."""

    auditor_label: str
    metric_key: str
    applies_to: AppliesTo
    observed: float
    min: float | None
    max: float | None
    level: Level
    status: Status
    message: str
    provenance: str = ""
    mode: str = ""  # the threshold's gate mode ('' = compare one number)
    on_inconclusive: Level = Level.WARN  # whether an INCONCLUSIVE check fails the run


class Provenance(TypedDict, total=False):
    """Where a run's evidence is: its folder, the manifest's hash, the ledger's head and counts."""

    folder: str
    manifest_sha256: str
    ledger_head: str | None
    ledger_records: int
    model_calls: int
    replayed_calls: int
    resumed_calls: int
    failed_calls: dict[str, int]  # failed model calls by cause
    retries: int


@dataclass(frozen=True, kw_only=True)
class AuditRun:
    """Everything one run produced; the report builder turns it into files."""

    run_id: str
    name: str
    started: str
    finished: str
    seed: int
    spec: dict[str, Any]
    spec_path: str
    results: tuple[AuditResult, ...]
    checks: tuple[Check, ...]
    model_info: dict[str, str]  # ModelInfo.as_dict(); empty for a data-only audit
    data_info: dict[str, Any]  # AuditData.info(); empty without data
    environment: dict[str, str] = field(default_factory=dict)  # package -> version
    provenance: Provenance = field(default_factory=lambda: Provenance())

    @property
    def verdict(self) -> Status:
        """ERROR beats FAIL beats INCONCLUSIVE beats WARN beats PASS (an incomplete audit is never a
        pass)."""
        return worst({c.status for c in self.checks} | {r.status for r in self.results})

    def auditor_verdict(self, result: AuditResult) -> Status:
        """One auditor's badge: the worst of its own status and its checks' (not just 'it ran')."""
        own = {c.status for c in self.checks if c.auditor_label == result.label}
        return worst(own | {result.status})


def worst(statuses: set[Status]) -> Status:
    """ERROR beats FAIL beats INCONCLUSIVE beats WARN beats PASS; skipped checks alone do not make
    a failure."""
    for status in (Status.ERROR, Status.FAIL, Status.INCONCLUSIVE, Status.WARN):
        if status in statuses:
            return status
    return Status.PASS


def failure_summary(failures: Counter[str]) -> str:
    """``160 model calls failed: HTTP 404 Not Found from …: check base_url`` ('' when none
    failed)."""
    total = sum(failures.values())
    if not total:
        return ""
    (cause, count), *others = failures.most_common()
    rest = f" ({total - count} more with {len(others)} other cause(s))" if others else ""
    calls = "call" if total == 1 else "calls"
    return f"{total} model {calls} failed; {count} of them: {cause}{rest}"
