"""YAML alias bombs: a few aliases can expand to billions of values, and an alias can contain
itself. Both are refused on the parsed YAML before anything walks it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import SpecError
from . import envvars

MAX_SPEC_VALUES = 100_000  # a spec is hand-written: more values means YAML aliases repeating nodes
MAX_SPEC_DEPTH = 50


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
