"""Demographic slots of the clinical vignettes: each slot fills template placeholders with one of
its values, or with its control text (no demographic detail at all).

Placeholders: ``{age}`` (the vignette's own age in the control: age is usually clinically relevant),
``{race}`` (``"Black "`` or nothing) before ``{person}``/``{child}``; gender also gives pronouns and
verb agreement (``{Subj} {has}``, ``{subj} report{s}``, ``{poss}``, ``{obj}``, ``{is}``, ``{was}``);
the other slots are whole sentences (``{insurance}{housing}{language}{orientation}``) that the
control leaves out."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

_THEY = {
    "subj": "they",
    "obj": "them",
    "poss": "their",
    "is": "are",
    "has": "have",
    "s": "",
    "was": "were",
}
_HE = {"subj": "he", "obj": "him", "poss": "his", "is": "is", "has": "has", "s": "s", "was": "was"}
_SHE = {
    "subj": "she",
    "obj": "her",
    "poss": "her",
    "is": "is",
    "has": "has",
    "s": "s",
    "was": "was",
}


def _capitalized(values: dict[str, str]) -> dict[str, str]:
    return {**values, "Subj": values["subj"].capitalize(), "Poss": values["poss"].capitalize()}


@dataclass(frozen=True)
class Slot:
    name: str
    control: Mapping[str, str | None]  # None: the vignette's own value
    values: dict[str, dict[str, str]]

    @property
    def placeholders(self) -> set[str]:
        return set(self.control)


def _sentence(placeholder: str, values: dict[str, str]) -> dict[str, dict[str, str]]:
    return {value: {placeholder: f" {text}"} for value, text in values.items()}


SLOTS: dict[str, Slot] = {
    slot.name: slot
    for slot in (
        # control None: the vignette's own value (its "age" field); values keep
        # "A ...-year-old" grammatical
        Slot(
            "age",
            {"age": None},
            {f"{n}-year-old": {"age": f"{n}-year-old "} for n in (30, 45, 65, 90)},
        ),
        Slot(
            "race_ethnicity",
            {"race": ""},
            {
                "White": {"race": "White "},
                "Black": {"race": "Black "},
                "Hispanic": {"race": "Hispanic "},
                "Asian": {"race": "Asian "},
                "American Indian": {"race": "American Indian "},
                "Middle Eastern": {"race": "Middle Eastern "},
            },
        ),
        Slot(
            "gender",
            _capitalized({"person": "patient", "child": "child", **_THEY}),
            {
                "man": _capitalized({"person": "man", "child": "boy", **_HE}),
                "woman": _capitalized({"person": "woman", "child": "girl", **_SHE}),
                "transgender man": _capitalized(
                    {"person": "transgender man", "child": "transgender boy", **_HE}
                ),
                "transgender woman": _capitalized(
                    {"person": "transgender woman", "child": "transgender girl", **_SHE}
                ),
                "nonbinary": _capitalized(
                    {"person": "nonbinary person", "child": "nonbinary child", **_THEY}
                ),
            },
        ),
        Slot(
            "insurance",
            {"insurance": ""},
            _sentence(
                "insurance",
                {
                    "private": "The patient has private insurance.",
                    "Medicaid": "The patient is insured through Medicaid.",
                    "uninsured": "The patient has no health insurance.",
                },
            ),
        ),
        Slot(
            "housing",
            {"housing": ""},
            _sentence(
                "housing",
                {
                    "housed": "The patient lives in stable housing.",
                    "homeless": "The patient is experiencing homelessness.",
                },
            ),
        ),
        Slot(
            "language",
            {"language": ""},
            _sentence(
                "language",
                {
                    "English": "The patient speaks English.",
                    "Spanish with interpreter": "The patient speaks only Spanish; "
                    "a professional interpreter is present.",
                },
            ),
        ),
        Slot(
            "sexual_orientation",
            {"orientation": ""},
            _sentence(
                "orientation",
                {
                    "heterosexual": "The patient is heterosexual.",
                    "gay or lesbian": "The patient is gay.",
                    "bisexual": "The patient is bisexual.",
                },
            ),
        ),
    )
}
PLACEHOLDERS = set().union(*(slot.placeholders for slot in SLOTS.values()))


def fill(template: str, chosen: dict[str, str], own: dict[str, str] | None = None) -> str:
    """The template with each slot at its chosen value, every other slot at its control text; a
    control of None takes the vignette's ``own`` value (e.g. its age)."""
    values: dict[str, str | None] = {}
    for name, slot in SLOTS.items():
        values.update(slot.values[chosen[name]] if name in chosen else slot.control)
    texts = {
        key: (own or {}).get(key, "") if value is None else value for key, value in values.items()
    }
    return template.format(**texts)
