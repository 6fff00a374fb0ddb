"""Membership inference on real scikit-learn models: a memorising tree is found out, a regularised
model is not."""

import pytest
import yaml

from trustaudit.errors import DataError
from trustaudit.run.runner import run_audit
from trustaudit.spec import load_spec

from ..conftest import COHORT_CSV, COHORT_PY


def _run(tmp_path, factory, train=f"{COHORT_PY}:training_rows", **params):
    spec = {
        "name": "mia",
        "seed": 4,
        "output": str(tmp_path / "reports"),
        "model": {"type": "sklearn", "factory": f"{COHORT_PY}:{factory}"},
        "data": {"path": str(COHORT_CSV), "target": "readmitted_30d"},
        "auditors": [
            {
                "use": "membership",
                "params": {"train": train, "n_boot": 200, **params},
                "thresholds": [{"metric": "mia_auc", "max": 0.6, "applies_to": "ci_low"}],
            }
        ],
    }
    (tmp_path / "spec.yaml").write_text(yaml.safe_dump(spec))
    return load_spec(tmp_path / "spec.yaml")


def _metrics(run):
    return {m.key: m for m in run.results[0].metrics}


def test_a_memorising_model_is_found_out(tmp_path, cohort, cohort_module):
    run = run_audit(_run(tmp_path, "overfit_model"))
    metrics = _metrics(run)
    # A fully grown tree gives every member (and every held-out row it gets right) probability 1
    # on its label, so only its held-out errors separate the groups: AUC = 0.5 + error / 2
    # exactly (all 2,500 audit rows are used).
    tree = cohort_module.overfit_model()
    error = 1 - tree.score(cohort[list(tree.feature_names_in_)], cohort["readmitted_30d"])
    assert metrics["mia_auc"].value == pytest.approx(0.5 + error / 2, abs=1e-9)
    assert metrics["mia_auc"].ci_low > 0.6
    assert metrics["mia_auc"].n == 2 * 2500
    assert run.checks[0].status.value == "fail"


def test_a_regularised_model_is_not(tmp_path):
    metrics = _metrics(run_audit(_run(tmp_path, "train_model")))
    auc = metrics["mia_auc"]
    assert auc.ci_low < 0.5 < auc.ci_high
    assert abs(auc.value - 0.5) < 0.05


def test_training_rows_from_a_file_and_errors(tmp_path):
    import importlib.util

    spec = importlib.util.spec_from_file_location("cohort", COHORT_PY)
    cohort = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(cohort)
    cohort.training_rows().head(500).to_csv(tmp_path / "train.csv", index=False)
    metrics = _metrics(
        run_audit(_run(tmp_path, "overfit_model", train=str(tmp_path / "train.csv")))
    )
    assert metrics["mia_auc"].n == 1000
    cohort.training_rows().head(50).drop(columns=["albumin"]).to_csv(
        tmp_path / "bad.csv", index=False
    )
    # the train/test overlap check reads the same file before any model call: exit 2, not an
    # auditor error after the model ran
    with pytest.raises(DataError, match=r"params.train: column 'albumin' is not in .*bad\.csv"):
        run_audit(_run(tmp_path, "overfit_model", train=str(tmp_path / "bad.csv")))
