"""The HIPAA Safe Harbor identifiers (45 CFR 164.514(b)(2)(i)(A)-(R)) and the recognizer entities
that detect each: the categories PHI metrics are reported by, their metric keys and the report's
legend."""

from __future__ import annotations

from dataclasses import dataclass

from ..findings import Finding, Severity
from ..keys import KeySpace, keys


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
        (
            "R",
            "Any other unique identifying number, characteristic or code",
            ("US_ITIN", "UUID", "OTHER_ID"),
        ),
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


def safe_harbor_legend() -> Finding:
    """A report finding: the 18 identifiers, what detects each, and which cannot be detected in
    text."""
    return Finding(
        title="HIPAA Safe Harbor identifiers (45 CFR 164.514(b)(2)(i)) and what detects them",
        severity=Severity.INFO,
        detail="Categories P and Q cannot be detected in text: they are never implied covered. "
        "No recognizer list is complete for (R); this is a measurement of residual risk, "
        "not a compliance badge.",
        examples=tuple(
            (c.letter, c.name, ", ".join(c.entities) or "not covered") for c in SAFE_HARBOR
        ),
        columns=("category", "identifier", "detected as"),
    )
