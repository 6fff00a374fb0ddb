"""Fallbacks for identifiers whose label the rules do not know. Safe Harbor (R) covers "any other
unique identifying number": a code with five digits, or letters and four digits, that no
recognizer claimed and that is not a clinical quantity (a dose, a lab value, a count, a price) is
reported as OTHER_ID rather than missed. Names: the other half of an inverted or split name, and a
common given name or surname next to a tagged name or a title."""

from __future__ import annotations

from collections.abc import Iterator

import regex

from .checks import checked
from .labels import ID_ENTITIES, NOT_PHI, Label, adjacent, trailing
from .layouts import column_label, label_above
from .lexicon import is_english_word_form
from .names import STOP, words
from .places import Span

SCORE = 0.6  # below the labelled rules: a shape alone is weaker evidence
_TOKEN = regex.compile(
    r"(?<![\w/.,:@$#+-]|[\d][.,])(?=[A-Za-z0-9-]*\d)[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
    r"(?![\w/@%]|[.,:]\d|-\w)"
)
# units and quantities a number may carry (the number is then a measurement)
_UNIT = (
    r"mg|mcg|ug|µg|g|gm|grams?|kg|lbs?|pounds?|oz|ml|mls|l|liters?|dl|units?|u|iu|meq|mmol|mol"
    r"|nmol|pmol|cells|copies|cps|k|x|times|steps|cal|kcal|calories|mm|cm|m|km|ft|feet|inch(?:es)?"
    r"|in|miles?|dollars|usd|cents|bpm|cc|ng|pg|mm3|ul|µl|mcl|per|/|%|hrs?|hours?|min(?:utes)?"
    r"|sec(?:onds)?|days?|weeks?|months?|years?|yrs?|doses?|tabs?|tablets?|caps?|puffs?|sprays?"
    r"|drops?|vials?|packs?|people|patients|beds|rpm|hz|mhz|mah|mv|ms|joules|j|w|watts|psi|mmhg"
)
_AFTER_UNIT = regex.compile(rf"[ \t]*(?:{_UNIT})(?![\w])", regex.IGNORECASE)
# lab, vital and count words a measurement follows ('WBC 11200', 'platelets: 245000')
_MEASURE = (
    r"wbc|rbc|plt|platelets?|hgb|hct|anc|alc|cd4|cd8|count|counts|load|vl|level|levels|titer|titre"
    r"|ldh|cpk|ck|bnp|nt-?probnp|ferritin|d-?dimer|troponin|glucose|tsh|psa|afp|cea|hcg|igg|ige"
    r"|lipase|amylase|alt|ast|alp|ggt|bun|esr|crp|inr|ptt|dose|dosing|total|score|steps|weight"
    r"|wt|height|ht|volume|vol|output|intake|cost|price|charge|charges|balance|paid|owes|amount"
    r"|salary|income|rate|speed|distance|altitude|population|pop|calories|kcal|vitamin\s+d|b12"
    r"|units|bolus|drip|infusion|heparin|insulin|epo|iu|rpm|ebl|qty|quantity|approx|about|~"
)
_BEFORE_MEASURE = regex.compile(rf"(?i:\b(?:{_MEASURE})\b[^\n\w]{{0,4}}|[$€£~<>=≈±]\s*)$")
_DOSE_TOKEN = regex.compile(rf"\d+(?:{_UNIT})", regex.IGNORECASE)
_YEAR = regex.compile(r"(?:19|20)\d\d")
_CODE_NAMES = words("covid-19 sars-cov-2 h1n1 h5n1 hba1c a1c t2dm t1dm icd-10 icd-9 cpt")


def other_ids(text: str, marks: list[Label], taken: list[Span]) -> Iterator[Span]:
    """Id-shaped tokens that no span covers and no measurement context explains."""
    for m in _TOKEN.finditer(text):
        value = m.group()
        digits = sum(c.isdigit() for c in value)
        letters = any(c.isalpha() for c in value)
        if digits < (4 if letters else 5) or value.lower() in _CODE_NAMES:
            continue
        if any(s[0] < m.end() and s[1] > m.start() for s in taken):
            continue
        if _measurement(text, m.start(), m.end(), value):
            continue
        label = (
            adjacent(text, marks, m.start())
            or trailing(text, marks, m.end(), ID_ENTITIES)
            or column_label(text, marks, m.start())
            or label_above(text, marks, m.start())
        )
        if label is not None and label.entity == NOT_PHI:
            continue
        entity = checked(label.entity, value) if label and label.entity in ID_ENTITIES else None
        yield m.start(), m.end(), entity or "OTHER_ID", SCORE


def _measurement(text: str, start: int, end: int, value: str) -> bool:
    """A quantity: a number with a unit, after a lab or vital name or a currency sign; a year."""
    if _DOSE_TOKEN.fullmatch(value) or _YEAR.fullmatch(value):
        return True
    if value.isdigit() and _AFTER_UNIT.match(text, end):
        return True
    return value.isdigit() and bool(_BEFORE_MEASURE.search(text[max(0, start - 24) : start]))


# common given names and surnames across origins (US census, SSA and international lists, written
# from general knowledge); words that are also common English words (Will, Grace, May) left out
GIVEN = words(
    """james john robert michael william david richard joseph thomas charles christopher daniel
    matthew anthony donald steven paul andrew joshua kenneth kevin brian george edward ronald
    timothy jason jeffrey ryan jacob gary nicholas eric jonathan stephen larry justin scott
    brandon benjamin samuel gregory raymond alexander patrick jack dennis jerry tyler aaron jose
    adam henry nathan douglas zachary peter kyle walter ethan jeremy harold keith roger noah
    gerald carl terry sean austin arthur lawrence dylan jesse bryan joe billy bruce albert gabriel
    logan alan juan wayne roy ralph randy eugene vincent russell elijah louis bobby philip johnny
    mary patricia jennifer linda elizabeth barbara susan jessica sarah karen lisa nancy betty
    margaret sandra ashley kimberly emily donna michelle carol amanda dorothy melissa deborah
    stephanie rebecca sharon laura cynthia kathleen amy angela shirley anna brenda pamela emma
    nicole helen samantha katherine christine debra rachel carolyn janet catherine maria heather
    diane julie olivia joyce victoria kelly christina lauren joan evelyn judith megan cheryl
    andrea hannah martha jacqueline frances gloria ann teresa kathryn sara janice jean alice
    madison doris abigail julia judy sophia marie denise danielle marilyn beverly isabella theresa
    diana natalie brittany charlotte kayla alexis lori mohammed muhammad ahmed ali omar hassan
    hussein fatima aisha zainab mariam yusuf ibrahim khalid tariq amir layla noor priya ananya
    aarav arjun rahul anil sunil ravi vijay deepak sanjay amit rajesh lakshmi sunita kavita pooja
    neha anjali wei li ming hui xin yan mei ling hiroshi takeshi kenji yuki haruto sakura akira
    minh thanh tuan linh anh huong duc jiho minjun seojun jiwoo eun soo hyun jin carlos luis
    miguel jorge pedro alejandro diego javier rafael fernando ricardo sergio manuel francisco
    antonio guadalupe rosa carmen lucia sofia valentina camila isabel ana elena ximena alejandra
    chidi ngozi oluwaseun adebayo chinedu emeka kwame kofi ama abena amara tunde yaw thandiwe
    sipho dmitri ivan olga svetlana natasha sergei vladimir katarzyna piotr tomasz agnieszka
    giovanni giuseppe francesca luca marco lars sven ingrid astrid anders jean-pierre francois
    pierre amelie chloe mathieu aoife siobhan sean ciaran"""
)
SURNAMES = words(
    """smith johnson williams brown jones garcia miller davis rodriguez martinez hernandez lopez
    gonzalez wilson anderson thomas taylor moore jackson martin lee perez thompson harris sanchez
    clark ramirez lewis robinson walker allen wright scott torres nguyen flores adams nelson baker
    rivera campbell mitchell carter roberts gomez phillips evans turner diaz parker cruz edwards
    collins reyes stewart morris morales murphy rogers gutierrez ortiz morgan cooper peterson
    bailey kelly howard ramos kim cox richardson watson brooks chavez james bennett mendoza ruiz
    hughes alvarez castillo sanders patel myers ross foster jimenez powell jenkins perry russell
    sullivan coleman butler henderson barnes gonzales fisher vasquez simmons romero patterson
    alexander hamilton graham reynolds griffin wallace moreno hayes bryant herrera gibson ellis
    tran medina aguilar stevens murray castro marshall owens harrison fernandez mcdonald kennedy
    vargas henry chen freeman webb tucker guzman crawford olson simpson gordon mendez silva shaw
    snyder mason dixon munoz hicks holmes palmer wagner robertson boyd salazar warren meyer
    schmidt garza daniels ferguson nichols stephens soto weaver ryan gardner dunn kelley spencer
    hawkins arnold pierce vazquez hansen peters santos bradley knight elliott cunningham duncan
    armstrong hudson carroll riley andrews alvarado delgado perkins hoffman johnston matthews pena
    richards contreras willis carpenter lawrence sandoval wang li zhang liu yang huang zhao wu
    zhou xu sun zhu hu guo lin gao luo zheng liang choi jung kang cho yoon jang lim han shin yoo
    kwon hwang ahn tanaka suzuki sato takahashi watanabe ito yamamoto nakamura kobayashi kato pham
    hoang phan vu vo dang bui ngo duong ly shah singh kumar sharma gupta mehta reddy rao iyer nair
    joshi desai chaudhary khan ahmed ali hussain rahman hassan ibrahim abdullah mahmoud haddad
    khoury nasser okafor okeke adeyemi oyelaran mensah owusu boateng acheampong nwosu eze okonkwo
    abubakar mwangi otieno kowalski nowak wisniewski wojcik ivanov petrov smirnov popov sokolov
    kuznetsov rossi russo ferrari esposito bianchi romano colombo muller schneider fischer weber
    becker schulz johansson andersson larsen nielsen jensen olsen hansen murphy obrien oconnor
    byrne walsh kelly dubois moreau laurent lefebvre leroy bernard cohen levy friedman goldberg
    katz"""
)
NAME_WORDS = GIVEN | SURNAMES
_CAPITALISED = r"\p{Lu}[\p{Ll}'’]+"
_NEIGHBOUR = regex.compile(rf"{_CAPITALISED}(?:-{_CAPITALISED})?")
_EDGE = r"[\w.’'-]"  # a name does not start or end inside a word, a number or an initial
_GIVEN_FIRST = regex.compile(rf"(?<!{_EDGE})({_CAPITALISED})[ ]({_NEIGHBOUR.pattern})(?![\w’'-])")


_UPPER_NEIGHBOUR = r"\p{Lu}[\p{Lu}'’]+(?:-\p{Lu}[\p{Lu}'’]+)*"
_AFTER_NAME = regex.compile(r"(,[ ]|[ ])(" + _NEIGHBOUR.pattern + r")(?![\w’'-])")
_BEFORE_NAME = regex.compile(
    r"(?<![\w’'-])(" + _UPPER_NEIGHBOUR + r"|" + _NEIGHBOUR.pattern + r")(,[ ]|[ ])$"
)


def _caps_surname(surname: str, given: str) -> bool:
    """'PONCE, John': a surname in capitals, a comma, then a capitalised given name (not a word of
    the notes' own, such as 'MD' or 'Cardiology')."""
    return (
        surname.isupper()
        and len(surname) > 1
        and not given.isupper()
        and given.lower() not in STOP
        and not is_english_word_form(given)
    )


def name_neighbours(text: str, persons: list[tuple[int, int]]) -> Iterator[tuple[int, int]]:
    """The other half of a name one half of which is tagged ('Chen, Maria', 'Maria Chen') when
    it is a common given name or surname; a common given name before a capitalised surname."""
    for start, end in persons:
        after = _AFTER_NAME.match(text, end)
        if after and (
            after.group(2).lower() in NAME_WORDS
            or (after.group(1) == ", " and _caps_surname(text[start:end], after.group(2)))
        ):
            yield after.start(2), after.end(2)
        before = _BEFORE_NAME.search(text[max(0, start - 30) : start])
        if before and (
            before.group(1).lower() in NAME_WORDS
            or (before.group(2) == ", " and _caps_surname(before.group(1), text[start:end]))
        ):
            offset = max(0, start - 30)
            yield offset + before.start(1), offset + before.end(1)
    for m in _GIVEN_FIRST.finditer(text):
        if m.group(1).lower() in GIVEN and m.group(2).lower() in SURNAMES:
            yield m.start(1), m.end(2)
