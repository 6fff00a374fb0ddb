"""Shared fixtures: the bundled demo cohort, its real model, and specs written into tmp folders."""

from __future__ import annotations

import importlib.util
import json
import shutil
from pathlib import Path

import pytest
import yaml

from trustaudit import extras

ROOT = Path(__file__).resolve().parent.parent
COHORT_CSV = ROOT / "fixtures" / "readmission" / "cohort.csv"
COHORT_PY = ROOT / "fixtures" / "readmission" / "cohort.py"


def pytest_collection_modifyitems(config, items):
    """A test marked ``extra("privacy")`` is skipped, with the install command, where the extra is
    missing. A base install runs ``pytest -m "not extra"``: everything that needs no extra."""
    for item in items:
        for mark in item.iter_markers("extra"):
            if not extras.available(mark.args[0]):
                item.add_marker(
                    pytest.mark.skip(reason=f"needs {extras.install_hint(mark.args[0])}")
                )


def _module(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def cohort_module():
    return _module(COHORT_PY, "readmission_cohort")


@pytest.fixture(scope="session")
def cohort(cohort_module):
    import pandas as pd

    return pd.read_csv(COHORT_CSV)


@pytest.fixture(scope="session")
def demo_model(cohort_module):
    return cohort_module.train_model()


def base_spec(**overrides) -> dict:
    """A valid spec dict auditing the demo model on the demo cohort, with small bootstrap for
    speed."""
    spec = {
        "name": "test-audit",
        "seed": 3,
        "model": {"type": "sklearn", "factory": f"{COHORT_PY}:train_model"},
        "data": {"path": str(COHORT_CSV), "target": "readmitted_30d"},
        "auditors": [
            {
                "use": "fairness",
                "params": {"sensitive_features": ["race_ethnicity", "sex"], "n_boot": 200},
                "thresholds": [{"metric": "equal_opportunity_difference", "max": 0.5}],
            }
        ],
    }
    spec.update(overrides)
    return spec


def set_at(spec: dict, path: str, value) -> dict:
    """Set the value at a dotted path ('auditors.0.params.x') in place (None deletes it);
    returns spec."""
    *parents, last = path.split(".")
    node = spec
    for part in parents:
        node = node[int(part)] if part.isdigit() else node[part]
    if value is None:
        del node[int(last) if last.isdigit() else last]
    else:
        node[int(last) if last.isdigit() else last] = value
    return spec


@pytest.fixture
def write_spec(tmp_path):
    """write_spec(dict_or_text, name="spec.yaml") -> path of the written file (output goes to
    tmp)."""

    def write(content, name: str = "spec.yaml") -> Path:
        if isinstance(content, dict):
            content = {"output": str(tmp_path / "reports"), **content}
            content = yaml.safe_dump(content, sort_keys=False)
        path = tmp_path / name
        path.write_text(content, encoding="utf-8")
        return path

    return write


def run_spec(tmp_path: Path, spec: dict, *options: str, env: dict | None = None):
    """Write ``spec`` to tmp_path/spec.yaml and run it with the real CLI in a subprocess."""
    import subprocess
    import sys

    (tmp_path / "spec.yaml").write_text(yaml.safe_dump(spec))
    command = [sys.executable, "-m", "trustaudit.cli", "run", str(tmp_path / "spec.yaml"), *options]
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)


def comparable_report(folder: Path) -> dict:
    """report.json without what differs between any two runs: ids, times, folder, durations,
    provenance."""
    view = json.loads((folder / "report.json").read_text())
    for key in ("id", "started", "finished"):
        view["run"].pop(key)
    view.pop("provenance")
    for auditor in view["auditors"]:
        auditor.pop("seconds")
    return view


#: one clinical vignette with a two-way decision, for runs against an LLM endpoint
CHEST_PAIN_VIGNETTE = {
    "id": "v1",
    "family": "test",
    "text": "A {age}{race}{person} with chest pain.",
    "age": "50-year-old ",
    "question": "Admit or discharge?",
    "decision": {
        "kind": "choice",
        "choices": {"admit": ["admit"], "discharge": ["home"]},
        "focal": "admit",
    },
}


def counterfactual_auditor(vignettes: Path, n_boot: int = 20) -> dict:
    """The spec entry of a counterfactual auditor swapping race_ethnicity to Black."""
    return {
        "use": "counterfactual",
        "params": {
            "vignettes": str(vignettes),
            "swap": ["race_ethnicity"],
            "values": {"race_ethnicity": ["Black"]},
            "n_boot": n_boot,
        },
    }


def with_auditors(monkeypatch, *classes) -> None:
    """A fresh registry (every real auditor plus ``classes``) in place of the global one wherever
    trustaudit looks it up; monkeypatch restores them, so the global registry is never changed."""
    import sys

    from trustaudit.auditors import registry
    from trustaudit.auditors.base import AuditorRegistry

    fresh = AuditorRegistry()
    for name in registry.names():
        fresh.register(registry.get(name))
    for cls in classes:
        fresh.register(cls)
    holders = [
        module
        for name, module in list(sys.modules.items())
        if name.split(".")[0] == "trustaudit" and getattr(module, "registry", None) is registry
    ]
    assert holders, "no trustaudit module holds the auditor registry"
    for module in holders:
        monkeypatch.setattr(module, "registry", fresh)


@pytest.fixture(scope="session")
def spark():
    """One local[2] session for every test that asks (Spark takes seconds to start)."""
    pytest.importorskip("pyspark")
    if shutil.which("java") is None:
        pytest.skip("Spark needs Java: apt-get install openjdk-17-jre-headless")
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[2]")
        .appName("trustaudit-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()
