"""Clinical vocabularies for text perturbations: abbreviations with their expansions, and
brand/generic drug names (US). An abbreviation marked ambiguous has other common meanings and is
never expanded by default."""

from __future__ import annotations

# abbreviation -> (expansion, ambiguous)
_ABBREVIATIONS = """
abd|abdomen;ABG|arterial blood gas;ACE|angiotensin-converting enzyme;ACS|acute coronary syndrome
AF|atrial fibrillation;AKI|acute kidney injury;ALT|alanine aminotransferase
AMA|against medical advice;AMI|acute myocardial infarction;ARDS|acute respiratory distress syndrome
ASA|aspirin;AST|aspartate aminotransferase;BID|twice daily;BMI|body mass index;BP|blood pressure
BPH|benign prostatic hyperplasia;BUN|blood urea nitrogen;bx|biopsy;CABG|coronary artery bypass graft
CAD|coronary artery disease;CBC|complete blood count;CC|chief complaint;CHF|congestive heart failure
CKD|chronic kidney disease;CNS|central nervous system;COPD|chronic obstructive pulmonary disease
CP|chest pain;CPR|cardiopulmonary resuscitation;CrCl|creatinine clearance;CRP|C-reactive protein
CSF|cerebrospinal fluid;CT|computed tomography;CTA|computed tomography angiography
CVA|cerebrovascular accident;CXR|chest X-ray;d/c|discharge;DKA|diabetic ketoacidosis
DM|diabetes mellitus;DNR|do not resuscitate;DOB|date of birth;DOE|dyspnea on exertion
DVT|deep vein thrombosis;Dx|diagnosis;ECG|electrocardiogram;ED|emergency department
EEG|electroencephalogram;EF|ejection fraction;EGD|esophagogastroduodenoscopy;EKG|electrocardiogram
ENT|ear, nose and throat;ESR|erythrocyte sedimentation rate;ESRD|end-stage renal disease
ETOH|alcohol;FBC|full blood count;FH|family history;FHR|fetal heart rate;f/u|follow-up;FX|fracture
GCS|Glasgow Coma Scale;GERD|gastroesophageal reflux disease;GFR|glomerular filtration rate
GI|gastrointestinal;GU|genitourinary;h/o|history of;Hb|hemoglobin;HbA1c|hemoglobin A1c
Hct|hematocrit;HEENT|head, eyes, ears, nose and throat;HF|heart failure
HIV|human immunodeficiency virus;HPI|history of present illness;HR|heart rate;HTN|hypertension
Hx|history;IBD|inflammatory bowel disease;ICU|intensive care unit;IM|intramuscular
INR|international normalized ratio;IV|intravenous;IVF|intravenous fluids
JVD|jugular venous distension;K|potassium;KUB|kidneys, ureters and bladder
LBBB|left bundle branch block;LFT|liver function test;LLQ|left lower quadrant
LMP|last menstrual period;LOC|loss of consciousness;LP|lumbar puncture;LUQ|left upper quadrant
LVH|left ventricular hypertrophy;MAP|mean arterial pressure;MI|myocardial infarction
MRI|magnetic resonance imaging;MRSA|methicillin-resistant Staphylococcus aureus
N/V|nausea and vomiting;Na|sodium;NAD|no acute distress;NG|nasogastric;NKDA|no known drug allergies
NPO|nothing by mouth;NSAID|nonsteroidal anti-inflammatory drug;NSR|normal sinus rhythm;O2|oxygen
OA|osteoarthritis;OR|operating room;PCI|percutaneous coronary intervention;PE|pulmonary embolism
PMH|past medical history;PO|by mouth;PPI|proton pump inhibitor;PRN|as needed;PT|physical therapy
PTSD|post-traumatic stress disorder;PVD|peripheral vascular disease;q4h|every 4 hours
q6h|every 6 hours;QD|once daily;QID|four times daily;RA|rheumatoid arthritis;RBC|red blood cell
RLQ|right lower quadrant;ROM|range of motion;ROS|review of systems;RR|respiratory rate
RUQ|right upper quadrant;Rx|prescription;SC|subcutaneous;SCD|sickle cell disease
SIRS|systemic inflammatory response syndrome;SLE|systemic lupus erythematosus
SOB|shortness of breath;SpO2|oxygen saturation;STEMI|ST-elevation myocardial infarction
STI|sexually transmitted infection;s/p|status post;SVT|supraventricular tachycardia;Sx|symptoms
T2DM|type 2 diabetes mellitus;TB|tuberculosis;TIA|transient ischemic attack;TID|three times daily
TKR|total knee replacement;TPN|total parenteral nutrition;Tx|treatment;UA|urinalysis
URI|upper respiratory infection;US|ultrasound;UTI|urinary tract infection;VS|vital signs
VTE|venous thromboembolism;WBC|white blood cell count;WNL|within normal limits;y/o|year-old
yo|year-old;AAA|abdominal aortic aneurysm;ADHD|attention deficit hyperactivity disorder
AFib|atrial fibrillation;BCC|basal cell carcinoma;BRCA|breast cancer gene;CA|cancer
CHD|coronary heart disease;CVD|cardiovascular disease;D5W|5% dextrose in water
DTaP|diphtheria, tetanus and pertussis vaccine;ECHO|echocardiogram;EtCO2|end-tidal carbon dioxide
FFP|fresh frozen plasma;GTT|glucose tolerance test;HSV|herpes simplex virus
ICP|intracranial pressure;IUD|intrauterine device;LDL|low-density lipoprotein
NICU|neonatal intensive care unit;NSTEMI|non-ST-elevation myocardial infarction
OCP|oral contraceptive pill;PEG|percutaneous endoscopic gastrostomy
PICC|peripherally inserted central catheter;PPROM|preterm premature rupture of membranes
RSV|respiratory syncytial virus;SAH|subarachnoid hemorrhage
SSRI|selective serotonin reuptake inhibitor;TSH|thyroid-stimulating hormone
VBAC|vaginal birth after cesarean
"""
AMBIGUOUS = {
    "CP",
    "PT",
    "MS",
    "OR",
    "RA",
    "US",
    "K",
    "CA",
    "PE",
    "HF",
    "SC",
    "IM",
    "LOC",
    "ED",
    "DM",
    "VS",
    "NAD",
    "ROM",
    "AF",
    "CC",
    "MAP",
    "ASA",
}
ABBREVIATIONS: dict[str, tuple[str, bool]] = {
    short: (long, short in AMBIGUOUS)
    for entry in _ABBREVIATIONS.replace("\n", ";").split(";")
    if entry.strip()
    for short, long in [entry.strip().split("|")]
}

_DRUGS = """
Lipitor|atorvastatin;Crestor|rosuvastatin;Zocor|simvastatin;Pravachol|pravastatin;Zetia|ezetimibe
Norvasc|amlodipine;Lopressor|metoprolol tartrate;Toprol-XL|metoprolol succinate;Coreg|carvedilol
Tenormin|atenolol;Zestril|lisinopril;Vasotec|enalapril;Altace|ramipril;Cozaar|losartan
Diovan|valsartan;Benicar|olmesartan;Lasix|furosemide;Bumex|bumetanide;Aldactone|spironolactone
Microzide|hydrochlorothiazide;Cardizem|diltiazem;Calan|verapamil;Lanoxin|digoxin
Cordarone|amiodarone;Coumadin|warfarin;Eliquis|apixaban;Xarelto|rivaroxaban;Pradaxa|dabigatran
Plavix|clopidogrel;Brilinta|ticagrelor;Lovenox|enoxaparin;Nitrostat|nitroglycerin
Glucophage|metformin;Januvia|sitagliptin;Jardiance|empagliflozin;Farxiga|dapagliflozin
Ozempic|semaglutide;Trulicity|dulaglutide;Lantus|insulin glargine;Humalog|insulin lispro
Novolog|insulin aspart;Amaryl|glimepiride;Glucotrol|glipizide;Actos|pioglitazone
Synthroid|levothyroxine;Prilosec|omeprazole;Nexium|esomeprazole;Protonix|pantoprazole
Pepcid|famotidine;Zofran|ondansetron;Reglan|metoclopramide;Imodium|loperamide;Colace|docusate
Miralax|polyethylene glycol;Tylenol|acetaminophen;Advil|ibuprofen;Aleve|naproxen;Celebrex|celecoxib
Toradol|ketorolac;Ultram|tramadol;Percocet|oxycodone and acetaminophen;OxyContin|oxycodone
Dilaudid|hydromorphone;Norco|hydrocodone and acetaminophen;Duragesic|fentanyl;Narcan|naloxone
Neurontin|gabapentin;Lyrica|pregabalin;Flexeril|cyclobenzaprine;Zoloft|sertraline
Lexapro|escitalopram;Celexa|citalopram;Prozac|fluoxetine;Paxil|paroxetine;Effexor|venlafaxine
Cymbalta|duloxetine;Wellbutrin|bupropion;Remeron|mirtazapine;Desyrel|trazodone;Xanax|alprazolam
Ativan|lorazepam;Valium|diazepam;Klonopin|clonazepam;Ambien|zolpidem;Seroquel|quetiapine
Risperdal|risperidone;Zyprexa|olanzapine;Abilify|aripiprazole;Haldol|haloperidol;Lithobid|lithium
Depakote|divalproex;Lamictal|lamotrigine;Keppra|levetiracetam;Dilantin|phenytoin
Tegretol|carbamazepine;Aricept|donepezil;Sinemet|carbidopa and levodopa;Adderall|amphetamine salts
Ritalin|methylphenidate;Augmentin|amoxicillin and clavulanate;Amoxil|amoxicillin;Keflex|cephalexin
Rocephin|ceftriaxone;Zithromax|azithromycin;Cipro|ciprofloxacin;Levaquin|levofloxacin
Bactrim|sulfamethoxazole and trimethoprim;Flagyl|metronidazole;Vancocin|vancomycin
Zosyn|piperacillin and tazobactam;Macrobid|nitrofurantoin;Diflucan|fluconazole;Valtrex|valacyclovir
Tamiflu|oseltamivir;Paxlovid|nirmatrelvir and ritonavir;Deltasone|prednisone
Medrol|methylprednisolone;Decadron|dexamethasone;ProAir|albuterol;Ventolin|albuterol
Spiriva|tiotropium;Advair|fluticasone and salmeterol;Symbicort|budesonide and formoterol
Singulair|montelukast;Flonase|fluticasone;Claritin|loratadine;Zyrtec|cetirizine
Benadryl|diphenhydramine;Allegra|fexofenadine;Flomax|tamsulosin;Proscar|finasteride
Viagra|sildenafil;Fosamax|alendronate;Zyloprim|allopurinol;Uloric|febuxostat
Plaquenil|hydroxychloroquine;Humira|adalimumab;Enbrel|etanercept;Keytruda|pembrolizumab
Herceptin|trastuzumab;Gleevec|imatinib;Tamoxifen|tamoxifen
"""
DRUG_PAIRS: dict[str, str] = {
    brand: generic
    for entry in _DRUGS.replace("\n", ";").split(";")
    if entry.strip()
    for brand, generic in [entry.strip().split("|")]
    if brand.lower() != generic.lower()
}
