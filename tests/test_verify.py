"""trustaudit verify: an intact run verifies; every kind of tampering is detected and located."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from trustaudit.ledger.chain import (
    canonical,
    record_hmac,
    record_line,
    seal_fields,
    sha256_hex,
)
from trustaudit.ledger.verify import verify_run
from trustaudit.run.runner import run_audit
from trustaudit.spec import load_spec

from .conftest import base_spec

KEY = "correct horse battery staple 7f3a"


@pytest.fixture(scope="module")
def sealed_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("sealed")
    spec = base_spec(
        output=str(tmp / "reports"), ledger={"hmac_key_env": "TRUSTAUDIT_TEST_LEDGER_KEY"}
    )
    spec["auditors"] = spec["auditors"] * 2 + [
        {"use": "accountability"}
    ]  # second auditor replays: 4 call records
    (tmp / "spec.yaml").write_text(yaml.safe_dump(spec))
    mp = pytest.MonkeyPatch()
    mp.setenv("TRUSTAUDIT_TEST_LEDGER_KEY", KEY)
    try:
        run = run_audit(load_spec(tmp / "spec.yaml"))
    finally:
        mp.undo()
    return Path(run.provenance["folder"])


@pytest.fixture
def run_copy(sealed_run, tmp_path):
    return Path(shutil.copytree(sealed_run, tmp_path / "run"))


def _lines(folder):
    return (folder / "ledger.jsonl").read_text().splitlines()


def _write(folder, records):
    (folder / "ledger.jsonl").write_bytes(b"".join(map(record_line, records)))


def _records(folder):
    return [json.loads(line) for line in _lines(folder)]


def test_intact_run_verifies_with_the_key_and_needs_it(sealed_run):
    assert verify_run(sealed_run, KEY.encode()).intact
    unkeyed = verify_run(sealed_run)
    assert not unkeyed.intact
    assert unkeyed.problems == []
    assert "give --hmac-key-env" in unkeyed.key_required
    kinds = [r["kind"] for r in _records(sealed_run)]
    assert kinds == ["call"] * 4 + ["seal"]
    assert [r["replayed_from"] for r in _records(sealed_run)[:4]] == [None, None, 0, 1]


def test_wrong_key_is_detected(sealed_run):
    problems = verify_run(sealed_run, b"another key").problems
    assert problems[0] == "ledger.jsonl line 1: HMAC does not verify with the given key"


@pytest.mark.parametrize(
    "line, field, value",
    [
        (1, "latency_ms", 0.001),
        (1, "model_fingerprint", "sha256:feedface"),
        (2, "output", None),
        (2, "ts_start", "2020-01-01T00:00:00+00:00"),
        (3, "auditor", "someone else"),
        (4, "params", {"rows": 1}),
        (5, "files", {}),
        (5, "run_id", "0" * 32),
    ],
)
def test_changing_any_field_of_any_record_is_detected(run_copy, line, field, value):
    records = _records(run_copy)
    records[line - 1][field] = value
    _write(run_copy, records)
    problems = verify_run(run_copy).problems
    assert problems[0].startswith(f"ledger.jsonl line {line}: hash ")
    assert "a field was changed" in problems[0]


def test_deleting_a_record_is_detected(run_copy):
    records = _records(run_copy)
    del records[1]
    _write(run_copy, records)
    assert verify_run(run_copy).problems[0] == (
        "ledger.jsonl line 2: seq is 2, expected 1 (a record was deleted, inserted or moved)"
    )


def test_reordering_two_records_is_detected(run_copy):
    records = _records(run_copy)
    records[1], records[2] = records[2], records[1]
    _write(run_copy, records)
    assert verify_run(run_copy).problems[0].startswith("ledger.jsonl line 2: seq is 2, expected 1")


def test_truncating_the_ledger_is_detected(run_copy):
    data = (run_copy / "ledger.jsonl").read_bytes()
    (run_copy / "ledger.jsonl").write_bytes(data[: len(data) - 40])
    problems = verify_run(run_copy).problems
    assert "ledger.jsonl line 5: torn record" in problems[0]
    assert any("no seal record" in p for p in problems)


def test_dropping_the_last_records_is_detected(run_copy):
    _write(run_copy, _records(run_copy)[:2])
    assert (
        "no seal record: the run did not finish (2 complete record(s))"
        in verify_run(run_copy).problems[0]
    )


@pytest.mark.parametrize("name", ["report.json", "report.html", "junit.xml", "manifest.json"])
def test_editing_a_sealed_file_is_detected(run_copy, name):
    path = run_copy / name
    path.write_text(path.read_text().replace("fairness", "fairnesz", 1))
    assert any(
        p.startswith(f"{name} was changed after the run was sealed")
        for p in verify_run(run_copy).problems
    )


def test_editing_a_metric_in_report_json_is_detected(run_copy):
    view = json.loads((run_copy / "report.json").read_text())
    view["checks"][0]["observed"] = 0.0
    (run_copy / "report.json").write_text(json.dumps(view, indent=2))
    assert (
        verify_run(run_copy)
        .problems[0]
        .startswith("report.json was changed after the run was sealed")
    )


def test_deleting_a_report_file_is_detected(run_copy):
    (run_copy / "report.html").unlink()
    assert "report.html is missing" in verify_run(run_copy).problems


def test_rewriting_the_whole_chain_needs_the_key(run_copy):
    """Someone who edits a record and recomputes every hash (and the seal) passes the chain: only
    the HMAC catches it."""
    records = _records(run_copy)
    records[0]["latency_ms"] = 1.0
    previous = "0" * 64
    for record in records:
        record["prev_hash"] = previous
        record["hash"] = previous = sha256_hex(seal_fields(record))
    _write(run_copy, records)
    manifest = json.loads((run_copy / "manifest.json").read_text())
    assert manifest["ledger"]["head"] != records[-2]["hash"]
    problems = verify_run(run_copy).problems
    assert problems
    assert problems[0].startswith("manifest.json: records ledger head")
    assert any("HMAC does not verify" in p for p in verify_run(run_copy, KEY.encode()).problems)


def test_hmac_covers_the_record(sealed_run):
    record = _records(sealed_run)[0]
    assert record["hmac"] == record_hmac(KEY.encode(), record)
    assert record["hash"] == sha256_hex(
        canonical({k: v for k, v in record.items() if k not in ("hash", "hmac")})
    )


def test_the_key_is_never_written(sealed_run):
    for path in (p for p in sealed_run.rglob("*") if p.is_file()):  # compliance/ included
        assert KEY not in path.read_text(), path.name
    assert (
        "TRUSTAUDIT_TEST_LEDGER_KEY" in (sealed_run / "manifest.json").read_text()
    )  # the variable's name only


def _cli(*args, env=None):
    import os

    return subprocess.run(
        [sys.executable, "-m", "trustaudit.cli", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=120,
    )


def test_verify_command_exit_codes(sealed_run, run_copy, tmp_path):
    ok = _cli("verify", str(sealed_run), "--hmac-key-env", "K", env={"K": KEY})
    assert ok.returncode == 0
    assert "intact" in ok.stdout
    assert "HMACs verified" in ok.stdout
    assert KEY not in ok.stdout + ok.stderr
    records = _records(run_copy)
    records[2]["output"] = [1]
    _write(run_copy, records)
    broken = _cli("verify", str(run_copy))
    assert broken.returncode == 1
    assert broken.stdout.startswith("BROKEN: ledger.jsonl line 3: hash")
    assert _cli("verify", str(tmp_path / "nowhere")).returncode == 2
    assert _cli("verify", str(sealed_run), "--hmac-key-env", "UNSET_VARIABLE_X").returncode == 2
