"""Tabular perturbations (each property checked numerically) and the robustness auditor on real
models."""

import numpy as np
import pytest
import yaml

from trustaudit.perturbations.tabular import (
    category_swap,
    gaussian_noise,
    missing_values,
    unit_rescale,
)
from trustaudit.run.runner import run_audit
from trustaudit.spec import load_spec

from ..conftest import COHORT_CSV, COHORT_PY


@pytest.fixture(scope="module")
def X(cohort):
    return cohort.drop(columns=["readmitted_30d"])


def _rng(seed=0):
    return np.random.default_rng(seed)


def test_noise_is_scaled_to_each_feature_and_spares_flags(X):
    out = gaussian_noise(X, 0.25, _rng(), list(X.columns))
    for column in ("age", "creatinine", "albumin"):
        assert (out[column] - X[column]).std() / X[column].std(ddof=0) == pytest.approx(
            0.25, rel=0.06
        )
    for column in ("chf", "copd", "sex", "race_ethnicity"):
        assert out[column].equals(X[column])


def test_seeded_and_leaves_other_columns_alone(X):
    a, b = (gaussian_noise(X, 0.5, _rng(4), ["age"]) for _ in range(2))
    assert a.equals(b)
    assert not a.equals(gaussian_noise(X, 0.5, _rng(5), ["age"]))
    assert a.drop(columns=["age"]).equals(X.drop(columns=["age"]))


def test_missing_values_at_the_rate(X):
    out = missing_values(X, 0.2, _rng(), ["albumin", "payer"])
    for column in ("albumin", "payer"):
        assert out[column].isna().mean() == pytest.approx(0.2, abs=3 * np.sqrt(0.2 * 0.8 / len(X)))
    assert out["age"].equals(X["age"])


def test_unit_rescale_keeps_meaning_numerically(X):
    out = unit_rescale(X, 88.4, _rng(), ["creatinine"])  # mg/dL recorded as µmol/L
    assert np.allclose(out["creatinine"] / 88.4, X["creatinine"])


def test_category_swap_changes_to_other_observed_categories(X):
    out = category_swap(X, 0.2, _rng(), ["payer"])
    changed = out["payer"] != X["payer"]
    assert changed.mean() == pytest.approx(0.2, abs=3 * np.sqrt(0.2 * 0.8 / len(X)))
    assert set(out["payer"]) <= set(X["payer"])


def _run(tmp_path, factory="train_model", **params):
    spec = {
        "name": "robust",
        "seed": 3,
        "output": str(tmp_path / "reports"),
        "model": {
            "type": "sklearn",
            "factory": factory if ":" in factory else f"{COHORT_PY}:{factory}",
        },
        "data": {"path": str(COHORT_CSV), "target": "readmitted_30d"},
        "auditors": [
            {
                "use": "robustness",
                "params": {
                    "frozen": ["race_ethnicity", "sex", "patient_id"],
                    "n_boot": 100,
                    **params,
                },
            }
        ],
    }
    (tmp_path / "spec.yaml").write_text(yaml.safe_dump(spec))
    run = run_audit(load_spec(tmp_path / "spec.yaml"))
    return run, {m.key: m for m in run.results[0].metrics}


def test_degradation_grows_with_the_level_and_frozen_columns_stay(tmp_path):
    run, metrics = _run(
        tmp_path, perturbations=[{"name": "gaussian_noise", "levels": [0.1, 0.5, 1.0]}]
    )
    flips = [metrics[f"flip_rate[gaussian_noise={level}]"].value for level in ("0.1", "0.5", "1")]
    assert flips == sorted(flips)
    assert flips[0] > 0
    assert metrics["auroc_drop_rate[gaussian_noise=1]"].ci_low > 0
    examples = [row[2] for f in run.results[0].findings for row in f.examples]
    assert examples
    assert not any(c in e for e in examples for c in ("race_ethnicity", "sex:", "patient_id"))


def test_a_unit_mix_up_and_a_model_without_imputation(tmp_path):
    _, metrics = _run(
        tmp_path,
        perturbations=[
            {"name": "unit_rescale", "columns": ["creatinine"], "levels": [88.4]},
            {"name": "missing_values", "levels": [0.1]},
        ],
    )
    assert metrics["flip_rate[unit_rescale=88.4]"].value > 0.3
    missing = metrics["flip_rate[missing_values=0.1]"]
    assert np.isnan(missing.value)
    assert "the model failed on this input" in missing.note


def test_missing_values_through_the_model_s_own_imputation(tmp_path):
    (tmp_path / "imputing.py").write_text(
        "import importlib.util\n"
        "from sklearn.impute import SimpleImputer\n"
        "from sklearn.pipeline import make_pipeline\n"
        "from sklearn.linear_model import LogisticRegression\n"
        f"spec = importlib.util.spec_from_file_location('c', {str(COHORT_PY)!r}); "
        "c = importlib.util.module_from_spec(spec)\n"
        "spec.loader.exec_module(c)\n"
        "def model():\n    train = c.training_rows()\n"
        "    return make_pipeline(SimpleImputer(), LogisticRegression(max_iter=1000))"
        ".fit(train[c.NUMERIC], train['readmitted_30d'])\n"
    )
    _, metrics = _run(
        tmp_path,
        f"{tmp_path}/imputing.py:model",
        perturbations=[{"name": "missing_values", "levels": [0.2]}],
    )
    assert 0 < metrics["flip_rate[missing_values=0.2]"].value < 0.5
