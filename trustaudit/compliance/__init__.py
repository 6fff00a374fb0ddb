"""The compliance pack: a CHAI Applied Model Card, the ONC HTI-1 source attributes and an EU AI
Act / NIST AI RMF / FDA GMLP evidence map, all rendered from one evidence model built from the
report.json and manifest.json of one or several runs of a model (nothing is re-run).

The runner writes the pack into every run folder (``compliance/``) before the seal, so ``verify``
covers it; ``trustaudit card`` rebuilds it from run folders with people's answers merged in."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from ..ledger.runfolder import COMPLIANCE_FILES
from .chai_xml import render_card
from .evidence import Answer, Evidence, build_fields
from .evidence_map import evidence_map
from .hti1 import render_hti1
from .sources import RunSource, check_same_model, read_run

__all__ = [
    "COMPLIANCE_FILES",
    "Evidence",
    "RunSource",
    "build_evidence",
    "documents",
    "read_run",
    "report_section",
]


def build_evidence(sources: list[RunSource], answers: dict[str, Answer] | None = None) -> Evidence:
    """The evidence model of the runs (one model), with ``answers`` merged in."""
    check_same_model(sources)
    runs = tuple(
        {"id": s.run_id, "name": s.name, "folder": s.folder, "finished": s.view["run"]["finished"]}
        for s in sources
    )
    fields = build_fields(sources, answers)
    return Evidence(fields["model_name"].text, runs, fields, evidence_map(sources))


def _json(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def documents(evidence: Evidence) -> dict[str, str]:
    """Each file of the pack by its path in a run folder (COMPLIANCE_FILES)."""
    card, hti1, mapped, whole = COMPLIANCE_FILES
    return {
        card: render_card(evidence).decode("utf-8"),
        hti1: _json(render_hti1(evidence)),
        mapped: _json({"model": evidence.model, "items": list(evidence.evidence_map)}),
        whole: _json(evidence.as_dict()),
    }


def report_section(evidence: Evidence) -> dict[str, Any]:
    """What the HTML report's Compliance section shows: the fields in catalogue order (open ones
    named), the measured key metrics and the evidence map."""
    found = evidence.as_dict()
    fields = list(found["fields"].values())
    return {
        "files": list(COMPLIANCE_FILES),
        "open": [f for f in fields if f["open"]],
        "drafted": [f for f in fields if f["provenance"]["kind"] == "drafted"],
        "measured": [f for f in fields if f["measured"]],
        "evidence_map": [
            {**row, "check_counts": _counts(row["checks"])} for row in found["evidence_map"]
        ],
    }


def _counts(checks: list[dict[str, Any]]) -> dict[str, int]:
    """How many of a map row's checks have each status."""
    return dict(Counter(c["status"] for c in checks).most_common())
