"""Secrets never written in the clear: one boundary every output passes.

The values of the spec's ``secret_env`` variables (and API keys read from ``api_key_env``) are
registered when they are read; ``redact`` replaces each occurrence with ``***`` in the ledger, the
manifest, the report files, progress lines and messages. Process-wide on purpose: a secret read
anywhere must stay out of everything written afterwards.

An occurrence is the secret in any letter case, percent-encoded, or base64-encoded (standard or
URL-safe alphabet) inside a longer string, as in an ``Authorization: Basic`` header echoed by a
server: the characters of the encoding that depend on the secret alone are masked, at each of the
three byte alignments it can have. Base64 forms are matched only for secrets of ``MIN_ENCODED``
characters or more (shorter ones would give fragments ordinary text may hold).
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

MASK = "***"
MIN_LENGTH = 4  # shorter values ("1", "on") would blank out ordinary text; they are not secrets
MIN_ENCODED = 8
_SECRETS: set[str] = set()
_pattern: re.Pattern[str] | None = None


def register(*values: str | None) -> None:
    """Treat each non-trivial value as a secret from now on."""
    global _pattern
    _SECRETS.update(v for v in values if v and len(v) >= MIN_LENGTH)
    forms: set[str] = set()
    for secret in _SECRETS:
        forms |= _forms(secret)
    # case-insensitive for the secret itself, exact for its encodings; longest first
    parts = [f"(?i:{re.escape(s)})" for s in _SECRETS]
    parts += [re.escape(f) for f in forms - _SECRETS]
    parts.sort(key=len, reverse=True)
    _pattern = re.compile("|".join(parts)) if parts else None


def _forms(secret: str) -> set[str]:
    """The encodings of ``secret`` an output may hold: percent-encoded, and the base64 fragments
    fixed by its bytes alone at offsets 0, 1 and 2 of a longer encoded string."""
    forms = {quote(secret, safe="")}
    if len(secret) < MIN_ENCODED:
        return forms
    raw = secret.encode("utf-8")
    for offset in range(3):
        encoded = base64.b64encode(b"\0" * offset + raw).decode().rstrip("=")
        start, end = -(-8 * offset // 6), (8 * (offset + len(raw))) // 6  # whole 6-bit groups
        fragment = encoded[start:end]
        forms |= {fragment, fragment.translate(str.maketrans("+/", "-_"))}
    return forms


def redact(text: str) -> str:
    """``text`` with every registered secret (and its encodings) replaced by ``***``."""
    if _pattern is None:
        return text
    return _pattern.sub(MASK, text)


def redact_data(value: Any) -> Any:
    """Every string inside ``value`` (dicts, lists, tuples) redacted; keys too."""
    return map_strings(value, redact) if _SECRETS else value


def map_strings(value: Any, change: Callable[[str], str], keys: bool = True) -> Any:
    """``value`` with ``change`` applied to every string inside it (dicts, lists, tuples as
    lists), dict keys too unless ``keys`` is False."""
    if isinstance(value, str):
        return change(value)
    if isinstance(value, dict):
        return {
            (change(k) if keys and isinstance(k, str) else k): map_strings(v, change, keys)
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [map_strings(v, change, keys) for v in value]
    return value
