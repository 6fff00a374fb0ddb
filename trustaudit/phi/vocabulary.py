"""The words a PHI example may show around its detections (defence in depth).

A recognizer misses some identifiers; an example that shows a note's text around what was found
would show what was missed. So an example shows only words this vocabulary knows: English function
words (spaCy's stop words), clinical abbreviations with their expansions and drug names (the
perturbation vocabularies), and the common words of clinical notes below. Everything else (any
other word in any letter case, any digit) is masked. Words that are also given names or surnames
(``may``, ``will``, ``son``, ``ama``: the hand list below and generic.py's name lists) and the
names of months and weekdays are left out on purpose: shown, they could complete a name or a date
the recognizers missed.
"""

from __future__ import annotations

import re
from functools import lru_cache

from ..perturbations.clinical_terms import ABBREVIATIONS, DRUG_PAIRS

NOTE_WORDS = """
patient pt pts admitted admission admit discharged discharge seen visit visits follow followup
up history present illness chief complaint assessment plan impression diagnosis diagnoses note
notes exam examination physical review systems vital vitals signs sign stable unstable normal
abnormal negative positive denies denied reports reported presents presented presenting with
without pain chest shortness breath fever cough nausea vomiting diarrhea headache dizziness
weakness fatigue swelling edema rash bleeding fall falls injury wound surgery procedure
medication medications medicine dose doses daily twice nightly weekly tablet tablets capsule mg
mcg ml units unit iv po prn oral home hospital clinic unit ward room bed floor icu emergency
department er ed doctor physician nurse nursing provider team family son daughter wife husband
mother father sister brother friend caregiver spouse partner called call phone fax message
messages spoke spoke left voicemail portal email address lives living alone independent
resident care primary contact emergency insurance plan member account record number id
date birth dob age year years old months weeks days day today yesterday tomorrow morning
evening night time am pm blood pressure heart rate respiratory temperature oxygen saturation
weight height labs lab results result test tests imaging scan xray ultrasound echo ekg ecg
mri ct culture cultures pending ordered order orders started start stop stopped continue
continued increase increased decrease decreased change changed new old prior previous last
next per via by for from to of in on at and or not no yes none mild moderate severe acute
chronic recurrent bilateral left right upper lower anterior posterior improved improving
worse worsening resolved tolerated tolerating well poorly good fair poor alert oriented
awake sleeping asleep ambulating ambulatory walking chair bedside up out of return returns
returned referral referred refer consult consulted recommend recommended recommendations
signed electronically reviewed agree agreed plan dictated transcribed reason reasons
allergies allergy nkda known drug social smoking alcohol tobacco denies sexual occupation
works retired lives married single widowed divorced children alone support
neighbor neighbour niece nephew aunt uncle cousin grandson granddaughter grandmother grandfather
roommate guardian
"""
NAME_LIKE = {
    "may", "will", "june", "april", "august", "bill", "mark", "grant", "rose", "hope", "faith",
    "joy", "dawn", "art", "sue", "pat", "don", "jack", "ray", "guy", "gene", "sandy", "summer",
    "son",
}  # fmt: skip
MONTHS_AND_DAYS = {
    "january", "february", "march", "july", "september", "october", "november", "december",
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
}  # fmt: skip
WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")


@lru_cache(maxsize=1)
def shown_words() -> frozenset[str]:
    """Every lower-case word an example may show."""
    from spacy.lang.en.stop_words import STOP_WORDS  # the privacy extra: examples need it

    phrases = [*ABBREVIATIONS, *(long for long, _ in ABBREVIATIONS.values())]
    phrases += [*DRUG_PAIRS, *DRUG_PAIRS.values(), NOTE_WORDS]
    from .generic import GIVEN, SURNAMES  # names in notes of many origins ('Ama', an Akan name)

    words = {w.lower() for phrase in phrases for w in WORD.findall(phrase)} | set(STOP_WORDS)
    return frozenset(words - NAME_LIKE - MONTHS_AND_DAYS - GIVEN - SURNAMES)
