"""The human answers merged into a card (``trustaudit card --answers FILE``): a YAML mapping of
field id to text (or a list, for keywords and EHRs). Unknown and measured keys are rejected with
the allowed ones; every answer passes the PHI boundary (``shown.free_text``) like any text a run
shows, so write contacts as roles or team names: an e-mail address or a phone number is masked."""

from __future__ import annotations

import datetime
import re
from pathlib import Path
from typing import Any

from ..errors import SpecError, did_you_mean
from ..inputs.jsonl import json_type
from ..shown import free_text, label
from ..spec.load import read_yaml
from .catalogue import ANSWER_KEYS, FIELDS, FieldSpec
from .evidence import Answer

EXAMPLE = "audits/answers/card-answers.example.yaml"
_SCALARS = (str, int, float, datetime.date)
_DATE = re.compile(r"\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?")


def load_answers(path: Path) -> dict[str, Answer]:
    """The answers in ``path`` by field id (empty answers leave a field open); SpecError naming
    the file, the key, what was found and the fix."""
    raw = read_yaml(path, "answers file", f"Give a YAML file of answers, e.g. {EXAMPLE}.")
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise SpecError(
            f"{path}: expected a mapping of field to answer (e.g. intended_use: ...), got "
            f"{json_type(raw)}. See {EXAMPLE}."
        )
    answers = {}
    for key, value in raw.items():
        spec = _field_spec(path, key)
        answer = _answer(path, spec, value)
        if answer:
            answers[spec.id] = answer
    return answers


def _field_spec(path: Path, key: Any) -> FieldSpec:
    spec = FIELDS.get(str(key))
    if spec is not None and spec.answerable:
        return spec
    shown = label(str(key))
    reason = (
        "is measured by the audit; a person cannot answer it"
        if spec is not None
        else "is not a field of the card"
    )
    raise SpecError(
        f"{path}: key '{shown}' {reason}.{did_you_mean(shown, ANSWER_KEYS)} Allowed keys: "
        f"{', '.join(ANSWER_KEYS)}."
    )


def _answer(path: Path, spec: FieldSpec, value: Any) -> Answer | None:
    """The masked answer: text, or a tuple of texts for a list field; None when empty. A date
    of a checked shape is shown as given (free text would mask it as a date)."""
    if value is None or value == "" or value == []:
        return None
    if spec.dated:
        return _date(path, spec, value)
    if isinstance(value, list) and spec.listed and all(isinstance(v, _SCALARS) for v in value):
        return tuple(free_text(str(v).strip()) for v in value)
    if isinstance(value, _SCALARS) and not isinstance(value, bool):
        text = free_text(str(value).strip())
        return (text,) if spec.listed else text
    expected = "text or a list of texts" if spec.listed else "text"
    raise SpecError(
        f"{path}: {spec.id}: expected {expected}, got {json_type(value)}. Write the answer as "
        f'text, e.g. {spec.id}: "...".'
    )


def _date(path: Path, spec: FieldSpec, value: Any) -> str:
    text = value.isoformat() if isinstance(value, datetime.date) else str(value).strip()
    if _DATE.fullmatch(text):
        return text
    raise SpecError(
        f"{path}: {spec.id}: expected a date as YYYY, YYYY-MM or YYYY-MM-DD, got "
        f'{json_type(value)} {label(text)!r}. Write it e.g. {spec.id}: "2026-11".'
    )
