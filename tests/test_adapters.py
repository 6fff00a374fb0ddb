"""Tabular adapters on real scikit-learn models, recorded predictions and callables; their error
cases."""

import joblib
import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.tree import DecisionTreeClassifier

from trustaudit.adapters import binary_outcomes, build_model
from trustaudit.adapters.base import ModelInfo
from trustaudit.adapters.callable import CallableAdapter
from trustaudit.errors import AdapterError, DataError, SpecError
from trustaudit.run.runner import prepare
from trustaudit.spec import load_spec

from .conftest import base_spec

FEATURES = ["age", "length_of_stay", "prior_admissions_12m", "albumin"]


def _load(write_spec, **overrides):
    spec = load_spec(write_spec(base_spec(**overrides)))
    data, _ = prepare(spec)
    return build_model(spec, data), data


@pytest.fixture
def saved_model(tmp_path, cohort):
    model = LogisticRegression(max_iter=500).fit(cohort[FEATURES], cohort["readmitted_30d"])
    path = tmp_path / "model.joblib"
    joblib.dump(model, path)
    return path, model


def test_sklearn_model_from_a_joblib_file(write_spec, saved_model, cohort):
    path, model = saved_model
    adapter, data = _load(write_spec, model={"type": "sklearn", "path": str(path), "version": "v7"})
    out = binary_outcomes(adapter, data.X, data.positive_label)
    assert (out.y_pred == model.predict(cohort[FEATURES])).all()
    assert np.allclose(out.scores, model.predict_proba(cohort[FEATURES])[:, 1])
    assert adapter.info.version == "v7"
    assert adapter.info.name == "LogisticRegression"
    assert adapter.info.fingerprint.startswith("sha256:")


def test_fingerprint_follows_the_model_file(write_spec, saved_model, cohort):
    path, _ = saved_model
    first, _ = _load(write_spec, model={"type": "sklearn", "path": str(path)})
    joblib.dump(
        DecisionTreeClassifier(max_depth=2).fit(cohort[FEATURES], cohort["readmitted_30d"]), path
    )
    second, _ = _load(write_spec, model={"type": "sklearn", "path": str(path)})
    assert first.info.fingerprint != second.info.fingerprint


def test_sklearn_factory_pipeline_selects_its_own_columns(write_spec, demo_model, cohort):
    adapter, data = _load(write_spec)
    out = binary_outcomes(adapter, data.X, data.positive_label)
    assert (out.y_pred == demo_model.predict(cohort)).all()
    assert adapter.info.fingerprint.count("sha256:") == 1
    assert " model:" in adapter.info.fingerprint


def test_model_fitted_on_a_column_the_data_lacks(write_spec, saved_model, cohort):
    path, _ = saved_model
    adapter, data = _load(
        write_spec,
        model={"type": "sklearn", "path": str(path)},
        data={
            "path": base_spec()["data"]["path"],
            "target": "readmitted_30d",
            "features": ["age", "length_of_stay", "race_ethnicity", "sex"],
        },
    )
    with pytest.raises(
        AdapterError, match=r"fitted on column\(s\) \['prior_admissions_12m', 'albumin'\]"
    ):
        adapter.predict(data.X)


def test_not_a_model_file(write_spec, tmp_path):
    (tmp_path / "junk.joblib").write_bytes(b"not a pickle")
    with pytest.raises(SpecError, match=r"cannot load .* as a joblib/pickle model"):
        _load(write_spec, model={"type": "sklearn", "path": str(tmp_path / "junk.joblib")})


def test_factory_returning_something_without_predict(write_spec, tmp_path):
    (tmp_path / "factory.py").write_text("def make():\n    return 42\n")
    with pytest.raises(SpecError, match="is a int, which has no predict"):
        _load(write_spec, model={"type": "sklearn", "factory": f"{tmp_path}/factory.py:make"})


@pytest.mark.parametrize(
    "reference, fragment",
    [
        ("no_dots_or_colon", "is not a reference"),
        ("trustaudit_no_such_module:make", "cannot import module"),
        ("trustaudit.spec:make_model", "has no attribute 'make_model'"),
    ],
)
def test_bad_factory_references(write_spec, reference, fragment):
    with pytest.raises(SpecError, match=fragment):
        _load(write_spec, model={"type": "sklearn", "factory": reference})


def test_recorded_predictions_in_the_data_file(write_spec, tmp_path, cohort, demo_model):
    recorded = cohort.assign(
        flag=demo_model.predict(cohort), risk=demo_model.predict_proba(cohort)[:, 1]
    )
    recorded.to_csv(tmp_path / "with_predictions.csv", index=False)
    adapter, data = _load(
        write_spec,
        data={"path": str(tmp_path / "with_predictions.csv"), "target": "readmitted_30d"},
        model={"type": "recorded", "prediction_column": "flag", "score_column": "risk"},
    )
    out = binary_outcomes(adapter, data.X, data.positive_label)
    assert (out.y_pred == recorded["flag"]).all()
    assert np.allclose(out.scores, recorded["risk"])


@pytest.mark.extra("parquet")
def test_recorded_predictions_matched_by_id_in_another_parquet_file(
    write_spec, tmp_path, cohort, demo_model
):
    predictions = pd.DataFrame(
        {"patient_id": cohort["patient_id"], "flag": demo_model.predict(cohort)}
    )
    predictions.sample(frac=1, random_state=0).to_parquet(tmp_path / "predictions.parquet")
    adapter, data = _load(
        write_spec,
        model={
            "type": "recorded",
            "path": str(tmp_path / "predictions.parquet"),
            "prediction_column": "flag",
            "id_column": "patient_id",
        },
    )
    assert (binary_outcomes(adapter, data.X, 1).y_pred == demo_model.predict(cohort)).all()
    assert adapter.predict_scores(data.X) is None


def test_recorded_predictions_cannot_answer_perturbed_inputs(write_spec, tmp_path, cohort):
    cohort.assign(flag=0).to_csv(tmp_path / "recorded.csv", index=False)
    adapter, data = _load(
        write_spec,
        data={"path": str(tmp_path / "recorded.csv"), "target": "readmitted_30d"},
        model={"type": "recorded", "prediction_column": "flag"},
    )
    perturbed = data.X.assign(age=data.X["age"] + 1)
    with pytest.raises(AdapterError, match="cannot answer new or perturbed inputs"):
        adapter.predict(perturbed)


@pytest.mark.parametrize(
    "recorded, fragment",
    [
        (lambda c: c.head(10).assign(flag=1), "has 10 rows but the audit data has 2500"),
        (lambda c: c.assign(flag=1).drop(columns=["patient_id"]), "column 'patient_id' is not in"),
        (lambda c: pd.concat([c, c.head(1)]).assign(flag=1), "repeats in"),
        (lambda c: c.iloc[1:].assign(flag=1), "1 data row(s) have no recorded prediction"),
    ],
)
def test_recorded_alignment_errors(write_spec, tmp_path, cohort, recorded, fragment):
    recorded(cohort).to_csv(tmp_path / "recorded.csv", index=False)
    id_column = None if "rows but" in fragment else "patient_id"
    with pytest.raises(DataError) as caught:
        _load(
            write_spec,
            model={
                "type": "recorded",
                "path": str(tmp_path / "recorded.csv"),
                "prediction_column": "flag",
                "id_column": id_column,
            },
        )
    assert fragment in str(caught.value)


def test_callable_model(write_spec, tmp_path, cohort):
    (tmp_path / "rules.py").write_text(
        "def predict(X):\n    return (X['prior_admissions_12m'] >= 2).astype(int)\n"
        "def risk(X):\n    return (X['prior_admissions_12m'].clip(0, 4) / 4).to_numpy()\n"
    )
    adapter, data = _load(
        write_spec,
        model={
            "type": "callable",
            "predict": f"{tmp_path}/rules.py:predict",
            "predict_proba": f"{tmp_path}/rules.py:risk",
        },
    )
    out = binary_outcomes(adapter, data.X, 1)
    assert (out.y_pred == (cohort["prior_admissions_12m"] >= 2)).all()
    assert adapter.info.adapter == "callable"


def _fixed(predictions, scores=None):
    return CallableAdapter(
        lambda X: predictions,
        None if scores is None else (lambda X: scores),
        ModelInfo("callable", "fixture", "1", "sha256:0"),
    )


X4 = pd.DataFrame({"a": range(4)})


@pytest.mark.parametrize(
    "predictions, scores, fragment",
    [
        ([1, 0, 1], None, "predict returned 3 values for 4 rows"),
        ([[1, 0], [0, 1], [1, 0], [0, 1]], None, r"shape \(4, 2\)"),
        ([0.1, 0.7, 0.4, 0.9], None, "They look like scores"),
        ([0, 1, 2, 1], None, "got 3 distinct values"),
        (["yes", "no", "yes", "no"], None, "positive label 1"),
        ([1, 0, None, 1], None, "missing value at data row 3"),
        ([1, 0, 1, 0], [0.9, 0.1, np.nan, 0.2], r"data row 3 has nan"),
        ([1, 0, 1, 0], [0.9, 1.7, 0.5, 0.2], r"data row 2 has 1.7"),
    ],
)
def test_outputs_are_validated(predictions, scores, fragment):
    with pytest.raises(AdapterError, match=fragment) as caught:
        binary_outcomes(_fixed(predictions, scores), X4, 1)
    assert str(caught.value).startswith("callable adapter (fixture)")


def test_constant_predictions_are_binary_enough():
    assert binary_outcomes(_fixed([0, 0, 0, 0]), X4, 1).y_pred.tolist() == [0, 0, 0, 0]


def test_a_failing_callable_is_an_adapter_error():
    def boom(X):
        raise ZeroDivisionError("division by zero")

    adapter = CallableAdapter(boom, None, ModelInfo("callable", "boom", "1", "sha256:0"))
    with pytest.raises(AdapterError, match="boom failed: ZeroDivisionError"):
        adapter.predict(X4)


def test_every_model_type_has_exactly_one_loader():
    from trustaudit.adapters import LOADERS
    from trustaudit.spec.models import MODEL_SPECS

    assert set(LOADERS) == set(MODEL_SPECS)
