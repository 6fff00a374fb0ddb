"""The command line as CI uses it: real subprocesses, exit codes 0/1/2/3, no tracebacks, one summary
line."""

import json
import re
import subprocess
import sys

import pytest

from .conftest import ROOT, base_spec


def trustaudit(*args, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "trustaudit.cli", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=300,
    )


def test_demo_passes_with_a_summary_line_and_progress(tmp_path):
    done = trustaudit("run", str(ROOT / "audits" / "demo.yaml"), "--out", str(tmp_path))
    assert done.returncode == 0, done.stderr
    summary = done.stdout.strip().splitlines()[-1]
    assert re.fullmatch(
        r"\d+ checks passed, 1 inconclusive, 7 warned, 1 skipped\. Report: "
        r".*/readmission-demo-\d{8}T\d{6}Z/report\.html",
        summary,
    )
    assert "fairness: 1000 bootstrap resamples" in done.stderr
    assert "data: 2,500 rows" in done.stderr
    (folder,) = tmp_path.iterdir()
    assert json.loads((folder / "report.json").read_text())["run"]["verdict"] == "inconclusive"


def test_a_failed_check_exits_1(write_spec):
    spec = base_spec()
    spec["auditors"][0]["thresholds"] = [
        {"metric": "equal_opportunity_difference[race_ethnicity]", "max": 0.05}
    ]
    done = trustaudit("run", str(write_spec(spec)), "--quiet")
    assert done.returncode == 1
    assert done.stdout.startswith("0 checks passed, 1 failed. Report: ")
    assert done.stderr == ""


@pytest.mark.parametrize(
    "spec_text, fragment",
    [
        ("name: x\nseed: [1\n", "invalid YAML"),
        (
            "name: demo\nmodel: {type: sklearn, factory: 'a:b'}\n"
            "data: {path: missing.csv, target: y}\n"
            "auditors: [{use: fairness, params: {sensitive_features: [sex]}}]\n",
            "data.path: file",
        ),
    ],
)
def test_bad_specs_exit_2_without_traceback(write_spec, spec_text, fragment):
    done = trustaudit("run", str(write_spec(spec_text)))
    assert done.returncode == 2
    assert done.stderr.startswith("error: ")
    assert fragment in done.stderr
    assert "Traceback" not in done.stderr


def test_missing_column_exits_2_before_the_model_runs(write_spec, tmp_path):
    marker = tmp_path / "model_was_built"
    (tmp_path / "factory.py").write_text(
        f"import pathlib\ndef make():\n    pathlib.Path({str(marker)!r}).touch()\n"
    )
    spec = base_spec(model={"type": "sklearn", "factory": f"{tmp_path}/factory.py:make"})
    spec["auditors"][0]["params"]["sensitive_features"] = ["ethnicity"]
    done = trustaudit("run", str(write_spec(spec)))
    assert done.returncode == 2
    assert "column 'ethnicity' is not in the data" in done.stderr
    assert not marker.exists()


def test_a_model_that_fails_exits_3_and_still_writes_the_report(write_spec, tmp_path):
    (tmp_path / "model.py").write_text("def predict(X):\n    raise RuntimeError('GPU fell off')\n")
    spec = base_spec(model={"type": "callable", "predict": f"{tmp_path}/model.py:predict"})
    done = trustaudit("run", str(write_spec(spec)), "--quiet")
    assert done.returncode == 3
    assert "1 errored" in done.stdout
    assert "Auditor(s) failed: fairness" in done.stdout
    (folder,) = (tmp_path / "reports").iterdir()
    assert "GPU fell off" in (folder / "report.html").read_text()


def test_validate(write_spec):
    good = trustaudit("validate", str(ROOT / "audits" / "demo.yaml"))
    assert good.returncode == 0
    assert "valid. 2,500 data rows, 2 auditor(s), 9 threshold(s)" in good.stdout
    bad = trustaudit("validate", str(write_spec({**base_spec(), "auditors": [{"use": "fairnes"}]})))
    assert bad.returncode == 2
    assert "Did you mean 'fairness'?" in bad.stderr


@pytest.mark.extra("llm")
def test_validate_llm_spec():
    llm = trustaudit("validate", str(ROOT / "audits" / "demo-llm.yaml"))
    assert llm.returncode == 0
    assert "valid. no tabular data, 2 auditor(s), 4 threshold(s)" in llm.stdout


def test_schema_and_list():
    schema = trustaudit("schema")
    assert schema.returncode == 0
    entries = json.loads(schema.stdout)["$defs"]["AuditorSpec"]["oneOf"]
    assert {e["properties"]["use"]["const"] for e in entries} == {
        "accountability",
        "canary",
        "counterfactual",
        "fairness",
        "membership",
        "phi_scan",
        "privacy",
        "robustness",
        "text_robustness",
    }
    listing = trustaudit("list")
    assert listing.returncode == 0
    assert "\nfairness: " in listing.stdout
    assert "sensitive_features (array, required)" in listing.stdout
    assert "equalized_odds_difference" in listing.stdout


def test_usage_errors_exit_2():
    assert trustaudit("frobnicate").returncode == 2
    assert trustaudit("run").returncode == 2


def test_console_script_is_installed():
    import shutil

    path = shutil.which("trustaudit")
    assert path, "pip install -e . should put the trustaudit command on PATH"
    assert subprocess.run([path, "--version"], capture_output=True, text=True).stdout.startswith(
        "trustaudit "
    )


@pytest.mark.extra("llm")
def test_readme_first_command_runs_both_demos(tmp_path):
    import shutil

    readme = (ROOT / "README.md").read_text()
    assert "trustaudit run audits/demo.yaml audits/demo-llm.yaml" in readme.split("\n\n")[1]
    if not shutil.which("trustaudit"):
        pytest.skip("console script not installed")
    done = subprocess.run(
        [
            "trustaudit",
            "run",
            "audits/demo.yaml",
            "audits/demo-llm.yaml",
            "--out",
            str(tmp_path),
            "--quiet",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    assert [line.split(":")[0] for line in lines] == ["readmission-demo", "smollm2-counterfactual"]
    assert len(list(tmp_path.iterdir())) == 2


def test_several_specs_exit_with_the_worst_code(write_spec):
    failing = base_spec()
    failing["auditors"][0]["thresholds"] = [
        {"metric": "equal_opportunity_difference[race_ethnicity]", "max": 0.05}
    ]
    done = trustaudit(
        "run",
        str(write_spec(base_spec(), "ok.yaml")),
        str(write_spec(failing, "bad.yaml")),
        "--quiet",
    )
    assert done.returncode == 1
    assert len(done.stdout.strip().splitlines()) == 2
    assert (
        trustaudit(
            "run",
            str(write_spec(base_spec(), "a.yaml")),
            str(write_spec(base_spec(), "b.yaml")),
            "--resume",
            "x",
        ).returncode
        == 2
    )


def test_schema_of_the_report_validates_a_real_report(tmp_path, write_spec):
    import jsonschema

    schema = trustaudit("schema", "--report")
    assert schema.returncode == 0
    done = trustaudit("run", str(write_spec(base_spec())), "--out", str(tmp_path / "o"), "--quiet")
    assert done.returncode in (0, 1)
    (folder,) = (tmp_path / "o").iterdir()
    report = json.loads((folder / "report.json").read_text())
    jsonschema.validate(report, json.loads(schema.stdout))
