"""Audits of the data alone: no model section, no model calls, a folder that verifies."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from trustaudit.errors import SpecError
from trustaudit.findings import Status
from trustaudit.ledger.verify import verify_run
from trustaudit.run.runner import run_audit
from trustaudit.spec import load_spec

from .conftest import base_spec


def _notes_spec(write_spec, tmp_path, **extra):
    notes = [
        "Seen today. MRN: 00482913. Follow up in 2 weeks.",
        "No identifiers, vitals stable.",
        "Call back at 617-555-0143 about the results.",
    ]
    pd.DataFrame({"note": notes}).to_csv(tmp_path / "notes.csv", index=False)
    spec = {
        "name": "notes-scan",
        "data": {"path": str(tmp_path / "notes.csv")},
        "auditors": [
            {
                "use": "phi_scan",
                "params": {"column": "note", "n_boot": 50},
                "thresholds": [{"metric": "rows_with_phi_rate", "max": 1.0}],
            }
        ],
        **extra,
    }
    return write_spec(spec)


@pytest.mark.extra("privacy")
def test_phi_scan_runs_without_a_model_and_the_folder_verifies(write_spec, tmp_path):
    spec = load_spec(_notes_spec(write_spec, tmp_path))
    assert spec.model is None
    run = run_audit(spec, out=tmp_path / "out")
    assert [c.status.value for c in run.checks] == ["pass"]
    folder = tmp_path / "out" / next(p.name for p in (tmp_path / "out").iterdir())
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["models"] == []
    assert manifest["ledger"]["records"] == 0
    result = verify_run(folder)
    assert result.intact, result.problems
    rate = next(m for m in run.results[0].metrics if m.key == "rows_with_phi_rate")
    assert rate.value == pytest.approx(2 / 3)


def test_auditors_that_need_a_model_say_so(write_spec):
    spec = base_spec()
    del spec["model"]
    with pytest.raises(
        SpecError, match=r"auditors\[0\]\.use: 'fairness' audits a tabular model: add a 'model'"
    ):
        load_spec(write_spec(spec))


@pytest.mark.extra("privacy")
def test_the_example_phi_scan_spec_finds_the_planted_ssns(tmp_path):
    """audits/phi-scan.yaml over the bundled sample notes: the SSN gate fails (the notes hold SSNs),
    and the counts per 1,000 rows are measured per Safe Harbor category."""
    path = Path(__file__).resolve().parent.parent / "audits" / "phi-scan.yaml"
    run = run_audit(load_spec(path), out=tmp_path)
    ssn, rows = run.checks
    assert (ssn.metric_key, ssn.status) == ("phi_per_1000_rows[category=G]", Status.FAIL)
    assert ssn.observed > 0 and rows.status is Status.WARN
    measured = {m.key for m in run.results[0].metrics}
    assert {"phi_per_1000_rows[category=A]", "phi_per_1000_rows[category=all]"} <= measured
