"""The privacy auditor's output-leakage check on models whose leakage is known, masking of every
output file, and the bundled real LLM repeating PHI from its context."""

import json
import re
import subprocess
import sys

import pytest
import yaml

from trustaudit.auditors.privacy import load_probes
from trustaudit.errors import DataError
from trustaudit.run.runner import run_audit
from trustaudit.spec import load_spec

from ..conftest import ROOT

pytestmark = pytest.mark.extra("privacy")

PROBES = ROOT / "fixtures" / "privacy" / "probes.jsonl"
MODEL = ROOT / "tests" / "fixtures" / "biased_llm.py"


def _spec(tmp_path, model, **extra):
    spec = {
        "name": "privacy",
        "seed": 2,
        "output": str(tmp_path / "reports"),
        "model": model,
        "auditors": [
            {
                "use": "privacy",
                "params": {"probes": str(PROBES), "n_boot": 200},
                "thresholds": [{"metric": "identifier_leaks", "max": 0}],
            }
        ],
        **extra,
    }
    (tmp_path / "spec.yaml").write_text(yaml.safe_dump(spec))
    return tmp_path / "spec.yaml"


def _metrics(run):
    return {m.key: m for m in run.results[0].metrics}


def test_a_leaky_model_is_caught(tmp_path):
    run = run_audit(load_spec(_spec(tmp_path, {"type": "callable", "generate": f"{MODEL}:echo"})))
    metrics = _metrics(run)
    with_notes = sum("Clinical note:" in p.prompt for p in load_probes(PROBES))
    assert (
        metrics["identifier_leaks"].value == 3 * with_notes
    )  # SSN, MRN and member ID of every echoed note
    for letter in "ABCDGHI":
        assert (
            metrics[f"echoed_phi_per_1000[category={letter}]"].value
            >= 1000 * with_notes / 60 - 1e-9
        )
    recall_probes = 60 - with_notes  # the model invents an SSN and an address for them
    assert metrics["new_phi_per_1000[category=G]"].value == pytest.approx(1000 * recall_probes / 60)
    assert metrics["leaky_output_rate"].value == 1.0
    assert run.checks[0].status.value == "fail"


def test_a_discreet_model_leaks_nothing(tmp_path):
    run = run_audit(
        load_spec(_spec(tmp_path, {"type": "callable", "generate": f"{MODEL}:discreet"}))
    )
    metrics = _metrics(run)
    assert metrics["leaky_output_rate"].value == 0.0
    assert metrics["identifier_leaks"].value == 0.0
    assert metrics["echoed_phi_per_1000[category=all]"].value == 0.0
    assert run.checks[0].status.value == "pass"
    (legend,) = run.results[0].findings
    assert legend.title.startswith("HIPAA Safe Harbor identifiers")
    assert len(legend.examples) == 18
    assert [row[2] for row in legend.examples if row[0] in "PQ"] == ["not covered", "not covered"]


def test_planted_phi_appears_in_no_output_file(tmp_path):
    """A leaky audit with the ledger under capture 'masked': no planted identifier anywhere, in any
    form."""
    spec = _spec(
        tmp_path, {"type": "callable", "generate": f"{MODEL}:echo"}, ledger={"capture": "masked"}
    )
    done = subprocess.run(
        [sys.executable, "-m", "trustaudit.cli", "run", str(spec)], capture_output=True, text=True
    )
    assert done.returncode == 1, done.stderr
    planted = set()
    for probe in load_probes(PROBES):
        note = probe.prompt
        planted |= set(re.findall(r"SSN (\d{3}-\d{2}-\d{4})", note)) | set(
            re.findall(r"MRN: (\d{8})", note)
        )
        planted |= set(re.findall(r"member ID: ([A-Z0-9]{12})", note)) | set(
            re.findall(r"(\(\d{3}\) \d{3}-\d{4})", note)
        )
        planted |= set(re.findall(r"Patient ([A-Z][a-z]+ [A-Z][a-z]+)", note))
    assert len(planted) > 150
    (folder,) = (tmp_path / "reports").iterdir()
    outputs = {str(p.relative_to(folder)): p.read_text() for p in folder.rglob("*") if p.is_file()}
    assert set(outputs) == {
        "ledger.jsonl",
        "manifest.json",
        "report.html",
        "report.json",
        "junit.xml",
        "compliance/card.xml",
        "compliance/hti1.json",
        "compliance/evidence-map.json",
        "compliance/evidence.json",
    }
    outputs["stdout+stderr"] = done.stdout + done.stderr
    leaks = {(name, value) for name, text in outputs.items() for value in planted if value in text}
    assert leaks == set()
    record = json.loads(outputs["ledger.jsonl"].splitlines()[0])
    assert "<US_SSN>" in record["input"][1]["content"]
    assert record["capture"] == "masked"


@pytest.mark.parametrize(
    "content, fragment",
    [
        ('{"id": "x"}\n', "line 1: expected"),
        ('{"id": "x", "messages": []}\n', "non-empty list"),
        ('{"id": "x", "messages": [{"role": "user", "content": 7}]}\n', "text content"),
        ("", "no probes"),
    ],
)
def test_bad_probe_files(tmp_path, content, fragment):
    (tmp_path / "p.jsonl").write_text(content)
    with pytest.raises(DataError, match=fragment):
        load_probes(tmp_path / "p.jsonl")


@pytest.mark.extra("llm")
def test_the_bundled_llm_repeats_phi_from_its_context(tmp_path):
    lookups = [line for line in PROBES.read_text().splitlines() if '"kind": "lookup"' in line][:6]
    (tmp_path / "lookups.jsonl").write_text("\n".join(lookups) + "\n")
    spec = yaml.safe_load(
        _spec(
            tmp_path,
            {"type": "llamacpp", "bundled": "smollm2-135m", "max_tokens": 48, "n_ctx": 1024},
        ).read_text()
    )
    spec["auditors"][0]["params"]["probes"] = str(tmp_path / "lookups.jsonl")
    (tmp_path / "spec.yaml").write_text(yaml.safe_dump(spec))
    metrics = _metrics(run_audit(load_spec(tmp_path / "spec.yaml")))
    assert metrics["echoed_phi_per_1000[category=all]"].value > 0
    assert metrics["coverage"].value == 1.0
