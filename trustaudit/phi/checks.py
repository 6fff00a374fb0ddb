"""Check digits and issuing rules that confirm what a label says a number is: an NPI passes the
Luhn check, a DEA number its own, a VIN its ISO 3779 digit, and an SSN was issued by the SSA (no
area 000, 666 or 9xx). A number that fails is still an identifier, of the general kind."""

from __future__ import annotations

import regex

from .patterns import vin_check_digit_ok


def checked(entity: str, value: str) -> str:
    """The label's entity when the value's check digit agrees (NPI, DEA, VIN) or the SSA could
    have issued it (SSN), else OTHER_ID: a number after 'NPI' that fails the Luhn check is an
    identifier, not an NPI; an 'SSN' in area 9xx is an ITIN."""
    compact = value.replace(" ", "").replace("-", "").upper()
    if entity == "US_NPI":
        return (
            entity
            if len(compact) == 10 and compact.isdigit() and _luhn("80840" + compact)
            else "OTHER_ID"
        )
    if entity == "US_DEA":
        return "MEDICAL_LICENSE" if _dea_ok(compact) else "OTHER_ID"
    if entity == "US_SSN":  # the SSA never issues area 000, 666 or 9xx (9xx is an ITIN)
        digits = "".join(c for c in value if c.isdigit())
        valid = len(digits) == 9 and digits[0] != "9" and digits[:3] not in ("000", "666")
        return entity if valid and digits[3:5] != "00" and digits[5:] != "0000" else "OTHER_ID"
    if entity == "VEHICLE_ID":
        return entity if vin_check_digit_ok(compact) else "OTHER_ID"
    return entity


def _luhn(digits: str) -> bool:
    total = 0
    for i, d in enumerate(reversed(digits)):
        n = int(d) * (2 if i % 2 else 1)
        total += n - 9 if n > 9 else n
    return total % 10 == 0


_DEA = regex.compile(r"[A-Z][A-Z9]\d{7}")


def _dea_ok(value: str) -> bool:
    """DEA registration: two letters, seven digits, the last a check digit."""
    if not _DEA.fullmatch(value):
        return False
    d = [int(c) for c in value[2:]]
    return (d[0] + d[2] + d[4] + 2 * (d[1] + d[3] + d[5])) % 10 == d[6]
