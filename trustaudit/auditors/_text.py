"""Text shown in findings: answers and notes on one line, cut to a readable length and
PHI-masked; examples chosen across the cells of a table."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from ..phi.masking import mask_phi

Row = TypeVar("Row")
SHOWN = 160  # characters of an answer shown in a finding
NO_DECISION = {"error": "request failed", "refused": "refused", "unparseable": "unparseable"}


def one_line(text: str, limit: int) -> str:
    """``text`` with every run of whitespace made one space, cut with an ellipsis to at most
    ``limit`` characters."""
    flat = " ".join(str(text).split())
    if len(flat) <= limit:
        return flat
    return flat[: limit - 1] + "…"


def shown_answer(text: str, label: str | None, outcome: str) -> str:
    """``Admit. → admit``: the masked answer on one line and the decision read from it (or why
    there is none: refused, unparseable, request failed)."""
    decision = label if outcome == "answer" else NO_DECISION.get(outcome, outcome)
    return f"{mask_phi(one_line(text, SHOWN))} → {decision}"


def spread_examples(cells: Sequence[tuple[float, Sequence[Row]]], limit: int) -> list[Row]:
    """Up to ``limit`` rows from (size of change, rows) cells: the cells with the largest change
    first (ties in the given order), one row from each, then a second from each, and so on, so that
    every cell with a change shows an example before any shows two."""
    ordered = [rows for _, rows in sorted(cells, key=lambda cell: -cell[0]) if rows]
    picked: list[Row] = []
    for depth in range(max((len(rows) for rows in ordered), default=0)):
        picked += [rows[depth] for rows in ordered if depth < len(rows)]
    return picked[:limit]
