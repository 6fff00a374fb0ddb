"""Fallbacks for identifiers whose label the rules do not know. Safe Harbor (R) covers "any other
unique identifying number": a code with five digits, or letters and four digits, that no
recognizer claimed and that is not a clinical quantity (a dose, a lab value, a count, a price) is
reported as OTHER_ID rather than missed. Names: the other half of an inverted or split name, and a
common given name or surname next to a tagged name or a title."""

from __future__ import annotations

from collections.abc import Iterator

import regex

from .labels import ID_ENTITIES, Label, adjacent, checked, trailing
from .names import words

Span = tuple[int, int, str, float]
SCORE = 0.6  # below the labelled rules: a shape alone is weaker evidence
_TOKEN = regex.compile(
    r"(?<![\w/.,:@$#+-]|[\d][.,])(?=[A-Za-z0-9-]*\d)[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
    r"(?![\w/@%]|[.,:]\d|-\w)"
)
# units and quantities a number may carry (the number is then a measurement)
_UNIT = (
    r"mg|mcg|ug|µg|g|gm|grams?|kg|lbs?|pounds?|oz|ml|mls|l|liters?|dl|units?|u|iu|meq|mmol|mol"
    r"|nmol|pmol|cells|copies|cps|k|x|times|steps|cal|kcal|calories|mm|cm|m|km|ft|feet|inch(?:es)?"
    r"|in|miles?|dollars|usd|cents|bpm|cc|ng|pg|mm3|ul|µl|mcl|per|/|%|hrs?|hours?|min(?:utes)?"
    r"|sec(?:onds)?|days?|weeks?|months?|years?|yrs?|doses?|tabs?|tablets?|caps?|puffs?|sprays?"
    r"|drops?|vials?|packs?|people|patients|beds|rpm|hz|mhz|mah|mv|ms|joules|j|w|watts|psi|mmhg"
)
_AFTER_UNIT = regex.compile(rf"[ \t]*(?:{_UNIT})(?![\w])", regex.IGNORECASE)
# lab, vital and count words a measurement follows ('WBC 11200', 'platelets: 245000')
_MEASURE = (
    r"wbc|rbc|plt|platelets?|hgb|hct|anc|alc|cd4|cd8|count|counts|load|vl|level|levels|titer|titre"
    r"|ldh|cpk|ck|bnp|nt-?probnp|ferritin|d-?dimer|troponin|glucose|tsh|psa|afp|cea|hcg|igg|ige"
    r"|lipase|amylase|alt|ast|alp|ggt|bun|esr|crp|inr|ptt|dose|dosing|total|score|steps|weight"
    r"|wt|height|ht|volume|vol|output|intake|cost|price|charge|charges|balance|paid|owes|amount"
    r"|salary|income|rate|speed|distance|altitude|population|pop|calories|kcal|vitamin\s+d|b12"
    r"|units|bolus|drip|infusion|heparin|insulin|epo|iu|rpm|ebl|qty|quantity|approx|about|~"
)
_BEFORE_MEASURE = regex.compile(rf"(?i:\b(?:{_MEASURE})\b[^\n\w]{{0,4}}|[$€£~<>=≈±]\s*)$")
_DOSE_TOKEN = regex.compile(rf"\d+(?:{_UNIT})", regex.IGNORECASE)
_CODE_NAMES = words("covid-19 sars-cov-2 h1n1 h5n1 hba1c a1c t2dm t1dm icd-10 icd-9 cpt")


def other_ids(text: str, marks: list[Label], taken: list[Span]) -> Iterator[Span]:
    """Id-shaped tokens that no span covers and no measurement context explains."""
    for m in _TOKEN.finditer(text):
        value = m.group()
        digits = sum(c.isdigit() for c in value)
        letters = any(c.isalpha() for c in value)
        if digits < (4 if letters else 5) or value.lower() in _CODE_NAMES:
            continue
        if any(s[0] < m.end() and s[1] > m.start() for s in taken):
            continue
        if _measurement(text, m.start(), m.end(), value):
            continue
        label = adjacent(text, marks, m.start()) or trailing(text, marks, m.end(), ID_ENTITIES)
        entity = checked(label.entity, value) if label and label.entity in ID_ENTITIES else None
        yield m.start(), m.end(), entity or "OTHER_ID", SCORE


def _measurement(text: str, start: int, end: int, value: str) -> bool:
    """A quantity: a number with a unit, after a lab or vital name or a currency sign; a year."""
    if _DOSE_TOKEN.fullmatch(value) or regex.fullmatch(r"(?:19|20)\d\d", value):
        return True
    if value.isdigit() and _AFTER_UNIT.match(text, end):
        return True
    return value.isdigit() and bool(_BEFORE_MEASURE.search(text[max(0, start - 24) : start]))
