"""Data values shown safely: one function every human-facing writer passes text through.

A group value or column name comes from the user's data and may hold anything. ``printable``
writes each character that is invisible, that a terminal or a bidi-aware viewer would act on, or
that XML 1.0 forbids as a visible escape in Python's notation, so it can be read and never acts:

- C0 controls but tab and newline, DEL and C1 controls: ``\\x07``, ``\\x1b``, ``\\x00``, ``\\x9b``
- the bidi embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069), which reorder the
  text after them ("Trojan Source"): ``\\u202e``
- lone surrogates and the noncharacters U+FFFE and U+FFFF: ``\\ud800``, ``\\uffff``

report.html, its figures, junit.xml and the terminal show values this way; report.json keeps the
exact value (JSON escapes what it must).
"""

from __future__ import annotations

import re

_UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff\ufffe\uffff]"
)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str) -> str:
    """``text`` with every unsafe character written as a visible escape (see the module)."""
    return _UNSAFE.sub(_escape, text)


def shortened(text: str, limit: int) -> str:
    """``printable(text)`` cut to ``limit`` characters with an ellipsis (for figure labels)."""
    text = printable(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"
