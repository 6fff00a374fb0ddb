"""The pass after presidio: context rules it lacks (names, dates without a year, addresses in
lowercase, labelled identifiers, phones in any format), each identifier's category decided by the
label nearest it, and the spaCy guesses that evidence contradicts removed (a state, "MD" or "EF"
as a place, "Addr" as a person, "daily" or a street number as a date)."""

from __future__ import annotations

import regex

from ..perturbations.clinical_terms import DRUG_PAIRS
from .checks import checked
from .generic import name_neighbours, other_ids
from .hl7 import hl7_spans
from .labels import (
    FAX,
    ID_ENTITIES,
    NOT_PHI,
    PHONE,
    adjacent,
    labelled_ids,
    labels,
    phone_context,
    phone_kind,
    phones,
    ssn_shaped,
)
from .lexicon import is_english_word_form
from .names import CALENDAR, NOT_NAMES, context_names, name_ids, words
from .places import CONTEXT_SCORE, US_STATES, Span
from .places import places as find_places

NER = frozenset({"PERSON", "LOCATION", "DATE_TIME"})
# identifiers whose category the nearest label decides
RESOLVABLE = frozenset(
    {*ID_ENTITIES, PHONE, FAX, "US_HEALTH_INSURANCE_MEMBER_ID", "US_BANK_NUMBER", "CREDIT_CARD"}
)
_URL_TAIL = regex.compile(r"(?:[^\s<>\"'()]*[^\s<>\"'().,;:!?])?")
_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)"
_MONTH_WORD = rf"(?-i:{_MONTH}[a-z]*|{_MONTH.upper()}[A-Z]*)\.?"
DATES = regex.compile(  # day-month-year in any order, month with a year, ordinals 'of' a month
    # every branch starts with a digit or a month's first letter: a cheap first check
    rf"(?=[\dJFMASOND])(?<![\w/.-])"
    rf"(?:\d{{1,2}}(?:st|nd|rd|th)?(?:[ -]|[ ]of[ ]){_MONTH_WORD}(?:[ ,-]+\d{{2,4}})?"
    rf"|{_MONTH_WORD}[ ]\d{{1,2}}(?:st|nd|rd|th)?\b(?:,?[ ]\d{{4}})?"
    rf"|{_MONTH_WORD}(?:,?[ ]|[ ]of[ ]|-)(?:19|20)\d\d\b"
    r"|\d{1,2}[/-]\d{1,2}[/-](?:\d{4}|\d{2})|\d{4}[/-]\d{1,2}[/-]\d{1,2}"
    r"|\d{1,2}\.\d{1,2}\.(?:19|20)?\d\d|(?:0?[1-9]|1[0-2])/(?:19|20)\d\d"
    rf"|\d{{1,2}}{_MONTH_WORD}\d{{4}}|\d{{1,2}}/{_MONTH_WORD}/\d{{2,4}}"
    rf"|{_MONTH_WORD}-\d{{1,2}}-\d{{2,4}}"
    r"|(?:19|20)\d\d(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])"  # compact: 20160926, 07052021
    r"|(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])(?:19|20)\d\d"
    r"|(?<=\b(?:on|by|to|until|since|before|after)[ ]the[ ])\d{1,2}(?:st|nd|rd|th)"
    r"(?=[ ]*(?:[.,;)\n]|$))"
    r")(?![\w/-]|\.\d)",
    regex.IGNORECASE,
)
COMPACT_DATE = regex.compile(
    r"(?:19|20)\d\d(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])"
    r"|(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])(?:19|20)\d\d"
)
MONTH_DAY = regex.compile(r"(?<![\w/.-])(?:0?[1-9]|1[0-2])/(?:0?[1-9]|[12]\d|3[01])(?![\w/]|\.\d)")
_DATE_CONTEXT = regex.compile(
    r"(?i:\b(?:on|placed|dated?|sent|discharged|admitted|admission|discharge|received|drawn"
    r"|until|from|since|signed|seen|dob|d/c|adm|due|by|through|thru|started|stopped|visit"
    r"|labs?|collected|onset|last|next|f/u|rtc|appt|scheduled|effective|expires?|of|interrogated"
    r"|implanted|born|died|surgery|procedure|admit|verified|mailed|returned|faxed|back|done"
    r"|completed|performed|reviewed|expired)\b|\(|\s{2}|^)[^\n\d]{0,12}$"
)
_DATE_SEPARATOR = regex.compile(r"[/.-]")
_TIME_AFTER = regex.compile(r"\)|[ ]\d{1,2}:\d{2}")
_PHONE_SHAPE = regex.compile(r"[+(]?\d[\d ().-]{6,18}\d(?:\s*(?:x|ext\.?)\s*\d+)?", regex.I)
_RATIO = regex.compile(r"(\d{1,3})/(\d{1,3})")
_ANY_MONTH = regex.compile(_MONTH, regex.IGNORECASE)
_NUMERIC_DATE = regex.compile(r"\d[/-]\d")
_NUMERIC_CONTEXT = regex.compile(r"(?i:\b(?:bp|pain|score|ratio|gcs|strength|x)\s*)$")
_NOT_A_PERSON = (
    words(
        "addr address tel phone fax telefax facsimile email e-mail mychart pt patient dob mrn ssn"
        " beeper pager cell mobile office cont relationship"
        " npi dea rx re cc"
        " sent from to subject date name ins acct voicemail caregiver vin discharge admission"
        " summary attending service specimen lic copy"
    )
    | CALENDAR
    | NOT_NAMES
)
# every word of every drug name ('metoprolol tartrate' gives both): persons are checked by word
DRUG_NAMES = frozenset(
    w for pair in DRUG_PAIRS.items() for name in pair for w in name.lower().split()
)
# credentials after a name ('Ibrahim Yoon, LCSW', 'M. Aguirre, MA'): written in capitals
_CREDENTIAL_WORDS = frozenset({"MD", "RN", "NP", "PA", "MA", "DO", "LPN", "CNA", "PA-C", "LCSW"})
# an eponym, not a person: 'Sjogren's syndrome', 'a Holter monitor', 'Foley catheter'
_EPONYM_TAIL = regex.compile(
    r"(?:-\p{Lu}\p{Ll}+)*(?:'s)?[ ](?i:syndrome|disease|contracture|sign|palsy|phenomenon|test"
    r"|maneuver|manoeuvre"
    r"|criteria|score|scale|law|ulcer|tumou?r|lymphoma|sarcoma|an(?:a)?emia|reflex|triad|node"
    r"|fracture|operation|procedure|monitor|catheter|drain|tube|classification|index|stage"
    r"|angina|cyst|hernia|body|bodies|duct|gland|canal|space|line|artery|nerve|cell|cells|pouch"
    r"|reversal)\b"
)


def refine(text: str, found: list[tuple[Span, bool]]) -> list[Span]:
    """presidio's spans (with whether spaCy made each) plus this module's, each identifier
    re-labelled by its label, contradicted guesses removed; identical spans once, by start."""
    marks = labels(text)
    places = find_places(text)
    added = [(s, False) for s in [*_context_spans(text, marks), *places]]
    spans: list[tuple[Span, bool]] = []
    for span, from_model in [*found, *added]:
        resolved = _resolve(text, marks, span)
        if resolved is not None:
            spans.append((resolved, from_model))
    structured = [s for s, model in spans if not model and s[2] not in NER]
    trusted = [s for s, model in spans if not model]
    context = {s for s, _ in added}
    urls = {s for s, _ in spans if s[2] == "URL"}
    kept = {
        s
        for s, model in spans
        if not (model and _contradicted(text, s, structured, trusted))
        and not _weak_date(text, s, model)
        and not (s[2] == "PERSON" and _overlaps_any(s, places))  # 'Dr. Charleston NM 31352'
        and not (s not in context and s[2] not in NER and _inside_other(s, context))
        and not (s[2] not in NER and s[2] != "URL" and _in_query(text, s, urls))
    }
    persons = [(s[0], s[1]) for s in kept if s[2] == "PERSON"]
    kept.update(
        (a, b, "PERSON", CONTEXT_SCORE)
        for a, b in name_neighbours(text, persons)
        if not any(s[0] < b and s[1] > a for s in kept)
    )
    kept.update(other_ids(text, marks, list(kept)))  # ids no rule knows the label of
    return sorted(kept, key=lambda s: (s[0], -s[1], s[2], -s[3]))  # one order in every process


def _context_spans(text: str, marks: list) -> list[Span]:
    out = [(a, b, e, CONTEXT_SCORE) for a, b, e in labelled_ids(text, marks)]
    out += [(a, b, e, CONTEXT_SCORE) for a, b, e in phones(text, marks)]
    out += [(a, b, e, CONTEXT_SCORE) for a, b, e in ssn_shaped(text, marks)]
    out += [(a, b, "PERSON", CONTEXT_SCORE) for a, b in context_names(text)]
    out += [(a, b, e, CONTEXT_SCORE) for a, b, e in hl7_spans(text)]
    out += [(a, b, e, CONTEXT_SCORE) for a, b, e in name_ids(text)]
    out += [
        (m.start(), m.end(), "DATE_TIME", CONTEXT_SCORE)
        for m in DATES.finditer(text)
        if _plausible(m.group())
    ]
    out += [(a, b, "DATE_TIME", CONTEXT_SCORE) for a, b in _month_days(text)]
    return out


def _overlaps_any(span: Span, others: list[Span]) -> bool:
    return any(o[0] < span[1] and o[1] > span[0] for o in others)


def _inside_other(span: Span, context: set[Span]) -> bool:
    """A recognizer's identifier inside a longer one a label or field found, of another kind: the
    GTIN of a device's UDI is not a card number."""
    return any(
        c[0] <= span[0] and span[1] <= c[1] and c[1] - c[0] > span[1] - span[0] and c[2] != span[2]
        for c in context
        if c[2] not in NER
    )


def _in_query(text: str, span: Span, urls: set[Span]) -> bool:
    """A value of a URL's query ('?acct=066818469'): part of the URL, not an id of its own."""
    return any(u[0] <= span[0] and span[1] <= u[1] and "?" in text[u[0] : span[0]] for u in urls)


def _plausible(value: str) -> bool:
    """A numeric date has a month (1-12) and a day (1-31): '30-77-1254' is an identifier."""
    parts = [int(p) for p in _DATE_SEPARATOR.split(value) if p.isdigit()]
    if len(parts) < 3 or len(value.split()) > 1:
        return True
    a, b = (parts[1], parts[2]) if parts[0] > 31 else (parts[0], parts[1])
    return 1 <= min(a, b) <= 12 and 1 <= max(a, b) <= 31


def _month_days(text: str):
    """M/D without a year where the words before it speak of a date (not a BP, score or ratio)."""
    for m in MONTH_DAY.finditer(text):
        before = text[max(0, m.start() - 30) : m.start()]
        after = text[m.end() : m.end() + 8]
        if _NUMERIC_CONTEXT.search(before):
            continue
        if _DATE_CONTEXT.search(before) or _TIME_AFTER.match(after):
            yield m.start(), m.end()


_PERSON_VERB = regex.compile(
    r"[ ](?:is[ ]on|reports|states|denies|says|presents|returns|underwent|tolerated|was[ ]seen"
    r"|was[ ]admitted|is[ ]enrolled|agrees|declines|complains)\b"
)


def _resolve(text: str, marks: list, span: Span) -> Span | None:
    """The span with the entity its label says; None for a bare number no label vouches for."""
    start, end, entity, score = span
    value = text[start:end]
    bare = value.isdigit()
    if entity == "EMAIL_ADDRESS" and "/" in value:
        return None  # a URL's path ('tiktok.com/@name'): the URL recognizer has it
    if entity == "LOCATION" and _PERSON_VERB.match(text, end) and value.lower() not in US_STATES:
        entity = "PERSON"  # 'Hodan is on a clinical trial': spaCy's place does what people do
    if entity == "DATE_TIME" and bare and not COMPACT_DATE.fullmatch(value):
        entity = "OTHER_ID"  # a number alone is not a date; its label may say what it is
    if entity == "URL":  # presidio's TLD list stops 'https://case.biz/' at '.bi'
        end += len(_URL_TAIL.match(text, end).group())
    if entity not in NER and entity != "AGE_OVER_89" and _inside_token(text, start, end):
        return None  # an identifier is a whole token: 'FB5786833' inside 'FFB578683361' is not one
    if entity not in RESOLVABLE and entity != "DATE_TIME":
        return start, end, entity, score
    label = adjacent(text, marks, start)
    if label is not None and label.entity == NOT_PHI:
        return None  # 'NDC 60264-882-11', 'Lot X60664M', 'CPT 99497': not a person's
    if entity not in RESOLVABLE:
        return span
    if entity in (PHONE, FAX) and bare and COMPACT_DATE.fullmatch(value):
        return None  # 'DOB 01131957': a date (the date rules have it)
    if label is not None and label.entity in ID_ENTITIES:
        return start, end, checked(label.entity, value), max(score, CONTEXT_SCORE)
    if entity in (PHONE, FAX) or (label is not None and _phone_shaped(value)):
        near = phone_kind(text, marks, start, end)
        vetted = score >= CONTEXT_SCORE  # found by a context rule (a field, a label, a shape)
        unvouched = not (vetted or phone_context(text, start, end))
        if near is None and bare and len(value) < 11 and unvouched:
            return None
        return start, end, near.entity if near else PHONE, score
    if entity == "OTHER_ID" and label is None and score < CONTEXT_SCORE:
        return None  # a recognizer's guess no label or field vouches for
    return span


def _inside_token(text: str, start: int, end: int) -> bool:
    return (start > 0 and text[start - 1].isalnum()) or (end < len(text) and text[end].isalnum())


def _phone_shaped(value: str) -> bool:
    return bool(_PHONE_SHAPE.fullmatch(value))


def _contradicted(text: str, span: Span, structured: list[Span], trusted: list[Span]) -> bool:
    """A spaCy guess that evidence rules out."""
    start, end, entity, _ = span
    value = text[start:end].strip()
    if any(s[0] < end and s[1] > start for s in structured):
        return True  # an identifier, an address or a date the rules found
    if any(s[0] < end and s[1] > start and s[2] != entity for s in trusted):
        return True  # a context rule put it in another category
    if entity == "LOCATION":
        return (
            bool(_EPONYM_TAIL.match(text, end))
            or (value.endswith("ing") and is_english_word_form(value))  # 'Requesting refill'
            or value.lower() in US_STATES
            or value.lower() in _NOT_A_PERSON  # label and department words name no place
            or (value.isupper() and len(value) <= 3)
            or any(c.isdigit() for c in value)
            or "\n" in value
        )
    if entity == "PERSON":
        return (
            not value[:1].isupper()
            or bool(_EPONYM_TAIL.match(text, end))
            or value.lower() in _NOT_A_PERSON
            or value in _CREDENTIAL_WORDS
            or any(w in DRUG_NAMES for w in value.lower().split())
            or any(c.isdigit() for c in value)
            or "\n" in value
            or " - " in value
        )
    return False


def _weak_date(text: str, span: Span, from_model: bool) -> bool:
    """spaCy's DATE_TIME without a date's shape: 'today', 'daily', '3 months', a time."""
    if span[2] != "DATE_TIME" or not from_model:
        return False
    value = text[span[0] : span[1]]
    if ratio := _RATIO.fullmatch(value):  # a BP or a score, not M/D
        before = text[max(0, span[0] - 12) : span[0]]
        return int(ratio[1]) > 12 or int(ratio[2]) > 31 or bool(_NUMERIC_CONTEXT.search(before))
    return not (_ANY_MONTH.search(value) or _NUMERIC_DATE.search(value))
