"""``trustaudit plan``: sizes from the data before any model call, and planned n that deliver the
stated 80% power when simulated through the real gate tests."""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from tests.conftest import COHORT_CSV, ROOT
from trustaudit.stats import power
from trustaudit.stats.modes import GroupValue, judge_gap


def _plan(*args: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "trustaudit.cli", "plan", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=300)


def test_plan_reads_group_sizes_from_the_data_without_a_model_call():
    done = _plan(str(ROOT / "audits" / "demo.yaml"))
    assert done.returncode == 0, done.stderr
    rows = {
        tuple(cell.strip() for cell in line.split("|")[1:3]): line.split("|")
        for line in done.stdout.splitlines()[2:-1]
    }
    cohort = pd.read_csv(COHORT_CSV)
    positives_by_sex = cohort[cohort.readmitted_30d == 1].groupby("sex").size()
    row = rows[("equal_opportunity_difference", "sex")]
    assert int(row[4].replace(",", "")) == positives_by_sex.min()
    sizes_by_race = cohort.groupby("race_ethnicity").size()
    row = rows[("disparate_impact_ratio[race_ethnicity]", "race_ethnicity")]
    assert int(row[4].replace(",", "")) == sizes_by_race[sizes_by_race >= 30].min()
    assert "certifies δ" in rows[("equal_opportunity_difference", "sex")][5]


@pytest.mark.parametrize("option", [["--rate", "2"], ["--effect", "0.5"], ["--margin", "x"]])
def test_plan_rejects_bad_assumptions(option):
    done = _plan(str(ROOT / "audits" / "demo.yaml"), *option)
    assert done.returncode == 2 and option[0] in done.stderr


def _simulate(n: int, rates: tuple[float, float], mode: str, seed: int, reps: int = 400):
    rng = np.random.default_rng(seed)
    outcomes = []
    for _ in range(reps):
        groups = [
            GroupValue("tpr", f"g{i}", x / n, successes=int(x), trials=n)
            for i, x in enumerate(rng.binomial(n, rates))
        ]
        outcomes.append(judge_gap(groups, mode, "difference", 0.1, 0.05).outcome)
    return outcomes


def test_planned_n_certifies_equal_groups_with_about_80_percent_power():
    unit = power.unit_variance(0.5, "difference")
    se_at_1 = math.sqrt(2 * unit)  # se of a difference with one row per group
    n = power.n_for(1, se_at_1, power.certify_factor(0.05), 0.1)
    passed = np.mean([o == "pass" for o in _simulate(n, (0.5, 0.5), "certify", seed=1)])
    assert 0.72 <= passed <= 0.90  # 80% ± Monte Carlo and normal-approximation error


def test_planned_n_detects_one_and_a_half_times_the_bound_with_about_80_percent_power():
    unit = power.unit_variance(0.5, "difference")
    n = power.n_for(1, math.sqrt(2 * unit), power.detect_factor(0.05, 1), 0.05)
    failed = np.mean([o == "fail" for o in _simulate(n, (0.575, 0.425), "detect", seed=2)])
    assert 0.72 <= failed <= 0.90
