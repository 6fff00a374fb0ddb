"""The CHAI Applied Model Card (schema v0.2) as XML, written with the standard library's
xml.etree (lxml is needed only to validate it: ``validate.py``). Elements follow the schema's
order; every text comes from the evidence model, so an open human field reads as its placeholder.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

from ..printable import printable
from .evidence import Evidence
from .measured import CATEGORIES, Measured

NAMESPACE = "https://mc.chai.org/v0.2/schema.xsd"
# (element, evidence field) in the schema's order; a nested tuple is a child element
Layout = tuple[tuple[str, "str | Layout"], ...]
_KEY_METRIC_ELEMENTS = {
    "usefulness": "UsefulnessUsabilityEfficacy",
    "fairness": "FairnessEquity",
    "safety": "SafetyReliability",
}
LAYOUT: Layout = (
    (
        "BasicInfo",
        (
            ("ModelName", "model_name"),
            ("ModelDeveloper", "model_developer"),
            ("DeveloperContact", "developer_contact"),
        ),
    ),
    (
        "ReleaseInfo",
        (
            ("ReleaseStage", "release_stage"),
            ("ReleaseDate", "release_date"),
            ("ReleaseVersion", "release_version"),
            ("GlobalAvailability", "global_availability"),
            ("EHRCompatibility", "ehr_compatibility"),
            ("RegulatoryApproval", "regulatory_approval"),
        ),
    ),
    ("ModelSummary", (("Summary", "summary"), ("Keywords", "keywords"))),
    (
        "UsesAndDirections",
        (
            ("IntendedUseAndWorkflow", "intended_use"),
            ("PrimaryIntendedUsers", "intended_users"),
            ("HowToUse", "how_to_use"),
            ("TargetedPatientPopulation", "target_population"),
            ("CautionedOutOfScopeSettings", "cautioned_out_of_scope"),
        ),
    ),
    (
        "Warnings",
        (
            ("KnownRisksAndLimitations", "known_risks"),
            ("KnownBiasesOrEthicalConsiderations", "known_biases"),
            ("ClinicalRiskLevel", "clinical_risk_level"),
        ),
    ),
    (
        "TrustIngredients",
        (
            (
                "AISystemFacts",
                (
                    ("OutcomesAndOutputs", "outcomes_and_outputs"),
                    ("ModelType", "model_type"),
                    ("FoundationModels", "foundation_models"),
                    ("InputDataSource", "input_data_source"),
                    ("OutputAndInputDataTypes", "input_output_types"),
                    ("DevelopmentDataCharacterization", "development_data"),
                    ("BiasMitigationApproaches", "bias_mitigation"),
                    ("OngoingMaintenance", "ongoing_maintenance"),
                    ("Security", "security"),
                    ("Transparency", "transparency"),
                ),
            ),
            (
                "TransparencyInformation",
                (
                    ("FundingSource", "funding_source"),
                    ("ThirdPartyInformation", "third_party_information"),
                    ("StakeholdersConsulted", "stakeholders_consulted"),
                ),
            ),
        ),
    ),
    ("KeyMetrics", tuple((_KEY_METRIC_ELEMENTS[c], c) for c in CATEGORIES)),
    (
        "Resources",
        (
            ("EvaluationReferences", "evaluation_references"),
            ("ClinicalTrial", "clinical_trial"),
            ("PeerReviewedPublications", "publications"),
            ("ReimbursementStatus", "reimbursement_status"),
            ("PatientConsentOrDisclosure", "patient_consent"),
        ),
    ),
    ("Bibliography", "bibliography"),
)
_LISTS = {"EHRCompatibility": "EHR", "Keywords": "Keyword"}


def render_card(evidence: Evidence) -> bytes:
    """The card's XML document (UTF-8, with its declaration)."""
    ET.register_namespace("", NAMESPACE)
    root = ET.Element(_tag("AppliedModelCard"))
    root.append(
        ET.Comment(
            " Drafted by trustaudit from measured evidence; [OPEN: ...] fields "
            "await the named person: trustaudit card RUN_DIR, with answers. "
        )
    )
    for name, content in LAYOUT:
        _add(root, name, content, evidence)
    ET.indent(root, space="  ")
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def _tag(name: str) -> str:
    return f"{{{NAMESPACE}}}{name}"


def _add(parent: ET.Element, name: str, content: str | Layout, evidence: Evidence) -> None:
    element = ET.SubElement(parent, _tag(name))
    if isinstance(content, tuple):
        for child, inner in content:
            _add(element, child, inner, evidence)
    elif content in CATEGORIES:
        _key_metric(element, content, evidence)
    elif name in _LISTS:
        value = evidence.fields[content].value
        for item in (value,) if isinstance(value, str) else value:
            ET.SubElement(element, _tag(_LISTS[name])).text = _text(item)
    else:
        element.text = _text(evidence.text(content))


def _key_metric(element: ET.Element, category: str, evidence: Evidence) -> None:
    """MetricGoal, Results (a MetricResult per measured value), Interpretation, TestType,
    TestingDataDescription, ValidationProcessAndJustification."""
    goal = evidence.fields[f"{category}_goal"]
    ET.SubElement(element, _tag("MetricGoal")).text = _text(evidence.text(goal.id))
    results = ET.SubElement(element, _tag("Results"))
    measured = evidence.fields[f"{category}_results"].measured
    for value in measured or (None,):
        result = ET.SubElement(results, _tag("MetricResult"))
        ET.SubElement(result, _tag("Label")).text = _text(value.label if value else "Not measured")
        ET.SubElement(result, _tag("ValueJson")).text = _value_json(value)
    for name, field_id in (
        ("Interpretation", f"{category}_interpretation"),
        ("TestType", "test_type"),
        ("TestingDataDescription", "testing_data"),
        ("ValidationProcessAndJustification", "methods"),
    ):
        ET.SubElement(element, _tag(name)).text = _text(evidence.text(field_id))


def _value_json(value: Measured | None) -> str:
    if value is None:
        found = {"kind": "not_measured", "reason": "no auditor of these runs measures it"}
        return json.dumps(found, separators=(",", ":"))
    return json.dumps(value.value_json(), separators=(",", ":"), allow_nan=False)


def _text(value: str) -> str:
    """Text XML 1.0 can hold: control characters shown as visible escapes."""
    return printable(value)
