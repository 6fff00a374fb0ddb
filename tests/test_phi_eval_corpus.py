"""The independent PHI evaluation corpus (fixtures/phi/eval): exact, non-overlapping gold spans,
seeded determinism, disjoint tune/dev/heldout/check template pools, names, vocabularies and Faker
locales, and enough items per category."""

from __future__ import annotations

from collections import Counter
from itertools import combinations

import pytest

pytest.importorskip("faker")

from fixtures.phi.eval import SPLITS, all_templates, generate, vocab
from fixtures.phi.eval.names import FAKER_LOCALES, NAMES
from fixtures.phi.eval.templates import LAYOUTS

PAIRS = list(combinations(SPLITS, 2))

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


@pytest.mark.parametrize(("a", "b"), PAIRS)
def test_the_splits_share_no_template(a, b):
    ta, tb = all_templates(a), all_templates(b)
    assert {t.id for t in ta}.isdisjoint(t.id for t in tb)
    assert {t.text for t in ta}.isdisjoint(t.text for t in tb)


@pytest.mark.parametrize("split", SPLITS)
def test_notes_use_their_own_split_templates(split):
    ids = {t.id for t in all_templates(split)}
    assert {i for n in generate(80, 0, split) for i in n["templates"]} <= ids


@pytest.mark.parametrize(("a", "b"), PAIRS)
def test_the_splits_share_no_hand_made_name_nor_faker_locale(a, b):
    na, nb = (
        {name for firsts, lasts in NAMES[split].values() for name in (*firsts, *lasts)}
        for split in (a, b)
    )
    assert na.isdisjoint(nb)
    assert set(FAKER_LOCALES[a]).isdisjoint(FAKER_LOCALES[b])


@pytest.mark.parametrize(("a", "b"), PAIRS)
def test_the_splits_share_no_filler_vocabulary(a, b):
    for table in (
        vocab.MEDS,
        vocab.SCORES,
        vocab.EPONYMS,
        vocab.STATES,
        vocab.STATE_CODES,
        vocab.STREETS,
        vocab.CITIES,
        vocab.COUNTIES,
        vocab.ORGS,
        vocab.EMAIL_HOSTS,
    ):
        assert set(table[a]).isdisjoint(table[b])
    assert {lab[0] for lab in vocab.LABS[a]}.isdisjoint(lab[0] for lab in vocab.LABS[b])


@pytest.fixture(scope="module")
def category_counts():
    return {split: Counter(s["category"] for n in generate(600, 0, split) for s in n["spans"])
            for split in SPLITS}  # fmt: skip


@pytest.mark.parametrize("split", ["dev", "check"])
def test_later_splits_are_like_the_others(split, category_counts):
    """dev and check: every category present in any other split (each with at least 100 gold
    items at n=600), all eight layouts and about as many templates as tune."""
    others = set().union(*(set(c) for s, c in category_counts.items() if s != split))
    assert set(category_counts[split]) >= others
    assert min(category_counts[split].values()) >= 100, category_counts[split]
    assert 0.75 <= len(all_templates(split)) / len(all_templates("tune")) <= 1.5


def test_check_look_alikes_are_never_gold():
    """check: NDC codes, drug and vaccine lots, CPT and ICD-10 codes are in the text, not the gold
    (the filler slots have no Safe Harbor letter)."""
    from fixtures.phi.eval.slots import SLOTS

    for name in ("ndc", "lot", "cpt", "icd", "refr", "relday", "room", "weekday"):
        assert SLOTS[name].category is None
    for name, kind in (("group", "group_id"), ("rxnum", "rx_number"), ("nick", "name")):
        assert SLOTS[name].category and SLOTS[name].kind == kind
    texts = [t.text for t in all_templates("check")]
    assert all(any("{" + name in t for t in texts) for name in ("ndc", "lot", "cpt", "icd"))


def test_unknown_split_is_refused():
    with pytest.raises(ValueError, match="split"):
        generate(1, split="train")
