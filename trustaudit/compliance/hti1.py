"""ONC HTI-1, 45 CFR 170.315(b)(11): the 31 source attributes of a predictive decision support
intervention, as a view over the evidence model (attribute titles abridged from the certified-EHR
list in compliance-crosswalk.md §1.1). Each attribute carries its fields' values and provenance.

The attribute set is dated: the proposed HTI-5 rule (FR doc 2025-23896, 29 Dec 2025) would remove
the model-card requirements; the file names the version it follows."""

from __future__ import annotations

from typing import Any

from .evidence import Evidence, field_dict

VERSION = "HTI-1 (45 CFR 170.315(b)(11)), attribute list as of 2026-11; HTI-5 proposed to remove it"
_MEASURED = ("usefulness_results", "data_setting")
_FAIRNESS = ("fairness_results", "data_setting")
#: (number, category, attribute, evidence fields)
ATTRIBUTES: tuple[tuple[int, str, str, tuple[str, ...]], ...] = (
    (
        1,
        "Details and output",
        "Developer name and contact",
        ("model_developer", "developer_contact"),
    ),
    (
        2,
        "Details and output",
        "Funding source of the technical implementation",
        ("funding_source",),
    ),
    (3, "Details and output", "Value the intervention produces as output", ("output_value",)),
    (4, "Details and output", "Output type", ("output_type",)),
    (5, "Purpose", "Intended use", ("intended_use",)),
    (6, "Purpose", "Intended patient population(s)", ("target_population", "representativeness")),
    (7, "Purpose", "Intended user(s)", ("intended_users",)),
    (8, "Purpose", "Decision-making role", ("decision_role",)),
    (
        9,
        "Cautioned out-of-scope use",
        "Tasks, situations or populations cautioned against",
        ("cautioned_out_of_scope",),
    ),
    (
        10,
        "Cautioned out-of-scope use",
        "Known risks, inappropriate settings, limitations",
        ("known_risks",),
    ),
    (
        11,
        "Development details and inputs",
        "Inclusion and exclusion criteria of training data",
        ("training_criteria",),
    ),
    (
        12,
        "Development details and inputs",
        "Use of (iv)(A)(5)-(13) variables as input features",
        ("demographic_inputs",),
    ),
    (
        13,
        "Development details and inputs",
        "Demographic representativeness of training data",
        ("training_representativeness",),
    ),
    (
        14,
        "Development details and inputs",
        "Relevance of training data to the deployed setting",
        ("training_relevance",),
    ),
    (15, "Fairness in development", "Approach to ensure fair output", ("fair_output_approach",)),
    (
        16,
        "Fairness in development",
        "Approaches to manage, reduce or eliminate bias",
        ("bias_mitigation",),
    ),
    (
        17,
        "External validation",
        "Data source and clinical setting of external validation",
        ("external_validation_source", "input_data_source"),
    ),
    (
        18,
        "External validation",
        "Party that conducted external testing",
        ("external_testing_party",),
    ),
    (
        19,
        "External validation",
        "Demographic representativeness of external data",
        ("representativeness",),
    ),
    (20, "External validation", "Description of the external validation process", ("methods",)),
    (21, "Quantitative performance", "Validity, test data from the same source", _MEASURED),
    (22, "Quantitative performance", "Fairness, test data from the same source", _FAIRNESS),
    (23, "Quantitative performance", "Validity, external data", _MEASURED),
    (24, "Quantitative performance", "Fairness, external data", _FAIRNESS),
    (25, "Quantitative performance", "References to outcome evaluations", ("outcome_evaluations",)),
    (
        26,
        "Ongoing maintenance",
        "Process and frequency of validity monitoring",
        ("ongoing_maintenance",),
    ),
    (27, "Ongoing maintenance", "Validity in local data", _MEASURED),
    (
        28,
        "Ongoing maintenance",
        "Process and frequency of fairness monitoring",
        ("ongoing_maintenance",),
    ),
    (29, "Ongoing maintenance", "Fairness in local data", _FAIRNESS),
    (30, "Update and continued validation", "Update process and frequency", ("update_process",)),
    (
        31,
        "Update and continued validation",
        "Frequency of correcting performance",
        ("correction_frequency",),
    ),
)


def render_hti1(evidence: Evidence) -> dict[str, Any]:
    """The source attributes, each with the evidence fields that answer it. Attributes 21–24,
    27 and 29 share the measured results: which of them the audited data evidence is the
    ``data_setting`` field's answer."""
    return {
        "schema": "trustaudit-hti1-source-attributes/1",
        "rule": VERSION,
        "model": evidence.model,
        "runs": list(evidence.runs),
        "attributes": [
            {
                "number": number,
                "category": category,
                "attribute": title,
                "open": any(evidence.fields[f].open for f in fields),
                "fields": [field_dict(evidence.fields[f]) for f in fields],
            }
            for number, category, title, fields in ATTRIBUTES
        ],
    }
