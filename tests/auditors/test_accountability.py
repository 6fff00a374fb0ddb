"""The accountability auditor on real runs: ledger completeness and integrity, model change,
declared performance."""

import math
from pathlib import Path

import yaml

from trustaudit.auditors import AccountabilityAuditor, AuditContext
from trustaudit.findings import Status
from trustaudit.ledger.chain import LedgerWriter
from trustaudit.run.runner import run_audit
from trustaudit.spec import load_spec

from ..conftest import base_spec


def _spec(tmp_path, name="spec.yaml", **overrides):
    spec = base_spec(output=str(tmp_path / "reports"), **overrides)
    thresholds = [
        {"metric": "ledger_completeness", "min": 1},
        {"metric": "chain_intact", "min": 1},
        {"metric": "model_changed", "max": 0},
    ]
    if spec["model"].get("declared"):  # no declared performance: no declared_within_ci
        thresholds.append({"metric": "declared_within_ci", "min": 1})
    spec["auditors"] = spec["auditors"] * 2 + [{"use": "accountability", "thresholds": thresholds}]
    path = tmp_path / name
    path.write_text(yaml.safe_dump(spec))
    return load_spec(path)


def _metrics(run):
    (result,) = [r for r in run.results if r.auditor == "accountability"]
    return result, {m.key: m for m in result.metrics}


def test_complete_intact_ledger(tmp_path):
    run = run_audit(_spec(tmp_path))
    result, metrics = _metrics(run)
    assert metrics["ledger_completeness"].value == 1.0
    assert metrics["chain_intact"].value == 1.0
    assert metrics["model_calls"].value == 2
    assert metrics["model_calls"].n == 4  # fairness#2 was answered from the record
    assert result.findings == ()
    assert run.results[-1].auditor == "accountability"  # reported in spec order, run last
    assert math.isnan(metrics["model_changed"].value)
    assert "no baseline run given" in metrics["model_changed"].note
    (check,) = [c for c in run.checks if c.metric_key == "model_changed"]
    assert check.status is Status.SKIPPED


def test_declared_performance_inside_and_outside_the_ci(tmp_path):
    model = {
        **base_spec()["model"],
        "declared": {"auroc": 0.73, "tpr[sex=F]": 0.95, "ppv[sex=X]": 0.5},
    }
    run = run_audit(_spec(tmp_path, model=model))
    _, metrics = _metrics(run)
    inside = metrics["declared_within_ci[auroc[overall]]"]
    assert inside.value == 1.0
    assert inside.note.startswith("declared 0.73; measured 0.728 [")
    assert metrics["declared_within_ci[tpr[sex=F]]"].value == 0.0
    assert math.isnan(metrics["declared_within_ci[ppv[sex=X]]"].value)
    statuses = {c.metric_key: c.status for c in run.checks if c.metric_key.startswith("declared")}
    assert statuses == {
        "declared_within_ci[auroc[overall]]": Status.PASS,
        "declared_within_ci[tpr[sex=F]]": Status.FAIL,
        "declared_within_ci[ppv[sex=X]]": Status.SKIPPED,
    }


def test_model_change_against_a_baseline_run(tmp_path):
    baseline = Path(run_audit(_spec(tmp_path)).provenance["folder"])
    same = run_audit(_spec(tmp_path), baseline=baseline)
    result, metrics = _metrics(same)
    assert metrics["model_changed"].value == 0.0
    assert not result.findings
    changed_model = {**base_spec()["model"], "kwargs": {"threshold": 0.3}}
    changed = run_audit(_spec(tmp_path, "changed.yaml", model=changed_model), baseline=baseline)
    result, metrics = _metrics(changed)
    assert metrics["model_changed"].value == 1.0
    titles = [f.title for f in result.findings]
    assert titles[0].startswith("The model changed since baseline run ")
    assert "The baseline run used a different spec" in titles
    assert any(c.metric_key == "model_changed" and c.status is Status.FAIL for c in changed.checks)


def test_incomplete_records_are_found(tmp_path):
    """Fault injection: a ledger with a record that lacks required fields."""
    writer = LedgerWriter(tmp_path / "ledger.jsonl")
    writer.append({"kind": "call", "method": "predict", "replayed_from": None})
    writer.close()
    ctx = AuditContext(0, "accountability", ledger_path=writer.path)
    result = AccountabilityAuditor().run(None, None, ctx)
    metrics = {m.key: m for m in result.metrics}
    assert metrics["ledger_completeness"].value == 0.0
    assert metrics["chain_intact"].value == 1.0
    assert result.findings[0].title == "1 ledger record(s) lack required fields"


def test_a_broken_chain_is_found(tmp_path):
    writer = LedgerWriter(tmp_path / "ledger.jsonl")
    writer.append({"kind": "call"})
    writer.close()
    (tmp_path / "ledger.jsonl").write_text(
        (tmp_path / "ledger.jsonl").read_text().replace('"call"', '"cal1"')
    )
    result = AccountabilityAuditor().run(None, None, AuditContext(0, "a", ledger_path=writer.path))
    assert {m.key: m.value for m in result.metrics}["chain_intact"] == 0.0
    assert "a field was changed" in result.findings[0].detail
