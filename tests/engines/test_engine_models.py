"""A scikit-learn model predicting on DuckDB-held data: batch by batch, every batch a ledger
record, and the metrics of the same model on pandas."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from trustaudit.auditors import _fairness_data
from trustaudit.run.runner import run_audit
from trustaudit.spec import load_spec

from ..conftest import COHORT_CSV, COHORT_PY

pytestmark = pytest.mark.extra("duckdb")


def demo_spec(tmp_path: Path, engine: str) -> Path:
    spec = {
        "name": f"model-{engine}",
        "seed": 5,
        "output": str(tmp_path / engine),
        "model": {"type": "sklearn", "factory": f"{COHORT_PY}:train_model"},
        "data": {"path": str(COHORT_CSV), "target": "readmitted_30d", "engine": engine},
        "auditors": [
            {
                "use": "fairness",
                "params": {"sensitive_features": ["race_ethnicity", "sex"], "n_boot": 100},
            }
        ],
    }
    path = tmp_path / f"{engine}.yaml"
    path.write_text(yaml.safe_dump(spec))
    return path


def outcome(run) -> tuple[dict, list[dict]]:
    folder = Path(run.provenance["folder"])
    report = json.loads((folder / "report.json").read_text())
    metrics = {
        m["key"]: (m["value"], m["ci_low"], m["ci_high"])
        for auditor in report["auditors"]
        for m in auditor["metrics"]
    }
    records = [json.loads(line) for line in (folder / "ledger.jsonl").read_text().splitlines()]
    return metrics, [r for r in records if r.get("kind") == "call"]


def test_a_model_predicts_in_batches_with_the_numbers_of_pandas(tmp_path, monkeypatch):
    monkeypatch.setattr(_fairness_data, "BATCH_ROWS", 700)  # one vector: 2,048 + 452 rows
    on_pandas, pandas_calls = outcome(run_audit(load_spec(demo_spec(tmp_path, "pandas"))))
    on_duckdb, duckdb_calls = outcome(run_audit(load_spec(demo_spec(tmp_path, "duckdb"))))
    assert on_duckdb == on_pandas
    assert len(pandas_calls) == 2  # predict and predict_scores, once each
    assert len(duckdb_calls) == 2 * 2
    rows = [c["input"]["rows"] for c in duckdb_calls if c["method"] == "predict"]
    assert rows == [2048, 452]
