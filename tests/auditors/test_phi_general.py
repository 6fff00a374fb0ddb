"""PHI recognition beyond the label words it was tuned on: sentences written from how US clinical
documents label identifiers (HL7 field names, i2b2/n2c2 de-id guidelines) and from the contexts
other corpus authors used (international and URI phone numbers, contact lists, HL7 fields holding
the wrong kind of value, mixed separators, places after a street in shorthand, names by relation,
title, role, business or letterhead position), each with the value and its Safe Harbor category,
plus clinical numbers and words that must stay untagged. Written here, not copied from a corpus."""

import pytest

from trustaudit.phi.recognizers import find_phi

pytestmark = pytest.mark.extra("privacy")

FOUND = [
    # (H) medical record numbers under the many names documents give them
    ("Unit No.: 4471902 admitted to 5 West.", "4471902", "H"),
    ("Chart # 88213406 reviewed prior to visit.", "88213406", "H"),
    ("Hosp # 30-77-1254 on the wristband.", "30-77-1254", "H"),
    ("EMR #: 5563018 (legacy system).", "5563018", "H"),
    ("Pt ID 0092281 verified with two identifiers.", "0092281", "H"),
    ("Record number 7718204 requested by the family.", "7718204", "H"),
    ("MR No 66120934, room 412.", "66120934", "H"),
    ("Wristband 4471903 (MRN) confirmed at registration.", "4471903", "H"),
    # (I) health plan
    ("Subscriber ID: XQW882019344 (spouse is the holder).", "XQW882019344", "I"),
    ("Medicare HICN 123456789A on file.", "123456789A", "I"),
    ("Group # 0045127 with Aetna.", "0045127", "I"),
    ("Plan ID 8830217741 is active.", "8830217741", "I"),
    ("Insurance: BCBS XYZ123456789, copay $30.", "XYZ123456789", "I"),
    ("Medicaid# NY12345678 pending renewal.", "NY12345678", "I"),
    ("Beneficiary no. 5EG4TE5MK72 confirmed.", "5EG4TE5MK72", "I"),
    # (J) accounts
    ("Guarantor acct 00455129 to be billed.", "00455129", "J"),
    ("Billing no. 88120445 was updated.", "88120445", "J"),
    ("Encounter account: 7304418221.", "7304418221", "J"),
    # (M) devices
    ("Pacemaker serial PJN448201 interrogated today.", "PJN448201", "M"),
    ("Insulin pump S/N: 77-1180392.", "77-1180392", "M"),
    ("CGM transmitter ID 8GH33K2 replaced.", "8GH33K2", "M"),
    ("Lot # AB38812 of the implant was recorded.", "AB38812", "M"),
    ("Phone IMEI 356938035643809 logged.", "356938035643809", "M"),
    ("Hearing aid SN 9A7734211 sent for repair.", "9A7734211", "M"),
    # (R) other ids, labelled or not
    ("Accession no. S21-44871 sent to pathology.", "S21-44871", "R"),
    ("Specimen ID: SP-22-018833 (left breast core).", "SP-22-018833", "R"),
    ("Participant 40012-77 enrolled in the trial.", "40012-77", "R"),
    ("Requisition 9930127 printed.", "9930127", "R"),
    ("Employee badge 448190 was scanned.", "448190", "R"),
    ("Reference code QX7-88120-B was given to the caller.", "QX7-88120-B", "R"),
    # (R) codes whose label no rule knows: better counted as 'other id' than missed
    ("Voucher QZ-48817 issued for the cab ride home.", "QZ-48817", "R"),
    ("Her kiosk check-in code was 7731904 this morning.", "7731904", "R"),
    ("Bed board lists 4471-XJ-2209 for her.", "4471-XJ-2209", "R"),
    # (E) fax, (D) phone, with the label before, after or a few words away
    ("Please fax it to 617-555-0199 attn records.", "617-555-0199", "E"),
    ("Records were faxed to (212) 555-0148 today.", "(212) 555-0148", "E"),
    ("Send to 508.555.0133 (fax).", "508.555.0133", "E"),
    ("eFax: 888-555-0102", "888-555-0102", "E"),
    # letterhead labels: one letter before a number (in any spacing) or in parentheses after it
    ("P (617) 555-0100  F (617) 555-0101", "(617) 555-0100", "D"),
    ("P (617) 555-0100  F (617) 555-0101", "(617) 555-0101", "E"),
    ("Direct line 617-555-0101 (f) for results.", "617-555-0101", "E"),
    ("Reach her at 617-555-0177 (c) after 5.", "617-555-0177", "D"),
    ("Telefax 617 555 0188", "617 555 0188", "E"),
    ("Reach daughter at 978-555-0177 - cell.", "978-555-0177", "D"),
    ("Beeper 4021 or callback 413-555-0164.", "413-555-0164", "D"),
    ("Text her at 774 555 0181 if needed.", "774 555 0181", "D"),
    ("Ph (617) 555-0111 ext 204, F (617) 555-0112.", "(617) 555-0112", "E"),
    ("Call back number 617-555-0190 for the results.", "617-555-0190", "D"),
    # (L) plates
    ("Lic plate 7KJD221 in the visitor lot.", "7KJD221", "L"),
    ("Tag number 4GHT772 (Massachusetts) on the van.", "4GHT772", "L"),
    # (C) dates and ages
    ("Seen on the 14th of March for follow up.", "14th of March", "C"),
    ("Symptoms began in March 2021.", "March 2021", "C"),
    ("Last colonoscopy 2019-11-04 was normal.", "2019-11-04", "C"),
    ("A 92 y/o woman presents with cough.", "92", "C"),
    ("Patient is 95yo and lives alone.", "95", "C"),
    ("Age: 97, lives with her son.", "97", "C"),
    ("A 91 yr old man, retired machinist.", "91", "C"),
    ("She is in her late nineties and still gardens.", "nineties", "C"),
    ("Labs drawn 3.14.2022 were unremarkable.", "3.14.2022", "C"),
    ("Next mammogram due 11/2025.", "11/2025", "C"),
    ("Admitted 2023/06/09 from the ED.", "2023/06/09", "C"),
    # (A) names
    ("Seen with Nurse Okafor at bedside.", "Okafor", "A"),
    ("Case discussed with Priya Raman, PharmD.", "Priya Raman", "A"),
    ("Visitors: Maria Gonzalez stayed overnight.", "Maria Gonzalez", "A"),
    ("Plan reviewed by PA-C Lindqvist this morning.", "Lindqvist", "A"),
    ("Attending: Okonkwo, Chinedu", "Chinedu", "A"),
    # the contexts a second and third corpus author used and the first did not (34 of these 63
    # cases with the NOT_PHI ones below failed before the rules for them)
    # (D) phones: international (E.164, 8-15 digits), URI, a contact list, HL7 NK1
    ("Reached her brother at +44 20 7946 0958 this morning.", "+44 20 7946 0958", "D"),
    ("Daughter abroad: +351 912 345 678, prefers texts.", "+351 912 345 678", "D"),
    ("Contact tel:+16175550143 for the pharmacy.", "+16175550143", "D"),
    ("Call tel:+16175550144;ext=12 after noon.", "+16175550144", "D"),
    ("Reviewer J. Osei, josei@example.org, 6175550145.", "6175550145", "D"),
    ("Coordinator, kim@example.net, 555-0146.", "555-0146", "D"),
    ("NK1|1|OSEI^AMA|SIS|617.555.0147 (ext. 33)", "617.555.0147", "D"),
    ("NK1|1|OSEI^AMA|SIS|6175550148", "6175550148", "D"),
    ("Mother called from 617-555-0149 asking about visiting.", "617-555-0149", "D"),
    # (G) SSNs with mixed separators and the label after; (R) ITINs (area 9xx)
    ("On file: 412 55-0193 (SSN).", "412 55-0193", "G"),
    ("Taxpayer ITIN 912 - 73 - 4410 for self-pay.", "912 - 73 - 4410", "R"),
    ("ITIN 931/78/2204 recorded.", "931/78/2204", "R"),
    ("ITIN 944.71.3310 recorded.", "944.71.3310", "R"),
    # a second value of the kind the first label named
    ("Policy number QH8841023 and the secondary is ZT5529016.", "ZT5529016", "I"),
    # (J) visit numbers, authorisations
    ("Visit #: 7730418826-B", "7730418826-B", "J"),
    ("Prior auth reference number 4471-88213-02 approved.", "4471-88213-02", "J"),
    # (R) an Rx number, an HL7 message control id
    ("Refilled, Rx number 5530127-88410, qty 30.", "5530127-88410", "R"),
    ("MSH|^~\\&|LAB|MGH|||20240102||ORU^R01|77310422X|P|2.5", "77310422X", "R"),
    # (M) a glucometer's serial
    ("Her glucometer (QTR448102) reads high.", "QTR448102", "M"),
    # (B) cities after a street: before another item, after 'in', in lowercase shorthand
    ("Pharmacy: 41 Elm Cir, Fort Dodge, ph (515) 555-0150.", "Fort Dodge", "B"),
    ("Lives at 18 Quarry Row in Keokuk with her son.", "Keokuk", "B"),
    ("Visited son at 77 Larch Row, council bluffs; home by 5.", "council bluffs", "B"),
    ("pt states home is 12 mill rd. sioux city lives w wife", "sioux city", "B"),
    ("Lives with her son on a farm outside Ottumwa.", "Ottumwa", "B"),
    ("Mail to HC 64 Box 2210, Lamoni", "HC 64 Box 2210", "B"),
    ("Mail to 2210 Martin Luther King Jr Way, Ames", "2210 Martin Luther King Jr Way", "B"),
    ("Twin Falls, ID 83301-4410", "83301-4410", "B"),
    # (C) ages and dates in apposition or without a year
    ("Her father, 94, still drives.", "94", "C"),
    ("ADMIT: 3/14 DISCHARGE: 3/19/2024", "3/14", "C"),
    ("Consent form mailed back 4/2.", "4/2", "C"),
    ("Can we move it to the 22nd\nThanks", "22nd", "C"),
    # (A) names by relation, title, label, role, business, letterhead and sign-off
    ("Hello, this is Bogumiła's daughter calling.", "Bogumiła", "A"),
    ("hi this is teodora vasquez-lindqvist's son", "teodora vasquez-lindqvist", "A"),
    ("Dear Dr. Ó Súilleabháin:", "Ó Súilleabháin", "A"),
    ("Seen by: Dr. de la Fuente", "de la Fuente", "A"),
    ("pt keeps calling out for ilka overnight", "ilka", "A"),
    ("lethargic dr lindqvist paged at 0300", "lindqvist", "A"),
    ("Caller: Oksana Hrytsenko\tRelationship: niece", "Oksana Hrytsenko", "A"),
    ('Client: Ilse "Bunny" Varga-Tóth    Agency ID 4471902', "Varga-Tóth", "A"),
    ('Patient: Osei, Kwabena "Kobby"  |  DOB 1/2/1950', "Kobby", "A"),
    ("Name - Radomir KOVAČEVIĆ", "Radomir KOVAČEVIĆ", "A"),
    ("PHARMACY LABEL\nHelka Rautio  4410 Birch Ave, Ames", "Helka Rautio", "A"),
    ("See you Tuesday. Thx\nIlkka Rautio", "Ilkka Rautio", "A"),
    ("Thanks for the refill\nIlkka Rautio\nSent from my iPhone", "Ilkka Rautio", "A"),
    ("Prescriber Tadhg Mac Giolla, NPI 1234567893", "Tadhg Mac Giolla", "A"),
    ("Call received from Wiremu Tane (pharmacist) at noon.", "Wiremu Tane", "A"),
    ("Employer: Nomvula Dlamini Catering since 2019.", "Nomvula Dlamini", "A"),
    ("Message left for Haddad, Rima at home.", "Haddad, Rima", "A"),
    ("client rosa ilunga at home for the visit", "rosa ilunga", "A"),
    # layouts: shared labels, table headers, a label above its value, key=value and JSON forms,
    # form fields, UK, Canadian and European addresses, more record and plan label names
    ("Tel/Fax: 617-555-0120 / 617-555-0121", "617-555-0121", "E"),
    ("Tel/Fax: 617-555-0120 / 617-555-0121", "617-555-0120", "D"),
    ("MRN/FIN: 4471905 / 88213407", "4471905", "H"),
    ("MRN        DOB          Member ID\n4471906    01/02/1950   QXW8820195", "QXW8820195", "I"),
    ("MRN        DOB          Member ID\n4471906    01/02/1950   QXW8820195", "4471906", "H"),
    ("Fax:\n617-555-0122", "617-555-0122", "E"),
    ('{"mrn": "4471907", "fax": "617-555-0123"}', "4471907", "H"),
    ("patient_id=4471908 fax_number=617-555-0124", "617-555-0124", "E"),
    ("City: Holyoke\nState: MA   Zip: 01040", "Holyoke", "B"),
    ("City: Holyoke\nState: MA   Zip: 01040", "01040", "B"),
    ("Address: Flat 2, 9 Mill Lane, Leeds LS1 4AP", "LS1 4AP", "B"),
    ("Lindenweg 7, 04109 Leipzig", "Leipzig", "B"),
    ("Home address: 8 rue des Lilas, 69003 Lyon", "69003", "B"),
    ("Moved to Halifax, NS B3H 1Y6 last spring.", "B3H 1Y6", "B"),
    ("NHS number 943 476 5920 confirmed.", "943 476 5920", "H"),
    ("Recipient ID 88213408 (Medicaid)", "88213408", "I"),
    ("OHIP 4471-908-123-AB on file.", "4471-908-123-AB", "I"),
    ("Procedure: 03/14/2024 right knee arthroscopy.", "03/14/2024", "C"),
]

NOT_PHI = [
    ("Telefax 617 555 0188", "Telefax"),  # a label word, not a place
    ("Metformin 500 mg twice daily, A1c 7.2.", "500"),
    ("WBC 11200 on admission labs.", "11200"),
    ("Platelets 245000, Hgb 12.1.", "245000"),
    ("BP 128/82, HR 74, SpO2 97% on RA.", "128/82"),
    ("Walked 12000 steps; 2 of 3 criteria met.", "12000"),
    ("Heparin 25000 units in 500 mL.", "25000"),
    ("Diagnosed in 2015, stable since.", "2015"),
    ("Her grandson is 19 and at college.", "19"),
    ("Transferred from Grace Medical Center by ambulance.", "Grace"),
    ("Pain 4/10 after dressing change.", "4/10"),
    ("Vitamin D 50000 IU weekly for 8 weeks.", "50000"),
    ("Viral load 45000 copies/mL, CD4 380.", "45000"),
    ("Out-of-pocket cost was $12500 last year.", "12500"),
    ("Metoprolol 25mg, Keppra 1000mg BID.", "1000mg"),
    ("BNP 12500 this admission, up from 900.", "12500"),
    ("Caller says pt is 93 and can no longer drive; she asked about the DMV.", "can no longer"),
    ("NDC 60505-2580-03, Lot 4KX11, dispensed today.", "60505-2580-03"),
    ("You had a procedure (45378) on the colon.", "45378"),
    ("Leah Osei, LCSW", "LCSW"),
    ("Signed: T. Okoro, MA", "MA"),
    ("pt asked for wifi and a blanket", "wifi"),
    ("Take Lasix 20 mg every morning.", "Lasix"),
    ("Requesting refill of amlodipine 5 mg.", "Requesting"),
    ("A/P: Osgood-Schlatter disease, stable.", "Osgood"),
    ("Karnofsky 70, ECOG 1.", "Karnofsky"),
    ("the insurance says the appeal is late", "insurance"),
    ("bg 180 per fingerstick, covered per ssi", "fingerstick"),
    ("daughter brought lunch and stayed", "brought lunch"),
    ("Cont metformin 500 mg BID.", "Cont"),
    ("Address: see chart", "see chart"),
    # found by an independent review of the rules above: each was tagged before its fix
    ("Staged T2N1M0 adenocarcinoma of the colon.", "T2N1M0"),
    ("GCS E4V5M6 on arrival.", "E4V5M6"),
    ("BP 90/60, HR 112, 1430 Lasix 40 mg IV given.", "HR 112"),
    ("Heart Rate  88 bpm", "Heart Rate"),
    ("Metoprolol Tartrate  25 mg PO BID", "Metoprolol Tartrate"),
    ("Referral placed to Child Protective Services", "Child Protective"),
    ("patient low sodium diet", "low sodium"),
    ("pt stable vitals overnight", "stable vitals"),
    ("MRN 5563201, 1500 mL fluid restriction", "1500"),
    ("Member ID XJH4456721 and 2024 deductible met", "2024"),
    ("Address: Homeless", "Homeless"),
]


def spans_over(text: str, value: str) -> list:
    """The detected spans that overlap ``value`` in ``text``."""
    start = text.index(value)
    end = start + len(value)
    return [s for s in find_phi(text) if s.start < end and s.end > start]


@pytest.mark.parametrize(("text", "value", "letter"), FOUND)
def test_found_with_its_category(text, value, letter):
    spans = spans_over(text, value)
    assert any(s.category == letter for s in spans), [
        (text[s.start : s.end], s.category) for s in find_phi(text)
    ]


# a value that is PHI of one kind, or part of a larger one, and not of the kind named
NOT_OF_KIND = [
    ("Admission date: Jun 1, 2018 Discharge date: Jun 9, 2018", "Jun 1", "B"),
    ("Pay at https://example.org/billing/pay?acct=066818469 today.", "066818469", "J"),
    ("Presents with sister Amara (6175550125) after a fall.", "6175550125", "R"),
    ("Son Oscar 617-555-0100", "617-555-0100", "I"),
    ("Email address: jdoe88@gmail.com (preferred)", "jdoe88@gmail.com", "B"),
    ("Claim and policy reviewed with member.\nTransferred to rm 4412B", "4412B", "I"),
]


@pytest.mark.parametrize(("text", "value", "letter"), NOT_OF_KIND)
def test_not_of_the_wrong_kind(text, value, letter):
    wrong = [s for s in spans_over(text, value) if s.category == letter]
    assert not wrong, [(text[s.start : s.end], s.category) for s in wrong]


@pytest.mark.parametrize(("text", "value"), NOT_PHI)
def test_clinical_numbers_stay_untagged(text, value):
    spans = spans_over(text, value)
    assert not spans, [(text[s.start : s.end], s.category) for s in spans]
