"""PHI in HL7 v2 segments pasted into notes and logs ('PID|1||K53-78-59^^^HPMC^MR||SOTO^ANA||'):
the field's position says what it holds (HL7 v2.5 chapter 3), where no label stands next to the
value and the name is written 'LAST^FIRST'."""

from __future__ import annotations

from collections.abc import Iterator

import regex

# field number -> what its components hold, per segment (PID: patient identification, NK1: next
# of kin, PV1: patient visit, whose doctors are 'id^family^given')
FIELDS = {
    "PID": {
        2: "MEDICAL_RECORD_NUMBER",  # patient id (external)
        3: "MEDICAL_RECORD_NUMBER",  # patient identifier list
        4: "MEDICAL_RECORD_NUMBER",  # alternate patient id
        5: "PERSON",  # patient name
        6: "PERSON",  # mother's maiden name
        7: "DATE_TIME",  # date of birth
        9: "PERSON",  # alias
        11: "ADDRESS",  # street ^ other ^ city ^ state ^ zip
        13: "PHONE_NUMBER",  # home phone
        14: "PHONE_NUMBER",  # business phone
        18: "ACCOUNT_NUMBER",  # patient account number
        19: "US_SSN",
        20: "US_DRIVER_LICENSE",
        29: "DATE_TIME",  # death date
    },
    "NK1": {2: "PERSON", 4: "ADDRESS", 5: "PHONE_NUMBER", 6: "PHONE_NUMBER"},
    "PV1": {7: "DOCTOR", 8: "DOCTOR", 9: "DOCTOR", 17: "DOCTOR", 19: "OTHER_ID"},
}
MSH_DATE_FIELD = 6  # MSH-7, counted from the segment name (MSH-1 is the separator itself)
MSH_CONTROL_FIELD = 9  # MSH-10, the message control id: it identifies one patient's message
ADDRESS_PARTS = {0: "STREET_ADDRESS", 2: "US_CITY", 4: "US_ZIP_CODE"}
_PHONE_VALUE = regex.compile(
    r"(?:tel:)?\+?[\d(][\d ()./_-]{5,}\d(?:[ ]?\(?(?:;ext=|x|ext\.?|opt)[ ]?\d{1,6}\)?)?",
    regex.IGNORECASE,
)
_SEGMENT = regex.compile(r"(?m)^(PID|NK1|PV1|MSH)\|[^\n]*")


def hl7_spans(text: str) -> Iterator[tuple[int, int, str]]:
    """(start, end, entity) of each PHI component of the PID, NK1, PV1 and MSH segments."""
    for segment in _SEGMENT.finditer(text):
        fields = _pieces(segment.group(), segment.start(), "|")
        if segment.group(1) == "MSH":
            if len(fields) > MSH_DATE_FIELD and fields[MSH_DATE_FIELD][2]:
                yield _leading(fields[MSH_DATE_FIELD], "DATE_TIME")
            if len(fields) > MSH_CONTROL_FIELD and fields[MSH_CONTROL_FIELD][2]:
                yield fields[MSH_CONTROL_FIELD][0], fields[MSH_CONTROL_FIELD][1], "OTHER_ID"
            continue
        for number, (start, _, value) in enumerate(fields):
            entity = FIELDS[segment.group(1)].get(number)
            if entity and value:
                yield from _components(value, start, entity)


def _components(value: str, start: int, entity: str) -> Iterator[tuple[int, int, str]]:
    for repetition_start, _, repetition in _pieces(value, start, "~"):
        parts = _pieces(repetition, repetition_start, "^")
        if entity in ("PERSON", "DOCTOR"):  # [id ^] family ^ given ^ middle (initials left out)
            names = parts[1:4] if entity == "DOCTOR" else parts[:3]
            chosen = [(p, "PERSON") for p in names if len(p[2].strip()) > 1]
        elif entity == "ADDRESS":
            chosen = [(parts[i], e) for i, e in ADDRESS_PARTS.items() if i < len(parts)]
        else:  # an identifier, a phone or a date: the first component
            chosen = [(parts[0], entity)]
        if entity == "ADDRESS" and _PHONE_VALUE.fullmatch(repetition):
            chosen = [(parts[0], "PHONE_NUMBER")]  # a phone number in the address field
        for piece, kind in chosen:
            if kind in ADDRESS_PARTS.values() and not any(c.isalpha() for c in piece[2]):
                continue  # a number with no letter: not an address
            if piece[2].strip():
                yield _leading(piece, kind) if kind == "DATE_TIME" else (piece[0], piece[1], kind)


def _leading(piece: tuple[int, int, str], entity: str) -> tuple[int, int, str]:
    """A timestamp's date: its first eight digits (YYYYMMDD), or the whole field when shorter."""
    start, end, value = piece
    return start, (min(end, start + 8) if value[:8].isdigit() else end), entity


def _pieces(value: str, offset: int, separator: str) -> list[tuple[int, int, str]]:
    """``value`` split at ``separator``, each piece with its start and end in the text."""
    out, start = [], offset
    for piece in value.split(separator):
        out.append((start, start + len(piece), piece))
        start += len(piece) + 1
    return out
