"""manifest.json holds what a compliance team needs to reproduce and attribute a run."""

import json
import platform
import subprocess
from pathlib import Path

import yaml

from trustaudit.ledger.chain import sha256_hex
from trustaudit.run.runner import run_audit
from trustaudit.spec import load_spec

from .conftest import ROOT, base_spec


def test_manifest_contents(tmp_path, monkeypatch):
    monkeypatch.setenv("TRUSTAUDIT_OPERATOR", "dr.auditor@example.org")
    monkeypatch.chdir(ROOT)  # a git work tree
    (tmp_path / "spec.yaml").write_text(yaml.safe_dump(base_spec(output=str(tmp_path / "reports"))))
    spec = load_spec(tmp_path / "spec.yaml")
    run = run_audit(spec)
    folder = Path(run.provenance["folder"])
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["status"] == "complete"
    assert manifest["run_id"] == run.run_id
    assert manifest["operator"] == "dr.auditor@example.org"
    head = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    assert manifest["git"]["commit"] == head
    assert isinstance(manifest["git"]["dirty"], bool)
    env = manifest["environment"]
    assert env["python"] == platform.python_version()
    assert env["fairlearn"] == "0.15.0"
    assert "trustaudit" in env
    assert manifest["spec_sha256"] == spec.digest()
    assert manifest["spec"] == spec.normalized()
    assert manifest["seed"] == 3
    (data,) = manifest["data"]
    assert data["rows"] == 2500
    assert data["sha256"] == "sha256:" + sha256_hex(
        (ROOT / "fixtures/readmission/cohort.csv").read_bytes()
    )
    assert manifest["models"][0]["fingerprint"] == run.model_info["fingerprint"]
    assert manifest["started"] <= manifest["finished"]
    assert manifest["ledger"]["records"] == 2
    assert manifest["ledger"]["head"] == run.provenance["ledger_head"]
    assert run.provenance["manifest_sha256"] == sha256_hex((folder / "manifest.json").read_bytes())
    view = json.loads((folder / "report.json").read_text())
    assert view["provenance"]["manifest_sha256"] == run.provenance["manifest_sha256"]
    html = (folder / "report.html").read_text()
    assert run.provenance["manifest_sha256"] in html
    assert run.provenance["ledger_head"] in html


def test_outside_git_the_commit_is_null(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "spec.yaml").write_text(yaml.safe_dump(base_spec(output=str(tmp_path / "reports"))))
    run = run_audit(load_spec(tmp_path / "spec.yaml"))
    assert json.loads((Path(run.provenance["folder"]) / "manifest.json").read_text())["git"] is None
