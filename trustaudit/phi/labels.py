"""Identifiers decided by their label: the label nearest a number says what the number is.

A de-identification engine cannot tell an MRN from an account number, or a fax from a phone
number, by shape; the words before it can ("Acct #:", "F:", "ss card", "IMEI"). This module finds
labelled identifiers the recognizers miss, phone numbers in any format (presidio validates area
codes, a de-identification tool must not), and re-labels every identifier span by the nearest
label on its line, so the category comes from evidence rather than recognizer order."""

from __future__ import annotations

from collections.abc import Iterator

import regex

from .checks import checked
from .layouts import (
    Label,
    alone_on_its_line,
    column_label,
    kind_in_order,
    label_above,
    shared,
)

PHONE, FAX, NOT_PHI = "PHONE_NUMBER", "FAX_NUMBER", "NOT_PHI"
# (entity, label alternation); multi-word labels first so they win at the same position
LABELS: tuple[tuple[str, str], ...] = (
    (
        FAX,
        r"(?:e-?|tele)?fax(?:ed)?(?:\s+(?:line|no\.?|number|#|machine|to|it\s+to|back\s+to))?"
        r"|facsimile|fx|(?-i:F)(?=\s*:|\.?\s*[\d(+])|(?<=\()f(?=\))",
    ),
    (
        "US_SSN",
        r"ssn(?:\s+card)?|social(?:\s+sec(?:urity|\.)?)?(?:\s+(?:number|no\.?|#))?|ss\s*card|ss\s*#"
        r"|soc\.?\s*sec\.?",
    ),
    (  # HL7 PID-3 and its local names: MRN, unit number, chart, hospital or EMR number
        "MEDICAL_RECORD_NUMBER",
        r"mrn|mr\s*(?:#|no\.?|number)|med\.?\s*rec(?:ord)?\.?(?:\s*(?:#|no\.?|number))?"
        r"|medical\s+record(?:\s+(?:number|no\.?|#))?|chart(?:\s*(?:number|no\.?|#))?"
        r"|(?:hospital|hosp\.?|unit|record|emr|ehr|registration|reg\.?)\s*(?:number|no\.?|#|id)"
        r"|(?:patient|pt\.?)\s+(?:id|identifier|number|no\.?|#)|pid|hospital\s+id"
        r"|(?:agency|client|facility)\s+(?:id|number|no\.?|#)|(?-i:MR)(?=\s*[:#-])"
        r"|(?:hospital|hosp\.?|patient|pt\.?)\s+no\.?|nhs(?:\s+(?:number|no\.?|#))?|hrn|empi"
        r"|cmrn|chi\s+(?:number|no\.?)|ur\s*(?:number|no\.?|#)",
    ),
    (  # HL7 PID-18 patient account; FIN and HAR are the Cerner and Epic names for it
        "ACCOUNT_NUMBER",
        r"(?:hospital\s+|billing\s+|bank\s+|patient\s+|guarantor\s+|encounter\s+|visit\s+"
        r"|financial\s+)?acc(?:oun)?t\.?(?:\s*(?:number|no\.?|#))?|a/c|invoice|statement"
        r"|billing(?:\s*(?:number|no\.?|#|id))?|guarantor(?:\s*(?:id|#|number|no\.?))?|fin|har"
        r"|card\s+on\s+file|credit\s+card|routing|(?:paid\s+by\s+|debit\s+)?card"
        # the visit (encounter) number is the billing account of a stay: Cerner's FIN
        r"|enc(?:ounter)?\s*#|(?:visit|encounter)\s*(?:number|no\.?|#|id)",
    ),
    (
        "US_CLAIM_NUMBER",
        r"claim(?:\s*(?:number|no\.?|#|id))?"
        r"|(?:prior\s+)?auth(?:orization)?\s+(?:reference\s+)?(?:number|no\.?|#|id)",
    ),
    (  # HL7 IN1-36 policy, IN1-49 insured id; Medicare HICN/MBI; payer names before the id
        "HEALTH_PLAN_ID",
        r"(?:insurance\s+)?member(?:\s*(?:id|#|number|no\.?))?|subscriber(?:\s*(?:id|#|no\.?))?"
        r"|insur(?:ance|ed)(?:\s+(?:card|id|#|number|no\.?))?|ins\.?\s+card(?:\s*:?\s*id\b)?"
        r"|ins\.?|coverage(?:\s+id)?|covered\s+under"
        r"|medicaid(?:\s+(?:number|id|#|no\.?|card))?"
        r"|medicare(?:\s+(?:mbi|number|id|#|no\.?|card))?|mbi"
        r"|hicn?|policy(?:\s*(?:number|no\.?|#|id))?|(?:health|secondary|primary)\s+plan"
        r"|plan\s*(?:id|#|number|no\.?)|group(?:\s*(?:number|no\.?|#|id))?|grp|payer\s+id"
        r"|beneficiary(?:\s+(?:id|#|number|no\.?))?|rx\s*(?:bin|pcn|grp|id)|cin|tricare"
        r"|champva|bcbs|aetna|cigna|humana|uhc|anthem|kaiser|hmo|ppo|centene|wellcare"
        r"|ambetter|medi-?cal|masshealth|badgercare|tenncare|soonercare|united\s*healthcare"
        r"|blue\s+(?:cross|shield)|recipient(?:\s+(?:id|#|number|no\.?))?|enrollee(?:\s+id)?"
        r"|contract(?:\s*(?:number|no\.?|#|id))?|health\s+card(?:\s+(?:number|no\.?|#))?|ohip"
        r"|carrier(?:\s+id)?|benefit\s+id|alpha\s+prefix",
    ),
    (
        "DEVICE_ID",
        r"imei|meid|udi|modem|router"
        r"|(?:device|implant|pump|pacemaker|icd|defibrillator|generator|cgm"
        r"|transmitter|sensor|stimulator|neurostimulator|lvad|hearing\s+aid|model|lead|receiver"
        r"|monitor|meter|glucometer|oximeter|nebuli[sz]er|tele(?:metry)?\s+(?:box|pack|unit)"
        r"|cpap|bipap|concentrator)"
        r"(?:\s*(?:serial|s/n|sn|id|#|number|no\.?))?|serial(?:\s*(?:number|no\.?|#))?|s/n|sn"
        r"|mac(?:\s+address)?|model/serial",
    ),
    (  # codes that identify a drug, a batch, a procedure or a diagnosis, not a person
        NOT_PHI,
        r"ndc|cpt|hcpcs|icd(?:-?(?:9|10)(?:-?cm)?)?|loinc|snomed|lot(?:\s*(?:number|no\.?|#))?"
        r"|ref(?:erence)?\s+range|procedure\s+code|procedure(?=\s*\(\d{5}\))",
    ),
    ("VEHICLE_ID", r"vin|vehicle\s+id(?:entification)?(?:\s+(?:number|no\.?|#))?"),
    (
        "LICENSE_PLATE",
        r"(?:licen[cs]e\s+|lic\.?\s+|registration\s+)?plate(?:\s*(?:number|no\.?|#))?|tag|vehicle"
        r"|(?:vehicle|car|auto)\s+registration",
    ),
    ("US_DRIVER_LICENSE", r"dl|dln|cdl|driver'?s?\s+lic(?:en[cs]e|\.)?|state\s+id"),
    ("US_PASSPORT", r"passport"),
    ("US_NPI", r"npi"),
    ("US_DEA", r"dea"),
    (
        "MEDICAL_LICENSE",
        r"lic(?:ense)?\s*#?|licen[cs]e|cert(?:ificate)?(?:\s*(?:number|no\.?|#))?|certification",
    ),
    (  # encounter/visit numbers (HL7 PV1-19), specimens, studies, orders, staff ids
        "OTHER_ID",
        r"accession|specimen|sample|subject(?:\s+id)?|study(?:\s+id)?|trial|participant"
        r"|enrol(?:l)?ment|protocol|biobank|requisition|req\.?\s*#|order\s*(?:#|no\.?|number|id)"
        r"|(?:employee|badge|staff|phlebotomy|user|login)\s+id|badge|employee|emp\.?\s*#"
        r"|encounter|csn"
        r"|case\s*(?:number|no\.?|#|id)|ticket|confirmation|reference|ref\.?\s*#?|tracking"
        r"|barcode|control\s*(?:number|no\.?|#)|incident|identifier"
        r"|id"
        r"|itin|tin|ein|tax\s*id(?:entification)?(?:\s*(?:number|no\.?|#))?"
        r"|(?:rx|prescription)\s*(?:number|no\.?|#)",
    ),
    (
        PHONE,
        r"tele?(?:phone)?(?!:\+)|ph(?:one)?|(?-i:[TPCHWM])(?=\s*:|\.?\s*[\d(+])|cell(?:ular)?"
        r"|mobile|(?<=\()[pchwm](?=\))"
        r"|mob|home|hm|work|wk|direct|pager|pgr|beeper|contact(?:\s+(?:number|no\.?|#))?"
        r"|call(?:ed)?\s+back|call\s*back|cb\s*#?|called(?:\s+from)?|call|line|text(?:ed)?|sms"
        r"|reach(?:ed)?"
        r"|landline|voicemail|answering\s+service"
        r"|(?:office|ofc|desk)(?=\s*[:#]?\s*[\d(+])",
    ),
)
# a label is a whole word: the boundaries are checked once around the alternation rather than in
# each branch (twice as fast); the branches are tried in the same order, so the matches are the same
_LABEL_RE = regex.compile(
    r"(?<![\w/])(?:"
    + "|".join(rf"(?P<L{i}>{alternation})" for i, (_, alternation) in enumerate(LABELS))
    + r")(?![\w/])",
    regex.IGNORECASE,
)
# between a label and its value: '#', ':', 'number', 'is', 'was', an opening parenthesis
_FILLER = (
    r"(?:[\s:#.=\"']|\((?!\d\d\)))*(?:(?:(?:number|num|id|code|is|was|of)\b|no\b\.?)[\s:#]*){0,2}"
)
# words that may stand between a label and its value ('MRN on file is 123456'); not 'at', 'to' or
# 'with', which introduce something else ('billing at 555-0100')
_CONNECTIVE = (
    r"on\s+file|listed|given|provided|reads|shows|verified|confirmed|updated|recorded|noted|used"
    r"|ending\s+in|ends\s+in|for\s+(?:this|the)\s+(?:visit|encounter|patient|admission)|the|this"
    r"|her|his|their|patient'?s|pt'?s|new|old|current|previous|primary|secondary|as|are|be|should"
)
_WORDS = rf"(?P<words>(?:(?-i:{_CONNECTIVE})[\s:#]+){{1,3}}(?:(?:is|was|of|:)\b[\s:#]*)?)?"
GAP = regex.compile(
    rf"[\s:#.=(\"'-]*(?:(?:number|num|no\.?|id|is|was|of|{_CONNECTIVE})\b[\s:#.=(\"'-]*){{0,3}}",
    regex.IGNORECASE,
)
_SSN_SEP = r"(?:[ ]?[./-][ ]?|[ ])"  # any separator, mixed: '648 14-0411', '949 - 77 - 7848'
_SSN_SHAPE = rf"\d{{3}}{_SSN_SEP}\d{{2}}{_SSN_SEP}\d{{4}}"
SSN_SHAPED = regex.compile(rf"(?<![\w./-]){_SSN_SHAPE}(?![\w/-]|[.]\d)")
_VALUE = (
    r"(?:\(01\)\d{13,14}(?:\(\d{2}\)[A-Za-z0-9]+)*"  # GS1 UDI
    r"|[+=]/?[A-Za-z0-9$/.%-]{6,58}[A-Za-z0-9]"  # HIBCC (+) and ICCBBA (=) UDI
    r"|" + _SSN_SHAPE + r"(?![\w-])"
    r"|(?:(?-i:[A-Z]{2,4})\s)?(?=[A-Za-z0-9.-]*\d)[A-Za-z0-9](?:[A-Za-z0-9]|[.-](?=[A-Za-z0-9]))*"
    r"(?:[ ]{1,2}\d{2,6}(?![\w/]))*)"
)
_VALUE_RE = regex.compile(
    _FILLER + _WORDS + r"(?P<value>" + _VALUE + r")(?![\w/@]|:\w)", regex.IGNORECASE
)
# a second value of the same kind: '... is 6YR3F14DH00 and the secondary is N1493868D2'
_CONTINUED = regex.compile(
    r"[ ]*(?:/[ ]*|(?:,|;|and|or)[ ]+(?:(?:the|a|his|her|their|my|secondary|second|other"
    r"|alternate|backup|old|new|previous|prior|one)[ ]+){1,3}(?:(?:is|was|:)[ ]*)?)"
    r"(?!(?:19|20)\d\d(?![\w-]))"  # not a year
    r"(?P<value>(?=[A-Za-z0-9-]*\d)(?=(?:[A-Za-z-]*\d){4})[A-Za-z0-9](?:[A-Za-z0-9]|-(?=\w))*)"
    r"(?![\w/@]|[.,:]\w)",
    regex.IGNORECASE,
)
_DATE_SHAPED = regex.compile(r"\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}")
_MONTH = r"(?i:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*"
_MONTH_DATE = regex.compile(  # '17DEC2025', 'DEC 24 2024': a date, whatever label is before it
    rf"\d{{1,2}}[ -]?{_MONTH}[ -]?\d{{2,4}}|{_MONTH}[ -]\d{{1,2}},?[ -]\d{{2,4}}"
)
_PLATE_WORD = regex.compile(
    r"[\s:#]*(?!(?:given|noted|was|is|number|and|on|of|at|in|to|for|the)\b)"
    r"([a-z]{2,4}[ ]\d{3,5}|[a-z0-9]{5,8}"
    r"|(?=[a-z0-9 -]*\d)(?=[a-z0-9 -]*[a-z])[a-z0-9]{1,4}(?:[ -][a-z0-9]{1,4}){1,2})\b",
    regex.IGNORECASE,
)
_SEP = r"(?:[ ]?[._/-][ ]?|\s)"  # '617-555', '617.555', '617 . 555', '617_555', '617 / 555'
STRICT_PHONE = regex.compile(
    rf"(?<![\w.+/-])(?:\+?1{_SEP}?)?(?:\(\d{{3}}\){_SEP}?|\d{{3}}{_SEP})\d{{3}}{_SEP}\d{{4}}"
    r"(?![\w/-]|\.\d)"
    r"|(?<![\w.+/-])\+1\d{10}(?![\w/-]|\.\d)"  # E.164 without separators: '+13165554204'
    # international: a country code, then groups of 1-5 digits ('+54 9 11 3478-5619', '+33 6 99 72
    # 31 60'); 8 to 15 digits in all (E.164), checked by ``phones``
    r"|(?<![\w.+/-])(?:\+|011[\s.-]?)[2-9]\d{0,2}(?:[\s.-]?\(?\d{1,5}\)?){2,6}(?![\w/-]|\.\d)"
)
E164_DIGITS = range(8, 16)
LOOSE_PHONE = regex.compile(
    rf"(?<![\w.+/)-]|\)\s)(?:\d{{3}}{_SEP}\d{{4}}|(?:\+?1)?\d{{10}})(?![\w/-]|\.\d)"
)
EXTENSION = regex.compile(r"(?:\s*(?:x|ext\.?)|;ext=)\s*\d{1,6}\b", regex.IGNORECASE)
ID_ENTITIES = frozenset(e for e, _ in LABELS if e not in (PHONE, FAX, NOT_PHI)) | {"OTHER_ID"}


_JOINED = regex.compile(r"_|(?<=[A-Za-z.]{2})/(?=[A-Za-z]{2})")  # 'member_id', 'Tel/Fax'
_IDAHO = regex.compile(r"(?<=,[ ]?)ID(?=[ ]+\d{5}(?:-\d{4})?(?![\w-]))")


def labels(text: str) -> list[Label]:
    """Every label word in ``text``, by position (not Idaho's 'ID' before a ZIP code); words
    joined by underscores count ('member_id'), and 'A/B' pairs are shared labels."""
    found = []
    for m in _LABEL_RE.finditer(_JOINED.sub(" ", text)):
        if m.group() == "ID" and _IDAHO.match(text, m.start()):
            continue
        index = int(str(m.lastgroup)[1:])
        found.append(Label(m.start(), m.end(), LABELS[index][0]))
    return shared(text, found)


def nearest(text: str, found: list[Label], start: int, kinds: frozenset[str] | None = None):
    """The label ending nearest before ``start`` on the same line (of ``kinds`` when given)."""
    line_start = text.rfind("\n", 0, start) + 1
    best = None
    for label in found:
        if label.end > start:
            break
        if label.start >= line_start and (kinds is None or label.entity in kinds):
            best = label
    return best


def adjacent(text: str, found: list[Label], start: int, limit: int = 32) -> Label | None:
    """The nearest label when only filler ('#', ':', 'number', 'on file is') separates it."""
    label = nearest(text, found, start)
    if label is None:
        return None
    gap = text[label.end : start]
    if len(gap) > limit or not GAP.fullmatch(gap):
        return None
    if label.entity == NOT_PHI and _device_lot(text, label):
        return Label(label.start, label.end, "DEVICE_ID")
    return kind_in_order(text, label, start)  # right after 'MRN/FIN': the first kind


_DEVICE_WORD = regex.compile(
    r"(?i)\b(?:implant\w*|device|pacemaker|icd|defibrillator|stent|lead|pump|prosthe\w+|graft"
    r"|valve|catheter|port|udi)\b"
)


def _device_lot(text: str, label: Label) -> bool:
    """A lot number of an implant or a device (a UDI production identifier, Safe Harbor M): a
    device word in its sentence. A drug's or a vaccine's lot identifies a batch, not a person."""
    if not text[label.start : label.end].lower().startswith("lot"):
        return False
    start = max(text.rfind(".", 0, label.start), text.rfind("\n", 0, label.start)) + 1
    stops = [i for i in (text.find(".", label.end), text.find("\n", label.end)) if i >= 0]
    return bool(_DEVICE_WORD.search(text, start, min(stops, default=len(text))))


def labelled_ids(text: str, found: list[Label]) -> Iterator[tuple[int, int, str]]:
    """(start, end, entity) of the value right after each identifier label (a few lowercase words
    may come between, but no other label and, then, no date)."""
    starts = [label.start for label in found]
    for label in found:
        if label.entity not in ID_ENTITIES:
            continue
        m = _VALUE_RE.match(text, label.end)
        if m and m.group("words"):
            between = any(label.end <= s < m.start("value") for s in starts)
            if between or _DATE_SHAPED.fullmatch(m.group("value")):
                m = None
        if m and _MONTH_DATE.fullmatch(m.group("value")):
            m = None
        if m and "\n" in text[label.end : m.start("value")]:
            m = m if alone_on_its_line(text, found, label) else None  # not a table's header
        if m and sum(c.isalnum() for c in m.group("value")) >= (
            4 if label.entity == "LICENSE_PLATE" else 5
        ):
            first = label.first or label.entity  # 'MRN/FIN: 123 / 456': 123 is the MRN
            yield m.start("value"), m.end("value"), checked(first, m.group("value"))
            if (more := _CONTINUED.match(text, m.end())) and not any(
                m.end() <= s < more.end() for s in starts
            ):
                yield more.start("value"), more.end("value"), checked(label.entity, more["value"])
        elif (
            label.entity == "LICENSE_PLATE"
            and label.end - label.start > 3  # vanity plates have no digit: only after 'plate'
            and (w := _PLATE_WORD.match(text, label.end))
        ):
            yield w.start(1), w.end(1), label.entity


def ssn_shaped(text: str, found: list[Label]) -> Iterator[tuple[int, int, str]]:
    """SSN-shaped numbers in any separators ('648 14-0411 (SSN)', 'ITIN 949 - 77 - 7848'): the
    label before or after says what each is; unlabelled, an SSN when its area could be one."""
    for m in SSN_SHAPED.finditer(text):
        label = adjacent(text, found, m.start()) or trailing(text, found, m.end(), ID_ENTITIES)
        if label is None or label.entity in ID_ENTITIES:
            yield m.start(), m.end(), checked(label.entity if label else "US_SSN", m.group())


_TRAILING_GAP = regex.compile(r"[ \t]*[(\[,–—-]?[ \t]*")
_OPENING = regex.compile(r"[ \t]*[(\[]")
_DASH = regex.compile(r"[ \t]*[–—-]")
_NUMBER_NEXT = regex.compile(r"[ \t]*[:#]?[ \t]*[\d(+]")


def trailing(text: str, found: list[Label], end: int, kinds: frozenset[str]) -> Label | None:
    """A label of ``kinds`` right after a value: '617-555-0100 (fax)', '... - cell', '... F'."""
    for label in found:
        if label.start >= end and label.entity in kinds:
            gap = text[end : label.start]
            return label if _TRAILING_GAP.fullmatch(gap) else None
    return None


def phone_kind(text: str, found: list[Label], start: int, end: int) -> Label | None:
    """The phone or fax label of a number: one in parentheses or after a dash right after it,
    else the nearest before it on its line, else a bare one right after it."""
    kinds = frozenset((PHONE, FAX))
    after = trailing(text, found, end, kinds)
    if (
        after is not None
        and _NUMBER_NEXT.match(text, after.end)
        and not _OPENING.match(text[end : after.start])
    ):
        after = None  # 'P 617-555-0100 F 617-555-0101': F labels the number after it
    if after is not None and (
        _OPENING.match(text[end : after.start]) or _DASH.match(text[end : after.start])
    ):
        return after
    near = nearest(text, found, start, kinds)
    if near is not None:
        return kind_in_order(text, near, start)
    return (
        after or column_label(text, found, start, kinds) or label_above(text, found, start, kinds)
    )


def phones(text: str, found: list[Label]) -> Iterator[tuple[int, int, str]]:
    """Phone and fax numbers: any formatted number; bare or 7-digit ones only after a phone or fax
    label. Phone or fax is decided by the nearest of those labels on the line."""
    taken: list[tuple[int, int]] = []
    for pattern, loose in ((STRICT_PHONE, False), (LOOSE_PHONE, True)):
        for m in pattern.finditer(text):
            if any(a < m.end() and m.start() < b for a, b in taken) or not _plausible_length(
                m.group()
            ):
                continue
            taken.append((m.start(), m.end()))
            end = m.end()
            if ext := EXTENSION.match(text, end):
                end = ext.end()
            label = phone_kind(text, found, m.start(), end)
            if loose and label is None and not phone_context(text, m.start(), m.end()):
                continue
            yield m.start(), end, label.entity if label else PHONE


def _plausible_length(number: str) -> bool:
    """An international number has 8 to 15 digits (E.164); national forms are fixed by the
    patterns."""
    international = number.startswith(("+", "011")) and not number.startswith("+1")
    return not international or sum(c.isdigit() for c in number) in E164_DIGITS


def phone_context(text: str, start: int, end: int) -> bool:
    """A bare number where a phone number goes: alone on its line (a signature block), after 'at'
    ('called back at', 'reached at') or in parentheses after a name."""
    before = text[max(0, start - 40) : start]
    return _alone_on_line(text, start, end) or bool(_PHONE_BEFORE.search(before))


# 'called back at', 'Ann Lee (', and a contact list after an e-mail address ('ann@x.org, ')
_PHONE_BEFORE = regex.compile(r"(?:\bat[ ]|\p{L}[ ]\(|@[\w-]+(?:\.[\w-]+)+,[ ])$")


def _alone_on_line(text: str, start: int, end: int) -> bool:
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    return not (
        text[line_start:start].strip()
        or text[end : len(text) if line_end < 0 else line_end].strip()
    )
