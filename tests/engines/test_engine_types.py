"""Data whose types engines hand back differently (integers with NULLs, dates, decimals, CSV
text), names that clash with the count table's, partition columns, nested columns, an already
running Spark session: the same numbers, or exit 2 naming what to fix."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest

from trustaudit.cli import main
from trustaudit.engines import choose
from trustaudit.spec import load_spec

from .conftest import metrics_of, recorded_logs, spec_for

duckdb = pytest.importorskip("duckdb")  # the duckdb extra: absent from a base install
pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")

pytestmark = pytest.mark.extra("duckdb")


@pytest.fixture(scope="module")
def typed(tmp_path_factory) -> Path:
    """Sensitive columns of awkward types: integers with NULLs, dates, decimals; outcome
    columns named like the count table's own (y_pred, n)."""
    frame = recorded_logs(3_000, seed=9)
    rng = np.random.default_rng(9)
    site = rng.integers(1, 4, len(frame)).astype(object)
    site[rng.random(len(frame)) < 0.1] = None
    day = [dt.date(2024, 1, 1 + int(k)) for k in rng.integers(0, 3, len(frame))]
    band = [Decimal(v) for v in rng.choice(["1.50", "2.25"], len(frame))]
    table = pa.table(
        {
            "site": pa.array(site, type=pa.int64()),
            "day": pa.array(day, type=pa.date32()),
            "band": pa.array(band, type=pa.decimal128(5, 2)),
            "y_pred": pa.array(frame["pred"].to_numpy()),  # a name the count table once used
            "n": pa.array(frame["y"].to_numpy()),
            "score": pa.array(frame["score"].to_numpy()),
        }
    )
    path = tmp_path_factory.mktemp("typed") / "typed.parquet"
    pq.write_table(table, path)
    return path


def typed_spec(tmp_path, path, engine, name):
    data = {"path": str(path), "engine": engine, "target": "n"}
    return spec_for(tmp_path, data, name, sensitive=("site", "day", "band"), prediction="y_pred")


def test_awkward_types_give_one_label_and_one_number_on_pandas_and_duckdb(typed, tmp_path):
    on_pandas = metrics_of(typed_spec(tmp_path, typed, "pandas", "p"))
    on_duckdb = metrics_of(typed_spec(tmp_path, typed, "duckdb", "d"))
    assert on_duckdb == on_pandas
    keys = set(on_pandas)
    assert {"tpr[site=1]", "tpr[site=(missing)]", "tpr[day=2024-01-02]", "tpr[band=1.5]"} <= keys


@pytest.mark.extra("spark")
def test_awkward_types_give_one_label_and_one_number_on_spark(typed, tmp_path, spark):
    on_pandas = metrics_of(typed_spec(tmp_path, typed, "pandas", "p"))
    on_spark = metrics_of(typed_spec(tmp_path, typed, {"type": "spark"}, "s"))
    assert on_spark == on_pandas


def test_a_csv_file_reads_the_same_on_pandas_and_duckdb(tmp_path):
    frame = recorded_logs(2_000, seed=4)
    frame.to_csv(tmp_path / "logs.csv", index=False)
    data = {"path": str(tmp_path / "logs.csv")}
    on_pandas = metrics_of(spec_for(tmp_path, {**data, "engine": "pandas"}, "p"))
    assert metrics_of(spec_for(tmp_path, {**data, "engine": "duckdb"}, "d")) == on_pandas


@pytest.mark.extra("spark")
def test_spark_reads_a_partition_column_and_keeps_a_running_session(tmp_path, spark):
    frame = recorded_logs(2_000, seed=6)
    for year, rows in frame.groupby(np.arange(len(frame)) % 2):
        (tmp_path / "parts" / f"year={2025 + year}").mkdir(parents=True)
        rows.to_parquet(tmp_path / "parts" / f"year={2025 + year}" / "part-0.parquet")
    data = {"path": str(tmp_path / "parts")}
    engine = {"type": "spark", "master": "local[2]"}  # a session is running: used, not stopped
    on_spark = metrics_of(spec_for(tmp_path, {**data, "engine": engine}, "s", sensitive=("year",)))
    assert "tpr[year=2026]" in on_spark
    assert spark.range(3).count() == 3  # the session the run found is still alive
    spec = spec_for(tmp_path, {**data, "engine": "duckdb"}, "d", sensitive=("year",))
    assert metrics_of(spec) == on_spark


def test_rounded_scores_state_no_shift_when_binned(tmp_path):
    frame = recorded_logs(3_000, seed=8)
    frame["score"] = frame["score"].round(2)  # one value per bin: binning changes nothing
    frame.to_parquet(tmp_path / "logs.parquet")
    spec = spec_for(tmp_path, {"path": str(tmp_path / "logs.parquet")}, "r", exact_score_rows=100)
    exact = spec_for(tmp_path, {"path": str(tmp_path / "logs.parquet")}, "e")
    assert metrics_of(spec)["auroc[overall]"] == metrics_of(exact)["auroc[overall]"]
    report = next((tmp_path / "runs-r").glob("*/report.json")).read_text()
    assert "within ±0.0000" in report


def test_a_trailing_sql_comment_reads(tmp_path):
    database = tmp_path / "w.duckdb"
    with duckdb.connect(str(database)) as connection:
        connection.register("frame", recorded_logs(500, seed=1))
        connection.execute("CREATE TABLE logs AS SELECT * FROM frame")
    sql = "SELECT * FROM logs -- last year's predictions"
    spec = spec_for(tmp_path, {"sql": sql, "database": str(database)}, "c")
    assert "tpr[overall]" in metrics_of(spec)


@pytest.mark.parametrize(
    ("column", "values", "expected"),
    [
        ("race", lambda n: [[1, 2]] * n, "holds lists, structs or maps"),
        ("pred", lambda n: ["1"] * n, "engines compare text and numbers differently"),
    ],
    ids=["nested", "text-predictions"],
)
def test_columns_an_engine_cannot_count_exit_2(tmp_path, capsys, column, values, expected):
    frame = recorded_logs(300, seed=3)
    frame[column] = values(len(frame))
    frame.to_parquet(tmp_path / "logs.parquet")
    spec = spec_for(tmp_path, {"path": str(tmp_path / "logs.parquet"), "engine": "duckdb"}, "x")
    code = main(["validate", str(spec)])
    text = "".join(capsys.readouterr())
    assert code == 2, text
    assert expected in text and f"'{column}'" in text


def test_metrics_of_reads_what_the_report_says(tmp_path):
    """The helper these tests compare with reads report.json as written (a guard on the
    guard): a planted difference in the data shows up as a difference."""
    frame = recorded_logs(1_000, seed=2)
    frame.to_parquet(tmp_path / "a.parquet")
    frame.assign(pred=1 - frame["pred"]).to_parquet(tmp_path / "b.parquet")
    a = metrics_of(spec_for(tmp_path, {"path": str(tmp_path / "a.parquet")}, "a"))
    b = metrics_of(spec_for(tmp_path, {"path": str(tmp_path / "b.parquet")}, "b"))
    assert a["tpr[overall]"] != b["tpr[overall]"]
    report = json.loads(next((tmp_path / "runs-a").glob("*/report.json")).read_text())
    assert report["data"]["engine"] == "pandas"


@pytest.mark.parametrize(("limit", "engine"), [(100, "duckdb"), (10_000, "pandas")])
def test_auto_sends_a_parquet_file_by_its_rows(tmp_path, monkeypatch, limit, engine):
    monkeypatch.setattr(choose, "LARGE_PARQUET_ROWS", limit)
    recorded_logs(300, seed=5).to_parquet(tmp_path / "logs.parquet")
    spec = load_spec(spec_for(tmp_path, {"path": str(tmp_path / "logs.parquet")}, "auto"))
    assert choose.chosen_engine(spec) == engine
