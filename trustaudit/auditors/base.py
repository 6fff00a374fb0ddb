"""The auditor contract and the registry that names auditors in specs.

An auditor is a frozen, keyword-only dataclass whose fields are its parameters. ``run`` measures and
returns an AuditResult; it never judges (thresholds in the spec do that, in gate.py).
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Protocol, TypeVar, cast

import pandas as pd
import pydantic
from pydantic import ConfigDict, Field, TypeAdapter

from ..adapters.base import Generation, ModelInfo, TextRequest
from ..errors import DataError, SpecError, did_you_mean
from ..findings import AuditResult, Finding, Metric, Plot, Status, failure_summary
from ..inputs.data import AuditData
from ..keys import KeySpace
from ..paths import resolve
from ..progress import SILENT, Progress
from ..shown import Plain

if TYPE_CHECKING:
    from ..spec.models import AuditSpec

T = TypeVar("T")


class AuditedTabularModel(Protocol):
    """The tabular model an auditor receives: the adapter wrapped so every call is recorded
    (ledger.recorder.RecordedTabularModel)."""

    info: ModelInfo

    def predict(self, X: pd.DataFrame) -> Any: ...

    def predict_scores(self, X: pd.DataFrame) -> Any | None: ...


class AuditedTextModel(Protocol):
    """The text model an auditor receives: the adapter wrapped so every request is recorded, with
    the spec's sampling settings (ledger.recorder.RecordedTextModel)."""

    info: ModelInfo
    max_in_flight: int
    temperature: float
    max_tokens: int

    def request(self, messages: list[tuple[str, str]], sample: int = 0) -> TextRequest: ...

    def generate(self, request: TextRequest) -> Generation: ...

    def generate_many(
        self, requests: list[TextRequest], progress: Any = None, label: str = ""
    ) -> list[Generation]: ...

    @property
    def can_score(self) -> bool: ...

    def logprob(self, prompt: str, continuation: str) -> float: ...


AuditedModel = AuditedTabularModel | AuditedTextModel


def tabular_model(model: AuditedModel | None) -> AuditedTabularModel:
    """The model of an auditor whose ``model_kind`` is 'tabular' (the runner checked the kind)."""
    if model is None:
        raise TypeError("this auditor needs a tabular model; the spec gives none")
    return cast(AuditedTabularModel, model)


def audit_data(data: AuditData | None) -> AuditData:
    """The data of an auditor that ``needs_data`` (the spec check made sure there is some)."""
    if data is None:
        raise TypeError("this auditor needs tabular data; the spec gives none")
    return data


def text_model(model: AuditedModel | None) -> AuditedTextModel:
    """The model of an auditor whose ``model_kind`` is 'text' (the runner checked the kind)."""
    if model is None:
        raise TypeError("this auditor needs a text model; the spec gives none")
    return cast(AuditedTextModel, model)


class CallRecorder(Protocol):
    """What auditors use of the run's ledger recorder (ledger.recorder.Recorder): a scope that
    tags the calls made inside it, and the failed calls by cause."""

    failures: Counter[str]

    def scope(
        self, auditor: str | None = None, check: str = ""
    ) -> AbstractContextManager[None]: ...


class _NoRecorder:
    """Stands in when an auditor runs outside a run (tests, a user's own harness)."""

    def __init__(self) -> None:
        self.failures: Counter[str] = Counter()

    @contextmanager
    def scope(self, auditor: str | None = None, check: str = "") -> Iterator[None]:
        yield


@dataclass(frozen=True)
class AuditContext:
    """What the runner hands every auditor besides the model and the data.

    ``results`` holds the results of the auditors that ran before; ``recorder`` is the run's ledger
    recorder; ``ledger_path`` its ledger.jsonl; ``baseline`` an earlier run's manifest;
    ``declared`` the model's declared performance.
    """

    seed: int
    label: str
    progress: Progress = SILENT
    recorder: CallRecorder = field(default_factory=_NoRecorder)
    ledger_path: Path | None = None
    results: tuple[AuditResult, ...] = ()
    baseline: Mapping[str, Any] | None = None  # the manifest.json of an earlier run
    declared: Mapping[str, float] = field(default_factory=dict)
    spec_digest: str = ""
    model_info: ModelInfo | None = None
    hmac_key: bytes | None = field(default=None, repr=False)
    base_dir: Path = Path()  # the spec's folder: parameters' relative paths start there


@dataclass(frozen=True, kw_only=True)
class Auditor:
    """Base of every auditor. Subclasses set ``name`` and implement ``metric_names`` and ``run``."""

    __pydantic_config__ = ConfigDict(extra="forbid")
    name: ClassVar[str]
    runs_last: ClassVar[bool] = (
        False  # True: needs the other auditors' results and the whole ledger
    )
    model_kind: ClassVar[str] = "tabular"  # "tabular" | "text" | "any": the kind of model it audits
    needs_data: ClassVar[bool] = True  # needs the spec's tabular data
    extra: ClassVar[str | None] = None  # the optional extra (pyproject) it cannot run without

    @classmethod
    def description(cls) -> str:
        """The docstring's first paragraph on one line: what `trustaudit list` and the report say
        the auditor does."""
        return " ".join((cls.__doc__ or cls.name).strip().split("\n\n")[0].split())

    @classmethod
    def metric_names(cls) -> set[str]:
        """Every metric name ``run`` can produce (thresholds are checked against it before
        running)."""
        raise NotImplementedError

    @classmethod
    def comparisons(cls) -> dict[str, str]:
        """The between-group metrics a ``certify`` or ``detect`` gate may judge, by name, with
        how they compare groups ('difference' or 'ratio'); their metrics name the per-group
        metrics they compare (``Metric.compares``)."""
        return {}

    def plan_sizes(self, spec: Any, data: AuditData | None) -> dict[str, dict[str, dict[str, int]]]:
        """Before any model call: per metric, grouping and group, the n its precision will rest
        on (a rate's denominator), for ``trustaudit plan``. {} when unknown until the model
        answers."""
        return {}

    def required_columns(self) -> dict[str, tuple[str, ...]]:
        """Data columns this auditor needs, by the parameter naming them; checked before any model
        runs."""
        return {}

    def check_inputs(self, spec: AuditSpec, where: str) -> None:
        """Check files and values the parameters name (before any model runs); raise
        SpecError/DataError."""

    def metric_keys(self, spec: AuditSpec, data: AuditData | None, where: str) -> KeySpace | None:
        """The metric keys ``run`` will produce, from the parameters, data and input files (no model
        call), so a threshold naming none of them fails ``validate``. None: not known before the run
        (thresholds are then checked by metric name only)."""
        return None

    def model_calls(self, spec: AuditSpec, data: AuditData | None, where: str) -> int:
        """Most model calls ``run`` will make (the spec's ``max_calls`` caps their sum)."""
        return 0

    def check_data(self, data: AuditData, where: str) -> None:
        """Check the data values the parameters rely on (before any model runs); raise DataError."""

    def run(
        self, model: AuditedModel | None, data: AuditData | None, ctx: AuditContext
    ) -> AuditResult:
        raise NotImplementedError

    def result(
        self,
        ctx: AuditContext,
        *,
        metrics: tuple[Metric, ...] = (),
        findings: tuple[Finding, ...] = (),
        plots: tuple[Plot, ...] = (),
        status: Status = Status.PASS,
        error: str = "",
    ) -> AuditResult:
        """This auditor's result: its name, the context's label and its parameters filled in."""
        return AuditResult(
            auditor=self.name,
            label=ctx.label,
            params=self.params(),
            metrics=metrics,
            findings=findings,
            plots=plots,
            status=status,
            error=error,
        )

    def params(self) -> dict[str, Any]:
        """The parameters as JSON data (nested models as objects, tuples as lists), as validated."""
        params: dict[str, Any] = TypeAdapter(type(self)).dump_python(self, mode="json")
        return params


def load_param_file(loader: Callable[[Path], T], value: str, base_dir: Path, key: str) -> T:
    """Load the file a parameter names (relative to the spec's folder); errors are prefixed with
    ``key``."""
    path = resolve(value, base_dir)
    try:
        return loader(path)
    except DataError as exc:
        raise DataError(f"{key}: {exc}") from None


def coverage_verdict(coverage: float, min_coverage: float, ctx: AuditContext) -> tuple[Status, str]:
    """ERROR when too few model calls were answered for the audit to stand, naming the dominant
    cause of the failures (from the run's recorder) so the user knows what to fix."""
    if coverage >= min_coverage:
        return Status.PASS, ""
    failures = ctx.recorder.failures
    why = f". {failure_summary(failures)}" if failures else ""
    return Status.ERROR, Plain(
        f"coverage {coverage:.1%} is under min_coverage {min_coverage:.0%}: too many "
        f"model calls failed for the audit to stand{why}"
    )


@dataclass(frozen=True, kw_only=True)
class CoverageParams:
    """The coverage floor of auditors whose measurements stand on answered model calls (mix in
    before Auditor): a dead endpoint must end in 'could not complete', never in a pass."""

    min_coverage: Annotated[
        float,
        Field(
            ge=0,
            le=1,
            description="Below this share of answered requests the audit could not complete "
            "(exit 3).",
        ),
    ] = 0.9

    def coverage(self, answers: list[Generation], ctx: AuditContext) -> tuple[Metric, Status, str]:
        """The ``coverage`` metric and the auditor's status and error from it."""
        failed = sum(a.error is not None for a in answers)
        share = (len(answers) - failed) / len(answers) if answers else 1.0
        metric = Metric(
            name="coverage",
            value=share,
            n=len(answers),
            note=f"{failed} request(s) failed after retries",
        )
        status, error = coverage_verdict(share, self.min_coverage, ctx)
        return metric, status, error


@dataclass(frozen=True, kw_only=True)
class BootstrapParams:
    """Parameters of auditors that report percentile bootstrap intervals (mix in before Auditor)."""

    n_boot: Annotated[
        int, Field(ge=0, le=100_000, description="Bootstrap resamples (0: no intervals).")
    ] = 1000
    confidence: Annotated[
        float, Field(gt=0, lt=1, description="Confidence level of the intervals.")
    ] = 0.95


class AuditorRegistry:
    """Maps auditor names to classes; validates parameters with each class's own fields."""

    def __init__(self) -> None:
        self._classes: dict[str, type[Auditor]] = {}

    def register(self, cls: type[Auditor]) -> type[Auditor]:
        if cls.name in self._classes:
            raise ValueError(f"auditor name '{cls.name}' is registered twice")
        self._classes[cls.name] = cls
        return cls

    def names(self) -> list[str]:
        return sorted(self._classes)

    def get(self, name: str) -> type[Auditor]:
        try:
            return self._classes[name]
        except KeyError:
            raise SpecError(
                f"use: unknown auditor '{name}'.{did_you_mean(name, self._classes)} "
                f"Known auditors: {', '.join(self.names())} (see `trustaudit list`)."
            ) from None

    def build(self, name: str, params: dict[str, Any]) -> Auditor:
        cls = self.get(name)
        try:
            return TypeAdapter(cls).validate_python(params)
        except pydantic.ValidationError as exc:
            allowed = [f.name for f in dataclasses.fields(cls)]
            problems = []
            for error in exc.errors():
                key = ".".join(map(str, error["loc"]))
                where = f"params.{key}" if key else "params"
                if error["type"] == "unexpected_keyword_argument":
                    problems.append(
                        f"params.{key}: unknown parameter of '{name}'.{did_you_mean(key, allowed)} "
                        f"Parameters: {', '.join(allowed)}."
                    )
                elif error["type"] in ("missing", "missing_argument"):
                    problems.append(f"params.{key}: required parameter of '{name}' is missing.")
                else:
                    got = error.get("input")
                    shown = "" if isinstance(got, (dict, list)) else f" (got {got!r})"
                    problems.append(
                        f"{where}: {error['msg'].removeprefix('Value error, ')}{shown}."
                    )
            raise SpecError("; ".join(problems)) from None

    def params_schema(self, name: str) -> dict[str, Any]:
        return TypeAdapter(self.get(name)).json_schema()

    def entry_schema(self, name: str) -> dict[str, Any]:
        """JSON Schema of one ``auditors[]`` entry using this auditor."""
        return {
            "type": "object",
            "additionalProperties": False,
            "required": ["use"],
            "properties": {
                "use": {"const": name},
                "label": {"type": "string"},
                "params": self.params_schema(name),
                "thresholds": {"type": "array", "items": {"$ref": "#/$defs/ThresholdSpec"}},
            },
        }


registry = AuditorRegistry()
