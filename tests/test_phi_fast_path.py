"""The fast path gives the reference path's spans (issue 13, item 4): ``scan`` (spaCy in batches,
a pool of workers) finds exactly what ``find_phi`` (presidio's ``analyze()``, one text at a time)
finds on notes trustaudit's authors did not write, and the shortcuts the context rules take to run
faster (patterns gated by their trigger, one word-boundary check around the label alternation, a
first-character check on dates) change no match."""

from __future__ import annotations

import pytest

from fixtures.phi.eval import generate

regex = pytest.importorskip("regex")  # comes with the privacy extra (presidio)
pytestmark = pytest.mark.extra("privacy")


@pytest.fixture(scope="module")
def texts() -> list[str]:
    """The tune split (the one split that may be read while tuning), with trustaudit's own
    look-alike characters mapped as the recognizers see them."""
    from trustaudit.phi.recognizers import plain_characters

    return [plain_characters(n["text"]) for n in generate(300, 0, "tune")]


def test_scan_finds_what_find_phi_finds_on_the_tune_split(texts):
    from trustaudit.phi.recognizers import find_phi, scan

    expected = [find_phi(text) for text in texts]
    assert sum(map(len, expected)) > 10 * len(texts)  # the notes are full of PHI
    assert scan(texts, batch_size=32, n_process=2) == expected
    assert scan(texts[:100], batch_size=16) == expected[:100]


def _gated():
    from trustaudit.phi import names, refine
    from trustaudit.phi.gated import Gated

    return {
        f"{module.__name__}.{name}": value
        for module in (names, refine)
        for name, value in vars(module).items()
        if isinstance(value, Gated)
    }


def _spans(matches) -> list[tuple[tuple[int, int], ...]]:
    return [tuple(m.span(g) for g in range(m.re.groups + 1)) for m in matches]


@pytest.mark.parametrize("name", sorted(_gated()))
def test_a_gated_pattern_matches_what_it_matches_without_its_gate(texts, name):
    gated = _gated()[name]
    skipped = [t for t in texts if not gated.trigger.search(t)]
    assert skipped  # the gate does skip notes
    for text in texts:
        assert _spans(gated.finditer(text)) == _spans(gated.pattern.finditer(text))


def test_a_gate_must_be_a_part_of_its_pattern():
    from trustaudit.phi.gated import Gated

    with pytest.raises(ValueError, match="not a part of the pattern"):
        Gated(r"(\w+)(?=, MD)", r", DO")


def test_labels_are_those_one_pattern_per_label_finds(texts):
    """The label alternation checks the word boundaries once around all branches; checked in every
    branch (as written before), it finds the same labels."""
    from trustaudit.phi.labels import _LABEL_RE, LABELS

    per_branch = regex.compile(
        "|".join(
            rf"(?P<L{i}>(?<![\w/])(?:{alternation})(?![\w/]))"
            for i, (_, alternation) in enumerate(LABELS)
        ),
        regex.IGNORECASE,
    )
    for text in texts:
        found = [(m.span(), m.lastgroup) for m in _LABEL_RE.finditer(text)]
        assert found == [(m.span(), m.lastgroup) for m in per_branch.finditer(text)]


def test_dates_are_those_found_without_the_first_character_check(texts):
    from trustaudit.phi.refine import DATES

    check = "(?=[\\dJFMASOND])"
    assert DATES.pattern.startswith(check)
    unchecked = regex.compile(DATES.pattern[len(check) :], DATES.flags)
    for text in texts:
        assert _spans(DATES.finditer(text)) == _spans(unchecked.finditer(text))
