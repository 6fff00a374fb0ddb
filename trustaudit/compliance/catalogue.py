"""Every field of the compliance pack, with the crosswalk's classification
(shared/reference/compliance-crosswalk.md): what an audit measures (M), drafts for review (D), or
must leave to a named person (H); D+H is drafted from the evidence and completed by that person.

The id of every field that is not purely measured is also its key in the answers file of
``trustaudit card --answers``."""

from __future__ import annotations

from dataclasses import dataclass

DEVELOPER = "the model developer"
OWNER = "the clinical owner of the deployment"
COMMITTEE = "the deploying organisation's AI governance committee"
SAFETY = "the clinical safety officer"
REGULATORY = "regulatory affairs"
DATA = "the data steward"
SECURITY = "the information security officer"


@dataclass(frozen=True)
class FieldSpec:
    id: str
    title: str
    fill: str  # M, D, H or D+H
    role: str  # who must fill (H) or review (D) it; '' for a measured field
    listed: bool = False  # the answer is a list (keywords, EHRs)
    dated: bool = False  # the answer is a date (YYYY, YYYY-MM or YYYY-MM-DD), shown as given

    @property
    def answerable(self) -> bool:
        return self.fill != "M"


def _key_metric_fields(category: str, title: str) -> tuple[FieldSpec, ...]:
    return (
        FieldSpec(f"{category}_goal", f"{title}: metric goal", "D+H", COMMITTEE),
        FieldSpec(f"{category}_results", f"{title}: results", "M", ""),
        FieldSpec(f"{category}_interpretation", f"{title}: interpretation", "D", SAFETY),
    )


CATALOGUE: tuple[FieldSpec, ...] = (
    FieldSpec("model_name", "Model name", "D", DEVELOPER),
    FieldSpec("model_developer", "Model developer", "H", DEVELOPER),
    FieldSpec("developer_contact", "Developer contact", "H", DEVELOPER),
    FieldSpec("release_stage", "Release stage", "H", DEVELOPER),
    FieldSpec("release_date", "Release date", "H", DEVELOPER, dated=True),
    FieldSpec("release_version", "Release version", "M", ""),
    FieldSpec("global_availability", "Global availability", "H", REGULATORY),
    FieldSpec("ehr_compatibility", "EHR compatibility", "H", DEVELOPER, listed=True),
    FieldSpec("regulatory_approval", "Regulatory approval", "H", REGULATORY),
    FieldSpec("summary", "Summary", "H", DEVELOPER),
    FieldSpec("keywords", "Keywords", "H", DEVELOPER, listed=True),
    FieldSpec("intended_use", "Intended use and workflow", "H", OWNER),
    FieldSpec("intended_users", "Primary intended users", "H", OWNER),
    FieldSpec("how_to_use", "How to use", "H", DEVELOPER),
    FieldSpec("target_population", "Targeted patient population", "H", OWNER),
    FieldSpec("cautioned_out_of_scope", "Cautioned out-of-scope settings", "D", OWNER),
    FieldSpec("known_risks", "Known risks and limitations", "D", SAFETY),
    FieldSpec("known_biases", "Known biases or ethical considerations", "D", SAFETY),
    FieldSpec("clinical_risk_level", "Clinical risk level", "H", SAFETY),
    FieldSpec("outcomes_and_outputs", "Outcomes and outputs", "H", DEVELOPER),
    FieldSpec("model_type", "Model type", "D", DEVELOPER),
    FieldSpec("foundation_models", "Foundation models", "D", DEVELOPER),
    FieldSpec("input_data_source", "Input data source", "D", DATA),
    FieldSpec("input_output_types", "Output and input data types", "D", DEVELOPER),
    FieldSpec("development_data", "Development data characterization", "H", DATA),
    FieldSpec("bias_mitigation", "Bias mitigation approaches", "H", DEVELOPER),
    FieldSpec("ongoing_maintenance", "Ongoing maintenance", "D+H", COMMITTEE),
    FieldSpec("security", "Security", "D+H", SECURITY),
    FieldSpec("transparency", "Transparency", "D", COMMITTEE),
    FieldSpec("funding_source", "Funding source", "H", DEVELOPER),
    FieldSpec("third_party_information", "Third-party information", "D", DEVELOPER),
    FieldSpec("stakeholders_consulted", "Stakeholders consulted", "H", COMMITTEE),
    *_key_metric_fields("usefulness", "Usefulness, usability and efficacy"),
    *_key_metric_fields("fairness", "Fairness and equity"),
    *_key_metric_fields("safety", "Safety and reliability"),
    FieldSpec("test_type", "Test type", "M", ""),
    FieldSpec("testing_data", "Testing data description", "M", ""),
    FieldSpec("methods", "Validation process and justification", "D", COMMITTEE),
    FieldSpec("evaluation_references", "Evaluation references", "D", COMMITTEE),
    FieldSpec("clinical_trial", "Clinical trial", "H", REGULATORY),
    FieldSpec("publications", "Peer-reviewed publications", "H", DEVELOPER),
    FieldSpec("reimbursement_status", "Reimbursement status", "H", REGULATORY),
    FieldSpec("patient_consent", "Patient consent or disclosure", "H", OWNER),
    FieldSpec("bibliography", "Bibliography (BibTeX)", "D", COMMITTEE),
    # ONC HTI-1 (b)(11) attributes the CHAI card has no element for
    FieldSpec("output_value", "Value the intervention produces as output", "H", DEVELOPER),
    FieldSpec("output_type", "Output type", "D", DEVELOPER),
    FieldSpec("decision_role", "Decision-making role (informs, augments, replaces)", "H", OWNER),
    FieldSpec("training_criteria", "Inclusion and exclusion criteria of training data", "H", DATA),
    FieldSpec(
        "demographic_inputs", "Use of demographic variables as input features", "D", DEVELOPER
    ),
    FieldSpec(
        "training_representativeness", "Demographic representativeness of training data", "H", DATA
    ),
    FieldSpec(
        "training_relevance", "Relevance of training data to the deployed setting", "H", DATA
    ),
    FieldSpec("fair_output_approach", "Approach to ensure fair output", "D+H", DEVELOPER),
    FieldSpec("external_validation_source", "Data source and setting of the validation", "H", DATA),
    FieldSpec("external_testing_party", "Party that conducted the testing", "D", COMMITTEE),
    FieldSpec("representativeness", "Demographic representativeness of the audited data", "M", ""),
    FieldSpec(
        "data_setting",
        "Which setting the audited data represent (same source as the "
        "development data, external, or local)",
        "H",
        DATA,
    ),
    FieldSpec("outcome_evaluations", "References to outcome evaluations", "H", DEVELOPER),
    FieldSpec("update_process", "Update process and frequency", "H", DEVELOPER),
    FieldSpec(
        "correction_frequency",
        "Frequency of correcting performance when risks are found",
        "H",
        COMMITTEE,
    ),
)
FIELDS = {spec.id: spec for spec in CATALOGUE}
ANSWER_KEYS = tuple(spec.id for spec in CATALOGUE if spec.answerable)
