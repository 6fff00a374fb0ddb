"""`validate` catches what `run` would reject, before any model call (issue 9, items 4 and 6):
threshold keys of every auditor, a tabular model without data, the model-call budget, and error
messages that never quote data values."""

import json
import re
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from trustaudit.adapters.base import ModelInfo, binary_outcomes
from trustaudit.errors import AdapterError, DataError, SpecError
from trustaudit.run.runner import prepare, run_audit
from trustaudit.spec import load_spec

from .conftest import COHORT_CSV, ROOT, base_spec

VIGNETTES = ROOT / "fixtures" / "vignettes" / "clinical_vignettes.jsonl"
PROBES = ROOT / "fixtures" / "privacy" / "probes.jsonl"
TEXT_MODEL = {
    "type": "callable",
    "generate": f"{ROOT / 'tests' / 'fixtures' / 'biased_llm.py'}:generate",
}
SSNS = [f"536-22-{8100 + i}" for i in range(50)]
NAMES = ["Dolores Hightower", "Ezra Blackwood"]


def trustaudit(*args):
    return subprocess.run(
        [sys.executable, "-m", "trustaudit.cli", *args], capture_output=True, text=True, timeout=300
    )


def _tabular(tmp_path, auditor: dict) -> dict:
    return base_spec(auditors=[auditor])


def _text(tmp_path, auditor: dict) -> dict:
    return {"name": "keys", "model": TEXT_MODEL, "auditors": [auditor]}


def _canaries(tmp_path, auditor: dict) -> dict:
    records = [
        {"id": f"c-{i}", "prefix": f"Record {i}: MRN ", "secret": "123456789", "digits": 9}
        for i in range(3)
    ]
    (tmp_path / "canaries.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    return _text(tmp_path, {**auditor, "params": {"canaries": str(tmp_path / "canaries.jsonl")}})


def _declared(tmp_path, auditor: dict) -> dict:
    return base_spec(
        model={**base_spec()["model"], "declared": {"auroc": 0.7}},
        auditors=[base_spec()["auditors"][0], auditor],
    )


COUNTERFACTUAL = {
    "vignettes": str(VIGNETTES),
    "families": ["chest pain", "obstetrics"],
    "swap": ["gender"],
}
# (auditor, spec builder, params, a valid key, a wrong key, the suggestion for it or None)
CASES = [
    (
        "fairness",
        _tabular,
        {"sensitive_features": ["race_ethnicity", "sex"]},
        "tpr[race_ethnicity=Black]",
        "tpr[race_ethnicity=Blak]",
        "tpr[race_ethnicity=Black]",
    ),
    (
        "fairness",
        _tabular,
        {"sensitive_features": ["race_ethnicity", "sex"]},
        "equal_opportunity_difference[race_ethnicity+sex]",
        "equal_opportunity_difference[sexe]",
        "equal_opportunity_difference[sex]",
    ),
    (
        "fairness",
        _tabular,
        {"sensitive_features": ["sex"]},
        "tpr[sex=F]",
        "tpr[overall=all]",
        "tpr[overall]",
    ),
    (
        "counterfactual",
        _text,
        COUNTERFACTUAL,
        "flip_rate[chest pain=woman]",
        "flip_rate[chest_pain=woman]",
        "flip_rate[chest pain=woman]",
    ),
    (
        "counterfactual",
        _text,
        COUNTERFACTUAL,  # gender is clinically relevant in obstetrics
        "decision_rate[obstetrics=control]",
        "flip_rate[obstetrics=woman]",
        None,
    ),
    (
        "privacy",
        _text,
        {"probes": str(PROBES)},
        "new_phi_per_1000[category=G]",
        "new_phi_per_1000[G]",
        "new_phi_per_1000[category=G]",
    ),
    (
        "privacy",
        _text,
        {"probes": str(PROBES)},
        "echoed_phi_per_1000[category=all]",
        "echoed_phi_per_1000[category=SSN]",
        "echoed_phi_per_1000[category=G]",
    ),
    (
        "phi_scan",
        _tabular,
        {"column": "payer"},
        "phi_per_1000_rows[category=A]",
        "phi_per_1000_rows[G]",
        "phi_per_1000_rows[category=G]",
    ),
    ("membership", _tabular, {"train": str(COHORT_CSV)}, "mia_auc", "mia_auc[overall]", "mia_auc"),
    (
        "canary",
        _canaries,
        {},
        "exposure[canary=c-1]",
        "exposure[canaries=c-1]",
        "exposure[canary=c-1]",
    ),
    (
        "robustness",
        _tabular,
        {},
        "flip_rate[gaussian_noise=0.1]",
        "flip_rate[gaussian_noise=0.10]",
        "flip_rate[gaussian_noise=0.1]",
    ),
    (
        "robustness",
        _tabular,
        {"perturbations": [{"name": "unit_rescale", "levels": [3]}]},
        "accuracy_drop_rate[unit_rescale=3]",
        "accuracy_drop_rate[unit_rescale=3.0]",
        "accuracy_drop_rate[unit_rescale=3]",
    ),
    (
        "text_robustness",
        _text,
        {"vignettes": str(VIGNETTES)},
        "flip_rate[typos=0.3]",
        "flip_rate[typo=0.3]",
        "flip_rate[typos=0.3]",
    ),
    (
        "text_robustness",
        _text,
        {"vignettes": str(VIGNETTES)},
        "directional_pass_rate[negation=1]",
        "directional_pass_rate[negation=0.5]",
        "directional_pass_rate[negation=1]",
    ),
    (
        "accountability",
        _declared,
        {},
        "declared_within_ci[auroc[overall]]",
        "declared_within_ci[auroc]",
        "declared_within_ci[auroc[overall]]",
    ),
]
IDS = [f"{c[0]}:{c[4]}" for c in CASES]
PRIVACY = pytest.mark.extra("privacy")  # PHI categories are checked against presidio's entities
PARAMS = [
    pytest.param(c, id=i, marks=[PRIVACY] if c[0] in ("privacy", "phi_scan") else [])
    for c, i in zip(CASES, IDS, strict=True)
]


def _spec_with_key(tmp_path, write_spec, case, metric: str):
    use, build, params, *_ = case
    auditor = {"use": use, "params": params, "thresholds": [{"metric": metric, "max": 1}]}
    return write_spec(build(tmp_path, auditor))


@pytest.mark.parametrize("case", PARAMS)
def test_a_valid_key_passes_validate(tmp_path, write_spec, case, capsys):
    from trustaudit.cli import main

    assert main(["validate", str(_spec_with_key(tmp_path, write_spec, case, case[3]))]) == 0
    assert ": valid." in capsys.readouterr().out


@pytest.mark.parametrize("case", PARAMS)
def test_a_wrong_key_fails_validate_with_did_you_mean(tmp_path, write_spec, case, capsys):
    from trustaudit.cli import main

    use, _, _, _, wrong, suggestion = case
    assert main(["validate", str(_spec_with_key(tmp_path, write_spec, case, wrong))]) == 2
    error = capsys.readouterr().err
    assert f"thresholds[0].metric: '{wrong}' matches no metric {use} will produce" in error
    assert suggestion is None or f"Did you mean '{suggestion}'?" in error


def _marking_model(tmp_path) -> dict:
    """A text model that leaves a file 'called' behind when it answers (it must never be asked)."""
    (tmp_path / "model.py").write_text(
        "import pathlib\n"
        "def generate(messages, **kwargs):\n"
        f"    pathlib.Path({str(tmp_path / 'called')!r}).touch()\n"
        "    return 'admit'\n"
    )
    return {"type": "callable", "generate": f"{tmp_path}/model.py:generate"}


def test_the_cli_rejects_a_misspelled_family_before_any_model_call(tmp_path, write_spec):
    threshold = {"metric": "flip_rate[chest_pain=woman]", "max": 0.2}
    spec = {
        "name": "keys",
        "model": _marking_model(tmp_path),
        "auditors": [
            {"use": "counterfactual", "params": COUNTERFACTUAL, "thresholds": [threshold]}
        ],
    }
    for command in ("validate", "run"):
        done = trustaudit(command, str(write_spec(spec)))
        assert done.returncode == 2, done.stderr
        assert "Did you mean 'flip_rate[chest pain=woman]'?" in done.stderr
        assert "Traceback" not in done.stderr
        assert not (tmp_path / "called").exists()


def test_a_key_lists_what_is_valid(tmp_path, write_spec):
    case = CASES[0]
    with pytest.raises(SpecError) as caught:
        prepare(load_spec(_spec_with_key(tmp_path, write_spec, case, "tpr[race=White]")))
    message = str(caught.value)
    assert "'tpr[sex=…]' for F, M" in message
    assert "'tpr[overall]'" in message
    races = "American Indian or Alaska Native, Asian, Black, Hispanic, White"
    assert f"'tpr[race_ethnicity=…]' for {races}" in message


def test_unknown_text_robustness_family_is_named(tmp_path, write_spec):
    params = {"vignettes": str(VIGNETTES), "families": ["sepsys"]}
    auditor = {"use": "text_robustness", "params": params}
    with pytest.raises(DataError, match=re.escape("family 'sepsys'. Did you mean 'sepsis'")):
        prepare(load_spec(write_spec(_text(tmp_path, auditor))))


def test_a_tabular_model_without_data_is_a_spec_error(write_spec):
    spec = {k: v for k, v in base_spec().items() if k != "data"}
    spec["auditors"] = [{"use": "accountability"}]
    done = trustaudit("validate", str(write_spec(spec)))
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert ": data: model.type 'sklearn' is a tabular model" in done.stderr
    assert "Add one, e.g. data: {path: cohort.csv, target: outcome}" in done.stderr


def _budget_spec(tmp_path, max_calls: int) -> dict:
    """A factorial counterfactual design: 3 x 3 groups and the control, 2 samples per prompt."""
    values = {
        "race_ethnicity": ["White", "Black", "Asian"],
        "gender": ["man", "woman", "nonbinary"],
    }
    params = {
        "vignettes": str(VIGNETTES),
        "families": ["chest pain", "obstetrics"],
        "design": "factorial",
        "swap": list(values),
        "values": values,
        "n_samples": 2,
        "n_boot": 0,
    }
    return {
        "name": "budget",
        "max_calls": max_calls,
        "model": _marking_model(tmp_path),
        "auditors": [{"use": "counterfactual", "params": params}],
    }


def _expected_calls() -> int:
    """From the vignette file itself: chest pain asks the control and 9 groups; obstetrics, where
    gender is clinically relevant, only the control; 2 samples each."""
    lines = VIGNETTES.read_text().splitlines()
    families = [json.loads(line)["family"] for line in lines if line.strip()]
    return 2 * (families.count("chest pain") * (1 + 9) + families.count("obstetrics") * 1)


def test_validate_shows_the_number_of_model_calls(tmp_path, write_spec):
    expected = _expected_calls()
    done = trustaudit("validate", str(write_spec(_budget_spec(tmp_path, 1000))))
    assert done.returncode == 0, done.stderr
    assert f"The run will make about {expected:,} model calls (max_calls 1,000)." in done.stdout
    assert not (tmp_path / "called").exists()


@pytest.mark.parametrize("command", ["validate", "run"])
def test_over_max_calls_stops_before_any_model_call(tmp_path, write_spec, command):
    expected = _expected_calls()
    done = trustaudit(command, str(write_spec(_budget_spec(tmp_path, expected - 1))))
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert f"max_calls: the audit would make about {expected:,} model calls" in done.stderr
    assert f"confirm the cost: max_calls: {expected} in the spec" in done.stderr
    assert not (tmp_path / "called").exists()
    assert not (tmp_path / "reports").exists()


def test_the_estimate_is_the_number_of_calls_the_run_makes(tmp_path, write_spec):
    run = run_audit(load_spec(write_spec(_budget_spec(tmp_path, 1000))))
    assert run.provenance["model_calls"] == _expected_calls()


def test_max_calls_is_documented_in_the_schema():
    done = trustaudit("schema")
    description = json.loads(done.stdout)["properties"]["max_calls"]["description"]
    assert "exit 2" in description
    assert "validate" in description


def _frame_with(column: str, values: list[str]) -> pd.DataFrame:
    frame = pd.read_csv(COHORT_CSV).head(100)
    frame[column] = [values[i % len(values)] for i in range(len(frame))]
    return frame


@pytest.mark.parametrize(
    "column, values, target, positive_label, count",
    [
        ("ssn", SSNS, "ssn", "536-22-0000", "has 50 distinct values (str)"),
        ("name", NAMES, "name", "yes", "(2 distinct values (str))"),
    ],
)
def test_data_errors_show_counts_never_values(
    tmp_path, write_spec, column, values, target, positive_label, count
):
    _frame_with(column, values).to_csv(tmp_path / "phi.csv", index=False)
    spec = base_spec(
        data={"path": str(tmp_path / "phi.csv"), "target": target, "positive_label": positive_label}
    )
    done = trustaudit("validate", str(write_spec(spec)))
    assert done.returncode == 2
    assert f"column '{column}'" in done.stderr
    assert count in done.stderr
    assert not any(value in done.stderr for value in values)


def test_model_errors_show_counts_never_values():
    class Model:
        info = ModelInfo("callable", "names", "1", "x")

        def predict(self, X):
            return np.array([NAMES[i % 2] + str(i) for i in range(len(X))], dtype=object)

        def predict_scores(self, X):
            return None

    with pytest.raises(AdapterError) as caught:
        binary_outcomes(Model(), pd.DataFrame({"x": range(5)}), 1)
    assert "got 5 distinct values (str)" in str(caught.value)
    assert NAMES[0] not in str(caught.value)
    assert NAMES[1] not in str(caught.value)


def test_estimator_classes_are_not_quoted(tmp_path):
    from sklearn.linear_model import LogisticRegression

    from trustaudit.adapters.sklearn import SklearnAdapter

    X = pd.DataFrame({"x": [0.0, 1.0, 2.0, 3.0]})
    estimator = LogisticRegression().fit(X, np.array(NAMES * 2))
    adapter = SklearnAdapter(estimator, 1, ModelInfo("sklearn", "names", "1", "x"))
    with pytest.raises(AdapterError) as caught:
        adapter.predict_scores(X)
    assert "classes (2 distinct values (str))" in str(caught.value)
    assert NAMES[0] not in str(caught.value)


def test_key_errors_never_quote_the_groups_of_an_identifier_column(tmp_path, write_spec):
    _frame_with("ssn", SSNS).to_csv(tmp_path / "phi.csv", index=False)
    auditor = {
        "use": "fairness",
        "params": {"sensitive_features": ["ssn"]},
        "thresholds": [{"metric": "tpr[ssn=536-22-810]", "max": 1}],
    }
    spec = base_spec(
        data={"path": str(tmp_path / "phi.csv"), "target": "readmitted_30d"}, auditors=[auditor]
    )
    done = trustaudit("validate", str(write_spec(spec)))
    assert done.returncode == 2
    assert "'tpr[ssn=…]' for 50 groups" in done.stderr
    assert not any(value in done.stderr for value in SSNS)
