"""The patterns trustaudit adds to presidio's recognizers: what presidio lacks.

Medical record, account and health-plan numbers, fax numbers, VINs (with their check digit),
licence plates and device serial numbers in context, ZIP codes, street addresses and ages over 89.
Labelled patterns match only the identifier after its label (variable-length lookbehind of the
``regex`` module presidio uses)."""

from __future__ import annotations

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


_UNIT_WORD = r"(?:[ -](?:one|two|three|four|five|six|seven|eight|nine))?"
# 90-119 in digits or words ('ninety-two', 'one hundred and three')
_OLD_AGE = (
    r"(?:9\d|1[01]\d|ninety" + _UNIT_WORD + r"|(?:one|a)[ -]hundred(?:[ -]and)?"
    r"(?:[ -](?:ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen)"
    r"|" + _UNIT_WORD + r"))"
)
# entity -> its patterns as (name, regex, score)
PATTERNS: dict[str, tuple[tuple[str, str, float], ...]] = {
    "URL": (
        (
            "web address with a scheme or www",
            r"(?<![\w@.-])(?:(?:https?|ftp)://|www\.)[^\s<>\"'()]*[^\s<>\"'().,;:!?]",
            0.6,
        ),
        (
            "domain name with a common top-level domain, and its path",
            r"(?<![\w@./-])[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9-]+)*\."
            r"(?:com|org|net|edu|gov|mil|int|info|biz|io|co|us|uk|ca|au|de|fr|health|app|me|ly|tv"
            r"|ai|care|clinic|site|online|page)\b(?:/[^\s<>\"'()]*[^\s<>\"'().,;:!?])?",
            0.6,
        ),
    ),
    "VEHICLE_ID": (("VIN", r"\b[A-HJ-NPR-Z0-9]{17}\b", 0.3),),
    "STREET_ADDRESS": (
        (
            "street address",
            r"\b\d{1,6}[ \t]+(?-i:(?:[A-Z][a-z]+\.?[ \t]){1,4})(?-i:"
            + "|".join(STREET_SUFFIXES)
            + r")\b\.?"
            r"(?:,?\s+(?:Apt|Apartment|Suite|Unit)\.?\s*\w+)?",
            0.85,
        ),
    ),
    "US_CITY": (
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
    "AGE_OVER_89": (
        (
            "age over 89 before 'year-old', 'y/o', 'yrs', 'years of age'",
            rf"\b{_OLD_AGE}(?=[\s-]*(?:y(?:ea)?rs?[\s-]*old|y[ ./]{{0,2}}o\b\.?|yo[mf]?\b"
            r"|y(?:ea)?rs?\s+of\s+age|yrs?\b|-year-old))",
            0.85,
        ),
        (
            "age over 89 after 'aged', 'age:', 'age of', 'turned'",
            rf"(?<=\b(?:aged?|age\s+of|age\s*:|turn(?:ed|s|ing))\s*){_OLD_AGE}\b(?![./:-]\d)",
            0.85,
        ),
        (
            "age over 89 said of someone: 'pt is 95', 'she is ninety-six now'",
            r"(?<=\b(?:pt|patient|she|he|mother|father|mom|dad)\s+(?:is|was)\s+)"
            rf"{_OLD_AGE}\b(?![./:-]?\d)(?!\s*(?:%|mg|kg|lbs?|cm|mm|percent|units|/))",
            0.85,
        ),
        (
            "age over 89 set off after a relative: 'her mother, 92, lives with'",
            r"(?<=\b(?:mother|father|mom|dad|husband|wife|spouse|partner|sister|brother|aunt"
            rf"|uncle|grandmother|grandfather|patient|pt),\s){_OLD_AGE}(?=,)",
            0.85,
        ),
        (
            "age over 89 in words",
            r"\b(?:in\s+(?:his|her|their)\s+(?:early\s+|mid-?\s*|late\s+)?(?:nineties|90s)"
            r"|nonagenarian|centenarian)\b",
            0.85,
        ),
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


def pattern_recognizers() -> list:
    """One presidio PatternRecognizer per entity of PATTERNS (VINs validated by their check
    digit)."""
    from presidio_analyzer import Pattern, PatternRecognizer

    class VinRecognizer(PatternRecognizer):
        def validate_result(self, pattern_text: str) -> bool | None:
            return vin_check_digit_ok(pattern_text)

    made = []
    for entity, patterns in PATTERNS.items():
        kind = VinRecognizer if entity == "VEHICLE_ID" else PatternRecognizer
        made.append(
            kind(
                supported_entity=entity,
                name=f"trustaudit_{entity.lower()}",
                patterns=[Pattern(name, regex, score) for name, regex, score in patterns],
            )
        )
    return made
