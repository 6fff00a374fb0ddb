"""The auditor contract and the registry that names auditors in specs.

An auditor is a frozen, keyword-only dataclass whose fields are its parameters. ``run`` measures and
returns an AuditResult; it never judges (thresholds in the spec do that, in gate.py).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, ClassVar, TypeVar

import pydantic
from pydantic import ConfigDict, Field, TypeAdapter

from ..errors import DataError, SpecError, did_you_mean
from ..findings import AuditResult, Status, failure_summary
from ..inputs.data import AuditData
from ..keys import KeySpace
from ..progress import SILENT, Progress

T = TypeVar("T")


@dataclass(frozen=True)
class AuditContext:
    """What the runner hands every auditor besides the model and the data.

    ``results`` holds the results of the auditors that ran before; ``recorder`` is the run's ledger
    recorder; ``baseline`` an earlier run's manifest; ``declared`` the model's declared performance.
    """

    seed: int
    label: str
    progress: Progress = SILENT
    recorder: Any = None
    results: tuple[AuditResult, ...] = ()
    baseline: dict[str, Any] | None = None
    declared: dict[str, float] = field(default_factory=dict)
    spec_digest: str = ""
    model_info: Any = None
    hmac_key: bytes | None = field(default=None, repr=False)
    base_dir: Any = None  # the spec's folder: parameters' relative paths start there


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
    def metric_names(cls) -> set[str]:
        """Every metric name ``run`` can produce (thresholds are checked against it before
        running)."""
        raise NotImplementedError

    def required_columns(self) -> dict[str, tuple[str, ...]]:
        """Data columns this auditor needs, by the parameter naming them; checked before any model
        runs."""
        return {}

    def check_inputs(self, spec: Any, where: str) -> None:
        """Check files and values the parameters name (before any model runs); raise
        SpecError/DataError."""

    def metric_keys(self, spec: Any, data: AuditData | None, where: str) -> KeySpace | None:
        """The metric keys ``run`` will produce, from the parameters, data and input files (no model
        call), so a threshold naming none of them fails ``validate``. None: not known before the run
        (thresholds are then checked by metric name only)."""
        return None

    def model_calls(self, spec: Any, data: AuditData | None, where: str) -> int:
        """Most model calls ``run`` will make (the spec's ``max_calls`` caps their sum)."""
        return 0

    def check_data(self, data: AuditData, where: str) -> None:
        """Check the data values the parameters rely on (before any model runs); raise DataError."""

    def run(self, model: Any, data: AuditData | None, ctx: AuditContext) -> AuditResult:
        raise NotImplementedError

    def params(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def load_param_file(loader: Callable[[Path], T], value: str, base_dir: Path, key: str) -> T:
    """Load the file a parameter names (relative to the spec's folder); errors are prefixed with
    ``key``."""
    path = Path(value) if Path(value).is_absolute() else Path(base_dir) / value
    try:
        return loader(path)
    except DataError as exc:
        raise DataError(f"{key}: {exc}") from None


def coverage_verdict(coverage: float, min_coverage: float, ctx: AuditContext) -> tuple[Status, str]:
    """ERROR when too few model calls were answered for the audit to stand, naming the dominant
    cause of the failures (from the run's recorder) so the user knows what to fix."""
    if coverage >= min_coverage:
        return Status.PASS, ""
    failures = getattr(ctx.recorder, "failures", None)
    why = f". {failure_summary(failures)}" if failures else ""
    return Status.ERROR, (
        f"coverage {coverage:.1%} is under min_coverage {min_coverage:.0%}: too many "
        f"model calls failed for the audit to stand{why}"
    )


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
