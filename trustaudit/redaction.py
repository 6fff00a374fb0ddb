"""Secrets never written in the clear: one boundary every output passes.

The values of the spec's ``secret_env`` variables (and API keys read from ``api_key_env``) are
registered when they are read; ``redact`` replaces each occurrence with ``***`` in the ledger, the
manifest, the report files, progress lines and messages. Process-wide on purpose: a secret read
anywhere must stay out of everything written afterwards.
"""

from __future__ import annotations

from typing import Any

MASK = "***"
MIN_LENGTH = 4  # shorter values ("1", "on") would blank out ordinary text; they are not secrets
_SECRETS: set[str] = set()


def register(*values: str | None) -> None:
    """Treat each non-trivial value as a secret from now on."""
    _SECRETS.update(v for v in values if v and len(v) >= MIN_LENGTH)


def redact(text: str) -> str:
    """``text`` with every registered secret replaced by ``***`` (longest first)."""
    for secret in sorted(_SECRETS, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, MASK)
    return text


def redact_data(value: Any) -> Any:
    """Every string inside ``value`` (dicts, lists, tuples) redacted; keys too."""
    if not _SECRETS:
        return value
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {redact_data(k): redact_data(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact_data(v) for v in value]
    return value
