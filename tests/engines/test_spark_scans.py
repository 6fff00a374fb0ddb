"""Spark answers a fairness run's validation questions and cells from one pass (issue 15): the
answers of the profile equal Spark's own per-question queries, and the jobs per run are bounded."""

from __future__ import annotations

import math

import pytest

from trustaudit.engines import spark_table
from trustaudit.engines.cells import CellQuery
from trustaudit.engines.spark_table import SparkTable
from trustaudit.run.runner import run_audit
from trustaudit.spec import load_spec

from .conftest import recorded_logs, spec_for

pa = pytest.importorskip("pyarrow")  # the spark extra's: absent from a base install
pq = pytest.importorskip("pyarrow.parquet")
pytest.importorskip("pyspark")

pytestmark = pytest.mark.extra("spark")

#: Jobs an aggregate query may start: adaptive execution runs the shuffle's map stage as a job of
#: its own before the result's.
JOBS_PER_QUERY = 2


@pytest.fixture(scope="module")
def awkward(tmp_path_factory):
    """Values where order and missing-ness are easy to get wrong: NULL and NaN in a double
    group column, NULL in a text one, tied counts, scores outside [0, 1], NaN and NULL."""
    frame = recorded_logs(900, seed=3)
    score = [1.5, -0.2, math.nan, None, 1.0, *frame["score"][5:]]
    columns = {
        "sex": pa.array(frame["sex"]),
        "race": pa.array(frame["race"]),
        "dose": pa.array([math.nan, None, 2.5, 0.0, -1.0, 2.5] * 150, from_pandas=False),
        "y": pa.array(frame["y"], pa.float64()),
        "pred": pa.array(frame["pred"]),
        "score": pa.array(score, pa.float64(), from_pandas=False),  # NaN stays NaN, not NULL
    }
    path = tmp_path_factory.mktemp("awkward") / "awkward.parquet"
    pq.write_table(pa.table(columns), path)
    return path


def opened(path) -> SparkTable:
    return SparkTable.open(paths=[str(path)], source=str(path), where="data")


QUERY = CellQuery(("sex", "race", "dose"), "y", 1.0, "pred", "score", exact_rows=100)


def answers(table: SparkTable) -> dict:
    """Every question the validation and the fairness auditor ask, and a few they do not."""
    found: dict = {"rows": table.count()}
    for column in ("sex", "race", "dose", "y", "pred"):
        found[f"missing {column}"] = table.missing(column)
        found[f"distinct {column}"] = [
            "NaN" if isinstance(v, float) and v != v else v
            for v in table.distinct_values(column, 6)
        ]
    found["outside"] = table.outside("score", 0.0, 1.0)
    found["outside other range"] = table.outside("score", 0.2, 0.8)
    for query in (
        QUERY,
        CellQuery(("race",), "y", 1.0, "y"),
        CellQuery(("sex",), "y", 1.0, "pred"),
    ):
        found[query] = table.cells(query).table.to_csv(na_rep="NA")  # NaN == NaN, every digit
    return found


def test_the_profile_answers_as_spark_s_own_queries(awkward, spark):
    asked = opened(awkward)
    profiled = opened(awkward)
    profiled.expect(QUERY)
    on_profile = answers(profiled)
    assert profiled._profile is not None  # the answers came from the profile
    assert on_profile == answers(asked)
    assert on_profile["missing dose"] == 300  # NULL and NaN
    assert on_profile["distinct dose"] == [
        2.5,
        None,
        -1.0,
        0.0,
        "NaN",
    ]  # ties: NULL first, NaN last
    assert on_profile["missing race"] > 0 and on_profile["outside"] == 4


def test_too_many_entries_fall_back_to_one_query_per_question(awkward, spark, monkeypatch):
    monkeypatch.setattr(spark_table, "MAX_ENTRIES", 10)
    profiled = opened(awkward)
    profiled.expect(QUERY)
    on_fallback = answers(profiled)
    assert profiled._profile is None
    assert on_fallback == answers(opened(awkward))


def spark_jobs(session) -> int:
    return len(session.sparkContext.statusTracker().getJobIdsForGroup(None))


@pytest.mark.parametrize(
    ("exact_score_rows", "queries"),
    [(500, 1), (5_000_000, 2)],  # binned: the profile alone; exact: the profile and the cells
    ids=["binned", "exact"],
)
def test_a_fairness_run_scans_the_data_a_bounded_number_of_times(
    tmp_path, spark, exact_score_rows, queries
):
    recorded_logs(3_000, seed=4).to_parquet(tmp_path / "logs.parquet")
    data = {"path": str(tmp_path / "logs.parquet"), "engine": {"type": "spark"}}
    spec = spec_for(tmp_path, data, "jobs", exact_score_rows=exact_score_rows)
    before = spark_jobs(spark)
    run = run_audit(load_spec(spec))
    assert run.results[0].metrics
    listing = 1  # reading the Parquet file's schema
    assert spark_jobs(spark) - before <= listing + JOBS_PER_QUERY * queries
