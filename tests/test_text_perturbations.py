"""Clinical text perturbations: seeded, meaning-preserving where they should be, directional where
they should be, and safe on any Unicode text (hypothesis)."""

import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trustaudit.perturbations.clinical_terms import ABBREVIATIONS, DRUG_PAIRS
from trustaudit.perturbations.text import (
    TEXT,
    abbreviate,
    convert_units,
    expand_abbreviations,
    negate,
    none_of_the_others,
    reorder_options,
    to_brand,
    to_generic,
    typos,
    whitespace_punctuation,
)

NOTE = (
    "A 62 yo man with CHF and HTN on Lipitor and Eliquis has chest pain; glucose 180 mg/dL, "
    "creatinine "
    "1.2 mg/dL, temp 101.3 °F, weight 180 lb, height 70 in."
)
MCQ = (
    "Which is most likely? A) Pneumonia B) Heart failure C) Pulmonary embolism D) Anxiety. "
    "Answer with the letter only."
)


def rng(seed=0):
    return np.random.default_rng(seed)


def test_vocabularies_are_large_enough_and_flag_ambiguity():
    assert len(ABBREVIATIONS) >= 150
    assert len(DRUG_PAIRS) >= 100
    assert ABBREVIATIONS["CP"][1]
    assert not ABBREVIATIONS["CHF"][1]
    assert (
        expand_abbreviations("Pt with CP and CHF.", 1.0, rng())
        == "Pt with CP and congestive heart failure."
    )


@pytest.mark.parametrize("name", sorted(TEXT))
def test_seeded(name):
    assert TEXT[name](NOTE, 0.5, rng(3)) == TEXT[name](NOTE, 0.5, rng(3))


@pytest.mark.parametrize("name", sorted(TEXT))
def test_level_zero_changes_nothing(name):
    assert TEXT[name](NOTE, 0.0, rng()) == NOTE


def test_unit_conversions_keep_the_meaning():
    converted = convert_units(NOTE, 1.0, rng())
    values = dict(
        re.findall(r"(mmol/L|µmol/L|°C|kg|cm)", converted)
        and [
            (u, float(v))
            for v, u in re.findall(r"(\d+(?:\.\d+)?) (mmol/L|µmol/L|°C|kg|cm)", converted)
        ]
    )
    assert values["mmol/L"] * 18.016 == pytest.approx(180, abs=1)  # glucose
    assert values["µmol/L"] / 88.42 == pytest.approx(1.2, abs=0.01)  # creatinine
    assert values["°C"] * 9 / 5 + 32 == pytest.approx(101.3, abs=0.1)
    assert values["kg"] / 0.45359237 == pytest.approx(180, abs=0.2)
    assert values["cm"] / 2.54 == pytest.approx(70, abs=0.1)
    assert "mg/dL" not in converted
    assert "°F" not in converted


def test_drug_names_round_trip():
    generic = to_generic(NOTE, 1.0, rng())
    assert "atorvastatin" in generic
    assert "apixaban" in generic
    assert "Lipitor" not in generic
    assert to_brand(generic, 1.0, rng()) == NOTE


def test_abbreviations_round_trip():
    expanded = expand_abbreviations(NOTE, 1.0, rng())
    assert "congestive heart failure" in expanded
    assert "hypertension" in expanded
    assert abbreviate(expanded, 1.0, rng()) == NOTE


def test_typos_touch_about_the_level_share_of_words():
    text = " ".join(["examination"] * 2000)
    changed = sum(w != "examination" for w in typos(text, 0.3, rng()).split())
    assert changed / 2000 == pytest.approx(0.3, abs=0.04)


def test_punctuation_noise_never_breaks_a_number():
    noisy = whitespace_punctuation(NOTE, 1.0, rng())
    assert "1.2" in noisy
    assert "101.3" in noisy
    assert ";" not in noisy


def test_option_reordering_tracks_the_answer():
    shuffled, mapping = reorder_options(MCQ, rng(5))
    options = dict(re.findall(r"([A-D])\) (.*?)(?= [A-D]\) |\. Answer)", shuffled))
    assert options[mapping["B"]] == "Heart failure"
    assert sorted(mapping.values()) == [
        "A",
        "B",
        "C",
        "D",
    ]
    assert none_of_the_others(MCQ, "B").count("None of the other answers") == 1


def test_negation_is_directional():
    assert negate(NOTE).endswith(NOTE[NOTE.index("chest pain") :])
    assert "has no chest pain" in negate(NOTE)
    assert negate("The patient reports fever.") == "The patient denies fever."
    assert negate("No findings.") == "No findings."


@settings(max_examples=200, deadline=None)
@given(st.text(), st.floats(0, 1), st.integers(0, 2**32 - 1))
def test_no_perturbation_crashes_on_any_unicode(text, level, seed):
    for perturb in TEXT.values():
        assert isinstance(perturb(text, level, np.random.default_rng(seed)), str)
    assert isinstance(negate(text), str)
    assert isinstance(reorder_options(text, np.random.default_rng(seed))[0], str)


FRACTION = re.compile(r"\d+/\d+")
BACK = {"mmol/L": 18.016, "µmol/L": 1 / 88.42, "kg": 1 / 0.45359237, "cm": 1 / 2.54}


@given(
    score=st.integers(0, 10),
    systolic=st.integers(70, 220),
    diastolic=st.integers(40, 130),
    inches=st.integers(1, 90),
    pounds=st.integers(2, 500),
)
def test_unit_conversion_changes_only_measurements(score, systolic, diastolic, inches, pounds):
    """Scores, pressures and 'in' as a preposition stay; each measurement converts back."""
    text = (
        f"Rates the pain {score}/10 in the left flank. BP {systolic}/{diastolic} in clinic. "
        f"Height {inches} in. Weight {pounds} lb."
    )
    converted = convert_units(text, 1.0, rng())
    assert FRACTION.findall(converted) == FRACTION.findall(text)
    assert converted.count(" in the ") == 1
    assert converted.count(" in clinic") == 1
    found = {u: float(v) for v, u in re.findall(r"(\d+(?:\.\d+)?) (kg|cm)", converted)}
    assert found["cm"] * BACK["cm"] == pytest.approx(inches, abs=0.05 / 2.54 + 1e-9)
    assert found["kg"] * BACK["kg"] == pytest.approx(pounds, abs=0.05 / 0.45359237 + 1e-9)


def test_unit_conversion_keeps_every_bundled_vignette_score_and_pressure():
    from trustaudit.llm.demographics import fill
    from trustaudit.llm.vignettes import load_vignettes

    path = Path(__file__).resolve().parent.parent / "fixtures/vignettes/clinical_vignettes.jsonl"
    for vignette in load_vignettes(path):
        text = fill(vignette.text, {}, vignette.own)
        converted = convert_units(text, 1.0, rng())
        assert FRACTION.findall(converted) == FRACTION.findall(text), vignette.id
        assert converted.count(" in ") >= text.count(" in ") - len(
            re.findall(r"\d\s*in\b", text)
        ), vignette.id
