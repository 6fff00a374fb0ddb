"""Person names found by their context, the way i2b2/n2c2 de-identification rules do: a label
("Patient:", "Re:", "From:"), a relation ("son", "niece"), a communication verb ("spoke with",
"message from", "drawn by"), a title ("Dr.") or a credential after the name ("Luz Delgado, MD"),
and inverted "Last, First" names in headers. The small spaCy model misses most of these (short
notes, lowercase nursing text, names it has never seen); the context makes the name."""

from __future__ import annotations

from collections.abc import Iterator

import regex

from ..perturbations.clinical_terms import ABBREVIATIONS
from .gated import Gated
from .lexicon import is_base_form, is_english_word_form
from .patterns import STREET_SUFFIXES

# Gutiérrez, O'Neil, Patel-King, Do, MacLeod, DeShawn
_CAP = r"\p{Lu}[\p{Ll}'’]*(?:(?:-\p{Lu}?|\p{Lu})[\p{Ll}'’]+)*\p{Ll}"
_PARTICLES = ("de", "la", "del", "van", "der", "von", "da", "di", "du", "le", "al", "el", "bin")
_PARTICLE = "(?:" + "|".join([*_PARTICLES, "ibn", "dos"]) + ")"
# in lowercase notes, Gaelic ones too ('declan ni bhriain's neighbor')
_LOWER_PARTICLE = "(?:" + "|".join([*_PARTICLES, "ibn", "dos", "ni", "nic", "mac", "o"]) + ")"
_INITIAL = r"\p{Lu}\."
_TOKEN = rf"(?:{_CAP}|{_INITIAL})"
_NICKNAME = r"(?:[\"“][\p{L}' .-]{1,20}[\"”][ ])?"  # 'Dakota "Birdie" Bitsui'
_GAELIC = r"(?:(?-i:Ó|Ní|Nic|Mac|Mc|Ua|Uí)[ ])?"  # 'Ó Briain', 'Ní Bhriain'
NAME = rf"{_GAELIC}{_TOKEN}(?:[ ]{_NICKNAME}(?:{_PARTICLE}[ ])*{_TOKEN}){{0,3}}"
_TITLE = r"(?:Dr|Mr|Mrs|Ms|Miss|Prof)\b"
_UPPER = r"\p{Lu}[\p{Lu}'’-]+"
_SURNAME = rf"(?:{_CAP}|{_UPPER})(?:[ -](?:{_CAP}|{_UPPER}))*"  # 'Patel King', 'EL-KHATIB'
_BARE_INITIAL = r"\p{Lu}\b(?!['.])"
# a nickname after the given name: 'Auma, Sabari "Steven"'
_QUOTED = rf"(?:[ ][\"“]{_CAP}[\"”])?"
INVERTED = (
    rf"{_SURNAME},[ ](?!{_TITLE}){_CAP}(?:[ ](?:{_CAP}|{_INITIAL}|{_BARE_INITIAL}))?{_QUOTED}"
)
_UPPER_TOKEN = rf"(?:{_UPPER}|{_INITIAL})"
UPPER_NAME = (  # 'KOFI A. BOATENG', 'ST. CLAIR, TAMAR H'
    rf"{_UPPER}(?:[ ]{_UPPER_TOKEN}){{0,2}}[ ]{_UPPER}"
    rf"|(?:\p{{Lu}}{{1,3}}\.[ ])?{_UPPER}(?:[ -]{_UPPER})*,[ ]{_UPPER}(?:[ ]{_UPPER_TOKEN})?"
)
_LOWER = r"\p{Ll}[\p{Ll}'’-]{1,20}\p{Ll}"
RELATIONS = (
    r"son|daughter|wife|husband|spouse|partner|niece|nephew|aunt|uncle|cousin|neighbou?r|sister"
    r"|brother|mother|father|mom|dad|friend|caregiver|guardian|roommate|grandson|granddaughter"
    r"|grandmother|grandfather|stepson|stepdaughter|fianc[ée]e?|boyfriend|girlfriend|sibling"
)
# roles that stand between a verb and a name: 'call from pharmacist Gerald'
ROLES = (
    r"pharmacist|therapist|technician|tech|aide|scribe|chaplain|vendor|coordinator|interpreter"
    r"|social\s+worker|case\s+manager|nurse|doctor|dr\.?|provider|physician|pcp|rep"
)
VERBS = (
    r"spoke\s+(?:with|w/|to)|message\s+from|msg\s+from|reply\s+from|call\s+from|called\s+by|called"
    r"|voicemail\s+from|(?:report\s+)?given\s+to|discussed\s+with|per(?=[ ]+(?-i:\p{Lu}))|seen\s+by"
    r"|drawn\s+by"
    r"|signed\s+by|accompanied\s+by|brought\s+by|referred\s+by|sent\s+to|attn:?|attention"
    r"|cc:|c/o|coordinator|interpreter|case\s+manager|sender:?|from:|to:|re:|name(?=:|[ ]-)"
    r"|patient:|pt:?"
    r"|attending:?|provider:?|pcp:?|signed:?|co-?signed|contact"
    r"|ask(?:ing|ed|s)?\s+for(?=[ ]+(?-i:\p{Lu}))"
    r"|dr\.?|mr\.?|mrs\.?|ms\.?|hi|hello|dear|(?:outbound\s+|return(?:ed)?\s+)?call(?:ed)?\s+to"
    r"|(?:scribed|documented|dictated|transcribed|entered|written|witnessed|verified|performed"
    r"|reviewed|completed|obtained|taken|reported)\s+by|subscriber|guarantor|insured|policyholder"
    r"|registered\s+to|belongs\s+to|owned\s+by|patient|summary\s+for|letter\s+for|client"
    r"|caller|prescriber|prescribed\s+by|ordering\s+provider|referring(?:\s+provider)?"
    r"|(?:calling|crying|yelling)\s+(?:out\s+)?for|(?:message|msg|vm)\s+left\s+for|left\s+for"
)
CREDENTIALS = (
    r"(?i:md|m\.d\.|rn|np|phd|lpn|cna|msw|lcsw|pharmd|dds|aprn|crna|cma|rma|mph|facp|facc)"
    r"|DO|PA-C|PA|MA"
)
_RELATION_RE = regex.compile(
    rf"(?<![\w/])(?i:{RELATIONS})(?:'s)?,?[ ]+\(?"
    rf"(?:(?P<cap>{NAME})|(?P<low>{_LOWER}(?:[ ]{_LOWER})?))"
    r"(?![\w@]|\.\w)"
)
_VERB_RE = regex.compile(
    rf"(?<![\w/])(?i:{VERBS}):?[ \t]+(?:-[ ]+)?(?:(?i:{RELATIONS}|{ROLES})[ ]+)?\(?"
    rf"(?:(?P<cap>{INVERTED}|{_CAP}(?:[ ]{_CAP})?[ ]{_UPPER}\b|{NAME}|{UPPER_NAME})"
    rf"|(?P<low>{_LOWER}(?:[ ]{_LOWER})?(?!:)))"
    r"(?![\w@+-]|\.\w)"
)
_CREDENTIAL = rf",[ ]*(?:{CREDENTIALS})\b(?![ ]+\d{{5}}(?!\d))"  # not 'Erie, PA 16501'
_CREDENTIAL_RE = Gated(rf"(?:{INVERTED}|{UPPER_NAME}|{NAME})(?={_CREDENTIAL})", _CREDENTIAL)
_HEADER_RE = regex.compile(rf"(?m)^[ \t]*({_UPPER}(?:[ ]{_UPPER})*,[ ]{_UPPER})(?=[ \t]|$)")
_DELIMITED_RE = regex.compile(
    rf"(?m)(?:^|(?<=\s[/|]\s|\s--?\s|\s{{2}}|\t))(?:({INVERTED})(?=[ ]{{2}}|\t|[ ][/|(#-]|[ ]*$)"
    rf"|({UPPER_NAME})(?=[ ]\(|[ ]--?[ ]|\t))"
)
# a lowercase name as the subject of what visitors do: 'omar will move car', 'renato little asked'
_VISITOR_VERB = (
    r"[ ](?:will|asked|says|said|wants|drove|brought|requested|visited|left|called"
    r"|from[ ](?:case|social|chaplaincy|spiritual|nutrition|dietary|admitting|registration"
    r"|hospice|home[ ]health))\b"
)
_LOWER_SUBJECT_RE = Gated(
    rf"(?<=[\w)][ ])({_LOWER}(?:[ ]{_LOWER})?)(?={_VISITOR_VERB})", _VISITOR_VERB
)
_ADMITTED = (
    r"[ ](?:was|is|has[ ]been)[ ]"
    r"(?:admitted|seen|discharged|transferred|brought|referred|evaluated|a[ ]\d)"
)
_SUBJECT_RE = Gated(  # 'Amber Green was admitted', 'John Smith is a 67-year-old'
    rf"(?<![\w.])({_CAP}(?:[ ](?:{_INITIAL}[ ])?{_CAP}){{1,2}})(?={_ADMITTED})", _ADMITTED
)
# a title or role before a capitalised name: 'Nurse Okafor', 'PA-C Lindqvist', 'Rev. Adeyemi'
_TITLED_RE = regex.compile(
    r"(?<![\w/-])(?:Nurse(?:[ ]Practitioner)?|NP|PA-C|PA|RN|LPN|CNA|Prof\.?|Professor|Rev\.?|Fr\.?"
    r"|Mx\.?|Doctor|Dr\.?|Mr\.?|Mrs\.?|Ms\.?|Miss|Officer|Chaplain|Pastor|Rabbi|Imam|Deputy"
    rf"|Sgt\.?|Capt\.?|Therapist|Pharmacist|Midwife)[ ]+((?:{_PARTICLE}[ ])*{NAME})"
)
_SIGN_OFF_RE = regex.compile(
    rf"(?i:regards|sincerely|thank\s+you|thanks|best|cheers|--)(?:[ ]\p{{L}}+){{0,3}}[,!.]?[ ]*\n"
    rf"[ ]*({NAME})"
    rf"|(?m)^[ ]*({NAME})[ ]*\n(?=(?i:sent[ ]from[ ]))"
    rf"|(?i:\bthx|\bty)[.!]?[ ]*\n[ ]*({NAME})[ ]*$"
    rf"|(?m)^--[ ]+({NAME}|{_LOWER}(?:[ ]{_LOWER})?)(?=[ ]*(?:\(|,|$))"
)
# a name before a nursing credential without a comma: 'handoff to drew rn', 'monitor j. pawlak rn'
_LOWER_CREDENTIAL_RE = Gated(
    rf"(?<=[ ])((?:\p{{Ll}}\.[ ])?{_LOWER})(?=[ ](?:rn|lpn|cna)\b)", r"[ ](?:rn|lpn|cna)\b"
)
# a name whose relative speaks: "Przemysław's mother", "seo-yeon takahashi's son"
_OF_RELATIVE = rf"['’]s[ ]+(?i:{RELATIONS})\b"
_POSSESSIVE_RE = Gated(
    rf"(?<![\w'’-])(?:(?P<cap>{NAME})"
    rf"|(?P<low>{_LOWER}(?:[ ](?:{_LOWER_PARTICLE}[ ])?{_LOWER}){{0,2}}))"
    rf"(?={_OF_RELATIVE})",
    _OF_RELATIVE,
)
# a lowercase name after a doctor's title, in nursing shorthand: 'dr waters paged'
_LOWER_TITLE_RE = regex.compile(r"(?<![\w/])(?:dr|doctor)\.?[ ]+(\p{Ll}[\p{Ll}'’-]+\p{Ll})\b")
# a name on a label's first line, then its address: 'Amber Maynard  6993 Abdulle Ave SW'
_STREET_AHEAD = (
    rf"\d{{1,6}}[ ](?:[\p{{L}}.'’-]+[ ]){{1,4}}(?i:{'|'.join(STREET_SUFFIXES)})\b"
    r"|(?i:HC|RR|P\.?[ ]?O\.?[ ]?Box)[ ]\d"
)
_ADDRESSEE_RE = regex.compile(
    rf"(?m)^[ \t]*({_TOKEN}(?:[ ]{_TOKEN}){{1,3}})(?:[ ]{{2,}}|\t)(?={_STREET_AHEAD})"
)
# a business named after its owner: 'Employer: Patience Waters Landscaping'
_TRADE = (
    r"[ ](?:Landscaping|Trucking|Plumbing|Roofing|Construction|Electric|Bakery|Catering|Cleaning"
    r"|Painting|Farms?|Dairy|Auto(?:motive)?|Towing|Salon|Barbershop|Realty|Hardware|Grocery"
    r"|Deli|Motors|Plumbers|Carpentry|Masonry|Welding|Tailoring|Daycare)\b|[ ]&[ ]Sons?\b"
    r"|,?[ ](?:LLC|Inc)\b"
)
_OWNER_RE = Gated(rf"(?<![\w.])({NAME})(?={_TRADE})", _TRADE)
# a name before its role or relation in parentheses: 'from Arlis Begley (pharmacist)'
_ROLE_AFTER = rf"[ ]\((?i:{ROLES}|{RELATIONS})\)"
_ROLE_AFTER_RE = Gated(rf"(?<![\w.])({NAME})(?={_ROLE_AFTER})", _ROLE_AFTER)
# a name that introduces itself, or that a date of birth or record number follows
_SELF_RE = regex.compile(rf"(?i:this[ ]is|my[ ]name[ ]is|I[ ]am|I'm)[ ]({NAME})")
_DOB = r"(?:[ ]*\(|[ ]{2,}|\t|,[ ]|[ ][|/-][ ])(?i:dob|d\.o\.b|mrn|born|age)\b"
_BEFORE_DOB_RE = Gated(rf"(?<![\w.])({INVERTED}|{UPPER_NAME}|{NAME})(?={_DOB})", _DOB)
# the display name of an e-mail address: 'From: "Ewa Szymanski" <ewa@example.org>'
_DISPLAY_NAME_RE = regex.compile(rf"\"({NAME}|{_LOWER}(?:[ ]{_LOWER})+)\"[ ]*<[^<>@\s]+@")
_DASH = r"\s-[ ]|^-[ ]?"
_DASH_SIGN_RE = Gated(rf"(?<={_DASH})(?:({NAME})|({_LOWER}))[ ]*$", _DASH, flags=regex.MULTILINE)
# the number right after a header's patient name ('KING, ROSE   (40-909-509)', 'Ruiz, Ana  #MR3085')
# is the medical record number by convention; after another name ('by Thanh (E845712)') an id
HEADER_ID = regex.compile(
    rf"(?m)^[^\n]{{0,40}}?(?:{INVERTED}|{_UPPER}(?:[ -]{_UPPER})*,[ ]{_UPPER})[ ]+[(#]"
    r"([A-Z]{0,3}-?\d(?:[\d-]{3,12})\d)\)?(?![\w-])"
)
_PARENTHESISED_ID = r"(?!\d{10}\))([A-Z]{0,3}\d{5,12})(?=\))"  # ten digits: a phone number
NAME_ID = Gated(rf"(?<={_CAP}[ ]\(){_PARENTHESISED_ID}", _PARENTHESISED_ID)


def words(text: str) -> frozenset[str]:
    """A word list written as prose (one list per line would run to hundreds of lines)."""
    return frozenset(text.split())


# words that follow a relation or a verb in notes and are not names
STOP = words(
    """a an the and or of to in on at for with by from up out is was are were be been has had have
    will would can could should may might not no yes this that these those it its his her their our
    my your he she they we you i me him them us who which what when where why how all any some each
    pt patient pts family member members staff team nurse nursing rn md doctor dr physician provider
    states stated says said asked asks reports reported denies denied notes noted feels felt is was
    wants wanted requests requested called calls came come comes went going here there now today
    tonight tomorrow yesterday home bedside phone voicemail message re regarding about again also
    still just only both other another same new old daily weekly checks checked visiting visited
    present aware updated informed notified agrees agreed verbal consent at bs bedside regarding
    sleeping resting awake alert up in chair bed room floor unit care plan discharge admission
    pharmacy lab labs case mgr manager social work worker services office clinic hospital desk
    front security transport billing records chart note notes order orders protocol request
    form forms results result team's patient's pt's his hers well mr mrs ms dr please thank thanks
    police emailed joined blog set fax texted signed sent left someone everyone security nobody
    son daughter wife husband spouse partner niece nephew aunt uncle cousin neighbor sister brother
    mother father mom dad friend caregiver guardian roommate grandson granddaughter sibling visitor
    visitors family confused app ot np pa
    portal had has have who whom whose she'll he'll they'll will shall must being having
    doing user users sender recipient fundraiser since until after before during than then while
    into onto over under via per handoff tele"""
)
# departments, offices, credentials and scales: never a person (nor a place)
NOT_NAMES = words(
    """caller claim intake benefits surgery cardiology radiology oncology pool dept department
    appeals grievances signature co-signature insurance insurer agency vendor company payer
    hospice employer school bank lcsw cma rma mph facp facc phd lpn cna msw pharmd dds aprn crna
    karnofsky glasgow apgar braden morse barthel ecog nyha"""
)
STOP |= NOT_NAMES
# months and weekdays as written in notes ('Signed Dec 3rd', 'note given for Fri'); April, May,
# June and August are names as often as months, and stay possible names
CALENDAR = words(
    """jan feb mar apr jun jul aug sep sept oct nov dec january february march july september
    october november december mon tue tues wed thu thur thurs fri sat monday tuesday wednesday
    thursday friday saturday sunday"""
)
STOP |= CALENDAR


_WORD = regex.compile(r"[\p{L}'’]+")
_HYPHENATED_WORD = regex.compile(r"[\p{L}'’-]+")


def context_names(text: str) -> Iterator[tuple[int, int]]:
    """(start, end) of every name its context marks."""
    for pattern in (_RELATION_RE, _VERB_RE):
        # overlapped: a context word inside one candidate starts another ('pt keeps calling out
        # for akos')
        for m in pattern.finditer(text, overlapped=True):
            if m.group("cap"):
                if not _all_stop(m.group("cap")):
                    yield m.start("cap"), m.end("cap")
            elif end := _lower_name_end(m.group("low"), _NOT_AFTER_PT.match(m.group()) is None):
                yield m.start("low"), m.start("low") + end
    for pattern in (
        _CREDENTIAL_RE,
        _HEADER_RE,
        _DELIMITED_RE,
        _SUBJECT_RE,
        _SIGN_OFF_RE,
        _TITLED_RE,
        _LOWER_CREDENTIAL_RE,
        _DISPLAY_NAME_RE,
        _SELF_RE,
        _BEFORE_DOB_RE,
        _ROLE_AFTER_RE,
    ):
        for m in pattern.finditer(text):
            group = next((g for g in range(1, pattern.groups + 1) if m.group(g)), 0)
            if not _all_stop(m.group(group)):
                yield m.start(group), m.end(group)
    for m in _LOWER_SUBJECT_RE.finditer(text):
        if not any(w in STOP for w in m.group(1).split()) and not _word_forms(m.group(1)):
            yield m.start(1), m.end(1)
    for m in _DASH_SIGN_RE.finditer(text):
        group = 1 if m.group(1) else 2
        if m.group(group).lower() not in STOP and not (group == 2 and _word_forms(m.group(2))):
            yield m.start(group), m.end(group)
    yield from _shorthand_names(text)


def _shorthand_names(text: str) -> Iterator[tuple[int, int]]:
    """Names in a relative's possessive, after a lowercase 'dr', in a business's name and
    before an address."""
    for m in _POSSESSIVE_RE.finditer(text):
        if m.group("cap") and not _all_stop(m.group("cap")):
            yield m.start("cap"), m.end("cap")
        elif m.group("low") and (start := _lower_name_start(m.group("low"))) is not None:
            yield m.start("low") + start, m.end("low")
    for m in _LOWER_TITLE_RE.finditer(text):
        word = m.group(1)
        if word not in STOP and not word.endswith(("ed", "ing", "ly")):
            yield m.start(1), m.end(1)
    for m in _OWNER_RE.finditer(text):
        if not _all_stop(m.group(1)) and not _word_forms(m.group(1)):
            yield m.start(1), m.end(1)
    for m in _ADDRESSEE_RE.finditer(text):
        if not _all_stop(m.group(1)) and not _word_forms(m.group(1)):
            yield m.start(1), m.end(1)


def _lower_name_start(value: str) -> int | None:
    """Where the name at the end of ``value`` starts, before a relative's possessive: the last
    word unless a function word ('karina frank's', not 'the patient's'), and the words before it
    that are neither function words nor English verbs, adjectives or adverbs; or None."""
    found = list(_HYPHENATED_WORD.finditer(value))
    if not found or found[-1].group() in STOP:
        return None
    start = found[-1].start()
    for w in reversed(found[:-1]):
        if _word_forms(w.group()) and not regex.fullmatch(_LOWER_PARTICLE, w.group()):
            break
        start = w.start()
    return start


_NOT_AFTER_PT = regex.compile(r"(?i:pt|patient)\b")


def _lower_name_end(value: str, uninflected_first: bool = True) -> int:
    """The length of the name at the start of ``value`` (one or two lowercase words): both words
    when neither is a function word or an English verb, adjective or adverb ('yoandri
    echevarria'), or when the second is none of these and the first an uninflected one ('grace
    blackwood', not 'brought lunch'); else the first alone on the same terms ('nathan' of
    'nathan from'), else 0. ``uninflected_first`` is False after 'pt', where an adjective starts
    a description ('pt stable vitals'), not a name."""
    words = list(_HYPHENATED_WORD.finditer(value))[:2]
    pair = len(words) == 2 and uninflected_first  # not after 'pt': 'pt stable vitals'
    if pair and _given_then_surname(words[0].group(), words[1].group()):
        return words[1].end()
    while words and any(_word_forms(w.group()) for w in words):
        words.pop()
    return words[-1].end() if words else 0


def _given_then_surname(first: str, second: str) -> bool:
    return (
        first not in STOP
        and not _word_forms(second)
        and (not _word_forms(first) or (is_base_form(first) and first not in ABBREVIATIONS_LOWER))
    )


# derivational endings of English nouns and adjectives no name has ('arousable', 'placement')
_ENGLISH_ENDING = regex.compile(r"(?:able|ible|ment|ments|tion|tions|sion|ness|ures|ology)$")
# clinical abbreviations written in lowercase ('per ssi', 'bsc', 'snf'), less those that are
# also names (Ama, Peg, Ed, Doe)
ABBREVIATIONS_LOWER = (
    frozenset(a.lower() for a in ABBREVIATIONS) - words("ama peg ed doe")
) | words("ssi snf bsc poc pacu")


def _english(word: str) -> bool:
    return (
        word in STOP
        or word in ABBREVIATIONS_LOWER
        or bool(_ENGLISH_ENDING.search(word))
        or is_english_word_form(word)
    )


def _word_forms(value: str) -> bool:
    """A lowercase candidate made only of English verbs, adjectives, adverbs and function words
    ('parked', 'seen today'): not a name. One word that is none of these makes it a name ('hope
    hernández')."""
    value = value.lower()
    return value in STOP or all(_english(w) for w in _WORD.findall(value))


def _all_stop(value: str) -> bool:
    words = _WORD.findall(value.lower())
    return all(w in STOP or len(w) < 2 for w in words)


def name_ids(text: str) -> Iterator[tuple[int, int, str]]:
    """(start, end, entity) of the number a name carries in parentheses or after '#'."""
    for m in HEADER_ID.finditer(text):
        yield m.start(1), m.end(1), "MEDICAL_RECORD_NUMBER"
    for m in NAME_ID.finditer(text):
        yield m.start(1), m.end(1), "OTHER_ID"
