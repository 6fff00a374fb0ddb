"""``${VAR}`` and ``${VAR:-default}`` in a spec's string values, so CI can pass ports, URLs and
names.

Expansion happens once, on the parsed YAML, before validation: every later check sees the real
value. ``$$`` writes a literal ``$``. Variables listed in ``secret_env`` are expanded for the run
but never written: the spec recorded in the manifest and report keeps such a value as it was
written."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

_REFERENCE = re.compile(r"\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(:-([^}]*))?\}")

KeyPath = tuple[str | int, ...]


@dataclass
class Expanded:
    """The spec with every reference expanded, and the written form of the values that hold
    secrets."""

    value: Any
    secret_values: dict[KeyPath, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def expand(raw: Any, secret_names: set[str], environ: Mapping[str, str] | None = None) -> Expanded:
    """Expand every string inside ``raw`` (mapping keys are left alone); collect problems by key
    path."""
    result = Expanded(None)
    result.value = _walk(raw, (), os.environ if environ is None else environ, secret_names, result)
    return result


def _walk(
    value: Any, path: KeyPath, environ: Mapping[str, str], secrets: set[str], result: Expanded
) -> Any:
    if isinstance(value, dict):
        return {k: _walk(v, (*path, k), environ, secrets, result) for k, v in value.items()}
    if isinstance(value, list):
        return [_walk(v, (*path, i), environ, secrets, result) for i, v in enumerate(value)]
    if isinstance(value, str) and "$" in value:
        return _expand_text(value, path, environ, secrets, result)
    return value


def _expand_text(
    text: str, path: KeyPath, environ: Mapping[str, str], secrets: set[str], result: Expanded
) -> str:
    used: set[str] = set()

    def substitute(match: re.Match[str]) -> str:
        name, has_default, default = match.groups()
        if name is None:
            return "$"
        used.add(name)
        if name in environ and (environ[name] or not has_default):
            return environ[name]
        if has_default:
            return default
        result.problems.append(
            f"{key_text(path)}: environment variable {name} is not set. Export "
            f"it, or give a default: ${{{name}:-value}}."
        )
        return ""

    expanded = _REFERENCE.sub(substitute, text)
    if "${" in _REFERENCE.sub("", text):
        result.problems.append(
            f"{key_text(path)}: malformed variable reference; write ${{NAME}} or "
            "${NAME:-default}, or $${ for a literal '${'."
        )
    if used & secrets:
        result.secret_values[path] = text
    return expanded


def restore_secrets(dumped: Any, secret_values: dict[KeyPath, str]) -> Any:
    """``dumped`` (the validated spec as JSON data) with each secret-bearing value as it was
    written."""
    for path, written in secret_values.items():
        parent = dumped
        try:
            for part in path[:-1]:
                parent = parent[part]
            parent[path[-1]] = written
        except (
            KeyError,
            IndexError,
            TypeError,
        ):  # the key was dropped by validation: nothing written
            continue
    return dumped


def key_text(path: KeyPath) -> str:
    """``auditors[0].params.vignettes``: a key path as the user reads it."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top level)"
