"""Spec validation: every bad input names the file and key path, and says what was found and the
fix."""

import copy
import json

import jsonschema
import pytest
import yaml

from trustaudit.errors import DataError, SpecError
from trustaudit.run.runner import prepare
from trustaudit.spec import json_schema, load_spec

from .conftest import COHORT_CSV, ROOT, base_spec, set_at


def _with(path: str, value):
    """base_spec with the value at a dotted path ('auditors.0.params.x') replaced (None deletes
    it)."""
    return set_at(copy.deepcopy(base_spec()), path, value)


SPEC_ERRORS = [
    # (what is wrong, spec, expected fragments of the message)
    (
        "unknown top-level key",
        {**base_spec(), "sead": 1},
        ["sead: unknown key", "Did you mean 'seed'?"],
    ),
    (
        "unknown auditor",
        _with("auditors.0.use", "fairnes"),
        ["auditors[0].use: unknown auditor 'fairnes'", "Did you mean 'fairness'?"],
    ),
    (
        "unknown auditor parameter",
        _with("auditors.0.params.sensitive_feature", ["sex"]),
        [
            "auditors[0].params.sensitive_feature: unknown parameter",
            "Did you mean 'sensitive_features'?",
        ],
    ),
    (
        "missing required parameter",
        _with("auditors.0.params", {"n_boot": 10}),
        ["auditors[0].params.sensitive_features: required parameter"],
    ),
    (
        "wrong parameter type",
        _with("auditors.0.params.n_boot", "many"),
        ["auditors[0].params.n_boot", "valid integer", "'many'"],
    ),
    (
        "parameter out of range",
        _with("auditors.0.params.confidence", 1.5),
        ["auditors[0].params.confidence", "less than 1"],
    ),
    (
        "wrong type at top level",
        _with("seed", "seven"),
        ["seed: Input should be a valid integer", "'seven'"],
    ),
    ("negative seed", _with("seed", -1), ["seed: Input should be greater than or equal to 0"]),
    (
        "repeated sensitive feature",
        _with("auditors.0.params.sensitive_features", ["sex", "sex"]),
        ["auditors[0].params", "sensitive_features lists sex more than once"],
    ),
    ("missing key", _with("auditors.0.use", None), ["auditors[0].use: missing required key"]),
    (
        "unknown model type",
        _with("model.type", "sklern"),
        ["model.type: unknown model type 'sklern'", "Did you mean 'sklearn'?"],
    ),
    (
        "model without source",
        _with("model", {"type": "sklearn"}),
        ["model: give exactly one of 'path'"],
    ),
    ("unknown model key", _with("model.fatcory", "x:y"), ["model.fatcory: unknown key"]),
    (
        "threshold without bound",
        _with("auditors.0.thresholds.0", {"metric": "tpr"}),
        ["give 'min', 'max' or both"],
    ),
    (
        "threshold min above max",
        _with("auditors.0.thresholds.0", {"metric": "tpr", "min": 0.9, "max": 0.1}),
        ["min (0.9) is greater than max (0.1)"],
    ),
    (
        "threshold on an unknown metric",
        _with("auditors.0.thresholds.0.metric", "equal_oportunity_difference"),
        [
            "thresholds[0].metric: 'fairness' does not measure 'equal_oportunity_difference'",
            "Did you mean 'equal_opportunity_difference'?",
        ],
    ),
    (
        "bad applies_to",
        _with("auditors.0.thresholds.0.applies_to", "upper"),
        ["applies_to", "'upper'"],
    ),
    ("no auditors", _with("auditors", []), ["auditors: List should have at least 1 item"]),
    (
        "missing data file",
        _with("data.path", "nowhere.csv"),
        ["data.path: file", "nowhere.csv' does not exist"],
    ),
    ("bad name", _with("name", "my audit!"), ["name: String should match pattern"]),
]


@pytest.mark.parametrize("case, spec, fragments", SPEC_ERRORS, ids=[c[0] for c in SPEC_ERRORS])
def test_spec_errors_name_the_file_and_key(write_spec, case, spec, fragments):
    path = write_spec(spec)
    with pytest.raises(SpecError) as caught:
        load_spec(path)
    message = str(caught.value)
    assert message.startswith(str(path)), message
    for fragment in fragments:
        assert fragment in message, (fragment, message)


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("name: x\nmodel: [unclosed\n", "invalid YAML at line"),
        ("- just\n- a list\n", "the spec must be a mapping"),
        (
            "name: x\nauditors:\n  - use: fairness\n    thresholds:\n"
            "      - {metric: tpr, min: 0.5, on: ci_low}\n",
            "YAML reads unquoted on/off/yes/no as booleans",
        ),
    ],
)
def test_unparseable_specs(write_spec, text, fragment):
    with pytest.raises(SpecError) as caught:
        load_spec(write_spec(text))
    assert fragment in str(caught.value)


def test_missing_spec_file(tmp_path):
    with pytest.raises(SpecError, match="spec file not found"):
        load_spec(tmp_path / "absent.yaml")


def test_non_utf8_spec(tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes("name: caf\xe9\n".encode("latin-1"))
    with pytest.raises(SpecError, match="not UTF-8"):
        load_spec(path)


DATA_ERRORS = [
    (
        "missing sensitive column",
        _with("auditors.0.params.sensitive_features", ["race"]),
        [
            "auditors[0].params.sensitive_features: column 'race' is not in the data",
            "Did you mean 'race_ethnicity'?",
        ],
    ),
    (
        "missing target column",
        _with("data.target", "readmitted"),
        ["data.target: column 'readmitted' is not in the data", "Did you mean 'readmitted_30d'?"],
    ),
    (
        "non-binary target",
        _with("data.target", "age_band"),
        ["has 4 distinct values", "binary outcome is required"],
    ),
    (
        "positive label absent",
        _with("data.positive_label", "yes"),
        ["positive_label 'yes' does not occur", "(2 distinct values (int))"],
    ),
    (
        "missing feature",
        _with("data.features", ["age", "weight"]),
        ["data.features: column 'weight' is not in the data"],
    ),
]


@pytest.mark.parametrize("case, spec, fragments", DATA_ERRORS, ids=[c[0] for c in DATA_ERRORS])
def test_data_errors_are_found_before_the_model_runs(write_spec, case, spec, fragments):
    spec["model"] = {"type": "sklearn", "factory": "no_such_module:never_imported"}
    with pytest.raises(DataError) as caught:
        prepare(load_spec(write_spec(spec)))
    for fragment in fragments:
        assert fragment in str(caught.value), (fragment, str(caught.value))


def test_target_with_missing_values_names_rows(write_spec, cohort, tmp_path):
    broken = cohort.head(100).astype({"readmitted_30d": "float"})
    broken.loc[[4, 9], "readmitted_30d"] = None
    broken.to_csv(tmp_path / "holes.csv", index=False)
    with pytest.raises(DataError, match=r"2 missing value\(s\) \(data rows 5, 10\)"):
        prepare(load_spec(write_spec(_with("data.path", str(tmp_path / "holes.csv")))))


@pytest.mark.parametrize(
    "content, fragment",
    [
        (b"\xff\xfe\x00garbage\x80\x81", "not UTF-8"),
        (b"", "cannot read"),
    ],
)
def test_unreadable_data_files(write_spec, tmp_path, content, fragment):
    (tmp_path / "bad.csv").write_bytes(content)
    with pytest.raises(DataError, match=fragment):
        prepare(load_spec(write_spec(_with("data.path", str(tmp_path / "bad.csv")))))


def test_unsupported_data_format(write_spec, tmp_path):
    (tmp_path / "data.xlsx").write_text("x")
    with pytest.raises(DataError, match="neither CSV nor Parquet"):
        prepare(load_spec(write_spec(_with("data.path", str(tmp_path / "data.xlsx")))))


def test_relative_paths_resolve_against_the_spec_folder(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "cohort.csv").write_bytes(COHORT_CSV.read_bytes())
    path = tmp_path / "sub" / "spec.yaml"
    path.write_text(yaml.safe_dump(_with("data.path", "cohort.csv")))
    data, _ = prepare(load_spec(path))
    assert data.source == str(tmp_path / "sub" / "cohort.csv")


def test_bundled_specs_validate_against_the_json_schema():
    schema = json_schema()
    for spec in sorted((ROOT / "audits").glob("*.yaml")):
        jsonschema.validate(yaml.safe_load(spec.read_text()), schema)
    bad = yaml.safe_load((ROOT / "audits" / "demo.yaml").read_text())
    bad["auditors"][0]["params"]["n_bot"] = 5
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, schema)
    json.dumps(schema)
