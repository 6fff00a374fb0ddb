"""SHA-256 fingerprints of files, data frames and code, for the report's reproducibility
appendix."""

from __future__ import annotations

import hashlib
import inspect
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pandas as pd

_CHUNK = 1 << 20


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(_CHUNK):
            digest.update(block)
    return "sha256:" + digest.hexdigest()


def sha256_frame(frame: pd.DataFrame) -> str:
    """Content hash of a frame's values, index and column names (independent of file format)."""
    digest = hashlib.sha256()
    digest.update("\x1f".join(map(str, frame.columns)).encode())
    digest.update(pd.util.hash_pandas_object(frame, index=True).to_numpy().tobytes())
    return "sha256:" + digest.hexdigest()


def sha256_source(obj: Any) -> str:
    """Hash of the source file that defines ``obj`` (a factory), or of its repr when it has none."""
    module = inspect.getmodule(obj)
    try:
        source = inspect.getsource(module) if module is not None else repr(obj)
    except (TypeError, OSError):
        source = repr(obj)
    return "sha256:" + hashlib.sha256(source.encode()).hexdigest()


_ENCODER = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
)


def canonical(value: Any) -> bytes:
    """The one byte form that is hashed: sorted keys, no spaces, UTF-8, no NaN."""
    return _ENCODER.encode(value).encode()


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def strict_json(data: bytes | str) -> Any:
    """Parse JSON as a verifier must: a repeated key, NaN or Infinity, or nesting too deep to
    parse raise ValueError naming it (never a silent last-key-wins, never a RecursionError)."""
    try:
        return json.loads(data, object_pairs_hook=_unique_keys, parse_constant=_no_constant)
    except RecursionError:
        raise ValueError("nested too deeply to be a trustaudit record") from None


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    mapping = dict(pairs)
    if len(mapping) != len(pairs):
        repeated = [key for key, n in Counter(k for k, _ in pairs).items() if n > 1]
        raise ValueError(f"duplicate key {', '.join(map(repr, repeated))}")
    return mapping


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")
