"""Read a JSONL file of records; every error names the file and the line and says what was
expected."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from ..errors import DataError, file_problem

T = TypeVar("T")
JSON_TYPES = {
    str: "text",
    int: "a number",
    float: "a number",
    bool: "true/false",
    list: "a list",
    dict: "an object",
    type(None): "null",
}


def json_type(value: Any) -> str:
    """The JSON name of a value's type, for messages that must not quote the value itself."""
    return JSON_TYPES.get(type(value), type(value).__name__)


def read_records(
    path: Path, parse: Callable[[dict[str, Any], str], T], expected: str, what: str
) -> list[T]:
    """``parse(item, where)`` every non-blank line (``where`` is "file: line N"); at least one
    record."""
    problem = file_problem(path)
    if problem:
        raise DataError(f"{path}: {what} file not found: the path {problem}.")
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError as exc:
        raise DataError(
            f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start}). Re-save it as UTF-8."
        ) from None
    records = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{path}: line {number}"
        try:
            item = json.loads(line)
            if not isinstance(item, dict):
                raise TypeError("not a JSON object")
            records.append(parse(item, where))
        except DataError:
            raise
        except (ValueError, KeyError, TypeError) as exc:
            raise DataError(
                f"{where}: expected {expected} ({type(exc).__name__}: {exc})."
            ) from None
    if not records:
        raise DataError(f"{path}: no {what}s in the file.")
    return records
