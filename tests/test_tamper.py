"""The tamper suite (issue 12): every case of tests/tamper_cases.py is detected by the verifier
position it names (exit 1 broken, or 2 key required), and the documented limits are exactly
those: without a key or a signature a consistent rewrite verifies, with the public key it does
not. ``python benchmarks/bench_tamper.py`` prints the whole detected/missed matrix."""

from __future__ import annotations

import pytest

from .tamper_cases import CASES, LIMITS, fresh_copy, lab_environment, make_lab, verify

pytestmark = pytest.mark.extra("sign")

#: what the verifier must say for some cases (the line and the reason)
SAYS = {
    "edit-call-output": "ledger.jsonl line 2: hash",
    "delete-call-line": "ledger.jsonl line 2: seq is 2, expected 1",
    "duplicate-json-key": "ledger.jsonl line 1: not a JSON record (duplicate key 'output')",
    "non-canonical-whitespace": "ledger.jsonl line 1: not in the canonical form",
    "non-canonical-number": "ledger.jsonl line 1: not in the canonical form",
    "nested-100k-deep-line": "ledger.jsonl line 2: not a JSON record (nested too deeply",
    "nan-value": "ledger.jsonl line 1: not a JSON record (NaN is not JSON)",
    "unknown-field": "ledger.jsonl line 1: fields differ from a call record's (unknown: note;",
    "missing-field": "missing: error)",
    "record-of-another-run": "line 1: run_id is not the manifest's",
    "seal-files-emptied": "the seal does not list manifest.json",
    "seal-missing-a-file": "the seal does not list report.html",
    "seal-path-escapes": "the seal lists '../escape.txt', a path outside the run folder",
    "seal-absolute-path": "the seal lists '/etc/hostname', a path outside the run folder",
    "manifest-reformatted": "manifest.json: not in the form trustaudit writes",
    "hmac-claimed-no-key": "cannot verify: key required",
    "wrong-key": "HMAC does not verify with the given key",
    "full-rewrite-signed": "ledger.jsonl is not the file that was signed",
    "resigned-other-key": "no signature verifies with the public key",
    "payload-type-changed": "no signature verifies with the public key",
    "attestation-deleted": "attestation attestation.dsse.json: missing",
    "attestation-of-another-run": "the statement is for run",
}


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    with lab_environment():
        yield make_lab(tmp_path_factory.mktemp("tamper"))


def test_the_untouched_runs_verify(lab):
    assert verify(lab.runs["plain"], lab, "none")[0] == 0
    assert verify(lab.runs["plain"], lab, "public key")[0] == 0
    assert verify(lab.runs["keyed"], lab, "hmac")[0] == 0
    assert verify(lab.runs["keyed"], lab, "public key")[0] == 0


def test_the_table_is_the_issue_s_size():
    assert len(CASES) >= 40
    assert len({case.name for case in CASES + LIMITS}) == len(CASES) + len(LIMITS)


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_tampering_is_detected(lab, case, tmp_path):
    code, out = verify(fresh_copy(case, lab, tmp_path), lab, case.position)
    assert code == case.expect, out
    assert "intact" not in out
    assert ("BROKEN: " in out) == (case.expect == 1), out
    assert SAYS.get(case.name, "") in out


@pytest.mark.parametrize("case", LIMITS, ids=lambda case: case.name)
def test_what_only_a_signature_catches(lab, case, tmp_path):
    """The limits the README states: these verify intact without a key or a signature, and are
    broken for a verifier who holds the public key."""
    folder = fresh_copy(case, lab, tmp_path)
    code, out = verify(folder, lab, "none")
    assert code == 0, out
    assert "intact" in out
    code, out = verify(folder, lab, "public key")
    assert code == 1, out
