"""Places found by their shape and context: street addresses (USPS suffixes, post-directionals,
units, post office and highway-contract boxes, lowercase shorthand), the city and ZIP code after
them, cities before a state and ZIP, in residence phrases, before a county or an emergency service.
"""

from __future__ import annotations

import regex

from .gated import Gated
from .names import STOP, words
from .patterns import STREET_SUFFIXES

Span = tuple[int, int, str, float]  # start, end, entity, score
CONTEXT_SCORE = 0.95  # above presidio's patterns: the label or context is the evidence

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
_NOT_PLACES = US_STATES | STOP  # a state or a word of the notes names no smaller place


# a form's field: 'City: Springfield', 'Zip: 01103', 'Address: Flat 3, 12 Baker Street, London'
FORM_FIELD = regex.compile(
    r"(?i:(?<![\w])(?<!(?:e-?mail|ip|mac|web)[ ])(?:(?P<city>city|town|municipality|county"
    r"|parish)|(?P<zip>zip(?:[ ]?code)?"
    r"|postal[ ]code|post[ ]?code)|(?P<street>(?:home[ ]|street[ ]|mailing[ ])?address|addr"
    r"|street|residence))[ \t]*[:=][ \t]*)(?P<value>[^\s|;](?:[^\n|;\t]*?[^\s|;,.])??)"
    r"(?=[ \t]*(?:$|\n|[ ]{2,}|\t|\||;))"
)
FIELD_ENTITY = {"city": "US_CITY", "zip": "US_ZIP_CODE", "street": "STREET_ADDRESS"}
# postcodes of the UK ('W1U 6XY') and Canada ('K1A 0B1', with its space: 'T2N1M0' is a stage)
POSTCODE = regex.compile(
    r"(?<![\w-])(?:[A-Z]{1,2}\d[A-Z\d]?[ ]\d[A-Z]{2}|[ABCEGHJ-NPRSTVXY]\d[A-Z][ ]\d[A-Z]\d)"
    r"(?![\w-])"
)
# a European address: 'Musterstraße 12, 10115 Berlin', '12 rue de la Paix, 75002 Paris'
_EURO_STREET = (
    r"(?:\p{Lu}[\p{L}.'’-]*[ ]){0,3}\p{Lu}[\p{L}'’-]*(?i:straße|strasse|str\.|weg|gasse|platz"
    r"|allee|ring|damm|ufer|straat|laan|plein|gracht|kade|gatan|vägen|gade|vej|veien|gata)"
    r"[ ]\d{1,4}[a-zA-Z]?"
    r"|\d{1,4}(?:[ ]?(?:bis|ter))?,?[ ](?i:rue|avenue|av\.|boulevard|bd|chemin|allée|impasse"
    r"|place|quai|via|viale|piazza|calle|avenida|rua|travessa|ulica|ul\.)[ ][^\n,;\d]{2,40}?"
)
EURO_ADDRESS = regex.compile(
    rf"(?P<street>{_EURO_STREET}),[ ]*(?P<zip>\d{{4,5}})[ ](?P<city>{_CITY})"
)


def places(text: str) -> list[Span]:
    """Every street address, city and ZIP code its shape or context marks."""
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
            if m.group(g).lower() not in _NOT_PLACES:
                out.append((m.start(g), m.end(g), "US_CITY", CONTEXT_SCORE))
    out += [
        (m.start(), m.end(), "US_ZIP_CODE", CONTEXT_SCORE) for m in ZIP_AFTER_CITY.finditer(text)
    ]
    return out + _forms_and_abroad(text, out)


def _forms_and_abroad(text: str, known: list[Span]) -> list[Span]:
    """Places a form's field names, UK and Canadian postcodes, European addresses."""
    out: list[Span] = [(*m.span(), "US_ZIP_CODE", CONTEXT_SCORE) for m in POSTCODE.finditer(text)]
    for m in EURO_ADDRESS.finditer(text):
        if m.group("city").lower() not in _NOT_PLACES:
            out += [(*m.span(g), e, CONTEXT_SCORE) for g, e in FIELD_ENTITY.items()]
    for m in FORM_FIELD.finditer(text):
        kind = next(k for k in FIELD_ENTITY if m.group(k))
        value, span = m.group("value"), m.span("value")
        if value.lower() in _NOT_PLACES or not any(c.isdigit() or c.isupper() for c in value):
            continue
        if kind == "street" and ("@" in value or not any(c.isdigit() for c in value)):
            continue  # 'Address: Homeless', an e-mail address: not a street
        if kind == "street" and any(o[0] < span[1] and o[1] > span[0] for o in known + out):
            continue  # the address rules found its parts: the field adds nothing
        out.append((*span, FIELD_ENTITY[kind], CONTEXT_SCORE))
    return out
