"""Text shown in findings: answers and notes on one line, cut to a readable length."""

from __future__ import annotations


def one_line(text: str, limit: int) -> str:
    """``text`` with every run of whitespace made one space, cut with an ellipsis to at most
    ``limit`` characters."""
    flat = " ".join(str(text).split())
    if len(flat) <= limit:
        return flat
    return flat[: limit - 1] + "…"
