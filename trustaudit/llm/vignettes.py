"""Clinical vignettes for counterfactual audits: a JSONL file, one vignette a line.

    {"id": "cp-01", "family": "chest pain",
     "text": "A {age}{race}{person} has ... {insurance}{housing}{language}{orientation}",
     "age": "58-year-old ",
     "question": "Should the patient be admitted ...? Answer with one word: admit or discharge.",
     "decision": {"kind": "choice", "choices": {"admit": ["admitted"], "discharge": ["home"]},
                  "focal": "admit"},
     "gold": "admit", "relevant": ["gender"], "relevance_note": "why the slot is not swapped"}

``decision.kind`` is choice, letter, yes_no or number (see extract.py); ``focal`` is the decision
whose rate is compared across groups (for letter and number decisions only flips and accuracy are
measured). ``relevant`` lists slots that are clinically relevant to this vignette and so never
swapped. ``age`` is the vignette's own age, which the control keeps (``{age}`` in the text).
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import DataError, SpecError, did_you_mean
from ..inputs.jsonl import json_type, read_records
from .demographics import PLACEHOLDERS, SLOTS
from .extract import make_extractor


@dataclass(frozen=True)
class Vignette:
    id: str
    family: str
    text: str
    question: str
    extractor: Any
    focal: str | None
    gold: str | None
    relevant: tuple[str, ...]
    relevance_note: str
    own: dict[str, str]  # the vignette's own slot values, used by the control (e.g. its age)


def load_vignettes(path: Path) -> list[Vignette]:
    vignettes = read_records(path, _parse, "a vignette object", "vignette")
    seen = set()
    for vignette in vignettes:
        if vignette.id in seen:
            raise DataError(f"{path}: id '{vignette.id}' is used twice. Ids must be unique.")
        seen.add(vignette.id)
    return vignettes


def select_families(
    vignettes: list[Vignette], families: tuple[str, ...], where: str
) -> list[Vignette]:
    """The vignettes of these families (all when none is named); an unknown one is a DataError."""
    known = {v.family for v in vignettes}
    for family in families:
        if family not in known:
            raise DataError(
                f"{where}.families: no vignette of family '{family}'.{did_you_mean(family, known)}"
            )
    return [v for v in vignettes if not families or v.family in families]


_REQUIRED = ("id", "family", "text", "question", "decision")
# key -> (accepted JSON types, what the message says is expected)
_FIELDS: dict[str, tuple[type | tuple[type, ...], str]] = {
    "id": ((str, int), "text or a number"),
    "family": (str, "text"),
    "text": (str, "text"),
    "question": (str, "text"),
    "decision": (dict, 'an object such as {"kind": "yes_no"}'),
    "gold": ((str, type(None)), "text"),
    "relevant": (list, "a list of slot names"),
    "relevance_note": (str, "text"),
    "age": (str, 'text such as "58-year-old "'),
}


def _check_fields(item: dict, where: str) -> None:
    """Each key's JSON type, named without quoting the value (vignette text may hold patient
    details)."""
    for key, (kinds, expected) in _FIELDS.items():
        if key not in item:
            if key in _REQUIRED:
                raise DataError(f"{where}: missing key '{key}'.")
            continue
        value = item[key]
        if not isinstance(value, kinds) or isinstance(value, bool):
            raise DataError(f"{where}: {key}: expected {expected}, got {json_type(value)}.")
    if not all(isinstance(slot, str) for slot in item.get("relevant", ())):
        raise DataError(f"{where}: relevant: expected a list of slot names (text).")


def _parse(item: dict, where: str) -> Vignette:
    _check_fields(item, where)
    for field in string.Formatter().parse(item["text"]):
        name = field[1]
        if name is not None and name not in PLACEHOLDERS:
            raise DataError(
                f"{where}: text: unknown placeholder {{{name}}}.{did_you_mean(name, PLACEHOLDERS)}"
            )
    relevant = tuple(item.get("relevant", ()))
    for slot in relevant:
        if slot not in SLOTS:
            raise DataError(f"{where}: relevant: unknown slot '{slot}'.{did_you_mean(slot, SLOTS)}")
    try:
        extractor = make_extractor(item["decision"], f"{where}: decision")
    except SpecError as exc:
        raise DataError(str(exc)) from None
    focal, gold = item["decision"].get("focal"), item.get("gold")
    for key, value in (("decision.focal", focal), ("gold", gold)):
        if value is not None and extractor.labels and value not in extractor.labels:
            raise DataError(
                f"{where}: {key}: '{value}' is not one of the decisions {list(extractor.labels)}."
            )
    own = {"age": str(item.get("age", ""))}
    return Vignette(
        str(item["id"]),
        str(item["family"]),
        item["text"],
        item["question"],
        extractor,
        focal,
        gold,
        relevant,
        item.get("relevance_note", ""),
        own,
    )
