"""Clinical text perturbations: seeded functions ``(text, level, rng) -> text``; ``level`` is the
share of eligible places changed. All are safe on any Unicode text. Unit conversions keep the
meaning (values are converted, not just relabelled); negation is directional (the answer should
change)."""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np

from .clinical_terms import ABBREVIATIONS, DRUG_PAIRS

TextPerturbation = Callable[[str, float, np.random.Generator], str]
WORD = re.compile(r"\b[^\W\d_]{3,}\b")
NEIGHBOURS = dict(
    zip(
        "qwertyuiopasdfghjklzxcvbnm",
        (
            "wa",
            "qes",
            "wrd",
            "etf",
            "ryg",
            "tuh",
            "yij",
            "uok",
            "ipl",
            "o",
            "qsz",
            "awdx",
            "sefc",
            "drgv",
            "fthb",
            "gyjn",
            "hukm",
            "jil",
            "kop",
            "asx",
            "zdc",
            "xfv",
            "cgb",
            "vhn",
            "bjm",
            "nk",
        ),
        strict=True,
    )
)


def _each(
    pattern: re.Pattern,
    text: str,
    level: float,
    rng: np.random.Generator,
    change: Callable[[str], str],
) -> str:
    """Apply ``change`` to each match of ``pattern`` with probability ``level``."""
    return pattern.sub(lambda m: change(m.group(0)) if rng.random() < level else m.group(0), text)


def typos(text: str, level: float, rng: np.random.Generator) -> str:
    """A keyboard-neighbour substitution, deletion, insertion or transposition in a share of the
    words."""

    def typo(word: str) -> str:
        i = int(rng.integers(len(word) - 1))
        kind = int(rng.integers(4))
        near = NEIGHBOURS.get(word[i].lower(), word[i])
        neighbour = near[int(rng.integers(len(near)))]
        if kind == 0:
            return word[:i] + neighbour + word[i + 1 :]
        if kind == 1:
            return word[:i] + word[i + 1 :]
        if kind == 2:
            return word[:i] + neighbour + word[i:]
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]

    return _each(WORD, text, level, rng, typo)


def casing(text: str, level: float, rng: np.random.Generator) -> str:
    return "".join(c.swapcase() if c.isalpha() and rng.random() < level else c for c in text)


def whitespace_punctuation(text: str, level: float, rng: np.random.Generator) -> str:
    """Double some spaces and drop some punctuation that ends a word (never a decimal point: 1.2
    stays 1.2)."""
    out = []
    for i, c in enumerate(text):
        if c == " " and rng.random() < level:
            out.append("  ")
        elif c in ",;:." and (i + 1 == len(text) or text[i + 1].isspace()) and rng.random() < level:
            continue
        else:
            out.append(c)
    return "".join(out)


def redaction(text: str, level: float, rng: np.random.Generator) -> str:
    return _each(WORD, text, level, rng, lambda word: "[REDACTED]")


_SHORT = re.compile(
    r"(?<![\w/])("
    + "|".join(
        sorted(
            map(re.escape, (a for a, (_, amb) in ABBREVIATIONS.items() if not amb)),
            key=len,
            reverse=True,
        )
    )
    + r")(?![\w/])"
)
_LONG = {long.lower(): short for short, (long, amb) in ABBREVIATIONS.items() if not amb}
_LONG_PATTERN = re.compile(
    r"\b(" + "|".join(sorted(map(re.escape, _LONG), key=len, reverse=True)) + r")\b", re.I
)


def expand_abbreviations(text: str, level: float, rng: np.random.Generator) -> str:
    """Unambiguous abbreviations to their expansions (ambiguous ones, e.g. 'CP', are never
    touched)."""
    return _each(_SHORT, text, level, rng, lambda short: ABBREVIATIONS[short][0])


def abbreviate(text: str, level: float, rng: np.random.Generator) -> str:
    return _each(_LONG_PATTERN, text, level, rng, lambda long: _LONG[long.lower()])


_BRANDS = re.compile(
    r"\b(" + "|".join(sorted(map(re.escape, DRUG_PAIRS), key=len, reverse=True)) + r")\b"
)
_GENERIC_TO_BRAND = {generic: brand for brand, generic in DRUG_PAIRS.items()}
_GENERICS = re.compile(
    r"\b(" + "|".join(sorted(map(re.escape, _GENERIC_TO_BRAND), key=len, reverse=True)) + r")\b",
    re.I,
)


def to_generic(text: str, level: float, rng: np.random.Generator) -> str:
    return _each(_BRANDS, text, level, rng, lambda brand: DRUG_PAIRS[brand])


def to_brand(text: str, level: float, rng: np.random.Generator) -> str:
    return _each(_GENERICS, text, level, rng, lambda generic: _GENERIC_TO_BRAND[generic.lower()])


NUMBER = r"(\d+(?:\.\d+)?)"
# a quantity on its own: not the second half of a score or pressure (8/10, 120/80), not inside a
# longer number or a date
MEASURED = rf"(?<![\d./]){NUMBER}(?![\d/])"
# (pattern with the analyte before the value, unit from, unit to, factor or function)
CONVERSIONS = (
    (
        re.compile(rf"(glucose[^.\d]{{0,25}}){NUMBER}\s*mg/dL", re.I),
        "mmol/L",
        lambda v: v / 18.016,
        1,
    ),
    (
        re.compile(rf"(creatinine[^.\d]{{0,25}}){NUMBER}\s*mg/dL", re.I),
        "µmol/L",
        lambda v: v * 88.42,
        0,
    ),
    (re.compile(rf"(){MEASURED}\s*°F"), "°C", lambda v: (v - 32) * 5 / 9, 1),
    (re.compile(rf"(){MEASURED}\s*(?:lb|lbs|pounds)\b", re.I), "kg", lambda v: v * 0.45359237, 1),
    # "in" is a unit only where a preposition cannot be: before punctuation, the end, or a
    # dimension word ("70 in.", "3 in long"); never in "8/10 in the left flank"
    (
        re.compile(
            rf"(){MEASURED}\s*(?:inches|inch|in(?=\s*(?:[.,;:)]|$|(?:tall|long|wide)\b)))", re.I
        ),
        "cm",
        lambda v: v * 2.54,
        1,
    ),
)


def convert_units(text: str, level: float, rng: np.random.Generator) -> str:
    """Glucose mg/dL -> mmol/L, creatinine mg/dL -> µmol/L, °F -> °C, lb -> kg, in -> cm (values
    converted)."""
    for pattern, unit, convert, digits in CONVERSIONS:

        def converted(
            match: re.Match[str],
            convert: Callable[[float], float] = convert,
            digits: int = digits,
            unit: str = unit,
        ) -> str:
            if rng.random() >= level:
                return match.group(0)
            return f"{match.group(1)}{convert(float(match.group(2))):.{digits}f} {unit}"

        text = pattern.sub(converted, text)
    return text


DISTRACTORS = (
    "The patient's favourite colour is blue.",
    "The waiting room was busy this morning.",
    "The patient enjoys gardening on weekends.",
    "It rained heavily during the night.",
    "The patient's neighbour recently adopted a cat.",
    "The hospital cafeteria was closed for renovation.",
)


def distractors(text: str, level: float, rng: np.random.Generator) -> str:
    """Insert irrelevant sentences after a share of the sentences."""
    sentences = re.split(r"(?<=[.!?])\s+", text)
    out = []
    for sentence in sentences:
        out.append(sentence)
        if rng.random() < level:
            out.append(DISTRACTORS[int(rng.integers(len(DISTRACTORS)))])
    return " ".join(out)


OPTION = re.compile(r"(?<![\w(])([A-E])\)\s+(.*?)(?=\s+[A-E]\)\s+|\.\s+Answer|\s*$)", re.S)


def reorder_options(text: str, rng: np.random.Generator) -> tuple[str, dict[str, str]]:
    """Shuffle inline multiple-choice options ('A) x B) y ...'); returns the text and old letter ->
    new letter."""
    options = OPTION.findall(text)
    if len(options) < 2:
        return text, {}
    order = list(rng.permutation(len(options)))
    letters = [letter for letter, _ in options]
    mapping = {options[old][0]: letters[new] for new, old in enumerate(order)}
    iterator = iter(f"{letters[new]}) {options[old][1]}" for new, old in enumerate(order))
    return OPTION.sub(lambda m: next(iterator), text), mapping


def none_of_the_others(text: str, letter: str) -> str:
    """Replace option ``letter``'s text by 'None of the other answers' (when it was correct, it
    still is)."""
    return OPTION.sub(
        lambda m: (
            f"{m.group(1)}) None of the other answers" if m.group(1) == letter else m.group(0)
        ),
        text,
    )


_NEGATED = {
    "has": "has no",
    "reports": "denies",
    "shows": "shows no",
    "with": "without",
}  # in order of preference


def negate(text: str) -> str:
    """Negate the presenting finding ('has chest pain' -> 'has no chest pain'): a directional
    change."""
    for verb, negated in _NEGATED.items():
        new, count = re.subn(rf"\b{verb}\s+(?!no\b|not\b)", negated + " ", text, count=1)
        if count:
            return new
    return text


TEXT: dict[str, TextPerturbation] = {
    "typos": typos,
    "casing": casing,
    "whitespace_punctuation": whitespace_punctuation,
    "redaction": redaction,
    "expand_abbreviations": expand_abbreviations,
    "abbreviate": abbreviate,
    "to_generic": to_generic,
    "to_brand": to_brand,
    "convert_units": convert_units,
    "distractors": distractors,
}
