"""An engine's failure as a DataError: its first line, masked (a failed cast quotes the value)."""

from __future__ import annotations

from ..errors import DataError
from ..shown import free_text


def engine_error(where: str, engine: str, source: str, exc: BaseException) -> DataError:
    lines = str(exc).strip().splitlines()
    message = free_text(lines[0]) if lines else type(exc).__name__
    return DataError(f"{where}: {engine} could not read {source}: {message}")
