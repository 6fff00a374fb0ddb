"""``load_spec``: read a spec file and run every check that needs no model — YAML safety, ${VAR}
expansion, the pydantic models, auditor names and parameters, threshold keys, extras and files."""

from __future__ import annotations

import copy
import os
from pathlib import Path
from typing import Any

import pydantic
import yaml

from .. import extras
from ..auditors import registry
from ..engines.choose import chosen_engine
from ..engines.files import data_files, is_dataset
from ..errors import DataError, SpecError, did_you_mean, file_problem
from ..redaction import register
from . import envvars
from .aliases import check_expansion
from .messages import format_errors
from .models import AuditorSpec, AuditSpec
from .modes import mode_problems


def load_spec(path: str | Path) -> AuditSpec:
    """Read and validate a spec file; raise SpecError naming the file and key path on any
    problem."""
    path = Path(path)
    return parse_spec(read_yaml(path, "spec file", "Give the path of a YAML audit spec."), path)


def read_yaml(path: Path, what: str, fix: str) -> Any:
    """A hand-written YAML file (a spec, card answers), alias bombs refused; SpecError naming
    the file, the place and ``fix`` when it cannot be read."""
    problem = file_problem(path)
    if problem:
        raise SpecError(f"{path}: {what} not found: the path {problem}. {fix}")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except RecursionError:
        raise SpecError(
            f"{path}: the YAML is nested too deeply to read. A {what} needs only a few levels."
        ) from None
    except UnicodeDecodeError as exc:
        raise SpecError(
            f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start}). Save it as UTF-8."
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        place = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise SpecError(f"{path}: invalid YAML{place}: {problem}.") from None
    check_expansion(raw, path)
    return raw


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
    if isinstance(secret_names, list):
        register(*(os.environ.get(str(name)) for name in secret_names))
    raw = expanded.value
    try:
        spec = AuditSpec.model_validate(raw)
    except pydantic.ValidationError as exc:
        raise SpecError(format_errors(path, raw, exc.errors())) from None
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
            f"{spec.where('data')}: model.type '{spec.model_type}' is a tabular model, which "
            "predicts on the audit data, but the spec has no 'data' section. Add one, e.g. "
            "data: {path: cohort.csv, target: outcome}, or audit a text model (openai, "
            "llamacpp, replay, callable with 'generate')."
        )


def _check_auditors(spec: AuditSpec) -> None:
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
                    f"'{spec.model_type}' is a {spec.model_kind} model."
                )
            )
        if auditor.needs_data and spec.data is None:
            problems.append(
                spec.where(f"{key}.use: '{entry.use}' needs tabular data: add a 'data' section.")
            )
        names = auditor.metric_names()
        for j, threshold in enumerate(entry.thresholds):
            where = f"{key}.thresholds[{j}]"
            if threshold.base_name not in names:
                problems.append(
                    f"{spec.where(f'{where}.metric')}: "
                    f"'{entry.use}' does not measure "
                    f"'{threshold.base_name}'.{did_you_mean(threshold.base_name, names)} It "
                    f"measures: {', '.join(sorted(names))}."
                )
            else:
                problems += mode_problems(threshold, auditor, entry.use, spec.where(where))
    if problems:
        raise SpecError("\n".join(problems))


def _check_extras(spec: AuditSpec) -> None:
    """Spec keys whose feature needs an optional extra: one message with the install command."""
    engine = chosen_engine(spec) if spec.data is not None else "pandas"
    needs = [
        ("model.type", "llm", spec.model is not None and spec.model.type == "llamacpp"),
        ("ledger.capture", "privacy", spec.ledger.capture == "masked"),
        ("data.engine", "duckdb", engine == "duckdb"),
        ("data.engine", "spark", engine == "spark"),
    ]
    for key, extra, needed in needs:
        if needed and not extras.available(extra):
            raise extras.MissingExtraError(
                f"{spec.where(key)}: needs the '{extra}' extra. Install it: "
                f"{extras.install_hint(extra)}."
            )


def _check_files(spec: AuditSpec) -> None:
    data_path = spec.data.path if spec.data is not None else None
    train_path = spec.data.train if spec.data is not None else None
    if data_path is not None and is_dataset(spec.resolve(data_path)):
        try:
            data_files(spec.resolve(data_path), spec.where("data.path"))
        except DataError as exc:
            raise SpecError(str(exc)) from None
        data_path = None  # a glob or folder: its files were checked
    database = spec.data.database if spec.data is not None else None
    for key, value in (
        ("data.path", data_path),
        ("data.database", database),
        ("data.train", train_path),
        ("model.path", getattr(spec.model, "path", None)),
    ):
        if value is None:
            continue
        problem = file_problem(spec.resolve(value))
        if problem:
            raise SpecError(
                f"{spec.where(key)}: file '{spec.resolve(value)}' {problem}. Paths are relative "
                f"to the spec's folder."
            )
    output = spec.resolve(spec.output)
    try:
        in_the_way = output.exists() and not output.is_dir()
    except OSError as exc:  # e.g. a name too long for the file system
        raise SpecError(
            f"{spec.where('output')}: '{output}' cannot be used ({exc.strerror})."
        ) from None
    if in_the_way:
        raise SpecError(
            f"{spec.where('output')}: '{output}' is a file; expected a folder for the run folders. "
            "Name a folder (it is created if missing)."
        )


def json_schema() -> dict[str, Any]:
    """The spec's JSON Schema, with each registered auditor's parameters spelled out for editors."""
    schema = copy.deepcopy(AuditSpec.model_json_schema())
    schema["$defs"]["AuditorSpec"] = {
        "oneOf": [registry.entry_schema(name) for name in registry.names()],
        "description": AuditorSpec.__doc__ or "An auditor to run.",
    }
    return _folded(schema)


def _folded(schema: Any) -> Any:
    """Descriptions come from docstrings wrapped at 100 columns: fold them back to one line."""
    if isinstance(schema, dict):
        return {
            key: " ".join(value.split())
            if key == "description" and isinstance(value, str)
            else _folded(value)
            for key, value in schema.items()
        }
    if isinstance(schema, list):
        return [_folded(value) for value in schema]
    return schema
