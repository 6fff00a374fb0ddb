"""Show PHI only masked: as its entity tag (``<MEDICAL_RECORD_NUMBER>``) or in partial form
(``***-**-6789``: every letter and digit hidden but the last four of a number long enough to keep
them)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal, Protocol

import numpy as np

from .. import extras
from .recognizers import find_phi
from .vocabulary import WORD, shown_words

Style = Literal["tag", "partial"]


class Span(Protocol):
    """Where a detected identifier is and what it is (read-only, so frozen spans qualify)."""

    @property
    def start(self) -> int: ...

    @property
    def end(self) -> int: ...

    @property
    def entity(self) -> str: ...


def mask(
    text: str, spans: Iterable[Span], style: Style = "tag", between: Callable[[str], str] = str
) -> str:
    """``text`` with every span masked; overlapping spans are merged so nothing of either shows.
    ``between`` rewrites the text around the spans (``mask_context``)."""
    merged: list[list] = []
    for span in sorted(spans, key=lambda s: (s.start, -s.end)):
        if merged and span.start < merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], span.end)
        else:
            merged.append([span.start, span.end, span.entity])
    out, position = [], 0
    for start, end, entity in merged:
        out.append(between(text[position:start]))
        out.append(f"<{entity}>" if style == "tag" else partial(text[start:end]))
        position = end
    out.append(between(text[position:]))
    return "".join(out)


def mask_context(text: str, spans: Iterable[Span], style: Style = "tag") -> str:
    """``mask`` for an example of text that holds PHI (a note, a leaking answer): around the spans,
    every digit and every word the vocabulary does not know (``phi.vocabulary``) is masked too, so
    an identifier the recognizers missed is not shown either."""
    return mask(text, spans, style, _known_words_only)


def _known_words_only(text: str) -> str:
    known = shown_words()
    text = WORD.sub(
        lambda m: m.group() if m.group().lower() in known else "*" * len(m.group()), text
    )
    return re.sub(r"\d", "*", text)


def partial(value: str) -> str:
    """Hide every letter and digit; keep the last four digits when at least eight digits would stay
    hidden."""
    digits = sum(c.isdigit() for c in value)
    keep = 4 if digits >= 12 or (digits >= 9 and not any(c.isalpha() for c in value)) else 0
    out, seen = [], 0
    for char in value:
        if char.isdigit():
            seen += 1
            out.append(char if seen > digits - keep else "*")
        else:
            out.append("*" if char.isalpha() else char)
    return "".join(out)


def value_summary(values: Iterable[Any]) -> str:
    """``2 distinct values (int)``: what a column or a model gives, for error messages, which never
    quote data values (they may be PHI)."""
    distinct = list(dict.fromkeys(v.item() if isinstance(v, np.generic) else v for v in values))
    kinds = ", ".join(sorted({type(v).__name__ for v in distinct}))
    return f"{len(distinct)} distinct value{'' if len(distinct) == 1 else 's'} ({kinds})"


def mask_phi(text: str, style: Style = "tag") -> str:
    """``text`` with the PHI the recognizers find masked. Without the privacy extra, the identifiers
    that have a fixed shape (e-mail, URL, SSN, phone, any run of five or more digits) are masked by
    pattern: names and places then cannot be recognised, so the fallback only narrows the leak. With
    the extra, the patterns still apply (defence in depth: a number the recognizers' context rules
    let pass is masked by its shape)."""
    spans = shape_spans(text)
    if extras.available("privacy"):  # first, so their category names a span both found
        spans = [*find_phi(text), *spans]
    return mask(text, spans, style)


@dataclass(frozen=True)
class _PatternSpan:
    start: int
    end: int
    entity: str


_FALLBACK_PATTERNS = (
    ("EMAIL_ADDRESS", re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")),
    ("URL", re.compile(r"\b(?:https?://|www\.)\S+", re.IGNORECASE)),
    ("US_SSN", re.compile(r"\b\d{3}-\d{2}-\d{4}\b")),
    ("PHONE_NUMBER", re.compile(r"(?:\(\d{3}\)\s?|\b\d{3}[-.\s])\d{3}[-.\s]\d{4}\b")),
    ("ID_NUMBER", re.compile(r"\b[A-Za-z]{0,4}\d(?:[\d-]*\d){4,}\b")),
)


def shape_spans(text: str) -> list[Span]:
    """Identifiers recognisable by their shape alone (no context, no model)."""
    return [
        _PatternSpan(m.start(), m.end(), entity)
        for entity, pattern in _FALLBACK_PATTERNS
        for m in pattern.finditer(text)
    ]
