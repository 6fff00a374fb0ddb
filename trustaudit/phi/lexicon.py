"""English verbs, adjectives and adverbs, from the WordNet word lists that spaCy's English
lemmatizer ships in the installed pipeline (offline). A lowercase word where a name could stand
('pt seen', 'daughter parked', 'handoff to laura') is a name only if it is not one of these: what
someone did or how, not who. Nouns are not used: many names are nouns too (Grace, Hunter, Rosa)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

PARTS_OF_SPEECH = ("verb", "adj", "adv")


@lru_cache(maxsize=1)
def _tables() -> tuple[dict[str, frozenset[str]], Any, Any]:
    import spacy.util
    from spacy.lookups import Lookups

    from .recognizers import SPACY_MODEL

    package = spacy.util.get_package_path(SPACY_MODEL)
    lookups = Lookups().from_disk(next(package.glob("*/lemmatizer/lookups")))
    index = lookups.get_table("lemma_index")
    return (
        {pos: frozenset(index[pos]) for pos in PARTS_OF_SPEECH},
        lookups.get_table("lemma_exc"),
        lookups.get_table("lemma_rules"),
    )


@lru_cache(maxsize=65536)
def is_base_form(word: str) -> bool:
    """Whether ``word`` is itself the lemma of an English verb, adjective or adverb ('grace',
    'amber', 'frank'), not an inflected form ('brought', 'says'): such words are names as often."""
    index, _, _ = _tables()
    return any(word.lower() in index[pos] for pos in PARTS_OF_SPEECH)


@lru_cache(maxsize=65536)
def is_english_word_form(word: str) -> bool:
    """Whether ``word`` is a form of an English verb, adjective or adverb ('parked', 'seen')."""
    index, exceptions, rules = _tables()
    word = word.lower()
    for pos in PARTS_OF_SPEECH:
        lemmas = index[pos]
        if word in lemmas or word in exceptions.get(pos, {}):
            return True
        for suffix, replacement in rules.get(pos, []):
            if word.endswith(suffix) and word[: len(word) - len(suffix)] + replacement in lemmas:
                return True
    return False
