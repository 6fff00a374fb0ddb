"""Recognition on notes trustaudit's recognizers were not written from: the tune split of the
independent evaluation corpus (fixtures/phi/eval; its held-out split is scored only by
``benchmarks/bench_phi.py --final``). A regression in any category fails here."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from fixtures.phi.eval import generate
from trustaudit.phi.safe_harbor import SAFE_HARBOR

pytestmark = pytest.mark.extra("privacy")
LETTERS = [c.letter for c in SAFE_HARBOR if c.entities]


@pytest.fixture(scope="module")
def notes() -> list[dict]:
    return generate(600, 0, "tune")


@pytest.fixture(scope="module")
def counts(notes) -> dict[str, Counter]:
    from benchmarks.bench_phi import score
    from trustaudit.phi.recognizers import scan

    return score(notes, scan([n["text"] for n in notes], n_process=2))


def name_regions(note: dict) -> int:
    """Gold names counted as one per place: the corpus writes "LAST, FIRST" as two gold items
    (two slots), and a person's name written in one place is one identifier."""
    ends: list[int] = []
    names = sorted((s for s in note["spans"] if s["category"] == "A"), key=lambda s: s["start"])
    for span in names:
        if not (ends and re.fullmatch(r"[\s,]*", note["text"][ends[-1] : span["start"]])):
            ends.append(0)
        ends[-1] = span["end"]
    return len(ends)


@pytest.mark.parametrize("letter", LETTERS)
def test_recall_and_precision_per_category(counts, letter):
    c = counts[letter]
    assert c["found"] / c["gold"] >= 0.98
    assert c["correct"] / c["detected"] >= 0.97


@pytest.mark.parametrize("letter", LETTERS)
def test_counts_per_category_match_the_gold_counts(counts, notes, letter):
    """What phi_scan counts per category is the gold count, within the recall error: spans land
    in the right category (names: one per place, see ``name_regions``)."""
    c = counts[letter]
    gold = sum(map(name_regions, notes)) if letter == "A" else c["gold"]
    assert abs(c["detected"] - gold) <= max(c["gold"] - c["found"], 0.02 * gold)


@pytest.fixture(scope="module", params=["dev", "check"])
def other_author(request) -> tuple[str, dict[str, Counter]]:
    """The splits written by two more authors (the rules were tuned on them after a first score:
    0.969 and 0.968 overall then, 0.997 after): a floor against regressions, a little below the
    targets the tune split is held to."""
    from benchmarks.bench_phi import score
    from trustaudit.phi.recognizers import scan

    notes = generate(600, 0, request.param)
    return request.param, score(notes, scan([n["text"] for n in notes], n_process=2))


def test_other_authors_notes_hold_a_floor(other_author):
    split, counts = other_author
    total = sum(counts.values(), start=Counter())
    assert total["found"] / total["gold"] >= 0.99, split
    assert total["correct"] / total["detected"] >= 0.99, split
    weak = {
        letter: round(c["found"] / c["gold"], 3)
        for letter, c in counts.items()
        if c["gold"] and c["found"] / c["gold"] < 0.98
    }
    assert weak == {}, split
