"""The spaCy pipeline presidio runs for trustaudit: named entities only.

PHI recognition reads one thing from spaCy: the entities (names, places, dates). en_core_web_sm's
NER has its own token-to-vector layer, so the shared tok2vec, the tagger, the parser, the attribute
ruler and the lemmatizer (which needs the tagger) do work no recognizer reads: excluded, the
pipeline runs about twice as fast. Lemmas and token offsets feed presidio's context enhancer only,
which trustaudit does not run (the nearest label decides: refine.py), so none are computed.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

UNUSED_COMPONENTS = ("tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer", "senter")


def ner_only_engine(model: str, labels_to_ignore: list[str]) -> Any:
    """A loaded presidio NLP engine running only ``model``'s NER (the privacy extra)."""
    import spacy
    from presidio_analyzer.nlp_engine import NerModelConfiguration, NlpArtifacts, SpacyNlpEngine

    class NerOnlySpacyEngine(SpacyNlpEngine):
        def load(self) -> None:
            self.nlp = {  # type: ignore[assignment]  # presidio types it None until loaded
                m["lang_code"]: spacy.load(m["model_name"], exclude=list(UNUSED_COMPONENTS))
                for m in self.models
            }

        def _doc_to_nlp_artifact(self, doc: Any, language: str) -> Any:
            entities = self._get_entities(doc)
            scores = self._get_scores_for_entities(doc)
            entities, scores = self._get_updated_entities(entities, scores)
            return NlpArtifacts(
                entities=entities,
                tokens=doc,
                tokens_indices=[],  # read only by presidio's context enhancer, which is not run
                lemmas=[],  # (recognizers.NoContextBoost): no keyword lookup for every token
                nlp_engine=self,
                language=language,
                scores=scores,
            )

        def artifacts(self, texts: list[str], batch_size: int) -> Iterator[NlpArtifacts]:
            """Each text's artifacts, spaCy run in batches. Unlike presidio's ``process_batch``,
            which hands back ``doc.text`` (the text rebuilt token by token, a tenth of spaCy's
            time on a short note), the caller keeps the text it passed."""
            for doc in self.nlp["en"].pipe(texts, batch_size=batch_size):  # type: ignore[index]
                yield self._doc_to_nlp_artifact(doc, "en")

    engine = NerOnlySpacyEngine(
        models=[{"lang_code": "en", "model_name": model}],
        ner_model_configuration=NerModelConfiguration(labels_to_ignore=labels_to_ignore),
    )
    engine.load()
    return engine
