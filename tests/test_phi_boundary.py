"""No PHI and no secret in the clear in any output: PHI and an API key planted in every channel a
run reads (model answers, error bodies, exceptions from a callable model, data values, column
names) are searched for in every file of the run folder, stdout and stderr of the real CLI.

Identifiers of a fixed shape (SSN, phone, MRN digits, e-mail) must be masked on every install;
names only where the privacy extra's recognizers run (without it, nothing can tell a name)."""

from __future__ import annotations

import json
import subprocess
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pandas as pd
import pytest

from trustaudit import extras
from trustaudit.auditors import Auditor
from trustaudit.findings import AuditResult, Finding, Metric, Severity, Status
from trustaudit.run.runner import run_audit
from trustaudit.shown import Plain
from trustaudit.spec import load_spec

from .conftest import CHEST_PAIN_VIGNETTE, COHORT_CSV, run_spec, with_auditors

KEY = "sk-Planted-9f8e7d6c5b4a"
SHAPED = {"ssn": "219-40-7731", "mrn": "48213377", "phone": "(617) 555-0199"}
EMAIL = "m.okafor@example.org"
NAME = "Maria Okafor"
PHI = f"Patient {NAME}, SSN {SHAPED['ssn']}, MRN {SHAPED['mrn']}, phone {SHAPED['phone']}"
SAYS = f"{PHI}, e-mail {EMAIL}, key {KEY}"
PRIVACY = extras.available("privacy")
#: capture full keeps every input and output in the ledger by choice; the others must not leak
LEDGER = {"capture": "masked" if PRIVACY else "digest"}


class _LeakyServer(BaseHTTPRequestHandler):
    """An endpoint that puts PHI and the key into its answers (which flip with the patient's
    race, so the flips are shown as examples) and, for prompts saying FAIL, into an error body."""

    def log_message(self, *args):
        pass

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
        prompt = body["messages"][-1]["content"]
        if "FAIL" in prompt:
            self._send(500, json.dumps({"error": f"cannot serve {SAYS}"}))
            return
        decision = "home" if "Black" in prompt else "admit"
        message = {"role": "assistant", "content": f"{decision}. {SAYS}"}
        self._send(200, json.dumps({"choices": [{"message": message, "finish_reason": "stop"}]}))

    def _send(self, status: int, text: str) -> None:
        data = text.encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture
def leaky_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _LeakyServer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()
    server.server_close()


LEAKY_CALLABLE = f"""
def generate(messages, **params):
    prompt = messages[-1]["content"]
    if "FAIL" in prompt or "Black" in prompt:
        raise ValueError("cannot answer for {SAYS}")
    return "admit. {SAYS}"
"""


def _text_inputs(tmp_path: Path) -> dict:
    """Vignettes (one whose calls all fail) and privacy probes; the auditors reading them."""
    failing = {**CHEST_PAIN_VIGNETTE, "id": "v2", "family": "fails", "text": "FAIL {race}{person}"}
    (tmp_path / "v.jsonl").write_text(
        "".join(json.dumps(v) + "\n" for v in (CHEST_PAIN_VIGNETTE, failing))
    )
    vignettes = str(tmp_path / "v.jsonl")
    swap = {"swap": ["race_ethnicity"], "values": {"race_ethnicity": ["White", "Black"]}}
    auditors = [
        {"use": "counterfactual", "params": {"vignettes": vignettes, "n_boot": 20, **swap}},
        {"use": "text_robustness", "params": {"vignettes": vignettes, "n_boot": 20}},
    ]
    if PRIVACY:
        probe = {"id": "p1", "messages": [{"role": "user", "content": "Who was seen today?"}]}
        (tmp_path / "probes.jsonl").write_text(json.dumps(probe) + "\n")
        auditors.append({"use": "privacy", "params": {"probes": str(tmp_path / "probes.jsonl")}})
    return {"auditors": auditors, "ledger": LEDGER}


def _leaks(done, folder_parent: Path) -> dict[str, list[str]]:
    """Which planted values appear where (stdout, stderr, every file of the run folder)."""
    planted = {**SHAPED, "email": EMAIL, "key": KEY, "key (upper-case)": KEY.upper()}
    if PRIVACY:
        planted |= {"name": NAME.split()[1]}
    places = {"stdout": done.stdout, "stderr": done.stderr}
    for path in folder_parent.rglob("*"):
        if path.is_file():
            places[path.name] = path.read_text(encoding="utf-8")
    found = {
        where: [what for what, value in planted.items() if value in text]
        for where, text in places.items()
    }
    return {where: what for where, what in found.items() if what}


def _env(monkeypatch) -> dict:
    monkeypatch.setenv("TA_PLANTED_KEY", KEY)
    import os

    return dict(os.environ)


def test_an_endpoint_leaking_phi_and_the_key_in_answers_and_errors(
    tmp_path, leaky_server, monkeypatch
):
    spec = {
        "name": "leaky-endpoint",
        "output": str(tmp_path / "reports"),
        "model": {
            "type": "openai",
            "base_url": leaky_server,
            "model": "m",
            "max_retries": 0,
            "api_key_env": "TA_PLANTED_KEY",
        },
        **_text_inputs(tmp_path),
    }
    done = run_spec(tmp_path, spec, env=_env(monkeypatch))
    assert done.returncode in (1, 3), done.stdout + done.stderr
    view = json.loads(next((tmp_path / "reports").glob("*/report.json")).read_text())
    shown = json.dumps(view["auditors"][0]["findings"])
    assert "home" in shown and "admit" in shown  # the answers are shown, masked
    assert _leaks(done, tmp_path / "reports") == {}


def test_a_callable_model_raising_with_phi_and_the_key(tmp_path, monkeypatch):
    (tmp_path / "leaky.py").write_text(LEAKY_CALLABLE)
    spec = {
        "name": "leaky-callable",
        "output": str(tmp_path / "reports"),
        "model": {"type": "callable", "generate": str(tmp_path / "leaky.py") + ":generate"},
        "secret_env": ["TA_PLANTED_KEY"],
        **_text_inputs(tmp_path),
    }
    done = run_spec(tmp_path, spec, env=_env(monkeypatch))
    assert done.returncode in (1, 3), done.stdout + done.stderr
    assert _leaks(done, tmp_path / "reports") == {}


LEAKY_TABULAR = f"""
def predict(X):
    if X["age"].isna().any():
        raise RuntimeError("row of {SAYS} is malformed")
    return (X["prior_admissions_12m"] >= 2).astype(int).to_numpy()
"""


def test_data_values_and_column_names_holding_phi(tmp_path, monkeypatch):
    """A group value and a column name holding identifiers, a notes column full of PHI, and a
    model that raises quoting PHI and the key on rows with a missing age."""
    frame = pd.read_csv(COHORT_CSV).head(400)
    frame["payer"] = frame["payer"].mask(frame.index % 7 == 0, SHAPED["ssn"])
    frame[f"ref {SHAPED['phone']}"] = frame["age"] % 3
    frame["note"] = [f"{SAYS}, e-mail {EMAIL}" if i % 2 else "stable" for i in frame.index]
    frame.to_csv(tmp_path / "cohort.csv", index=False)
    (tmp_path / "leaky.py").write_text(LEAKY_TABULAR)
    auditors = [
        {"use": "fairness", "params": {"sensitive_features": ["payer"], "n_boot": 20}},
        {"use": "robustness", "params": {"n_boot": 20}},
    ]
    if PRIVACY:
        auditors.append({"use": "phi_scan", "params": {"column": "note", "n_boot": 20}})
    spec = {
        "name": "leaky-data",
        "output": str(tmp_path / "reports"),
        "data": {"path": str(tmp_path / "cohort.csv"), "target": "readmitted_30d"},
        "model": {"type": "callable", "predict": str(tmp_path / "leaky.py") + ":predict"},
        "secret_env": ["TA_PLANTED_KEY"],
        "ledger": LEDGER,
        "auditors": auditors,
    }
    done = run_spec(tmp_path, spec, env=_env(monkeypatch))
    assert done.returncode in (0, 1, 3), done.stdout + done.stderr
    view = json.loads(next((tmp_path / "reports").glob("*/report.json")).read_text())
    keys = {m["key"] for m in view["auditors"][0]["metrics"]}
    assert "tpr[payer=<US_SSN>]" in keys  # the group is still reported, its label masked
    assert _leaks(done, tmp_path / "reports") == {}


@dataclass(frozen=True, kw_only=True)
class CarelessAuditor(Auditor):
    """An auditor that forgets to mask: raw PHI in its examples (strings and table rows), and a
    label of its own words marked Plain."""

    name: ClassVar[str] = "careless_for_test"
    needs_data: ClassVar[bool] = False
    model_kind: ClassVar[str] = "any"

    @classmethod
    def metric_names(cls):
        return {"anything"}

    def run(self, model, data, ctx):
        finding = Finding(
            title="Raw answers",
            severity=Severity.HIGH,
            examples=(SAYS, (Plain("American Indian or Alaska Native"), SAYS, 3)),
            columns=("group", "answer", "n"),
        )
        metric = Metric(name="anything", value=0.5)
        return AuditResult(
            auditor=self.name, label="", params={}, metrics=(metric,), findings=(finding,)
        )


@dataclass(frozen=True, kw_only=True)
class RaisingAuditor(CarelessAuditor):
    """An auditor whose crash quotes PHI and the key."""

    name: ClassVar[str] = "raising_for_test"

    def run(self, model, data, ctx):
        raise ValueError(f"could not parse {SAYS}")


def test_an_auditor_that_forgets_to_mask_cannot_leak(tmp_path, monkeypatch, write_spec):
    """The boundary is the runner's, not each auditor's: examples and crash messages of auditors
    that never mask are masked in every output; a cell marked Plain is shown as written."""
    monkeypatch.setenv("TA_PLANTED_KEY", KEY)
    with_auditors(monkeypatch, CarelessAuditor, RaisingAuditor)
    spec = {
        "name": "careless",
        "output": str(tmp_path / "reports"),
        "secret_env": ["TA_PLANTED_KEY"],
        "auditors": [{"use": "careless_for_test"}, {"use": "raising_for_test"}],
    }
    run = run_audit(load_spec(write_spec(spec)))
    careless, raising = run.results
    assert raising.status is Status.ERROR and "could not parse" in raising.error
    (row,) = [e for e in careless.findings[0].examples if isinstance(e, tuple)]
    assert row[0] == "American Indian or Alaska Native" and row[2] == 3
    done = subprocess.CompletedProcess([], 0, stdout="", stderr="")
    assert _leaks(done, tmp_path / "reports") == {}
