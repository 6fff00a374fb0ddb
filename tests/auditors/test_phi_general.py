"""PHI recognition beyond the label words it was tuned on: sentences written from how US clinical
documents label identifiers (HL7 field names, i2b2/n2c2 de-id guidelines), each with the value
and its Safe Harbor category, plus clinical numbers that must stay untagged."""

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
]


@pytest.mark.parametrize(("text", "value", "letter"), FOUND)
def test_found_with_its_category(text, value, letter):
    start = text.index(value)
    end = start + len(value)
    spans = find_phi(text)
    assert any(s.category == letter and s.start < end and s.end > start for s in spans), [
        (text[s.start : s.end], s.category) for s in spans
    ]


@pytest.mark.parametrize(("text", "value"), NOT_PHI)
def test_clinical_numbers_stay_untagged(text, value):
    start = text.index(value)
    end = start + len(value)
    spans = find_phi(text)
    assert not any(s.start < end and s.end > start for s in spans), [
        (text[s.start : s.end], s.category) for s in spans
    ]
