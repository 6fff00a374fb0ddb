"""The bad-input harness: a case writes one bad input into a tmp folder and names the CLI
arguments; the real
CLI runs in a subprocess and must end with the expected exit code, a message naming the place, no
traceback, no 'internal error', within the time limit.

Builders start from small valid inputs (``tabular``, ``text``) so each case changes exactly one
thing.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from ..conftest import ROOT, base_spec, set_at

TIMEOUT = 60  # seconds; the alias bomb and the 10,000-group feature once hung for minutes
LLM = ROOT / "tests" / "fixtures" / "biased_llm.py"
MODEL_PY = """\
def predict(X):
    return (X["age"] > 50).astype(int).to_numpy()


def proba(X):
    return (X["age"] / 100).to_numpy()
"""
VIGNETTE = {
    "id": "v1",
    "family": "chest pain",
    "age": "58-year-old ",
    "text": "A {age}{race}{person} has chest pain.{insurance}{housing}{language}{orientation}",
    "question": "Should the patient be admitted? Answer with one word: admit or discharge.",
    "decision": {
        "kind": "choice",
        "choices": {"admit": ["admitted"], "discharge": ["home"]},
        "focal": "admit",
    },
    "gold": "admit",
}
PROBE = {
    "id": "p1",
    "kind": "recall",
    "messages": [{"role": "user", "content": "Who is patient 1?"}],
}
CANARY = {"id": "c1", "prefix": "The record number is ", "secret": "123456789", "digits": 9}


@dataclass
class Workspace:
    """A case's tmp folder, with the conftest spec writer (output goes to tmp/reports)."""

    tmp: Path
    write_spec: Callable[..., Path]

    def file(self, name: str, content: str | bytes) -> Path:
        path = self.tmp / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return path

    def jsonl(self, name: str, records: list[Any]) -> Path:
        return self.file(name, "".join(json.dumps(r) + "\n" for r in records))

    def spec(self, spec: dict | str) -> str:
        return str(self.write_spec(spec))


@dataclass(frozen=True)
class Case:
    """``build`` writes the input and returns the CLI arguments; ``places`` must all appear in
    the output."""

    id: str
    build: Callable[[Workspace], list[str]]
    code: int
    places: tuple[str, ...]


def frame(n: int = 60) -> pd.DataFrame:
    """Tiny valid audit data: every group of sex and race has positives and negatives."""
    return pd.DataFrame(
        {
            "age": [30 + (i * 7) % 45 for i in range(n)],
            "sex": ["F", "M"] * (n // 2),
            "race": [("A", "B", "C")[i % 3] for i in range(n)],
            "y": [int(i % 4 < 2) for i in range(n)],
        }
    )


def tabular(ws: Workspace, data: pd.DataFrame | None = None, **overrides: Any) -> dict:
    """A valid spec: a callable model on tiny CSV data, fairness by sex with 50 resamples."""
    (data if data is not None else frame()).to_csv(ws.tmp / "data.csv", index=False)
    ws.file("model.py", MODEL_PY)
    auditors = [
        {
            "use": "fairness",
            "params": {"sensitive_features": ["sex"], "n_boot": 50},
            "thresholds": [{"metric": "tpr", "min": 0}],
        }
    ]
    return base_spec(
        **{
            "model": {"type": "callable", "predict": "model.py:predict"},
            "data": {"path": "data.csv", "target": "y"},
            "auditors": auditors,
            **overrides,
        }
    )


def text(ws: Workspace, use: str = "counterfactual", **params: Any) -> dict:
    """A valid text spec: the rule-based test LLM and one auditor reading a tmp JSONL file."""
    files = {
        "counterfactual": ("vignettes", VIGNETTE),
        "text_robustness": ("vignettes", VIGNETTE),
        "privacy": ("probes", PROBE),
        "canary": ("canaries", CANARY),
    }
    key, record = files[use]
    ws.jsonl(f"{key}.jsonl", [record])
    extra = {"n_boot": 50} if use in ("counterfactual", "privacy") else {}
    return {
        "name": "text-audit",
        "seed": 1,
        "model": {"type": "callable", "generate": f"{LLM}:fair"},
        "auditors": [{"use": use, "params": {key: f"{key}.jsonl", **extra, **params}}],
    }


def mutated(
    make: Callable[[Workspace], dict], path: str, value: Any
) -> Callable[[Workspace], dict]:
    """A spec builder with one value replaced (None deletes the key)."""
    return lambda ws: set_at(make(ws), path, value)


def validate(make: Callable[[Workspace], dict | str]) -> Callable[[Workspace], list[str]]:
    return lambda ws: ["validate", ws.spec(make(ws))]


def run(make: Callable[[Workspace], dict | str], *extra: str) -> Callable[[Workspace], list[str]]:
    return lambda ws: ["run", "--quiet", ws.spec(make(ws)), *extra]


def check(case: Case, ws: Workspace) -> None:
    """Run the CLI as a user would and hold it to the contract of issue 9."""
    args = case.build(ws)
    done = subprocess.run(
        [sys.executable, "-m", "trustaudit.cli", *args],
        capture_output=True,
        text=True,
        cwd=ws.tmp,
        timeout=TIMEOUT,
    )
    output = done.stdout + done.stderr
    assert "Traceback" not in output, output
    assert "internal error" not in output, output
    assert done.returncode == case.code, output
    shown = done.stderr if case.code == 2 else output
    missing = [place for place in case.places if place not in shown]
    assert not missing, f"{missing} not in:\n{shown}"
