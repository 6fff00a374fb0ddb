"""The independent PHI evaluation corpus (fixtures/phi/eval): exact, non-overlapping gold spans,
seeded determinism, disjoint tune/heldout template pools and enough items per category."""

from __future__ import annotations

from collections import Counter

import pytest

pytest.importorskip("faker")

from fixtures.phi.eval import SPLITS, all_templates, generate
from fixtures.phi.eval.names import NAMES
from fixtures.phi.eval.templates import LAYOUTS

CATEGORIES = set("ABCDEFGHIJKLMNOR")  # the Safe Harbor letters that can be detected in text


@pytest.fixture(scope="module", params=SPLITS)
def corpus(request):
    return request.param, generate(600, seed=0, split=request.param)


def test_spans_are_exact_and_do_not_overlap(corpus):
    _, notes = corpus
    for note in notes:
        end = 0
        for span in note["spans"]:
            value = note["text"][span["start"] : span["end"]]
            assert value and value == value.strip()
            assert span["start"] >= end
            assert span["category"] in CATEGORIES and span["kind"]
            end = span["end"]


def test_every_category_has_enough_items(corpus):
    _, notes = corpus
    counts = Counter(s["category"] for note in notes for s in note["spans"])
    assert set(counts) == CATEGORIES
    assert min(counts.values()) >= 100, counts


def test_every_layout_is_present(corpus):
    _, notes = corpus
    assert {note["layout"] for note in notes} == set(LAYOUTS)


@pytest.mark.parametrize("split", SPLITS)
def test_same_seed_same_notes_other_seed_other_notes(split):
    assert generate(40, seed=3, split=split) == generate(40, seed=3, split=split)
    assert generate(40, seed=3, split=split) != generate(40, seed=4, split=split)


def test_the_splits_share_no_template():
    tune, heldout = (all_templates(split) for split in SPLITS)
    assert {t.id for t in tune}.isdisjoint(t.id for t in heldout)
    assert {t.text for t in tune}.isdisjoint(t.text for t in heldout)
    used = {split: {i for n in generate(80, 0, split) for i in n["templates"]} for split in SPLITS}
    assert used["tune"] <= {t.id for t in tune} and used["heldout"] <= {t.id for t in heldout}


def test_the_splits_share_no_hand_made_name():
    tune, heldout = (
        {name for firsts, lasts in NAMES[split].values() for name in (*firsts, *lasts)}
        for split in SPLITS
    )
    assert tune.isdisjoint(heldout)


def test_unknown_split_is_refused():
    with pytest.raises(ValueError, match="split"):
        generate(1, split="train")
