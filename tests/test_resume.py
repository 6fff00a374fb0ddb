"""Crash safety: a run killed with SIGKILL keeps every completed call; --resume finishes it without
calling the model again for anything it already answered, and ends with the report an uninterrupted
run writes."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from trustaudit.ledger.chain import chain_problems, read_ledger
from trustaudit.ledger.verify import verify_run

from .conftest import base_spec, comparable_report

SLOW_MODEL = """
import os, pathlib, time

def _log(event):
    with open(os.environ["TA_CALL_LOG"], "a") as handle:
        handle.write(f"{os.environ['TA_SESSION']} {event}\\n")

def predict(X):
    _log("predict start")
    time.sleep(float(os.environ.get("TA_SLOW", "0")))
    _log("predict done")
    return (X["prior_admissions_12m"] >= 2).astype(int).to_numpy()

def risk(X):
    _log("predict_scores start")
    time.sleep(float(os.environ.get("TA_SLOW", "0")))
    _log("predict_scores done")
    return (X["prior_admissions_12m"].clip(0, 4) / 4).to_numpy()
"""


@pytest.fixture
def slow_spec(tmp_path):
    (tmp_path / "slow_model.py").write_text(SLOW_MODEL)
    spec = base_spec(
        output=str(tmp_path / "reports"),
        model={
            "type": "callable",
            "predict": "slow_model.py:predict",
            "predict_proba": "slow_model.py:risk",
        },
    )
    spec["auditors"].append(
        {"use": "accountability", "thresholds": [{"metric": "chain_intact", "min": 1}]}
    )
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(spec))
    return path


def _start(spec, session, log, *extra, slow="0"):
    env = {**os.environ, "TA_CALL_LOG": str(log), "TA_SESSION": session, "TA_SLOW": slow}
    return subprocess.Popen(
        [sys.executable, "-m", "trustaudit.cli", "run", str(spec), "--quiet", *extra],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _kill_after_first_record(process, reports: Path) -> Path:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        ledgers = list(reports.glob("*/ledger.jsonl"))
        if ledgers and ledgers[0].read_bytes().count(b"\n") >= 1:
            os.kill(process.pid, signal.SIGKILL)
            process.wait()
            return ledgers[0].parent
        time.sleep(0.05)
    process.kill()
    raise AssertionError("the run never wrote its first ledger record")


def test_killed_run_resumes_without_repeating_calls(slow_spec, tmp_path):
    log = tmp_path / "calls.log"
    killed = _kill_after_first_record(
        _start(slow_spec, "first", log, slow="3"), tmp_path / "reports"
    )
    found = read_ledger(killed / "ledger.jsonl")
    assert len(found.records) == 1
    assert not found.torn
    assert chain_problems(found.records) == []
    interrupted = verify_run(killed)
    assert not interrupted.intact
    assert (
        "no seal record: the run did not finish (1 complete record(s))" in interrupted.problems[0]
    )

    with open(
        killed / "ledger.jsonl", "ab"
    ) as handle:  # a torn write, as a kill mid-line leaves (fault injection)
        handle.write(b'{"adapter":"callable","auditor":"fair')
    resumed = _start(slow_spec, "second", log, "--resume", str(killed))
    out, err = resumed.communicate(timeout=300)
    assert resumed.returncode == 0, err
    assert "Report: " in out
    assert (killed / "ledger.torn").read_bytes() == b'{"adapter":"callable","auditor":"fair\n'

    calls = log.read_text().splitlines()
    first = [c for c in calls if c.startswith("first ")]
    assert first[:2] == ["first predict start", "first predict done"]
    assert first[2:] in (
        [],
        ["first predict_scores start"],
    )  # killed before or during the second call
    assert [c for c in calls if c.startswith("second ")] == [
        "second predict_scores start",
        "second predict_scores done",
    ]  # predict not repeated
    assert verify_run(killed).intact
    records = read_ledger(killed / "ledger.jsonl").records
    assert [(r["kind"], r.get("method"), r.get("replayed_from")) for r in records] == [
        ("call", "predict", None),
        ("call", "predict_scores", None),
        ("seal", None, None),
    ]  # as if never killed

    fresh = _start(slow_spec, "fresh", tmp_path / "fresh.log")
    assert fresh.wait(timeout=300) == 0
    (uninterrupted,) = [p for p in (tmp_path / "reports").iterdir() if p != killed]
    assert comparable_report(killed) == comparable_report(uninterrupted)


def test_resume_refuses_a_complete_run_and_a_changed_spec(slow_spec, tmp_path):
    log = tmp_path / "calls.log"
    assert _start(slow_spec, "one", log).wait(timeout=300) == 0
    (done,) = (tmp_path / "reports").iterdir()
    again = _start(slow_spec, "two", log, "--resume", str(done))
    _, err = again.communicate(timeout=120)
    assert again.returncode == 2
    assert "this run is complete; there is nothing to resume" in err
    spec = yaml.safe_load(slow_spec.read_text())
    spec["seed"] = 99
    slow_spec.write_text(yaml.safe_dump(spec))
    ledger = done / "ledger.jsonl"  # unsealed: resumable but for the spec
    ledger.write_bytes(b"".join(ledger.read_bytes().splitlines(keepends=True)[:-1]))
    changed = _start(slow_spec, "three", log, "--resume", str(done))
    _, err = changed.communicate(timeout=120)
    assert changed.returncode == 2
    assert "the spec differs from the one the interrupted run used" in err


def test_resume_needs_captured_outputs(slow_spec, tmp_path):
    spec = yaml.safe_load(slow_spec.read_text())
    spec["ledger"] = {"capture": "digest"}
    slow_spec.write_text(yaml.safe_dump(spec))
    killed = _kill_after_first_record(
        _start(slow_spec, "first", tmp_path / "calls.log", slow="3"), tmp_path / "reports"
    )
    record = read_ledger(killed / "ledger.jsonl").records[0]
    assert "output" not in record
    assert "input" not in record
    assert record["output_sha256"]
    refused = _start(slow_spec, "second", tmp_path / "calls.log", "--resume", str(killed))
    _, err = refused.communicate(timeout=120)
    assert refused.returncode == 2
    assert "kept digests or masked outputs only" in err


def test_a_run_killed_while_writing_its_reports_resumes(slow_spec, tmp_path):
    """Killed after the manifest was marked complete but before the seal (report files partly
    written): the run is not finished, so --resume replays every call and seals it."""
    log = tmp_path / "calls.log"
    assert _start(slow_spec, "one", log).wait(timeout=300) == 0
    (folder,) = (tmp_path / "reports").iterdir()
    uninterrupted = comparable_report(folder)
    assert json.loads((folder / "manifest.json").read_text())["status"] == "complete"
    ledger = folder / "ledger.jsonl"
    lines = ledger.read_bytes().splitlines(keepends=True)
    assert json.loads(lines[-1])["kind"] == "seal"
    ledger.write_bytes(b"".join(lines[:-1]))  # the state a kill before the seal leaves
    (folder / "report.html").write_text("<html><body>half a rep")
    (folder / "junit.xml").unlink()
    assert not verify_run(folder).intact
    resumed = _start(slow_spec, "two", log, "--resume", str(folder))
    _, err = resumed.communicate(timeout=300)
    assert resumed.returncode == 0, err
    assert not [c for c in log.read_text().splitlines() if c.startswith("two ")]  # no call paid
    assert verify_run(folder).intact
    assert comparable_report(folder) == uninterrupted


def test_sigterm_stops_like_ctrl_c_and_resume_pays_for_nothing_twice(tmp_path):
    """A CI job cancelled with SIGTERM: requests in flight finish and are recorded, queued ones are
    never sent; --resume sends exactly the requests the server never saw."""
    from trustaudit.testing import LoopbackLLM

    spec = {
        "name": "sigterm",
        "output": str(tmp_path / "reports"),
        "model": {"type": "openai", "base_url": "", "model": "m", "max_in_flight": 4},
        "auditors": [
            {
                "use": "counterfactual",
                "params": {
                    "vignettes": str(
                        Path(__file__).parent.parent
                        / "fixtures"
                        / "vignettes"
                        / "clinical_vignettes.jsonl"
                    ),
                    "families": ["chest pain"],
                    "swap": ["race_ethnicity"],
                    "values": {"race_ethnicity": ["White", "Black"]},
                    "n_boot": 20,
                },
            }
        ],
    }
    with LoopbackLLM(latency=0.4) as server:
        spec["model"]["base_url"] = server.base_url
        path = tmp_path / "spec.yaml"
        path.write_text(yaml.safe_dump(spec))
        command = [sys.executable, "-m", "trustaudit.cli", "run", str(path), "--quiet"]
        process = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 60
        while sum(server.requests.values()) < 6 and time.monotonic() < deadline:
            time.sleep(0.02)
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=60)
        assert process.returncode == 3, err
        assert "interrupted" in err and "Traceback" not in err
        (folder,) = (tmp_path / "reports").iterdir()
        seen = sum(server.requests.values())
        calls = [r for r in read_ledger(folder / "ledger.jsonl").records if r["kind"] == "call"]
        assert len(calls) == seen  # every request the server saw was recorded
        resumed = subprocess.run(
            [*command, "--resume", str(folder)], capture_output=True, text=True, timeout=300
        )
        assert resumed.returncode == 0, resumed.stderr
    assert max(server.requests.values()) == 1  # nothing was sent twice
    assert verify_run(folder).intact
