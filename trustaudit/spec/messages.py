"""pydantic's validation errors as trustaudit messages: file, key path, what was found, the fix."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from ..errors import did_you_mean
from . import envvars
from .models import MODEL_SPECS, AuditSpec, model_spec_class
from .urls import SECRET_ERROR


def format_errors(path: Path, raw: dict, errors: Sequence[Any]) -> str:
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
                f"{path}: {where}.type: missing; say which kind of model this is "
                f"({', '.join(MODEL_SPECS)})."
            )
        elif kind == "invalid_key":
            mapping = envvars.key_text(loc[:-1])
            hint = (
                " YAML reads unquoted on/off/yes/no as booleans: "
                "quote the key or check its spelling."
                if isinstance(error.get("input"), bool)
                else ""
            )
            lines.append(f"{path}: {mapping}: key {error.get('input')!r} is not a string.{hint}")
        else:
            got = error.get("input")
            quoted = not isinstance(got, (dict, list)) and got is not None and kind != SECRET_ERROR
            shown = f" (got {got!r})" if quoted else ""
            message = error["msg"].removeprefix("Value error, ")
            lines.append(f"{path}: {where}: {message}{shown}.")
    return "\n".join(lines)


def _merge_scalar_errors(errors: Sequence[Any]) -> list[Any]:
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
            model = model_spec_class(kind)
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
