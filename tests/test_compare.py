"""``trustaudit compare`` (issue 14, item 3) on real run folders written by the real CLI: a planted
regression (the demo model's screening cut-off raised from 0.2 to 0.5, so it flags fewer
readmissions) fails; two runs of the same model pass; different data are stated; bad folders and
options exit 2 with the path or the value. Expected numbers come from the runs' report.json counts
and scipy, never from the comparison itself."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from scipy.stats import beta

from trustaudit.ledger.verify import verify_run

from .conftest import COHORT_CSV, base_spec, run_spec

REGRESSED = {"threshold": 0.5}  # the demo model flags far fewer patients: TPR falls


def _run(tmp: Path, model_kwargs: dict | None = None, data: Path = COHORT_CSV, *options: str):
    """A real run through the CLI; its run folder."""
    spec = base_spec(output=str(tmp / "reports"))
    spec["auditors"][0]["thresholds"] = []
    spec["data"]["path"] = str(data)
    if model_kwargs:
        spec["model"]["kwargs"] = model_kwargs
    done = run_spec(tmp, spec, *options)
    assert done.returncode in (0, 1), done.stderr
    return max((tmp / "reports").iterdir(), key=lambda p: p.stat().st_mtime)


def compare(*args: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "trustaudit.cli", "compare", *map(str, args)]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, Path]:
    """A baseline, a second run of the same model and data, and a regressed model's run."""
    return {
        "baseline": _run(tmp_path_factory.mktemp("baseline")),
        "same": _run(tmp_path_factory.mktemp("same")),
        "regressed": _run(tmp_path_factory.mktemp("regressed"), REGRESSED),
    }


def _metric(folder: Path, key: str) -> dict:
    report = json.loads((folder / "report.json").read_text())
    return next(m for a in report["auditors"] for m in a["metrics"] if m["key"] == key)


def _exact(metric: dict, level: float) -> tuple[float, float]:
    """Clopper–Pearson by hand from the report's counts (scipy's beta quantiles)."""
    x, n, tail = metric["successes"], metric["trials"], (1 - level) / 2
    low = beta.ppf(tail, x, n - x + 1) if x > 0 else 0.0
    high = beta.ppf(1 - tail, x + 1, n - x) if x < n else 1.0
    return low, high


def _view(folder: Path) -> dict:
    return json.loads((folder / "comparison.json").read_text())


def test_a_planted_regression_fails_and_names_the_metric(runs, tmp_path):
    done = compare(runs["baseline"], runs["regressed"], "--max-regression", "tpr=0.05")
    assert done.returncode == 1, done.stderr
    assert "Regressed: fairness: tpr[overall]" in done.stdout
    before, after = (
        _metric(runs["baseline"], "tpr[overall]"),
        _metric(runs["regressed"], "tpr[overall]"),
    )
    assert after["value"] < before["value"] - 0.3  # the plant: far fewer readmissions flagged
    baseline_id = json.loads((runs["baseline"] / "manifest.json").read_text())["run_id"]
    folder = runs["regressed"] / f"comparison-{baseline_id}"  # the default --out
    view = _view(folder)
    assert view["exit_code"] == 1 and view["verdict"] == "fail"
    (check,) = [c for c in view["checks"] if c["metric"] == "fairness: tpr[overall]"]
    assert check["status"] == "fail"
    junit = (folder / "junit.xml").read_text()
    assert 'name="fairness: tpr[overall] regression' in junit and "<failure" in junit
    assert "tpr[overall]" in (folder / "comparison.html").read_text()


def test_the_change_interval_is_the_union_bound_of_exact_per_run_intervals(runs):
    """95% for the change: each run's Clopper–Pearson at 97.5%, combined end to opposite end."""
    compare(runs["baseline"], runs["regressed"])
    (folder,) = runs["regressed"].glob("comparison-*")
    (shown,) = [m for m in _view(folder)["metrics"] if m["key"] == "tpr[overall]"]
    before = _metric(runs["baseline"], "tpr[overall]")
    after = _metric(runs["regressed"], "tpr[overall]")
    (bl, bh), (nl, nh) = _exact(before, 0.975), _exact(after, 0.975)
    assert shown["change"] == pytest.approx(after["value"] - before["value"], abs=1e-12)
    assert shown["change_low"] == pytest.approx(nl - bh, abs=1e-9)
    assert shown["change_high"] == pytest.approx(nh - bl, abs=1e-9)
    assert shown["level"] == 0.95


def test_two_runs_of_the_same_model_pass(runs, tmp_path):
    out = tmp_path / "cmp"
    done = compare(
        runs["baseline"],
        runs["same"],
        "--max-regression",
        "tpr=0.05",
        "--max-regression",
        "auroc=0.02",
        "--out",
        out,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith("The data are the same in both runs")
    assert "The model's fingerprint is the same in both runs." in done.stdout
    view = _view(out)
    assert view["verdict"] == "pass"
    assert {c["status"] for c in view["checks"]} <= {"pass", "skipped"}
    assert all(m["change"] in (0, None) for m in view["metrics"])
    baseline = json.loads((runs["baseline"] / "report.json").read_text())
    shared = sum(len(a["metrics"]) for a in baseline["auditors"])
    assert len(view["metrics"]) == shared  # the same spec: every metric is in both


def test_certify_needs_proof_so_identical_runs_are_inconclusive(runs, tmp_path):
    """Without the patients' answers, even identical runs cannot prove TPR held within 0.01
    (the interval of a zero change is about ±0.08 here): certify says INCONCLUSIVE, which warns
    by default and fails with --inconclusive fail."""
    before = _metric(runs["baseline"], "tpr[overall]")
    low, high = _exact(before, 0.95)  # certify: (1 − 2α) = 90% for the change, 95% per run
    assert high - low > 0.01  # by hand: the union bound's upper end exceeds the bound
    options = ["--max-regression", "tpr[overall]=0.01", "--mode", "certify", "--out", tmp_path]
    done = compare(runs["baseline"], runs["same"], *options)
    assert done.returncode == 0, done.stderr
    (check,) = _view(tmp_path)["checks"]
    assert check["status"] == "inconclusive"
    done = compare(runs["baseline"], runs["same"], *options, "--inconclusive", "fail")
    assert done.returncode == 1


def test_different_data_are_stated(runs, tmp_path):
    subset = tmp_path / "first-2000.csv"
    pd.read_csv(COHORT_CSV).head(2000).to_csv(subset, index=False)
    other = _run(tmp_path, None, subset)
    done = compare(runs["baseline"], other, "--out", tmp_path / "cmp")
    assert done.returncode == 0, done.stderr
    assert "THE DATA DIFFER" in done.stdout
    view = _view(tmp_path / "cmp")
    assert view["baseline"]["data"][0]["rows"] == 2500 and view["new"]["data"][0]["rows"] == 2000
    html = (tmp_path / "cmp" / "comparison.html").read_text()
    assert "THE DATA DIFFER" in html
    for run in (runs["baseline"], other):
        assert json.loads((run / "manifest.json").read_text())["data"][0]["sha256"] in html


def test_run_with_baseline_compares_after_the_run(runs, tmp_path):
    spec = base_spec(output=str(tmp_path / "reports"))
    spec["model"]["kwargs"] = REGRESSED
    options = ("--baseline", str(runs["baseline"]), "--max-regression", "tpr=0.05")
    done = run_spec(tmp_path, spec, *options)
    assert done.returncode == 1, done.stderr
    assert "Regressed: fairness: tpr[overall]" in done.stdout
    (folder,) = (tmp_path / "reports").iterdir()
    assert _view(next(folder.glob("comparison-*")))["verdict"] == "fail"
    assert verify_run(folder).intact  # the comparison sits beside the sealed files


def _broken_report(folder: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "edited"
    copy.mkdir()
    for name in ("manifest.json", "report.json"):
        (copy / name).write_bytes((folder / name).read_bytes())
    report = json.loads((copy / "report.json").read_text())
    report["auditors"][0]["metrics"][2]["value"] = "0.9"
    (copy / "report.json").write_text(json.dumps(report))
    return copy


@pytest.mark.parametrize(
    "case, expected",
    [
        ("missing", "{path}: no such run folder"),
        ("empty", "{path}: no manifest.json; this is not a trustaudit run folder"),
        ("edited", "auditors[0].metrics[2].value: expected a number or null, got text"),
    ],
)
def test_a_bad_folder_exits_2_with_its_path(case, expected, runs, tmp_path):
    path = {
        "missing": tmp_path / "nowhere",
        "empty": tmp_path,
        "edited": _broken_report(runs["baseline"], tmp_path) if case == "edited" else None,
    }[case]
    done = compare(runs["baseline"], path)
    assert done.returncode == 2
    assert expected.format(path=path) in done.stderr
    assert str(path) in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize(
    "option, expected",
    [
        ("tpr", "argument --max-regression: expected FAMILY=VALUE"),
        ("tpr=-1", "and a number > 0, e.g. tpr=0.05 or auroc[overall]=0.02; got 'tpr=-1'"),
        ("tpt=0.05", "no metric named 'tpt' is in both runs. Did you mean 'tpr'?"),
    ],
)
def test_a_bad_max_regression_exits_2(option, expected, runs):
    done = compare(runs["baseline"], runs["same"], f"--max-regression={option}")
    assert done.returncode == 2
    assert expected in done.stderr and "Traceback" not in done.stderr


def _copy_with_label(folder: Path, tmp_path: Path, name: str, group: str) -> Path:
    """A copy of the run's manifest and report whose first group label is ``group``."""
    copy = tmp_path / name
    copy.mkdir()
    (copy / "manifest.json").write_bytes((folder / "manifest.json").read_bytes())
    report = json.loads((folder / "report.json").read_text())
    metric = next(m for m in report["auditors"][0]["metrics"] if m["group"])
    metric["key"] = f"{metric['name']}[{metric['grouping']}={group}]"
    (copy / "report.json").write_text(json.dumps(report))
    return copy


def test_identifiers_in_labels_never_reach_the_comparison(runs, tmp_path):
    """The runs' reports were masked when written; a report edited to hold an SSN-shaped label is
    masked again at the comparison's boundary, in every file and on the console."""
    ssn = "123-45-6789"
    before = _copy_with_label(runs["baseline"], tmp_path, "before", ssn)
    after = _copy_with_label(runs["regressed"], tmp_path, "after", ssn)
    out = tmp_path / "cmp"
    done = compare(before, after, "--max-regression", "tpr=0.05", "--out", out)
    assert done.returncode == 1, done.stderr
    shown = [done.stdout, done.stderr] + [p.read_text() for p in out.iterdir()]
    assert len(shown) == 5 and not any(ssn in text for text in shown)
    view = _view(out)
    assert sum("=<US_SSN>]" in m["key"] for m in view["metrics"]) == 1  # compared, masked


def test_the_cards_ongoing_maintenance_links_the_comparison(runs, tmp_path):
    """The compliance card of a compared run names the baseline run and what regressed (issue
    14: the "ongoing maintenance" field links the run history)."""
    assert compare(runs["baseline"], runs["regressed"], "--max-regression", "tpr=0.05").returncode
    out = tmp_path / "card"
    command = [sys.executable, "-m", "trustaudit.cli", "card", str(runs["regressed"]), "--out"]
    done = subprocess.run([*command, str(out)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    evidence = json.loads((out / "evidence.json").read_text())
    text = json.dumps(evidence)
    baseline_id = json.loads((runs["baseline"] / "manifest.json").read_text())["run_id"]
    assert f"against run {baseline_id}: fail; regressed: " in text
    assert "tpr[overall]" in text.split("against run", 1)[1]
