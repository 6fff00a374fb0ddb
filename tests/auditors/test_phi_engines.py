"""The phi_scan auditor on the same notes in a Parquet file, run from a spec on pandas, DuckDB and
Spark (local[2]): identical report metrics and intervals, and the same masked examples."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import yaml

from fixtures.phi.eval import generate
from trustaudit.run.runner import run_audit
from trustaudit.spec import load_spec

pytestmark = [
    pytest.mark.extra("privacy"),
    pytest.mark.extra("parquet"),
    pytest.mark.extra("duckdb"),
    pytest.mark.extra("spark"),
]


@pytest.fixture(scope="module")
def notes(tmp_path_factory) -> Path:
    """150 dev-split notes, 40 without PHI, missing and empty cells, in a Parquet file of four
    row groups."""
    texts: list = [n["text"] for n in generate(150, seed=21, split="dev")]
    plain = ["Vitals stable. Continue the current plan.", "No acute distress; lungs clear."] * 20
    values = [*texts[:60], None, "", *plain, *texts[60:], None, texts[3]]
    path = tmp_path_factory.mktemp("notes") / "notes.parquet"
    pd.DataFrame({"note": pd.Series(values, dtype=object)}).to_parquet(path, row_group_size=60)
    return path


def _report(tmp_path: Path, notes: Path, engine) -> dict:
    spec = {
        "name": f"phi-{engine if isinstance(engine, str) else engine['type']}",
        "seed": 5,
        "output": str(tmp_path / "runs"),
        "data": {"path": str(notes), "engine": engine},
        "auditors": [
            {"use": "phi_scan", "params": {"column": "note", "n_boot": 300, "worst_examples": 8}}
        ],
    }
    tmp_path.mkdir()
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(spec))
    run = run_audit(load_spec(path))
    (auditor,) = json.loads((Path(run.provenance["folder"]) / "report.json").read_text())[
        "auditors"
    ]
    return auditor


def _metrics(auditor: dict) -> dict:
    return {m["key"]: (m["value"], m["ci_low"], m["ci_high"], m["n"]) for m in auditor["metrics"]}


def _examples(auditor: dict) -> list:
    (found,) = [f for f in auditor["findings"] if f["title"].startswith("Rows of")]
    return found["examples"]


def test_pandas_duckdb_and_spark_give_identical_metrics_and_examples(tmp_path, notes, spark):
    pandas = _report(tmp_path / "pandas", notes, "pandas")
    duck = _report(tmp_path / "duckdb", notes, "duckdb")
    spark.conf.set("spark.sql.files.maxPartitionBytes", "8k")  # a partition per row group
    try:  # engine: spark without a master runs in this session (and leaves it running)
        assert spark.read.parquet(str(notes)).rdd.getNumPartitions() > 1  # tallies are merged
        on_spark = _report(tmp_path / "spark", notes, {"type": "spark"})
    finally:
        spark.conf.unset("spark.sql.files.maxPartitionBytes")
    assert _metrics(duck) == _metrics(pandas)
    assert _metrics(on_spark) == _metrics(pandas)
    metrics = _metrics(pandas)
    assert metrics["skipped_rows"][0] == 3 and metrics["rows_with_phi_rate"][3] == 191
    assert 0 < metrics["rows_with_phi_rate"][1] < metrics["rows_with_phi_rate"][2]
    assert _examples(on_spark) == _examples(duck)
    shown = _examples(pandas)
    assert len(shown) == 8
    assert [row[1:] for row in shown] == [row[1:] for row in _examples(duck)]
    assert all(row[0].isdigit() for row in shown)  # row numbers in memory, ids on an engine
    assert all(row[0].startswith("id ") for row in _examples(duck))
