"""Bad engine input exits 2 before any model call, naming the key or column, what was found and
the fix; an engine's own error arrives as one line, with PHI masked."""

from __future__ import annotations

import pytest
import yaml

from trustaudit.cli import main

from .conftest import recorded_logs, spec_for

duckdb = pytest.importorskip("duckdb")  # the duckdb extra: absent from a base install

pytestmark = pytest.mark.extra("duckdb")


@pytest.fixture
def logs(tmp_path):
    frame = recorded_logs(400, seed=2)
    frame.to_parquet(tmp_path / "logs.parquet")
    return tmp_path / "logs.parquet", frame


def validate(spec, capsys) -> tuple[int, str]:
    code = main(["validate", str(spec)])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def edited(spec, change) -> str:
    content = yaml.safe_load(spec.read_text())
    change(content)
    spec.write_text(yaml.safe_dump(content))
    return spec


def test_a_valid_spec_on_duckdb_validates(logs, tmp_path, capsys):
    code, text = validate(
        spec_for(tmp_path, {"path": str(logs[0]), "engine": "duckdb"}, "ok"), capsys
    )
    assert code == 0, text
    assert "400 data rows" in text


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"path": "nothing-*.parquet"}, "matches no file"),
        ({"path": "{logs}", "engine": "duckdb", "target": "outcome"}, "column 'outcome'"),
        ({"sql": "SELEC * FROM t", "database": "{db}"}, "DuckDB could not read"),
        ({"sql": "SELECT * FROM missing_table", "database": "{db}"}, "missing_table"),
        ({"sql": "SELECT 1"}, "'sql' and 'database' go together"),
        ({"path": "{folder}", "engine": "pandas"}, "Set engine: duckdb"),
        ({"table": "predictions", "engine": "duckdb"}, "Spark table"),
    ],
    ids=["empty-glob", "target", "syntax", "no-table", "no-database", "pandas-folder", "table"],
)
def test_bad_sources_exit_2_with_the_fix(logs, tmp_path, capsys, data, expected):
    database = tmp_path / "w.duckdb"
    duckdb.connect(str(database)).close()
    values = {"logs": str(logs[0]), "db": str(database), "folder": str(tmp_path)}
    data = {k: v.format(**values) if isinstance(v, str) else v for k, v in data.items()}
    spec = spec_for(tmp_path, data, "bad")
    code, text = validate(spec, capsys)
    assert code == 2, text
    assert expected in text
    assert "Traceback" not in text


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda s: s["auditors"].append({"use": "robustness", "params": {}}), "needs the rows"),
        (
            lambda s: s.update(
                model={"type": "replay", "path": "model.joblib"},
                auditors=[{"use": "phi_scan", "params": {"column": "race"}}],
            ),
            "cannot run on the duckdb engine (recorded, sklearn, callable can)",
        ),
        (lambda s: s["model"].update(path="other.parquet"), "columns of the data itself"),
        (lambda s: s["model"].update(score_column="scor"), "Did you mean 'score'"),
        (lambda s: s["data"].update(train="train.csv"), "overlap"),
    ],
    ids=["auditor", "model", "model-path", "score-column", "train"],
)
def test_what_an_engine_cannot_serve_exits_2(logs, tmp_path, capsys, change, expected):
    for name in ("model.joblib", "other.parquet", "train.csv"):
        (tmp_path / name).write_text("x")
    spec = edited(spec_for(tmp_path, {"path": str(logs[0]), "engine": "duckdb"}, "x"), change)
    code, text = validate(spec, capsys)
    assert code == 2, text
    assert expected in text


BAD_RECORDED = pytest.mark.parametrize(
    ("column", "values", "expected"),
    [
        ("pred", lambda n: [None] + [1] * (n - 1), "1 missing value"),
        ("pred", lambda n: [0, 1, 2] * (n // 3) + [0] * (n % 3), "binary"),
        ("score", lambda n: [1.5] * 3 + [0.5] * (n - 3), "3 row(s) that are missing or outside"),
        ("y", lambda n: [None] * 2 + [0] * (n - 2), "2 missing value"),
        ("y", lambda n: [0, 2] * (n // 2), "positive_label 1 does not occur"),
    ],
    ids=["pred-missing", "pred-three", "score-range", "target-missing", "no-positive"],
)


@BAD_RECORDED
def test_bad_recorded_columns_are_counted_and_named(
    logs, tmp_path, capsys, column, values, expected
):
    path, frame = logs
    frame[column] = values(len(frame))
    frame.to_parquet(path)
    code, text = validate(spec_for(tmp_path, {"path": str(path), "engine": "duckdb"}, "v"), capsys)
    assert code == 2, text
    assert expected in text and f"'{column}'" in text


@pytest.mark.extra("spark")
@BAD_RECORDED
def test_spark_counts_bad_recorded_columns_as_duckdb_does(
    logs, tmp_path, capsys, spark, column, values, expected
):
    """Spark answers these checks from its one-pass profile (engines/profile.py): the same
    counts and values, in the same order, as DuckDB's own queries."""
    path, frame = logs
    frame[column] = values(len(frame))
    frame.to_parquet(path)
    on_duckdb = validate(spec_for(tmp_path, {"path": str(path), "engine": "duckdb"}, "v"), capsys)
    engine = {"type": "spark"}  # the same spec file name: the messages start with it
    on_spark = validate(spec_for(tmp_path, {"path": str(path), "engine": engine}, "v"), capsys)
    assert on_duckdb[0] == 2 and expected in on_duckdb[1]
    assert on_spark == on_duckdb


def test_an_engine_error_quoting_a_name_shows_it_masked(logs, tmp_path, capsys):
    database = tmp_path / "w.duckdb"
    with duckdb.connect(str(database)) as connection:
        connection.execute("CREATE TABLE t AS SELECT 1 AS y")
    sql = "SELECT CAST('Patient John Smith MRN 12345678' AS INTEGER) AS y"
    code, text = validate(spec_for(tmp_path, {"sql": sql, "database": str(database)}, "m"), capsys)
    assert code == 2, text
    assert "DuckDB could not read" in text
    assert "John Smith" not in text and "12345678" not in text


@pytest.mark.extra("spark")
def test_a_model_that_predicts_is_refused_on_spark(logs, tmp_path, capsys, spark):
    (tmp_path / "model.joblib").write_text("x")
    spec = edited(
        spec_for(tmp_path, {"path": str(logs[0]), "engine": {"type": "spark"}}, "s"),
        lambda s: s.update(model={"type": "sklearn", "path": "model.joblib"}),
    )
    code, text = validate(spec, capsys)
    assert code == 2, text
    assert "cannot run on the spark engine (recorded can)" in text
