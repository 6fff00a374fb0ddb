"""The pass after presidio: context rules it lacks (names, dates without a year, addresses in
lowercase, labelled identifiers, phones in any format), each identifier's category decided by the
label nearest it, and the spaCy guesses that evidence contradicts removed (a state, "MD" or "EF"
as a place, "Addr" as a person, "daily" or a street number as a date)."""

from __future__ import annotations

import regex

from ..perturbations.clinical_terms import DRUG_PAIRS
from .checks import checked
from .gated import Gated
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
from .names import CALENDAR, NOT_NAMES, STOP, context_names, name_ids, words
from .patterns import STREET_SUFFIXES

Span = tuple[int, int, str, float]  # start, end, entity, score
CONTEXT_SCORE = 0.95  # above presidio's patterns: the label or context is the evidence
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
_SUFFIX = "|".join([*STREET_SUFFIXES, "plz", "cv", "xing", "pk"])  # USPS Publication 28
_APT = r"apt|apartment|suite|ste|unit|bldg|rm|room|lot|trlr|space|spc|fl|floor"
_UNIT = (
    r"(?:mg|mcg|g|kg|ml|l|units?|tabs?|caps?|times|x|days?|weeks?|months?|years?|hours?|hrs?|min)"
)
# words of a sentence, not of a street name ('pt is 90 and can no longer drive')
_FUNCTION = r"(?:and|or|but|can|could|no|not|to|is|was|will|would|be|of|for|with|that|has|had)"
_WORD = r"(?!(?:" + _UNIT + "|" + _FUNCTION + r")\b)[\p{L}][\p{L}'’.-]*"
STREET = regex.compile(
    rf"(?<![\w/-])\d{{1,6}}[ ](?:(?i:[NSEW]|NE|NW|SE|SW)\.?[ ])?(?:{_WORD}[ ]){{1,4}}"
    rf"(?i:{_SUFFIX})\b\.?(?:[ ](?-i:NE|NW|SE|SW|N|S|E|W)\b\.?)?"  # a post-directional
    rf"(?:,?[ ](?:#[ ]?\w+|(?i:{_APT})\.?[ ]?#?\w+))?"
    r"|(?i:\b(?:P\.?[ ]?O\.?[ ]?B(?:ox)?|post[ ]office[ ]box"
    r"|(?:PSC|CMR|unit|HC|RR|rural[ ]route)[ ]\d+[ ]box)[ ]\d+\b)"
)
_CITY_WORD = r"\p{Lu}[\p{Ll}'’]+(?:-\p{Lu}?[\p{Ll}'’]+)*"  # Kailua-Kona, Wilkes-Barre
# 'Coeur d'Alene', 'St. George', 'Eau Claire', 'Winston-Salem'
_CITY = rf"(?:St\.[ ])?{_CITY_WORD}(?:[ ](?:d'|de[ ]|la[ ]|du[ ])?{_CITY_WORD}){{0,2}}"
CITY_AFTER_STREET = regex.compile(
    rf"(?:,[ ]*\n?[ ]*|[ ]*\n[ ]*)(?P<city>{_CITY})"
    rf"(?=,|[ ]+(?:(?-i:[A-Z]{{2}})\b|\d{{5}})|[.;]?[ ]*$|[.;][ ])"
    rf"|[ ](?P<bare>{_CITY})(?=,?[ ]+(?-i:[A-Z]{{2}})[ ]+\d{{5}}\b)"
    rf"|[ ]in[ ](?P<low>\p{{Ll}}+(?:[ ]\p{{Ll}}+)?|{_CITY})(?=[ ]and\b|[,.;]|$)"
    rf"|,[ ](?P<lowcomma>\p{{Ll}}+(?:[ -]\p{{Ll}}+)?)(?=[.;]|$)"
    # nursing shorthand: 'home is 237 quail run rd. pueblo lives w grandson'
    rf"|\.?[ ](?P<lowlives>\p{{Ll}}+(?:[ ]\p{{Ll}}+){{0,2}}?)(?=[ ](?:lives?|living|resides?)\b)",
    regex.MULTILINE,
)
CITY_GROUPS = ("city", "bare", "low", "lowcomma", "lowlives")
CITY_LINE = regex.compile(rf"(?m)^[ \t]*({_CITY}),[ ]*(?-i:[A-Z]{{2}})[ ]+\d{{5}}")
_RESIDES = r"(?i:\b(?:lives?|living|resides?|resident|located|moved))"
_COUNTY = r"[ ](?-i:County|Parish)"
_SERVICE = r"[ ](?-i:EMS|Fire|Police|PD|FD)\b"
CITY_CONTEXT = Gated(
    rf"{_RESIDES}(?i:(?:[ ][\w']+){{0,7}}?[ ](?:in|of|to|outside|near))[ ]+({_CITY})"
    rf"|({_CITY}{_COUNTY})|({_CITY})(?={_SERVICE})",
    _RESIDES,
    _COUNTY,
    _SERVICE,
)
ZIP_AFTER_CITY = regex.compile(
    rf"(?<={_CITY}(?:,[ ]|,?[ ](?-i:[A-Z]{{2}})[ ]))\d{{5}}(?:-\d{{4}})?\b"
)
_ZIP_TAIL = regex.compile(r",?[ ]+(?:(?-i:[A-Z]{2})[ ]+)?(\d{5}(?:-\d{4})?)\b")
US_STATES = words(
    """alabama alaska arizona arkansas california colorado connecticut delaware florida georgia
    hawaii idaho illinois indiana iowa kansas kentucky louisiana maine maryland massachusetts
    michigan minnesota mississippi missouri montana nebraska nevada ohio oklahoma oregon
    pennsylvania tennessee texas utah vermont virginia washington wisconsin wyoming usa america
    guam"""
) | {
    "new hampshire",
    "new jersey",
    "new mexico",
    "new york",
    "north carolina",
    "north dakota",
    "south carolina",
    "south dakota",
    "west virginia",
    "rhode island",
    "puerto rico",
    "district of columbia",
    "virgin islands",
    "american samoa",
    "united states",
}
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
# credentials after a name ('Ibrahim Yoon, LCSW', 'M. Aguirre, MA'): written in capitals
DRUG_NAMES = frozenset(w.lower() for pair in DRUG_PAIRS.items() for w in pair)
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
    re-labelled by its label, contradicted guesses removed; de-duplicated, by start."""
    marks = labels(text)
    places = _places(text)
    added = [(s, False) for s in [*_context_spans(text, marks), *places]]
    spans: list[tuple[Span, bool]] = []
    for span, from_model in [*found, *added]:
        resolved = _resolve(text, marks, span)
        if resolved is not None:
            spans.append((resolved, from_model))
    structured = [s for s, model in spans if not model and s[2] not in NER]
    trusted = [s for s, model in spans if not model]
    context = {s for s, _ in added}
    kept = {
        s
        for s, model in spans
        if not (model and _contradicted(text, s, structured, trusted))
        and not _weak_date(text, s, model)
        and not (s[2] == "PERSON" and _overlaps_any(s, places))  # 'Dr. Charleston NM 31352'
        and not (s not in context and s[2] not in NER and _inside_other(s, context))
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


def _places(text: str) -> list[Span]:
    out: list[Span] = []
    for m in STREET.finditer(text):
        out.append((m.start(), m.end(), "STREET_ADDRESS", CONTEXT_SCORE))
        tail = CITY_AFTER_STREET.match(text, m.end())
        if tail:
            group = next(g for g in CITY_GROUPS if tail.group(g))
            if not all(w in STOP for w in tail.group(group).lower().split()):
                out.append((tail.start(group), tail.end(group), "US_CITY", CONTEXT_SCORE))
                if zip_code := _ZIP_TAIL.match(text, tail.end(group)):
                    out.append((*zip_code.span(1), "US_ZIP_CODE", CONTEXT_SCORE))
    for pattern in (CITY_LINE, CITY_CONTEXT):
        for m in pattern.finditer(text):
            g = next(g for g in range(1, pattern.groups + 1) if m.group(g))
            if m.group(g).lower() not in US_STATES | STOP:
                out.append((m.start(g), m.end(g), "US_CITY", CONTEXT_SCORE))
    out += [
        (m.start(), m.end(), "US_ZIP_CODE", CONTEXT_SCORE) for m in ZIP_AFTER_CITY.finditer(text)
    ]
    return out


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
