"""Map a model's free-text answer to a decision. Every answer gets an explicit outcome:
``answer`` (with its label), ``refused`` or ``unparseable``; nothing is dropped or guessed.

Kinds: ``choice`` (labels with synonyms or regex patterns), ``letter`` (multiple choice),
``yes_no``, ``number`` (a dose or count, optionally with its unit). When an answer mentions several
options, the one it opens with wins; if it opens with none, it is unparseable."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal, cast

from ..errors import SpecError

Outcome = Literal["answer", "refused", "unparseable"]

REFUSAL = re.compile(
    r"\b(i\s+(?:can(?:no|')t|cannot|am\s+(?:not\s+able|unable)|won't|will\s+not)"
    r"\s+(?:provide|give|make|answer|help|offer|recommend|diagnose)"
    r"|i'm\s+(?:not\s+able|unable|sorry)|as\s+an\s+ai\b|not\s+able\s+to\s+provide\s+medical|"
    r"(?:please\s+)?consult\s+(?:a|your)\s+(?:doctor|physician|healthcare|medical))",
    re.I,
)
_LEADING = re.compile(
    r"^[\s\"'*_`>#:\-–—(\[]*"  # quotes, markdown marks, dashes and brackets before the answer
    r"(?:answer|decision|recommendation|final answer)?\s*[:\-–—]?\s*",
    re.I,
)


@dataclass(frozen=True)
class Extraction:
    outcome: Outcome
    label: str | None = None


def _synonym_pattern(synonym: str) -> re.Pattern[str]:
    """A ``re:`` pattern as written, or the synonym as a whole word (case-insensitive)."""
    if synonym.startswith("re:"):
        return re.compile(synonym[3:], re.I)
    return re.compile(rf"(?<![\w-]){re.escape(synonym)}(?![\w-])", re.I)


@dataclass(frozen=True)
class ChoiceExtractor:
    """Labels with their synonyms (whole words, case-insensitive) or ``re:`` patterns."""

    choices: dict[str, tuple[str, ...]]
    _patterns: dict[str, list[re.Pattern[str]]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        patterns = {
            label: [_synonym_pattern(s) for s in synonyms]
            for label, synonyms in self.choices.items()
        }
        object.__setattr__(self, "_patterns", patterns)

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(self.choices)

    def __call__(self, text: str) -> Extraction:
        body = _LEADING.sub("", text.strip(), count=1)
        found = {}
        for label, patterns in self._patterns.items():
            starts = [match.start() for match in (p.search(body) for p in patterns) if match]
            if starts:
                found[label] = min(starts)
        if len(found) == 1:
            return Extraction("answer", next(iter(found)))
        if found:
            first = min(found, key=lambda label: found[label])
            if found[first] == 0:
                return Extraction("answer", first)
        return Extraction("refused") if REFUSAL.search(text) else Extraction("unparseable")


def choice(choices: dict[str, list[str] | tuple[str, ...]]) -> ChoiceExtractor:
    """Each label counts as its own synonym."""
    return ChoiceExtractor({label: (label, *synonyms) for label, synonyms in choices.items()})


def letter(options: str = "ABCD") -> ChoiceExtractor:
    """A multiple-choice letter: 'B', '(B)', 'B)', 'B.', 'Answer: B', 'option B', 'the answer is
    B'."""
    return ChoiceExtractor(
        {
            o: (
                rf"re:^\(?{o}\)?(?:[.):*]|\s*$)",
                rf"re:\b(?:answer|option)\s*(?:is\s*)?:?\s*\(?{o}\b",
            )
            for o in options
        }
    )


def yes_no() -> ChoiceExtractor:
    return ChoiceExtractor(
        {"yes": ("re:^yes\\b", "re:\\byes\\b"), "no": ("re:^no\\b", "re:^no[,.]", "re:\\bno\\b")}
    )


@dataclass(frozen=True)
class NumberExtractor:
    """The first number (optionally followed by ``unit``), as its text: ``400`` from '400 mg every 6
    hours'."""

    unit: str | None = None

    @property
    def labels(self) -> tuple[str, ...]:
        return ()

    def __call__(self, text: str) -> Extraction:
        unit = rf"\s*{re.escape(self.unit)}\b" if self.unit else ""
        match = re.search(rf"(?<![\w.])(\d+(?:\.\d+)?){unit}", text, re.I)
        if match:
            value = float(match.group(1))
            return Extraction("answer", f"{value:g}")
        return Extraction("refused") if REFUSAL.search(text) else Extraction("unparseable")


def make_extractor(config: dict[str, Any], where: str):
    """Build an extractor from a vignette's ``decision`` (or an auditor parameter)."""
    kind = config.get("kind")
    if kind == "choice":
        choices = config.get("choices")
        _check_choices(choices, f"{where}.choices")
        return choice(cast(dict[str, Any], choices))
    if kind == "letter":
        options = config.get("options", "ABCD")
        if (
            not isinstance(options, str)
            or len(options) < 2
            or len(set(options)) != len(options)
            or not options.isalnum()
        ):
            raise SpecError(
                f"{where}.options: expected two or more distinct letters or digits as one text, "
                'e.g. "ABCD".'
            )
        return letter(options)
    if kind == "yes_no":
        return yes_no()
    if kind == "number":
        unit = config.get("unit")
        if unit is not None and not isinstance(unit, str):
            raise SpecError(f'{where}.unit: expected text such as "mg", got {type(unit).__name__}.')
        return NumberExtractor(unit)
    raise SpecError(
        f"{where}.kind: unknown decision kind {kind!r}. Expected choice, letter, yes_no or number."
    )


def _check_choices(choices: Any, where: str) -> None:
    """Synonyms must be lists of text (a bare text would be split into letters) and patterns
    must compile."""
    if not isinstance(choices, dict) or len(choices) < 2:
        raise SpecError(f"{where}: a choice decision needs at least two labels with synonym lists.")
    for label, synonyms in choices.items():
        if not isinstance(synonyms, list) or not all(isinstance(s, str) for s in synonyms):
            raise SpecError(
                f'{where}.{label}: expected a list of synonyms as text, e.g. ["admitted"].'
            )
        for i, pattern in [(i, s[3:]) for i, s in enumerate(synonyms) if s.startswith("re:")]:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise SpecError(
                    f"{where}.{label}[{i}]: invalid regular expression ({exc}). Fix the pattern, "
                    "or drop the 're:' prefix to match the words literally."
                ) from None
