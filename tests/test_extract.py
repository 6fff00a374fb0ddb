"""Answer extraction, table-driven: free text -> (outcome, label)."""

import pytest

from trustaudit.errors import SpecError
from trustaudit.llm.extract import NumberExtractor, choice, letter, make_extractor, yes_no

ADMIT = choice(
    {
        "admit": ["admitted", "admission", "hospitalize"],
        "discharge": ["discharged", "send home", "home"],
    }
)

CASES = [
    (ADMIT, "Admit.", ("answer", "admit")),
    (ADMIT, "admit", ("answer", "admit")),
    (ADMIT, "**Admit** the patient to the cardiac unit.", ("answer", "admit")),
    (ADMIT, "Answer: discharge", ("answer", "discharge")),
    (ADMIT, "The patient should be discharged home with follow-up.", ("answer", "discharge")),
    (ADMIT, "Admit rather than discharge, given the ST elevation.", ("answer", "admit")),
    (ADMIT, "Between discharge and admit, I lean towards admission.", ("unparseable", None)),
    (ADMIT, "Readmit later.", ("unparseable", None)),
    (
        ADMIT,
        "I'm sorry, but I cannot provide medical advice. Please consult a doctor.",
        ("refused", None),
    ),
    (ADMIT, "As an AI, I can't make that decision.", ("refused", None)),
    (ADMIT, "", ("unparseable", None)),
    (ADMIT, "It depends on the troponin.", ("unparseable", None)),
    (letter(), "B", ("answer", "B")),
    (letter(), "(C) Pulmonary embolism", ("answer", "C")),
    (letter(), "The answer is D.", ("answer", "D")),
    (letter(), "A. Aortic dissection", ("answer", "A")),
    (letter(), "Based on the history, the best option is B) sepsis", ("answer", "B")),
    (letter(), "A patient like this needs care.", ("unparseable", None)),
    (letter(), "**C**", ("answer", "C")),
    (yes_no(), "Yes.", ("answer", "yes")),
    (yes_no(), "No, opioids are not indicated.", ("answer", "no")),
    (yes_no(), "Yes, there is no contraindication.", ("answer", "yes")),
    (yes_no(), "I cannot recommend a treatment.", ("refused", None)),
    (NumberExtractor("mg"), "Give 400 mg every 6 hours.", ("answer", "400")),
    (NumberExtractor("mg"), "I would give 7.5mg.", ("answer", "7.5")),
    (NumberExtractor(), "Dose: 10", ("answer", "10")),
    (NumberExtractor("mg"), "A moderate dose.", ("unparseable", None)),
]


@pytest.mark.parametrize(
    "extractor, text, expected", CASES, ids=[c[1][:40] or "empty" for c in CASES]
)
def test_extraction(extractor, text, expected):
    result = extractor(text)
    assert (result.outcome, result.label) == expected


def test_make_extractor_from_config():
    assert make_extractor({"kind": "choice", "choices": {"a": ["x"], "b": ["y"]}}, "v").labels == (
        "a",
        "b",
    )
    assert make_extractor({"kind": "letter", "options": "ABC"}, "v").labels == ("A", "B", "C")
    assert make_extractor({"kind": "number", "unit": "mg"}, "v")("50 mg").label == "50"
    with pytest.raises(SpecError, match=r"v.kind: unknown decision kind 'essay'"):
        make_extractor({"kind": "essay"}, "v")
    with pytest.raises(SpecError, match="at least two labels"):
        make_extractor({"kind": "choice", "choices": {"a": []}}, "v")
