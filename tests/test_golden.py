"""Regression: the demo audits' report.json is what it was when the golden files were written (issue
10's refactor must not change behaviour). Run ids, times, durations, paths, hashes that cover them
and the machine's versions are left out; numbers are compared to 1e-9 relative (BLAS may differ in
the last bits across CPUs). After an intended change: ``python tests/golden/update.py`` and review
the diff."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest

from trustaudit.run.runner import run_audit
from trustaudit.spec import load_spec

from .conftest import ROOT

GOLDEN = ROOT / "tests" / "golden"
SPECS = {"demo": ROOT / "audits" / "demo.yaml", "diabetes": ROOT / "audits" / "diabetes.yaml"}
VOLATILE = {
    "id",
    "started",
    "finished",
    "seconds",
    "folder",
    "ledger_head",
    "manifest_sha256",
    "environment",
    "spec_path",
    "path",
}


def normalized(view: Any) -> Any:
    """``view`` without the fields that differ between two runs of the same spec."""
    if isinstance(view, dict):
        return {k: normalized(v) for k, v in view.items() if k not in VOLATILE}
    if isinstance(view, list):
        return [normalized(v) for v in view]
    if isinstance(view, str) and view.startswith(str(ROOT)):
        return "<checkout>" + view[len(str(ROOT)) :]  # CI runs in another folder
    return view


def report_view(name: str, out) -> Any:
    run_audit(load_spec(SPECS[name]), out=out)
    (folder,) = out.iterdir()
    return normalized(json.loads((folder / "report.json").read_text(encoding="utf-8")))


def differences(got: Any, want: Any, where: str = "") -> list[str]:
    """Every place where ``got`` differs from ``want`` (numbers within 1e-9 relative)."""
    if isinstance(want, dict) and isinstance(got, dict):
        keys = sorted(set(got) | set(want))
        return [
            d
            for k in keys
            for d in differences(got.get(k, "<missing>"), want.get(k, "<missing>"), f"{where}.{k}")
        ]
    if isinstance(want, list) and isinstance(got, list) and len(got) == len(want):
        return [
            d
            for i, (g, w) in enumerate(zip(got, want, strict=True))
            for d in differences(g, w, f"{where}[{i}]")
        ]
    numbers = (int, float)
    if isinstance(got, numbers) and isinstance(want, numbers) and not isinstance(got, bool):
        if math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-12):
            return []
    elif got == want:
        return []
    return [f"{where}: got {json.dumps(got)[:120]}, golden {json.dumps(want)[:120]}"]


@pytest.mark.parametrize("name", sorted(SPECS))
def test_demo_report_matches_golden(name, tmp_path):
    want = json.loads((GOLDEN / f"{name}.report.json").read_text(encoding="utf-8"))
    found = differences(report_view(name, tmp_path), want)
    assert not found, "\n".join(found[:20])


def test_differences_are_found():
    assert differences({"a": [1, 2.0]}, {"a": [1, 2.0 + 1e-13]}) == []
    assert differences({"a": [1, 2.0]}, {"a": [1, 2.1]}) == [".a[1]: got 2.0, golden 2.1"]
    assert differences({"a": 1}, {"b": 1}) == [
        '.a: got 1, golden "<missing>"',
        '.b: got "<missing>", golden 1',
    ]
