"""Every registered auditor keeps the contract of ``trustaudit.testing`` on a small, real subject;
a broken toy auditor shows that each check can fail."""

from __future__ import annotations

import json
import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import pandas as pd
import pytest

from trustaudit.auditors import AuditContext, Auditor, AuditorRegistry, registry
from trustaudit.findings import AuditResult, Metric
from trustaudit.llm.canaries import make_canaries
from trustaudit.testing import CHECKS, Subject, Trial, check_auditor

from .conftest import COHORT_CSV, COHORT_PY, ROOT

TEXT_MODEL = ROOT / "tests" / "fixtures" / "biased_llm.py"
VIGNETTES = str(ROOT / "fixtures" / "vignettes" / "clinical_vignettes.jsonl")
PROBES = str(ROOT / "fixtures" / "privacy" / "probes.jsonl")
TARGET = "readmitted_30d"
FAIRNESS = {"sensitive_features": ["race_ethnicity", "sex"], "n_boot": 100}


def _tabular(params: dict[str, Any], **subject: Any) -> Subject:
    """The demo model on 300 rows of its held-out cohort."""
    rows = pd.read_csv(COHORT_CSV).sample(300, random_state=0)
    model = {"type": "sklearn", "factory": f"{COHORT_PY}:train_model", "declared": {"auroc": 0.7}}
    return Subject(params=params, model=model, data=rows, target=TARGET, **subject)


def _text(params: dict[str, Any], function: str = "generate", **model: str) -> Subject:
    """A deterministic rule-based text model called in-process."""
    entry = {"type": "callable", "generate": f"{TEXT_MODEL}:{function}", **model}
    return Subject(params=params, model=entry)


def _canary(folder: Path) -> Subject:
    path = folder / "canaries.jsonl"
    path.write_text("".join(json.dumps(c) + "\n" for c in make_canaries(3, seed=1)))
    params = {"canaries": str(path), "candidates": 20}
    return _text(params, "discreet", score=f"{TEXT_MODEL}:forgetful_score")


def _phi_scan(folder: Path) -> Subject:
    notes = ["Seen today. MRN: 00482913.", "No identifiers, vitals stable.", "Call 617-555-0143."]
    return Subject(params={"column": "note", "n_boot": 20}, data=pd.DataFrame({"note": notes}))


VIGNETTE_PARAMS = {"vignettes": VIGNETTES, "families": ["chest pain"], "n_boot": 20}

#: A subject per registered auditor, made in a folder of the test's own.
SUBJECTS: dict[str, Callable[[Path], Subject]] = {
    "accountability": lambda _: _tabular({}, companions=({"use": "fairness", "params": FAIRNESS},)),
    "canary": _canary,
    "counterfactual": lambda _: _text(
        {**VIGNETTE_PARAMS, "swap": ["race_ethnicity"], "values": {"race_ethnicity": ["Black"]}}
    ),
    "fairness": lambda _: _tabular(FAIRNESS),
    "membership": lambda _: _tabular(
        {"train": f"{COHORT_PY}:training_rows", "max_rows": 200, "n_boot": 20}
    ),
    "phi_scan": _phi_scan,
    "privacy": lambda _: _text({"probes": PROBES, "n_boot": 20}, "echo"),
    "robustness": lambda _: _tabular({"n_boot": 20}),
    "text_robustness": lambda _: _text(VIGNETTE_PARAMS),
}


@pytest.fixture(scope="module")
def trial(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Trial]:
    """One trial per auditor for the whole module: its runs are shared by all its checks."""
    trials: dict[str, Trial] = {}

    def get(name: str) -> Trial:
        if name not in trials:
            folder = tmp_path_factory.mktemp(name)
            trials[name] = Trial(registry.get(name), SUBJECTS[name](folder), folder)
        return trials[name]

    return get


def test_every_registered_auditor_has_a_subject() -> None:
    missing = sorted(set(registry.names()) - set(SUBJECTS))
    assert not missing, f"add a subject for {missing} to SUBJECTS in tests/test_common.py"


def _cases() -> list[Any]:
    marks = {name: registry.get(name).extra for name in registry.names()}
    return [
        pytest.param(
            name, check, id=f"{name}-{check}", marks=[pytest.mark.extra(extra)] * bool(extra)
        )
        for name, extra in marks.items()
        if name in SUBJECTS
        for check in CHECKS
    ]


@pytest.mark.parametrize("name, check", _cases())
def test_auditor_keeps_the_contract(name: str, check: str, trial: Callable[[str], Trial]) -> None:
    CHECKS[check](trial(name))


# A toy auditor with one fault at a time: each fault must be caught by the check it names.

toys = AuditorRegistry()


@toys.register
@dataclass(frozen=True, kw_only=True)
class ToyAuditor(Auditor):
    """The share of positive predictions, with a seeded bootstrap interval; ``fault`` breaks it."""

    name: ClassVar[str] = "toy"
    fault: str = "none"

    @classmethod
    def metric_names(cls) -> set[str]:
        return {"positive_rate"}

    def model_calls(self, spec: Any, data: Any, where: str) -> int:
        return 0 if self.fault == "calls" else 1

    def params(self) -> dict[str, Any]:
        return {**super().params(), "groups": {"a"}} if self.fault == "params" else super().params()

    def run(self, model: Any, data: Any, ctx: AuditContext) -> AuditResult:
        positive = pd.Series(model.predict(data.X)).astype(float)
        rng = random.Random(None if self.fault == "random" else ctx.seed)
        draws = sorted(
            positive.sample(frac=1, replace=True, random_state=rng.randrange(2**31)).mean()
            for _ in range(20)
        )
        low, high = (draws[0], draws[-1]) if self.fault != "interval" else (draws[-1], draws[0])
        name = "surprise" if self.fault == "name" else "positive_rate"
        metrics = [
            Metric(
                name=name, value=float(positive.mean()), ci_low=low, ci_high=high, n=len(positive)
            )
        ]
        if self.fault == "nan":
            metrics.append(Metric(name="positive_rate", value=math.nan, grouping="sex", group="F"))
        if self.fault == "mutate":
            data.frame["scratch"] = 0.0
        return AuditResult(
            auditor=self.name,
            label=ctx.label,
            params=self.params(),
            metrics=tuple(metrics),
            findings=None if self.fault == "render" else (),  # type: ignore[arg-type]
        )


@dataclass(frozen=True)
class UnregisteredAuditor(ToyAuditor):
    name: ClassVar[str] = "unregistered"


@pytest.mark.parametrize(
    "toy, check, message",
    [
        (UnregisteredAuditor, "registered", "is not registered under 'unregistered'"),
        (ToyAuditor(fault="params"), "params_round_trip", "params.. is not JSON data"),
        (ToyAuditor(fault="name"), "metrics_named", r"metrics \['surprise'\] are not in"),
        (ToyAuditor(fault="nan"), "metric_values", "is NaN without a note"),
        (ToyAuditor(fault="interval"), "metric_values", "interval not ordered"),
        (ToyAuditor(fault="random"), "deterministic", "two runs with seed 0 differ"),
        (ToyAuditor(fault="render"), "renders", r"run\(\) failed on the subject: TypeError"),
        (ToyAuditor(fault="mutate"), "inputs_unchanged", "changed the data frame"),
        (ToyAuditor(fault="calls"), "model_calls_bounded", "made 1 model calls; model_calls"),
    ],
    ids=lambda v: v if isinstance(v, str) and " " not in v else "",
)
def test_each_check_catches_its_fault(
    toy: Any, check: str, message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(registry, "_classes", {**registry._classes, **toys._classes})
    trial = Trial(toy, _tabular({}), tmp_path, toys)
    with pytest.raises(AssertionError, match=message):
        CHECKS[check](trial)


def test_the_toy_without_a_fault_passes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(registry, "_classes", {**registry._classes, **toys._classes})
    check_auditor(ToyAuditor(), _tabular({}), registry=toys)
