"""The compliance evidence model: one record per field of the pack, each with its value and its
provenance (``measured``: the metric keys and runs it came from; ``drafted``: the evidence it was
drafted from; ``human``: the role that must fill it). Every renderer (the CHAI card, the HTI-1
attributes, the evidence map, the report's section) reads this model and nothing else."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from . import drafts_facts as facts
from . import drafts_warnings as warnings
from .catalogue import CATALOGUE, FieldSpec
from .drafts_warnings import Draft
from .measured import CATEGORIES, Measured, measured_values
from .sources import RunSource

SCHEMA = "trustaudit-compliance/1"
Answer = str | tuple[str, ...]


@dataclass(frozen=True)
class Provenance:
    kind: str  # measured | drafted | human
    runs: tuple[str, ...] = ()
    metrics: tuple[str, ...] = ()  # measured: the metric keys; drafted: the keys it cites
    drafted_from: tuple[str, ...] = ()
    role: str = ""  # human: who must fill it; drafted: who reviews it
    answered: bool = False


@dataclass(frozen=True)
class EvidenceField:
    id: str
    title: str
    fill: str  # the crosswalk's class: M, D, H or D+H
    value: Answer
    provenance: Provenance
    measured: tuple[Measured, ...] = ()

    @property
    def text(self) -> str:
        """The value as one text (a list joined with commas)."""
        return self.value if isinstance(self.value, str) else ", ".join(self.value)

    @property
    def open(self) -> bool:
        """A field a person must fill (H) or complete (D+H) that nobody has answered yet."""
        return "H" in self.fill and not self.provenance.answered


@dataclass(frozen=True)
class Evidence:
    model: str
    runs: tuple[dict[str, str], ...]
    fields: dict[str, EvidenceField]
    evidence_map: tuple[dict[str, Any], ...] = field(default=())

    def text(self, field_id: str) -> str:
        return self.fields[field_id].text

    def as_dict(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA,
            "model": self.model,
            "runs": list(self.runs),
            "fields": {k: field_dict(f) for k, f in self.fields.items()},
            "evidence_map": list(self.evidence_map),
        }


def field_dict(item: EvidenceField) -> dict[str, Any]:
    found = asdict(item)
    found["measured"] = [{"label": m.label, **m.value_json()} for m in item.measured]
    found["open"] = item.open
    return found


def placeholder(spec: FieldSpec) -> str:
    return f"[OPEN: to be filled by {spec.role} (answers key `{spec.id}`)]"


Drafter = Callable[[list[RunSource]], Draft]
DRAFTERS: dict[str, Drafter] = {
    "model_name": facts.model_name,
    "release_version": facts.release_version,
    "cautioned_out_of_scope": warnings.cautioned_settings,
    "known_risks": warnings.known_risks,
    "known_biases": warnings.known_biases,
    "model_type": facts.model_type,
    "foundation_models": facts.foundation_models,
    "input_data_source": facts.input_data_source,
    "input_output_types": facts.input_output_types,
    "ongoing_maintenance": facts.ongoing_maintenance,
    "security": facts.security,
    "transparency": facts.transparency,
    "third_party_information": facts.third_party_information,
    "test_type": facts.test_type,
    "testing_data": facts.testing_data,
    "methods": facts.methods,
    "evaluation_references": facts.evaluation_references,
    "bibliography": facts.bibliography,
    "output_type": facts.output_type,
    "demographic_inputs": facts.demographic_inputs,
    "fair_output_approach": lambda s: warnings.metric_goal(s, "fairness"),
    "external_testing_party": facts.external_testing_party,
    "representativeness": facts.representativeness,
}


def build_fields(
    sources: list[RunSource], answers: dict[str, Answer] | None = None
) -> dict[str, EvidenceField]:
    """Every catalogue field from the runs, with the human answers merged in."""
    answers = answers or {}
    runs = tuple(s.run_id for s in sources)
    results = measured_values(sources)
    drafts = {key: drafter(sources) for key, drafter in DRAFTERS.items()}
    for name in CATEGORIES:
        drafts[f"{name}_goal"] = warnings.metric_goal(sources, name)
        drafts[f"{name}_interpretation"] = warnings.interpretation(sources, name, results[name])
    fields = {}
    for spec in CATALOGUE:
        category = spec.id.removesuffix("_results")
        if spec.id.endswith("_results"):
            fields[spec.id] = _results_field(spec, results[category], runs)
        else:
            fields[spec.id] = _field(spec, drafts.get(spec.id), answers.get(spec.id), runs)
    return fields


def _results_field(spec: FieldSpec, values: list[Measured], runs: tuple[str, ...]) -> EvidenceField:
    lines = [f"- {m.label}: {_number(m)}" for m in values] or ["Not measured in these runs."]
    keys = tuple(dict.fromkeys(m.metric for m in values))
    provenance = Provenance("measured", runs=runs, metrics=keys)
    return EvidenceField(
        spec.id, spec.title, spec.fill, "\n".join(lines), provenance, tuple(values)
    )


def _number(value: Measured) -> str:
    """``0.728 [0.702, 0.753] (n=2,500, pass)``; n/e when not estimable."""
    estimate = "n/e" if value.estimate is None else f"{value.estimate:.3g}"
    interval = (
        ""
        if value.lower is None or value.upper is None
        else (f" [{value.lower:.3g}, {value.upper:.3g}]")
    )
    n = "" if value.n is None else f"n={value.n:,}, "
    return f"{estimate}{interval} ({n}{value.verdict})"


def _field(
    spec: FieldSpec, draft: Draft | None, answer: Answer | None, runs: tuple[str, ...]
) -> EvidenceField:
    """A measured, drafted or human field; an answer makes it human and answered (a draft's
    evidence is kept below the answer)."""
    if spec.fill == "M" and draft is not None:
        provenance = Provenance("measured", runs=runs, metrics=draft.metrics)
        return EvidenceField(spec.id, spec.title, spec.fill, draft.text, provenance)
    drafted = draft.text if draft is not None and draft.text else ""
    sources = draft.sources if draft is not None else ()
    keys = draft.metrics if draft is not None else ()
    if answer is not None:
        value: Answer = answer
        if drafted and isinstance(answer, str):
            value = f"{answer}\n\nAudit evidence (drafted by trustaudit):\n{drafted}"
        provenance = Provenance("human", runs, keys, sources, spec.role, answered=True)
        return EvidenceField(spec.id, spec.title, spec.fill, value, provenance)
    if drafted and spec.fill != "H":
        if "H" in spec.fill:
            drafted += f"\n\n{placeholder(spec)}"
        provenance = Provenance("drafted", runs, keys, sources, spec.role)
        return EvidenceField(spec.id, spec.title, spec.fill, drafted, provenance)
    provenance = Provenance("human", runs, keys, sources, spec.role)
    empty: Answer = (placeholder(spec),) if spec.listed else placeholder(spec)
    return EvidenceField(spec.id, spec.title, spec.fill, empty, provenance)
