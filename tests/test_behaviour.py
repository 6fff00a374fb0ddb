"""The behavioural fingerprint of endpoint and local LLMs (issue 14, item 3): the hash of the
answers to the fixed probe set, recorded in the manifest, its calls in the ledger like any
other, and compared by ``trustaudit compare``. Against the real loopback server (whose answering
rule can be swapped behind the same URL) and the bundled model in-process."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from trustaudit.ledger.chain import read_ledger
from trustaudit.ledger.verify import verify_run
from trustaudit.run.behaviour import PROBE_SCOPE, PROBE_SEED, PROBES
from trustaudit.run.runner import run_audit
from trustaudit.spec import load_spec
from trustaudit.testing import LoopbackLLM

from .conftest import CHEST_PAIN_VIGNETTE, counterfactual_auditor


@pytest.fixture
def server():
    with LoopbackLLM() as running:
        yield running


def _audit(tmp_path: Path, name: str, model: dict, auditors: list) -> Path:
    spec = {"name": name, "seed": 3, "output": str(tmp_path / name), "model": model}
    (tmp_path / f"{name}.yaml").write_text(yaml.safe_dump({**spec, "auditors": auditors}))
    run = run_audit(load_spec(tmp_path / f"{name}.yaml"))
    return Path(run.provenance["folder"])


def _endpoint_audit(tmp_path: Path, name: str, base_url: str) -> Path:
    vignettes = tmp_path / "vignettes.jsonl"
    vignettes.write_text(json.dumps(CHEST_PAIN_VIGNETTE) + "\n")
    model = {"type": "openai", "base_url": base_url, "model": "m"}
    return _audit(tmp_path, name, model, [counterfactual_auditor(vignettes)])


def _behaviour(folder: Path) -> dict:
    return json.loads((folder / "manifest.json").read_text())["models"][0]["behaviour"]


def _hash_of(answers: list[str]) -> str:
    """By hand: SHA-256 of the answers as compact, sorted-key UTF-8 JSON."""
    data = json.dumps(answers, separators=(",", ":"), ensure_ascii=False).encode()
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _probe_records(folder: Path) -> list[dict]:
    records = read_ledger(folder / "ledger.jsonl").records
    return [r for r in records if r.get("auditor") == PROBE_SCOPE]


def test_same_model_same_fingerprint_recorded_in_manifest_and_ledger(server, tmp_path):
    first = _endpoint_audit(tmp_path, "first", server.base_url)
    second = _endpoint_audit(tmp_path, "second", server.base_url)
    # the loopback's rule: 'admit' when the prompt mentions chest pain, else 'discharge'
    expected = [("admit" if "chest pain" in p.lower() else "discharge") for p in PROBES]
    assert _behaviour(first)["sha256"] == _hash_of(expected) == _behaviour(second)["sha256"]
    assert _behaviour(first)["probes"] == len(PROBES) == 8
    answered = {r["input"][-1]["content"]: r for r in _probe_records(first)}  # completion order
    assert sorted(answered) == sorted(PROBES)
    assert [answered[p]["output"]["text"] for p in PROBES] == expected
    assert all(r["params"]["temperature"] == 0 for r in answered.values())
    assert {r["params"]["seed"] for r in answered.values()} == {PROBE_SEED}
    kinds = [(r["kind"], r.get("auditor")) for r in read_ledger(first / "ledger.jsonl").records]
    assert kinds[-9:] == [("call", PROBE_SCOPE)] * 8 + [("seal", None)]  # after the auditors
    assert verify_run(first).intact


def test_a_different_model_behind_the_same_url_is_seen(server, tmp_path):
    before = _endpoint_audit(tmp_path, "before", server.base_url)
    server.answer = lambda prompt: "discharge"  # another model, same URL and model name
    after = _endpoint_audit(tmp_path, "after", server.base_url)
    manifests = [json.loads((f / "manifest.json").read_text()) for f in (before, after)]
    assert manifests[0]["models"][0]["fingerprint"] == manifests[1]["models"][0]["fingerprint"]
    assert _behaviour(after)["sha256"] == _hash_of(["discharge"] * len(PROBES))
    assert _behaviour(before)["sha256"] != _behaviour(after)["sha256"]
    command = [sys.executable, "-m", "trustaudit.cli", "compare", str(before), str(after)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "THE MODEL'S BEHAVIOUR CHANGED" in done.stdout
    assert "behind the same endpoint and model name" in done.stdout
    (folder,) = after.glob("comparison-*")
    view = json.loads((folder / "comparison.json").read_text())
    assert view["baseline"]["behaviour"]["sha256"] == _behaviour(before)["sha256"]
    assert view["new"]["behaviour"]["sha256"] == _behaviour(after)["sha256"]


def test_no_fingerprint_from_a_failing_endpoint(server, tmp_path):
    wrong = server.base_url.removesuffix("/v1") + "/wrong"  # HTTP 404 for every request
    folder = _endpoint_audit(tmp_path, "failing", wrong)
    behaviour = _behaviour(folder)
    assert behaviour["sha256"] is None
    assert (
        behaviour["note"].startswith("not taken: ") and "audit call(s) failed" in behaviour["note"]
    )
    assert _probe_records(folder) == []  # nothing was sent for it


@pytest.mark.extra("llm")
def test_the_bundled_model_answers_the_probes_the_same_twice(tmp_path):
    model = {"type": "llamacpp", "bundled": "smollm2-135m", "n_ctx": 512}
    accountability = [{"use": "accountability"}]
    first = _audit(tmp_path, "one", model, accountability)
    second = _audit(tmp_path, "two", model, accountability)
    answers = [r["output"]["text"] for r in _probe_records(first)]
    assert len(answers) == len(PROBES) and all(answers)
    assert _behaviour(first)["sha256"] == _hash_of(answers) == _behaviour(second)["sha256"]
