"""The same spec on pandas, DuckDB and Spark: identical point estimates and, with one seed,
identical bootstrap intervals (issue 15); and the engines' numbers against fairlearn and
scikit-learn computed on the rows."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import numpy as np
import pytest
from fairlearn.metrics import MetricFrame, true_positive_rate
from sklearn.metrics import roc_auc_score

from .conftest import metrics_of, recorded_logs, spec_for

duckdb = pytest.importorskip("duckdb")  # the duckdb extra: absent from a base install

pytestmark = pytest.mark.extra("duckdb")


@pytest.fixture(scope="module")
def logs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("logs")
    frame = recorded_logs(6_000, seed=5)
    frame.to_parquet(folder / "logs.parquet")
    return folder, frame


@pytest.mark.parametrize("exact_score_rows", [5_000_000, 500], ids=["exact", "binned"])
def test_duckdb_gives_the_numbers_of_pandas(logs, tmp_path, exact_score_rows):
    folder, _ = logs
    data = {"path": str(folder / "logs.parquet")}
    params = {"exact_score_rows": exact_score_rows}
    on_pandas = metrics_of(spec_for(tmp_path, {**data, "engine": "pandas"}, "p", **params))
    on_duckdb = metrics_of(spec_for(tmp_path, {**data, "engine": "duckdb"}, "d", **params))
    assert len(on_pandas) > 100
    assert on_duckdb == on_pandas


@pytest.mark.extra("spark")
@pytest.mark.parametrize("exact_score_rows", [5_000_000, 500], ids=["exact", "binned"])
def test_spark_gives_the_numbers_of_pandas(logs, tmp_path, spark, exact_score_rows):
    folder, _ = logs
    data = {"path": str(folder / "logs.parquet")}
    params = {"exact_score_rows": exact_score_rows}
    on_pandas = metrics_of(spec_for(tmp_path, {**data, "engine": "pandas"}, "p", **params))
    on_spark = metrics_of(spec_for(tmp_path, {**data, "engine": {"type": "spark"}}, "s", **params))
    assert on_spark == on_pandas


def test_engine_numbers_agree_with_fairlearn_and_scikit_learn(logs, tmp_path):
    folder, frame = logs
    found = metrics_of(spec_for(tmp_path, {"path": str(folder / "logs.parquet")}, "d"))
    known = frame.dropna(subset=["race"])
    tpr = MetricFrame(
        metrics=true_positive_rate,
        y_true=known["y"],
        y_pred=known["pred"],
        sensitive_features=known["race"],
    ).by_group
    for race, value in tpr.items():
        assert found[f"tpr[race={race}]"][0] == pytest.approx(value, abs=1e-12)
        rows = known[known["race"] == race]
        auroc = roc_auc_score(rows["y"], rows["score"])
        assert found[f"auroc[race={race}]"][0] == pytest.approx(auroc, abs=1e-12)
    assert found["group_size[race=(missing)]"][0] == frame["race"].isna().sum()


def test_binned_scores_keep_auroc_within_the_stated_bound(logs, tmp_path):
    folder, frame = logs
    spec = spec_for(tmp_path, {"path": str(folder / "logs.parquet")}, "b", exact_score_rows=500)
    found = metrics_of(spec)
    report = next((tmp_path / "runs-b").glob("*/report.json")).read_text()
    bound = float(re.search(r"within ±([0-9.]+)", report).group(1))
    assert 0 < bound < 0.01
    groups = {"auroc[overall]": frame}
    for column in ("sex", "race"):
        for value, rows in frame.groupby(frame[column].fillna("(missing)")):
            groups[f"auroc[{column}={value}]"] = rows
    for key, rows in groups.items():
        exact = roc_auc_score(rows["y"], rows["score"])
        assert found[key][0] == pytest.approx(exact, abs=bound), key
        assert found[key][1] <= exact <= found[key][2], key  # the interval includes its bound


def test_a_partitioned_folder_a_glob_and_sql_read_the_same_rows(logs, tmp_path):
    folder, frame = logs
    parts = tmp_path / "parts"
    for year, rows in frame.groupby(np.arange(len(frame)) % 3):
        (parts / f"year={2024 + year}").mkdir(parents=True)
        rows.to_parquet(parts / f"year={2024 + year}" / "part-0.parquet")
    database = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(database)) as connection:
        connection.execute("CREATE TABLE predictions AS SELECT * FROM frame")
    reference = metrics_of(spec_for(tmp_path, {"path": str(folder / "logs.parquet")}, "one"))
    sources = {
        "folder": {"path": str(parts)},
        "glob": {"path": str(parts / "year=*" / "*.parquet")},
        "sql": {"sql": "SELECT * FROM predictions", "database": str(database)},
    }
    for name, data in sources.items():
        assert metrics_of(spec_for(tmp_path, data, name)) == reference, name


@pytest.mark.extra("spark")
def test_the_command_line_starts_and_stops_its_own_spark(logs, tmp_path):
    folder, _ = logs
    engine = {"type": "spark", "master": "local[2]"}
    spec = spec_for(tmp_path, {"path": str(folder / "logs.parquet"), "engine": engine}, "cli")
    done = subprocess.run(
        [sys.executable, "-m", "trustaudit.cli", "run", str(spec)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 1, done.stderr  # the planted gap in sensitivity is detected
    assert "rows from" in done.stderr and "(spark)" in done.stderr
    report = json.loads(next((tmp_path / "runs-cli").glob("*/report.json")).read_text())
    verdicts = {c["metric"]: c["status"] for c in report["checks"]}
    assert verdicts["equal_opportunity_difference[race]"] == "fail"
    assert report["data"]["engine"] == "spark"
