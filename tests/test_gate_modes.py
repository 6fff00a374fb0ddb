"""Gate modes: certify, detect and floor give PASS / FAIL / INCONCLUSIVE by pairwise intervals;
the spec rejects modes that do not fit; the exit code follows ``inconclusive``."""

from __future__ import annotations

import json
import math
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from scipy.stats import norm

from tests.conftest import base_spec, run_spec
from trustaudit.stats import intervals
from trustaudit.stats.modes import PAIRWISE, GroupValue, judge_floor, judge_gap


def _rates(metric: str, *counts: tuple[int, int]) -> list[GroupValue]:
    return [
        GroupValue(metric, f"g{i}", x / n, successes=x, trials=n) for i, (x, n) in enumerate(counts)
    ]


def test_certify_passes_equal_large_groups_and_reports_the_widest_pairwise_bound():
    groups = _rates("tpr", (600, 1000), (590, 1000), (605, 1000))
    judged = judge_gap(groups, "certify", "difference", 0.1, 0.05)
    assert judged.outcome == "pass"
    widest = 0.0
    for a, b in [(0, 1), (0, 2), (1, 2)]:
        ga, gb = groups[a], groups[b]
        low, high = intervals.difference_interval(
            ga.successes, ga.trials, gb.successes, gb.trials, 0.90, PAIRWISE
        )
        widest = max(widest, abs(float(low)), abs(float(high)))
    assert judged.observed == pytest.approx(widest)


def test_small_groups_cannot_certify_a_small_true_gap_nor_prove_it():
    groups = _rates("tpr", (12, 20), (11, 20))
    assert judge_gap(groups, "certify", "difference", 0.1, 0.05).outcome == "inconclusive"
    assert judge_gap(groups, "detect", "difference", 0.1, 0.05).outcome == "pass"


def test_a_gap_the_estimate_shows_but_the_data_cannot_prove():
    groups = _rates("tpr", (15, 20), (11, 20))  # estimate 0.2 > δ, interval wide
    assert judge_gap(groups, "detect", "difference", 0.1, 0.05).outcome == "inconclusive"
    assert judge_gap(groups, "certify", "difference", 0.1, 0.05).outcome == "fail"


def test_detect_fails_a_large_proven_gap_and_corrects_for_the_pairs():
    two = _rates("tpr", (720, 1000), (540, 1000))
    assert judge_gap(two, "detect", "difference", 0.1, 0.05).outcome == "fail"
    # the same pair among 8 groups: Bonferroni over 28 pairs widens every interval
    many = two + _rates("tpr", *[(630, 1000)] * 6)
    judged = judge_gap(many, "detect", "difference", 0.1, 0.05)
    low, _ = intervals.difference_interval(720, 1000, 540, 1000, 1 - 0.05 / 28, PAIRWISE)
    assert judged.observed == pytest.approx(float(low))
    assert judged.outcome == ("fail" if low > 0.1 else "inconclusive")


def test_equalized_odds_needs_both_rates_within_the_bound():
    tpr = _rates("tpr", (600, 1000), (600, 1000))
    fpr = _rates("fpr", (100, 1000), (250, 1000))
    assert judge_gap(tpr, "certify", "difference", 0.1, 0.05).outcome == "pass"
    assert judge_gap(tpr + fpr, "detect", "difference", 0.1, 0.05).outcome == "fail"


def test_ratio_gates_work_on_the_log_scale():
    fair = _rates("selection_rate", (300, 1000), (290, 1000))
    unfair = _rates("selection_rate", (300, 1000), (150, 1000))
    assert judge_gap(fair, "certify", "ratio", 0.8, 0.05).outcome == "pass"
    judged = judge_gap(unfair, "detect", "ratio", 0.8, 0.05)
    assert judged.outcome == "fail" and judged.observed < 0.8


def test_certify_power_is_the_tost_margin_of_the_smallest_pair():
    groups = _rates("tpr", (60, 100), (600, 1000), (240, 400))
    judged = judge_gap(groups, "certify", "difference", 0.1, 0.05)
    p = 900 / 1500
    se = math.sqrt(p * (1 - p) * (1 / 100 + 1 / 400))
    margin = (norm.ppf(0.95) + norm.ppf(0.9)) * se
    assert f"δ ≈ {margin:.3g}" in judged.power and "n = 100" in judged.power


@pytest.mark.parametrize(
    ("x", "n", "outcome"), [(0, 4, "inconclusive"), (0, 100, "pass"), (40, 100, "fail")]
)
def test_floor_on_an_upper_goal(x, n, outcome):
    judged = judge_floor(GroupValue("fnr", "g", x / n, successes=x, trials=n), 0.3, "max", 0.05)
    assert judged.outcome == outcome
    assert judged.observed == pytest.approx(float(intervals.clopper_pearson(x, n, 0.9)[1]))


@pytest.mark.parametrize(
    ("threshold", "expected"),
    [
        ({"metric": "tpr", "min": 0.5, "mode": "certify"}, "For a goal per group use mode: floor"),
        ({"metric": "disparate_impact_ratio", "max": 0.2, "mode": "certify"}, "give 'min'"),
        ({"metric": "tpr_difference", "max": 0.1, "mode": "certify"}, "does not measure"),
        ({"metric": "equal_opportunity_difference", "max": 0.1, "mode": "floor"}, "use mode"),
        (
            {
                "metric": "equal_opportunity_difference",
                "max": 0.1,
                "mode": "detect",
                "applies_to": "ci_low",
            },
            "remove 'applies_to'",
        ),
        ({"metric": "tpr", "min": 0.5, "max": 0.9, "mode": "floor"}, "not both"),
        ({"metric": "tpr", "min": 0.5, "mode": "judge"}, "certify"),
    ],
)
def test_validate_rejects_modes_that_do_not_fit(tmp_path, threshold, expected):
    spec = base_spec()
    spec["auditors"][0]["thresholds"] = [threshold]
    done = run_spec(tmp_path, spec)
    assert done.returncode == 2, done.stderr
    assert expected in done.stderr and "thresholds[0]" in done.stderr
    assert "Traceback" not in done.stderr


INCONCLUSIVE = {"metric": "disparate_impact_ratio[race_ethnicity]", "min": 0.8, "mode": "detect"}


@pytest.mark.parametrize(("setting", "code"), [("warn", 0), ("fail", 1)])
def test_inconclusive_exit_code_is_the_specs_choice(tmp_path, setting, code):
    spec = base_spec(output=str(tmp_path / "out"))
    spec["auditors"][0]["thresholds"] = [{**INCONCLUSIVE, "inconclusive": setting}]
    done = run_spec(tmp_path, spec)
    assert done.returncode == code, done.stderr
    assert "1 inconclusive" in done.stdout
    (folder,) = Path(tmp_path / "out").iterdir()
    view = json.loads((folder / "report.json").read_text())
    (check,) = view["checks"]
    assert check["status"] == "inconclusive" and check["mode"] == "detect"
    assert "80% power" in check["message"]
    assert view["auditors"][0]["verdict"] == "inconclusive"
    failures = ET.parse(folder / "junit.xml").getroot().findall(".//failure")
    assert len(failures) == code
    assert 'class="badge inconclusive"' in (folder / "report.html").read_text()


def test_a_legacy_interval_gate_on_a_disparity_says_its_error_rate_is_unknown(tmp_path):
    spec = base_spec(output=str(tmp_path / "out"))
    spec["auditors"][0]["thresholds"] = [
        {"metric": "equal_opportunity_difference[sex]", "max": 0.5, "applies_to": "ci_low"}
    ]
    assert run_spec(tmp_path, spec).returncode == 0
    (folder,) = Path(tmp_path / "out").iterdir()
    (check,) = json.loads((folder / "report.json").read_text())["checks"]
    assert "descriptive" in check["message"] and "set mode certify or detect" in check["message"]
