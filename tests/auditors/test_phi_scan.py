"""The dataset scan: PHI counted per category in a column; bad cells skipped with their reason,
never a crash; long texts scanned in windows; examples masked."""

import re

import numpy as np
import pandas as pd
import pytest
import yaml

from trustaudit.auditors import AuditContext, PhiScanAuditor
from trustaudit.errors import SpecError
from trustaudit.inputs.data import AuditData
from trustaudit.phi.recognizers import scan, scan_long
from trustaudit.spec import load_spec

from .test_phi import _corpus

pytestmark = pytest.mark.extra("privacy")


def _run(values, **params):
    frame = pd.DataFrame({"note": pd.Series(values, dtype=object)})
    data = AuditData(frame, None, 1, ("note",), "memory", "none")
    result = PhiScanAuditor(column="note", n_boot=100, **params).run(
        None, data, AuditContext(0, "phi_scan")
    )
    return result, {m.key: m for m in result.metrics}


def test_counts_per_category_and_rows_with_phi():
    notes = _corpus().generate(40, seed=8)
    _, metrics = _run([n["text"] for n in notes] + ["No identifiers here, only vital signs."] * 10)
    assert metrics["rows_with_phi_rate"].value == pytest.approx(40 / 50)
    gold_ssn = sum(s["category"] == "G" for n in notes for s in n["spans"])
    assert metrics["phi_per_1000_rows[category=G]"].value == pytest.approx(1000 * gold_ssn / 50)


def test_bad_cells_are_skipped_with_their_reason():
    _, metrics = _run(
        ["MRN: 00482913 seen.", None, "", "   ", 42, 3.5, b"\xff\xfe\x00", b"MRN: 77120034", np.nan]
    )
    assert metrics["skipped_rows"].value == 7
    assert metrics["skipped_rows"].note == (  # most first, ties by reason: the same on any engine
        "2 empty; 2 missing; 1 not text (float); 1 not text (int); 1 undecodable bytes (not UTF-8)"
    )
    assert metrics["phi_per_1000_rows[category=H]"].value == pytest.approx(
        1000.0
    )  # both readable MRNs found


def test_long_texts_are_scanned_in_windows():
    filler = "Vital signs stable. " * 3000
    text = f"{filler}MRN: 00482913 on admission. {filler}SSN 219-09-9998 at the end."
    (spans,) = scan_long([text], window=5000, overlap=200)
    found = {text[s.start : s.end] for s in spans}
    assert {"00482913", "219-09-9998"} <= found
    assert len(text) > 100_000
    short = "A note with MRN: 00482913 in it."
    assert scan_long([short]) == scan([short])


def test_examples_are_masked():
    result, _ = _run(["Patient John Smith, SSN 219-09-9998, MRN: 00482913."])
    (finding,) = [f for f in result.findings if f.title.startswith("Rows of 'note'")]
    (row,) = finding.examples
    assert row[0] == "1"
    assert "219-09-9998" not in row[2]
    assert "***-**-9998" in row[2]
    assert "John" not in row[2]


def test_fairness_needs_a_target(tmp_path):
    (tmp_path / "d.csv").write_text("sex,y\nF,1\nM,0\n")
    (tmp_path / "spec.yaml").write_text(
        yaml.safe_dump(
            {
                "name": "x",
                "model": {"type": "callable", "predict": "m.py:f"},
                "data": {"path": "d.csv"},
                "auditors": [{"use": "fairness", "params": {"sensitive_features": ["sex"]}}],
            }
        )
    )
    from trustaudit.run.runner import prepare

    with pytest.raises(
        SpecError, match=re.escape("data.target: the fairness auditor needs the outcome column")
    ):
        prepare(load_spec(tmp_path / "spec.yaml"))
