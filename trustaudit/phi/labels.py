"""Identifiers decided by their label: the label nearest a number says what the number is.

A de-identification engine cannot tell an MRN from an account number, or a fax from a phone
number, by shape; the words before it can ("Acct #:", "F:", "ss card", "IMEI"). This module finds
labelled identifiers the recognizers miss, phone numbers in any format (presidio validates area
codes, a de-identification tool must not), and re-labels every identifier span by the nearest
label on its line, so the category comes from evidence rather than recognizer order."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import regex

from .patterns import vin_check_digit_ok

PHONE, FAX = "PHONE_NUMBER", "FAX_NUMBER"
# (entity, label alternation); multi-word labels first so they win at the same position
LABELS: tuple[tuple[str, str], ...] = (
    (FAX, r"fax(?:\s+(?:line|no\.?|number|#))?|facsimile|(?-i:F)(?=\s*:)"),
    ("US_SSN", r"ssn|social\s+security(?:\s+(?:number|no\.?|#))?|ss\s*card|ss\s*#|soc\.?\s*sec\.?"),
    (
        "MEDICAL_RECORD_NUMBER",
        r"mrn|mr\s*#|med\.?\s*rec(?:ord)?\.?(?:\s*#)?|medical\s+record(?:\s+(?:number|no\.?|#))?"
        r"|chart\s*(?:number|no\.?|#)|patient\s+id|hospital\s+(?:number|no\.?)",
    ),
    (
        "ACCOUNT_NUMBER",
        r"(?:hospital\s+|billing\s+|bank\s+)?acc(?:oun)?t\.?(?:\s*(?:number|no\.?|#))?"
        r"|invoice|card\s+on\s+file",
    ),
    ("US_CLAIM_NUMBER", r"claim(?:\s*(?:number|no\.?|#))?"),
    (
        "HEALTH_PLAN_ID",
        r"(?:insurance\s+)?member(?:\s*(?:id|#|number|no\.?))?|subscriber(?:\s+id)?"
        r"|insurance(?:\s+card)?|ins|coverage|medicaid(?:\s+(?:number|id|#))?"
        r"|medicare(?:\s+(?:mbi|number|id))?|mbi|policy(?:\s*(?:number|no\.?|#))?"
        r"|(?:health|secondary|primary)\s+plan|group\s*(?:number|no\.?|#)|beneficiary",
    ),
    (
        "DEVICE_ID",
        r"imei|udi|(?:device\s+)?serial(?:\s*(?:number|no\.?|#))?|s/n|sn|device(?:\s+id)?"
        r"|pump|implant|pacemaker",
    ),
    ("VEHICLE_ID", r"vin"),
    ("LICENSE_PLATE", r"(?:licen[cs]e\s+)?plate|tag"),
    ("US_DRIVER_LICENSE", r"dl|driver'?s?\s+licen[cs]e"),
    ("US_PASSPORT", r"passport"),
    ("US_NPI", r"npi"),
    ("US_DEA", r"dea"),
    ("MEDICAL_LICENSE", r"lic(?:ense)?\s*#?|licen[cs]e"),
    (
        "OTHER_ID",
        r"accession|specimen|subject(?:\s+id)?|study|trial|(?:employee|badge|staff|phlebotomy)\s+id"
        r"|id",
    ),
    (
        PHONE,
        r"tele?(?:phone)?|ph(?:one)?|(?-i:T)(?=\s*:)|cell|mobile|home|work|direct|pager"
        r"|call(?:ed)?\s+back|call\s*back|cb\s*#?|call|line",
    ),
)
_LABEL_RE = regex.compile(
    "|".join(
        rf"(?P<L{i}>(?<![\w/])(?:{alternation})(?![\w/]))"
        for i, (_, alternation) in enumerate(LABELS)
    ),
    regex.IGNORECASE,
)
# between a label and its value: '#', ':', 'number', 'is', 'was', an opening parenthesis
_FILLER = r"(?:[\s:#.]|\((?!\d\d\)))*(?:(?:number|no\.|num|id|is|was|of)\b[\s:#]*){0,2}"
_VALUE = (
    r"(?:\(01\)\d{14}(?:\(\d{2}\)[A-Za-z0-9]+)*"  # GS1 UDI
    r"|(?:(?-i:[A-Z]{2,4})\s)?(?=[A-Za-z0-9-]*\d)[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
    r"(?: \d{2,6}(?![\w/]))*)"
)
_VALUE_RE = regex.compile(_FILLER + r"(" + _VALUE + r")(?![\w/@]|:\w)", regex.IGNORECASE)
_PLATE_WORD = regex.compile(
    r"[\s:#]*(?!(?:given|noted|was|is|number|and|on|of)\b)([a-z]{2,4}[ ]\d{3,5}|[a-z0-9]{5,8})\b",
    regex.IGNORECASE,
)
STRICT_PHONE = regex.compile(
    r"(?<![\w.+/-])(?:\+?1[\s.-]?)?(?:\(\d{3}\)\s?|\d{3}[\s./-])\d{3}[\s.-]\d{4}(?![\w/-]|\.\d)"
    r"|(?<![\w.+/-])\+[2-9]\d{0,2}(?:[\s.-]?\(?\d{2,5}\)?){2,4}(?![\w/-]|\.\d)"
)
LOOSE_PHONE = regex.compile(
    r"(?<![\w.+/)-]|\)\s)(?:\d{3}[\s.-]\d{4}|(?:\+?1)?\d{10})(?![\w/-]|\.\d)"
)
EXTENSION = regex.compile(r"\s*(?:x|ext\.?)\s*\d{1,6}\b", regex.IGNORECASE)
ID_ENTITIES = frozenset(e for e, _ in LABELS if e not in (PHONE, FAX)) | {"OTHER_ID"}


@dataclass(frozen=True)
class Label:
    start: int
    end: int
    entity: str


def labels(text: str) -> list[Label]:
    """Every label word in ``text``, by position."""
    found = []
    for m in _LABEL_RE.finditer(text):
        index = int(str(m.lastgroup)[1:])
        found.append(Label(m.start(), m.end(), LABELS[index][0]))
    return found


def nearest(text: str, found: list[Label], start: int, kinds: frozenset[str] | None = None):
    """The label ending nearest before ``start`` on the same line (of ``kinds`` when given)."""
    line_start = text.rfind("\n", 0, start) + 1
    best = None
    for label in found:
        if label.end > start:
            break
        if label.start >= line_start and (kinds is None or label.entity in kinds):
            best = label
    return best


def adjacent(text: str, found: list[Label], start: int, limit: int = 18) -> Label | None:
    """The nearest label when only filler (no digit, at most ``limit`` characters) separates it."""
    label = nearest(text, found, start)
    if label is None:
        return None
    gap = text[label.end : start]
    return label if len(gap) <= limit and not regex.search(r"\d|[;|]", gap) else None


def labelled_ids(text: str, found: list[Label]) -> Iterator[tuple[int, int, str]]:
    """(start, end, entity) of the value right after each identifier label."""
    for label in found:
        if label.entity not in ID_ENTITIES:
            continue
        m = _VALUE_RE.match(text, label.end)
        if m and sum(c.isalnum() for c in m.group(1)) >= (
            4 if label.entity == "LICENSE_PLATE" else 5
        ):
            yield m.start(1), m.end(1), checked(label.entity, m.group(1))
        elif label.entity == "LICENSE_PLATE" and (w := _PLATE_WORD.match(text, label.end)):
            yield w.start(1), w.end(1), label.entity  # vanity plates have no digit


def phones(text: str, found: list[Label]) -> Iterator[tuple[int, int, str]]:
    """Phone and fax numbers: any formatted number; bare or 7-digit ones only after a phone or fax
    label. Phone or fax is decided by the nearest of those labels on the line."""
    line_kinds = frozenset((PHONE, FAX))
    taken: list[tuple[int, int]] = []
    for pattern, loose in ((STRICT_PHONE, False), (LOOSE_PHONE, True)):
        for m in pattern.finditer(text):
            if any(a < m.end() and m.start() < b for a, b in taken):
                continue
            taken.append((m.start(), m.end()))
            label = nearest(text, found, m.start(), line_kinds)
            if loose and label is None and not phone_context(text, m.start(), m.end()):
                continue
            end = m.end()
            if ext := EXTENSION.match(text, end):
                end = ext.end()
            yield m.start(), end, label.entity if label else PHONE


def phone_context(text: str, start: int, end: int) -> bool:
    """A bare number where a phone number goes: alone on its line (a signature block), after 'at'
    ('called back at', 'reached at') or in parentheses after a name."""
    before = text[max(0, start - 4) : start]
    return _alone_on_line(text, start, end) or bool(
        regex.search(r"(?:\bat[ ]|\p{L}[ ]\()$", before)
    )


def _alone_on_line(text: str, start: int, end: int) -> bool:
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    return not (
        text[line_start:start].strip()
        or text[end : len(text) if line_end < 0 else line_end].strip()
    )


def checked(entity: str, value: str) -> str:
    """The label's entity when the value's check digit agrees (NPI, DEA, VIN), else OTHER_ID: a
    number after 'NPI' that fails the Luhn check is an identifier, not an NPI."""
    compact = value.replace(" ", "").replace("-", "").upper()
    if entity == "US_NPI":
        return (
            entity
            if len(compact) == 10 and compact.isdigit() and _luhn("80840" + compact)
            else "OTHER_ID"
        )
    if entity == "US_DEA":
        return "MEDICAL_LICENSE" if _dea_ok(compact) else "OTHER_ID"
    if entity == "VEHICLE_ID":
        return entity if vin_check_digit_ok(compact) else "OTHER_ID"
    return entity


def _luhn(digits: str) -> bool:
    total = 0
    for i, d in enumerate(reversed(digits)):
        n = int(d) * (2 if i % 2 else 1)
        total += n - 9 if n > 9 else n
    return total % 10 == 0


def _dea_ok(value: str) -> bool:
    """DEA registration: two letters, seven digits, the last a check digit."""
    if not regex.fullmatch(r"[A-Z][A-Z9]\d{7}", value):
        return False
    d = [int(c) for c in value[2:]]
    return (d[0] + d[2] + d[4] + 2 * (d[1] + d[3] + d[5])) % 10 == d[6]
