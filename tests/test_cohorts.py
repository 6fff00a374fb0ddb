"""The bundled cohorts: the synthetic generator and its committed CSV, the built-in disparity, real
data."""

import pandas as pd

from trustaudit.run.runner import run_audit
from trustaudit.spec import load_spec

from .conftest import COHORT_CSV, ROOT


def test_committed_csv_is_what_the_generator_writes(cohort_module):
    pd.testing.assert_frame_equal(
        pd.read_csv(COHORT_CSV), cohort_module.generate(), check_dtype=False
    )


def test_generator_is_seeded(cohort_module):
    pd.testing.assert_frame_equal(
        cohort_module.generate(300, seed=1), cohort_module.generate(300, seed=1)
    )
    assert not cohort_module.generate(300, seed=1).equals(cohort_module.generate(300, seed=2))


def test_documented_disparity_is_built_in(cohort, demo_model):
    frame = cohort.assign(
        flag=demo_model.predict(cohort), risk=demo_model.predict_proba(cohort)[:, 1]
    )
    sick = frame[frame["readmitted_30d"] == 1]
    tpr = sick.groupby("race_ethnicity")["flag"].mean()
    assert tpr["White"] - tpr["Black"] > 0.1
    observed_over_expected = frame.groupby("race_ethnicity").apply(
        lambda g: g["readmitted_30d"].sum() / g["risk"].sum()
    )
    assert observed_over_expected["Black"] > 1.15
    assert 0.95 < observed_over_expected["White"] < 1.1
    assert set(demo_model.feature_names_in_).isdisjoint({"race_ethnicity", "sex"})


def test_real_diabetes_cohort_audit():
    run = run_audit(load_spec(ROOT / "audits" / "diabetes.yaml"))
    (result,) = run.results
    metrics = {m.key: m for m in result.metrics}
    assert run.data_info["rows"] == 177
    assert metrics["group_size[sex_code=1]"].value + metrics["group_size[sex_code=2]"].value == 177
    assert 0.7 < metrics["auroc[overall]"].value < 0.95
    assert {c.status.value for c in run.checks} <= {
        "pass",
        "warn",
        "fail",
        "inconclusive",
    }  # no error or skip
