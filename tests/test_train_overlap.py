"""Train/test overlap (FDA GMLP principle 4) on the demo cohort with the real CLI: a planted 20%
overlap reads 0.20, disjoint files 0, near-duplicates by key are counted apart, the share is gated
by data.max_overlap, and bad training files stop validate and run with exit 2."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import yaml

from trustaudit.cli import main

from .conftest import COHORT_CSV, COHORT_PY

TARGET = "readmitted_30d"


def training_rows(cohort_module) -> pd.DataFrame:
    return cohort_module.training_rows()


def write_spec(folder: Path, data: dict, auditors: list | None = None) -> Path:
    spec = {
        "name": "overlap",
        "seed": 2,
        "model": {"type": "sklearn", "factory": f"{COHORT_PY}:train_model"},
        "data": {"path": str(COHORT_CSV), "target": TARGET, **data},
        "auditors": auditors
        or [
            {
                "use": "fairness",
                "params": {"sensitive_features": ["sex"], "n_boot": 0},
            }
        ],
    }
    path = folder / "spec.yaml"
    path.write_text(yaml.safe_dump(spec))
    return path


def run(folder: Path, data: dict, auditors: list | None = None) -> tuple[int, dict]:
    code = main(["run", str(write_spec(folder, data, auditors)), "--out", str(folder / "out")])
    (run_folder,) = (folder / "out").iterdir()
    return code, json.loads((run_folder / "report.json").read_text())


def overlap_metrics(view: dict) -> dict[str, dict]:
    (auditor,) = [a for a in view["auditors"] if a["label"] == "train/test overlap"]
    return {m["key"]: m for m in auditor["metrics"]}


def share_in(audit: pd.DataFrame, train: pd.DataFrame, columns: list[str]) -> float:
    """The share of audit rows with a training row equal on ``columns`` (pandas, by merge)."""
    keys = train[columns].drop_duplicates()
    matched = audit[columns].merge(keys, on=columns, how="left", indicator=True)
    return float((matched["_merge"] == "both").mean())


@pytest.fixture
def planted(tmp_path, cohort, cohort_module) -> Path:
    """The training rows plus 500 audit rows copied exactly (20% of 2,500) and 250 more audit
    patients whose rows were changed (a later visit of the same patient: near-duplicates)."""
    copied = cohort.sample(500, random_state=1)
    rest = cohort.drop(copied.index).sample(250, random_state=2).copy()
    rest["length_of_stay"] += 1.0
    train = pd.concat([training_rows(cohort_module), copied, rest], ignore_index=True)
    train.to_csv(tmp_path / "train.csv", index=False)
    return tmp_path / "train.csv"


def test_planted_overlap_is_measured_and_warns(tmp_path, cohort, planted):
    code, view = run(tmp_path, {"train": str(planted), "overlap_key": ["patient_id"]})
    metrics = overlap_metrics(view)
    train = pd.read_csv(planted)
    features = [c for c in cohort.columns if c != TARGET]
    exact = share_in(cohort, train, features)
    by_key = share_in(cohort, train, ["patient_id"])
    assert exact == pytest.approx(0.20)
    assert metrics["train_overlap_rate"]["value"] == pytest.approx(exact, abs=1e-12)
    assert metrics["train_overlap_rate"]["successes"] == 500
    assert metrics["train_key_overlap_rate"]["value"] == pytest.approx(by_key, abs=1e-12)
    assert by_key == pytest.approx(0.30)
    checks = {c["metric"]: c for c in view["checks"] if c["auditor"] == "train/test overlap"}
    assert {c["status"] for c in checks.values()} == {"warn"}  # default: max 0, warn
    assert code == 0
    (said,) = [s for s in view["plain_summary"]["findings"] if s["metric"] == "train_overlap_rate"]
    assert "also appear in its training data" in said["text"] and "0.20" in said["text"]
    assert not any("Not measured" in line for line in view["plain_summary"]["not_tested"])


def test_disjoint_files_overlap_zero_and_pass(tmp_path, cohort, cohort_module):
    training_rows(cohort_module).to_csv(tmp_path / "train.csv", index=False)
    code, view = run(tmp_path, {"train": str(tmp_path / "train.csv")})
    assert share_in(cohort, training_rows(cohort_module), ["patient_id"]) == 0.0
    metrics = overlap_metrics(view)
    assert metrics["train_overlap_rate"]["value"] == 0.0
    assert "train_key_overlap_rate" not in metrics
    assert [c["status"] for c in view["checks"] if c["auditor"] == "train/test overlap"] == ["pass"]
    assert code == 0


def test_level_fail_gates_the_run(tmp_path, planted):
    code, view = run(tmp_path, {"train": str(planted), "max_overlap": 0.1, "overlap_level": "fail"})
    assert code == 1
    (check,) = [c for c in view["checks"] if c["auditor"] == "train/test overlap"]
    assert check["status"] == "fail" and check["max"] == 0.1


def test_membership_training_rows_are_used_without_data_train(tmp_path, cohort, cohort_module):
    auditors = [
        {
            "use": "membership",
            "params": {"train": f"{COHORT_PY}:training_rows", "max_rows": 200, "n_boot": 0},
        }
    ]
    _, view = run(tmp_path, {}, auditors)
    features = [c for c in cohort.columns if c != TARGET]
    expected = share_in(cohort, training_rows(cohort_module), features)
    assert overlap_metrics(view)["train_overlap_rate"]["value"] == expected


@pytest.mark.parametrize(
    "data, fragment",
    [
        ({"train": "missing.csv"}, "data.train: file"),
        ({"train": "{bad}"}, "data.train: column 'albumin' is not in"),
        ({"train": "{train}", "overlap_key": ["mrn"]}, "data.train: column 'mrn' is not in"),
        ({"overlap_key": ["patient_id"]}, "data.overlap_key: a key to compare needs"),
        ({"train": "{train}", "max_overlap": 2}, "data.max_overlap"),
    ],
)
def test_bad_training_inputs_exit_2_naming_file_and_column(
    tmp_path, cohort_module, capsys, data, fragment
):
    train = training_rows(cohort_module)
    train.to_csv(tmp_path / "train.csv", index=False)
    train.drop(columns=["albumin"]).to_csv(tmp_path / "bad.csv", index=False)
    where = {"{train}": str(tmp_path / "train.csv"), "{bad}": str(tmp_path / "bad.csv")}
    data = {k: where.get(v, v) if isinstance(v, str) else v for k, v in data.items()}
    for command in ("validate", "run"):
        assert main([command, str(write_spec(tmp_path, data))]) == 2
        err = capsys.readouterr().err
        assert fragment in err and "Traceback" not in err
    if "column" in fragment:
        assert "bad.csv" in err or "train.csv" in err


def test_ids_typed_differently_in_the_two_files_still_match():
    """An id read as integers from the audit CSV and as text (or floats, with a gap) from the
    training file is the same id: the overlap must not read 0 because the types differ."""
    import pandas as pd

    from trustaudit.inputs.overlap import record_hashes

    audit = pd.DataFrame({"patient_id": [101, 102, 103]})
    train = pd.DataFrame({"patient_id": ["101", "999", "103"]})
    floats = pd.DataFrame({"patient_id": [101.0, None, 103.0]})
    matches = record_hashes(audit, ["patient_id"]) == record_hashes(train, ["patient_id"])
    assert matches.tolist() == [True, False, True]
    same = record_hashes(audit, ["patient_id"]) == record_hashes(floats, ["patient_id"])
    assert same.tolist() == [True, False, True]
