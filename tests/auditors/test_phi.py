"""PHI recognizers, table-driven: positives, near misses and check-digit failures, each with its
Safe Harbor category; masking. Runs presidio with the real offline spaCy pipeline."""

import pytest

from trustaudit.phi.masking import mask, partial
from trustaudit.phi.patterns import vin_check_digit_ok
from trustaudit.phi.recognizers import find_phi, resolve_overlaps
from trustaudit.phi.safe_harbor import NOT_COVERED, SAFE_HARBOR

pytestmark = pytest.mark.extra("privacy")


def _vin(body: str) -> str:
    """A VIN with its check digit computed here (49 CFR 565.15), independently of the recognizer."""
    values = {
        **{str(d): d for d in range(10)},
        **dict(
            zip(
                "ABCDEFGHJKLMNPRSTUVWXYZ",
                [1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 7, 9, 2, 3, 4, 5, 6, 7, 8, 9],
                strict=True,
            )
        ),
    }
    weights = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2]
    total = sum(values[c] * w for c, w in zip(body[:8] + "0" + body[8:], weights, strict=True))
    return body[:8] + ("X" if total % 11 == 10 else str(total % 11)) + body[8:]


def _npi(body: str) -> str:
    """An NPI with its Luhn check digit over the '80840' prefix (CMS), computed here."""
    digits = [int(d) for d in "80840" + body]
    total = sum(d if i % 2 else sum(divmod(d * 2, 10)) for i, d in enumerate(reversed(digits)))
    return body + str((10 - total % 10) % 10)


def _dea(letters: str, six: str) -> str:
    """A DEA number with its check digit, computed here."""
    d = [int(c) for c in six]
    return letters + six + str((d[0] + d[2] + d[4] + 2 * (d[1] + d[3] + d[5])) % 10)


VALID_VIN, VALID_NPI, VALID_DEA = (
    _vin("1HGCM826" + "3A004352"),
    _npi("123456789"),
    _dea("AB", "123456"),
)
BAD_VIN = (
    VALID_VIN[:8] + str((int(VALID_VIN[8]) + 1) % 10 if VALID_VIN[8] != "X" else 0) + VALID_VIN[9:]
)

CASES = [
    # (text, the PHI substring or None for a near miss, expected entity, Safe Harbor letter)
    ("Seen with her husband Robert Lee today.", "Robert Lee", "PERSON", "A"),
    ("She lives at 4417 Maple Avenue, Apt 3.", "4417 Maple Avenue, Apt 3", "STREET_ADDRESS", "B"),
    ("Discharged to Springfield, IL 62704 yesterday.", "62704", "US_ZIP_CODE", "B"),
    ("Took 62704 steps this week.", None, "US_ZIP_CODE", "B"),
    ("Admitted on 2024-03-14 for observation.", "2024-03-14", "DATE_TIME", "C"),
    ("A 94-year-old woman with dementia.", "94", "AGE_OVER_89", "C"),
    ("Patient aged 101 presents with a fall.", "101", "AGE_OVER_89", "C"),
    ("A 89-year-old man with a cough.", None, "AGE_OVER_89", "C"),
    ("Call him on (617) 555-0143 after 5.", "(617) 555-0143", "PHONE_NUMBER", "D"),
    ("Send records by fax: 617-555-0199.", "617-555-0199", "FAX_NUMBER", "E"),
    ("Her e-mail is k.nguyen@example.org.", "k.nguyen@example.org", "EMAIL_ADDRESS", "F"),
    ("SSN 219-09-9998 on file.", "219-09-9998", "US_SSN", "G"),
    ("MRN: 00482913 transferred.", "00482913", "MEDICAL_RECORD_NUMBER", "H"),
    ("Medical record number HX-2291034 reviewed.", "HX-2291034", "MEDICAL_RECORD_NUMBER", "H"),
    ("Dose 2291034 units was never given.", None, "MEDICAL_RECORD_NUMBER", "H"),
    ("Member ID: QHP884200193 with Acme Health.", "QHP884200193", "HEALTH_PLAN_ID", "I"),
    ("Billing account #: 7730019284 is overdue.", "7730019284", "ACCOUNT_NUMBER", "J"),
    (f"Prescriber DEA {VALID_DEA}.", VALID_DEA, "MEDICAL_LICENSE", "K"),
    (
        f"Prescriber DEA {VALID_DEA[:-1]}{(int(VALID_DEA[-1]) + 1) % 10}.",
        None,
        "MEDICAL_LICENSE",
        "K",
    ),
    (f"Referring NPI {VALID_NPI}.", VALID_NPI, "US_NPI", "K"),
    (f"Referring NPI {VALID_NPI[:-1]}{(int(VALID_NPI[-1]) + 1) % 10}.", None, "US_NPI", "K"),
    (f"Car VIN {VALID_VIN} was towed.", VALID_VIN, "VEHICLE_ID", "L"),
    (f"Car VIN {BAD_VIN} was towed.", None, "VEHICLE_ID", "L"),
    ("License plate: 8XYZ441 seen at the scene.", "8XYZ441", "LICENSE_PLATE", "L"),
    ("Pacemaker serial number: PM88422231 checked.", "PM88422231", "DEVICE_ID", "M"),
    (
        "Results at https://portal.example.org/r/881.",
        "https://portal.example.org/r/881",
        "URL",
        "N",
    ),
    ("Logged in from 192.168.14.7 last night.", "192.168.14.7", "IP_ADDRESS", "O"),
]


@pytest.mark.parametrize(
    "text, phi, entity, letter",
    CASES,
    ids=[f"{c[3]}-{c[2]}-{'hit' if c[1] else 'miss'}-{i}" for i, c in enumerate(CASES)],
)
def test_recognizer(text, phi, entity, letter):
    spans = [s for s in find_phi(text) if s.entity == entity]
    if phi is None:
        assert spans == [], [text[s.start : s.end] for s in spans]
    else:
        at = text.index(
            phi
        )  # a span covering the value (presidio's URL span may take a final period)
        assert any(
            s.start <= at
            and s.end >= at + len(phi)
            and s.end - s.start <= len(phi) + 2
            and s.category == letter
            for s in spans
        ), [(s.entity, text[s.start : s.end]) for s in find_phi(text)]


def test_vin_check_digit():
    assert vin_check_digit_ok("1HGCM82633A004352")
    assert vin_check_digit_ok(VALID_VIN)
    assert not vin_check_digit_ok(BAD_VIN)
    assert not vin_check_digit_ok("1HGCM82633A00435")


def test_every_category_is_covered_or_declared_not_covered():
    assert [c.letter for c in SAFE_HARBOR] == list("ABCDEFGHIJKLMNOPQR")
    assert [c.letter for c in NOT_COVERED] == [
        "P",
        "Q",
    ]  # biometrics and photographs: not detectable in text
    detected = {letter for *_, letter in CASES}
    assert detected == {c.letter for c in SAFE_HARBOR if c.entities} - {"R"}


def test_resolved_spans_count_each_region_once():
    text = "Account no. 4455667788 and fax: 617-555-0199."
    resolved = [(s.entity, text[s.start : s.end]) for s in resolve_overlaps(find_phi(text))]
    assert resolved == [("ACCOUNT_NUMBER", "4455667788"), ("FAX_NUMBER", "617-555-0199")]


def test_masking_hides_every_detected_value():
    text = "John Smith, MRN: A1234567, SSN 219-09-9998, fax: 617-555-0199, lives at 12 Elm Street."
    spans = find_phi(text)
    for style in ("tag", "partial"):
        masked = mask(text, spans, style)
        for value in ("John Smith", "A1234567", "219-09-9998", "617-555-0199", "12 Elm Street"):
            assert value not in masked, (style, masked)
    assert "<MEDICAL_RECORD_NUMBER>" in mask(text, spans, "tag")
    assert "***-**-9998" in mask(text, spans, "partial")


@pytest.mark.parametrize(
    "value, expected",
    [
        ("219-09-9998", "***-**-9998"),
        ("4111 1111 1111 1111", "**** **** **** 1111"),
        ("A1234567", "********"),
        ("John Smith", "**** *****"),
    ],
)
def test_partial_masks(value, expected):
    assert partial(value) == expected


def _corpus():
    import importlib.util

    from ..conftest import ROOT

    spec = importlib.util.spec_from_file_location(
        "phi_notes", ROOT / "fixtures" / "phi" / "notes.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_corpus_is_seeded_and_its_gold_spans_hold_the_values():
    notes = _corpus().generate(50, seed=3)
    assert notes == _corpus().generate(50, seed=3)
    assert notes != _corpus().generate(50, seed=4)
    letters = {s["category"] for n in notes for s in n["spans"]}
    assert letters == {c.letter for c in SAFE_HARBOR if c.entities}
    for note in notes:
        for span in note["spans"]:
            text, start, end = note["text"], span["start"], span["end"]
            assert text[start:end]
            assert text[start:end] == text[start:end].strip()
            assert start == 0 or not text[start - 1].isalnum()
            assert end == len(text) or not text[end].isalnum()


def test_scan_finds_exactly_what_analyze_finds():
    from trustaudit.phi.recognizers import scan

    texts = [n["text"] for n in _corpus().generate(80, seed=5)]
    texts += texts[:10]  # repeated texts are analysed once
    expected = [find_phi(t) for t in texts]
    assert scan(texts, batch_size=16) == expected
    assert scan(texts, batch_size=16, n_process=2) == expected


def test_recall_on_the_generated_corpus():
    """A small run of the benchmark's measurement: every detectable category is found in >= 95% of
    items."""
    from trustaudit.phi.recognizers import scan

    notes = _corpus().generate(120, seed=11)
    found = scan([n["text"] for n in notes], n_process=2)
    hits, totals = {}, {}
    for note, spans in zip(notes, found, strict=True):
        for g in note["spans"]:
            totals[g["category"]] = totals.get(g["category"], 0) + 1
            hits[g["category"]] = hits.get(g["category"], 0) + any(
                s.category == g["category"] and s.start < g["end"] and s.end > g["start"]
                for s in spans
            )
    assert {c: round(hits[c] / totals[c], 3) for c in totals if hits[c] / totals[c] < 0.95} == {}


@pytest.mark.parametrize(
    "text, value, entity",
    [
        ("T: 485-6033  F: 773 774 1235", "773 774 1235", "FAX_NUMBER"),
        ("T: 485-6033  F: 773 774 1235", "485-6033", "PHONE_NUMBER"),
        (
            "please fax the release to the records office at 503 716 5292.",
            "503 716 5292",
            "FAX_NUMBER",
        ),
        ("Phone +1 199 555 1615, fax 6173194058.", "+1 199 555 1615", "PHONE_NUMBER"),
        ("The app on my phone (IMEI 356647523090668) stopped.", "356647523090668", "DEVICE_ID"),
        ("pt's wallet w/ ss card 773473994 locked in safe", "773473994", "US_SSN"),
        ("Acct #: 8658434426", "8658434426", "ACCOUNT_NUMBER"),
        ("open claim CLM-2054-6539097.", "CLM-2054-6539097", "US_CLAIM_NUMBER"),
        ("Enrolled in trial, subject ID BB88-5944.", "BB88-5944", "OTHER_ID"),
        ("husband khalid asked about parking", "khalid", "PERSON"),
        ("Patient: Siddiqui, Kavya   MRN: 551620626", "Siddiqui, Kavya", "PERSON"),
        ("Reply from F. Adeyemi, RN: seen", "F. Adeyemi", "PERSON"),
        ("ICD placed 3/22, device serial P62R26282", "3/22", "DATE_TIME"),
        ("Lives alone in Vanessaside (Kane County).", "Vanessaside", "US_CITY"),
    ],
)
def test_context_rules_and_nearest_label(text, value, entity):
    """Labels, relations and formats decide a span's category, not recognizer order."""
    at = text.index(value)
    kept = resolve_overlaps(find_phi(text))
    assert any(s.entity == entity and s.start <= at < s.end for s in kept), [
        (s.entity, text[s.start : s.end]) for s in kept
    ]


@pytest.mark.parametrize(
    "text, value, entity",
    [
        ("bp 128/76, pain 6/10 this morning", "6/10", "DATE_TIME"),
        ("BP 153/89 at rest", "153/89", "DATE_TIME"),
        ("EF 35%, plan discussed with the family.", "EF", "LOCATION"),
        ("Pt from Texas originally.", "Texas", "LOCATION"),
        ("son checks in daily.", "daily", "DATE_TIME"),
        ("Referring NPI 1234567890.", "1234567890", "US_NPI"),
    ],
)
def test_evidence_rules_out(text, value, entity):
    """Ratios and scores are not dates, states and abbreviations not places, a bad check digit
    not an NPI."""
    at = text.index(value)
    assert not any(s.entity == entity and s.start <= at < s.end for s in find_phi(text))
