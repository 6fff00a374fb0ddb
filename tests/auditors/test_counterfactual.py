"""The counterfactual auditor on models whose bias is known: expectations are computed by brute
force from the model function and the vignettes, not by the auditor."""

import json
import re
from pathlib import Path

import numpy as np
import pytest
import yaml
from statsmodels.stats.proportion import proportion_confint

from trustaudit.errors import DataError, SpecError
from trustaudit.findings import Status
from trustaudit.ledger.chain import read_ledger
from trustaudit.llm.demographics import fill
from trustaudit.llm.vignettes import load_vignettes
from trustaudit.run.runner import prepare, run_audit
from trustaudit.spec import load_spec

from ..conftest import ROOT
from ..fixtures import biased_llm

VIGNETTES = ROOT / "fixtures" / "vignettes" / "clinical_vignettes.jsonl"
MODEL = ROOT / "tests" / "fixtures" / "biased_llm.py"


def _spec(tmp_path, function="generate", **params):
    spec = {
        "name": "cf",
        "seed": 1,
        "output": str(tmp_path / "reports"),
        "model": {"type": "callable", "generate": f"{MODEL}:{function}", **params.pop("model", {})},
        "auditors": [
            {
                "use": "counterfactual",
                "params": {
                    "vignettes": str(VIGNETTES),
                    "swap": ["race_ethnicity", "gender"],
                    "n_boot": 300,
                    "values": {"race_ethnicity": ["White", "Black"], "gender": ["man", "woman"]},
                    **params,
                },
            }
        ],
    }
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(spec))
    return load_spec(path)


def _metrics(run):
    return {m.key: m for m in run.results[0].metrics}


def _brute_force_flips(function, value):
    """(flips, pairs) of one race value against the control, asking the model function directly."""
    flips = pairs = 0
    for v in load_vignettes(VIGNETTES):
        control, swapped = (
            v.extractor(function([{"content": f"{fill(v.text, chosen, v.own)}\n\n{v.question}"}]))
            for chosen in ({}, {"race_ethnicity": value})
        )
        if control.outcome == swapped.outcome == "answer":
            pairs += 1
            flips += control.label != swapped.label
    return flips, pairs


def test_planted_bias_is_found(tmp_path):
    run = run_audit(_spec(tmp_path))
    metrics = _metrics(run)
    flips, pairs = _brute_force_flips(biased_llm.generate, "Black")
    black = metrics["flip_rate[all vignettes=Black]"]
    assert (black.value, black.n) == (flips / pairs, pairs)
    assert flips > 20
    assert metrics["flip_rate[all vignettes=White]"].value == 0.0
    ratio = metrics["rate_ratio[all vignettes=Black]"]
    assert ratio.ci_high < 1
    assert metrics["rate_ratio[all vignettes=White]"].value == 1.0
    assert metrics["mcnemar_p_bh[all vignettes=Black]"].value < 1e-6
    assert metrics["mcnemar_p_bh[all vignettes=White]"].value == 1.0  # no discordant pairs
    assert metrics["chi2_p_bh[all vignettes]"].value < 1e-6
    assert metrics["coverage"].value == 1.0
    assert run.results[0].status is Status.PASS


def test_a_fair_model_shows_no_flips(tmp_path):
    metrics = _metrics(run_audit(_spec(tmp_path, "fair")))
    assert all(m.value == 0.0 for k, m in metrics.items() if k.startswith("flip_rate["))
    assert {m.value for k, m in metrics.items() if k.startswith("mcnemar_p_bh")} == {1.0}
    assert metrics["accuracy_gap[all vignettes]"].value == 0.0


def test_clinically_relevant_slots_are_never_swapped(tmp_path):
    run = run_audit(_spec(tmp_path))
    prompts = [
        r["input"][-1]["content"]
        for r in read_ledger(Path(run.provenance["folder"]) / "ledger.jsonl").records
        if r.get("kind") == "call"
    ]
    pregnant = [p for p in prompts if "pregnan" in p]
    assert pregnant
    assert not any(" man" in p or "transgender" in p for p in pregnant)
    (finding,) = [
        f for f in run.results[0].findings if f.title.startswith("Clinically relevant slots")
    ]
    assert sorted(e.split(":")[0] for e in finding.examples) == [
        "ob-01",
        "ob-02",
        "ob-03",
        "ob-04",
        "ob-05",
        "on-05",
    ]
    assert all(
        p.startswith("A ") and "-year-old" in p.split(".")[0] for p in pregnant
    )  # the control keeps the age
    metrics = _metrics(run)
    assert metrics["decision_rate[obstetrics=Black]"].n == 5
    assert "decision_rate[obstetrics=woman]" not in metrics


def test_several_samples_give_the_noise_floor(tmp_path):
    spec = _spec(
        tmp_path, "noisy", n_samples=3, families=["chest pain"], model={"temperature": 0.7}
    )
    first, second = _metrics(run_audit(spec)), _metrics(run_audit(spec))
    noise = first["control_self_flip_rate[all vignettes]"]
    assert 0 < noise.value < 1
    assert noise.n == 6 * 3  # 6 vignettes, 3 pairs of samples each
    assert noise.value == second["control_self_flip_rate[all vignettes]"].value  # seeded


def test_coverage_floor_makes_the_audit_incomplete(tmp_path):
    low = run_audit(_spec(tmp_path, "flaky"))
    metrics = _metrics(low)
    assert 0.5 < metrics["coverage"].value < 0.9
    assert low.results[0].status is Status.ERROR
    assert "under min_coverage 90%" in low.results[0].error
    assert metrics["error_rate[pain management=control]"].value == 1.0
    tolerant = run_audit(_spec(tmp_path, "flaky", min_coverage=0.5))
    assert tolerant.results[0].status is Status.PASS


def test_refusals_and_unparseable_answers_are_counted(tmp_path):
    metrics = _metrics(run_audit(_spec(tmp_path)))
    assert metrics["refusal_rate[psychiatry=control]"].value == pytest.approx(
        1 / 5
    )  # ps-04 gets a refusal
    assert metrics["unparseable_rate[all vignettes=control]"].value == 0.0


def test_factorial_design_and_group_sampling(tmp_path):
    spec = _spec(tmp_path, design="factorial", families=["sepsis"])
    groups = [k for k in _metrics(run_audit(spec)) if k.startswith("decision_rate[all vignettes=")]
    assert sorted(groups) == sorted(
        f"decision_rate[all vignettes={g}]"
        for g in ("control", "White+man", "White+woman", "Black+man", "Black+woman")
    )
    sampled = _metrics(
        run_audit(_spec(tmp_path, design="factorial", families=["sepsis"], sample_groups=2))
    )
    assert len([k for k in sampled if k.startswith("decision_rate[all vignettes=")]) == 3


def test_report_shows_worst_examples_side_by_side(tmp_path):
    run = run_audit(_spec(tmp_path, worst_examples=3))
    html = (Path(run.provenance["folder"]) / "report.html").read_text()
    assert "<th>control answer</th><th>swapped answer</th>" in html
    assert "Admit. → admit</td><td>Discharge. → discharge" in html
    assert html.count("decision rate and flips by group") >= 8


@pytest.mark.parametrize(
    "params, fragment",
    [
        ({"swap": ["race"]}, "unknown slot 'race'. Did you mean 'race_ethnicity'?"),
        ({"values": {"gender": ["female"]}}, "values.gender: unknown value(s) ['female']"),
        ({"families": ["cardiology"]}, "no vignette of family 'cardiology'"),
    ],
)
def test_parameter_errors(tmp_path, params, fragment):
    with pytest.raises((SpecError, DataError)) as caught:
        prepare(_spec(tmp_path, **params))
    assert fragment in str(caught.value)


def test_counterfactual_needs_a_text_model(tmp_path):
    spec = yaml.safe_load(_spec(tmp_path).path.read_text())
    spec["model"] = {"type": "sklearn", "path": "model.joblib"}
    (tmp_path / "model.joblib").write_text("x")
    (tmp_path / "bad.yaml").write_text(yaml.safe_dump(spec))
    with pytest.raises(
        SpecError,
        match=re.escape(
            "'counterfactual' audits text models, but model.type 'sklearn' is a tabular"
        ),
    ):
        load_spec(tmp_path / "bad.yaml")


@pytest.mark.parametrize(
    "change, fragment",
    [
        (lambda v: {**v, "text": v["text"] + " {ethnicity}"}, "unknown placeholder {ethnicity}"),
        (lambda v: {**v, "gold": "observe"}, "gold: 'observe' is not one of the decisions"),
        (lambda v: {**v, "relevant": ["sex"]}, "relevant: unknown slot 'sex'"),
        (lambda v: {k: x for k, x in v.items() if k != "question"}, "missing key 'question'"),
        (lambda v: {**v, "decision": {"kind": "essay"}}, "unknown decision kind 'essay'"),
    ],
)
def test_vignette_file_errors_name_the_line(tmp_path, change, fragment):
    lines = VIGNETTES.read_text().splitlines()
    lines[2] = json.dumps(change(json.loads(lines[2])))
    (tmp_path / "v.jsonl").write_text("\n".join(lines) + "\n")
    with pytest.raises(DataError) as caught:
        load_vignettes(tmp_path / "v.jsonl")
    assert "v.jsonl: line 3: " in str(caught.value)
    assert fragment in str(caught.value)


def test_bundled_vignettes():
    vignettes = load_vignettes(VIGNETTES)
    assert len(vignettes) >= 40
    assert len({v.family for v in vignettes}) == 8
    assert sum(v.gold is not None for v in vignettes) >= 35
    assert sum(bool(v.relevant) for v in vignettes) == 11
    assert all(v.own["age"] for v in vignettes)


def test_age_swaps_keep_the_control_age_and_skip_children(tmp_path):
    run = run_audit(
        _spec(tmp_path, "fair", swap=["age"], values={}, families=["paediatrics", "sepsis"])
    )
    prompts = [
        r["input"][-1]["content"]
        for r in read_ledger(Path(run.provenance["folder"]) / "ledger.jsonl").records
        if r.get("kind") == "call"
    ]
    assert sum(p.startswith("A 72-year-old patient") for p in prompts) == 1  # sp-01's control
    assert (
        sum(p.startswith("A 90-year-old patient") for p in prompts) == 5
    )  # each sepsis vignette at age 90
    assert not any(
        "-year-old child" in p and p.startswith(("A 30-", "A 45-", "A 65-", "A 90-"))
        for p in prompts
    )


def test_decision_distribution_by_group(tmp_path):
    run = run_audit(_spec(tmp_path, families=["chest pain"]))
    (finding,) = [f for f in run.results[0].findings if f.title == "Decision distribution by group"]
    rows = {(family, group): (n, counts) for family, group, n, counts in finding.examples}
    assert rows[("chest pain", "Black")] == (
        6,
        "A 1 · discharge 5",
    )  # the biased model discharges every Black patient
    assert rows[("chest pain", "control")] == (6, "A 1 · admit 5")
    assert finding.columns == ("family", "group", "n", "decisions")


def test_interrupted_llm_audit_resumes_without_repeating_a_call(tmp_path, monkeypatch):
    log = tmp_path / "calls.log"
    monkeypatch.setenv("TA_CALLS", str(log))
    monkeypatch.setenv("TA_INTERRUPT_AT", "20")
    spec = _spec(
        tmp_path, "counting", families=["sepsis", "psychiatry"], model={"max_in_flight": 4}
    )
    with pytest.raises(KeyboardInterrupt):
        run_audit(spec)
    (folder,) = (tmp_path / "reports").iterdir()
    first_session = log.read_text().splitlines()
    assert (
        20 <= len(first_session) <= 24
    )  # at most the 4 requests in flight finish; the queued ones are not sent
    monkeypatch.delenv("TA_INTERRUPT_AT")
    resumed = run_audit(spec, resume=folder)
    calls = log.read_text().splitlines()
    assert (
        len(calls) == len(set(calls)) == 10 * 5
    )  # every prompt asked exactly once over both sessions
    assert resumed.provenance["resumed_calls"] == len(
        first_session
    )  # all sent requests were answered and recorded
    assert _metrics(resumed)["coverage"].value == 1.0


def test_decisions_that_never_vary_give_chi2_p_of_1_not_an_error(tmp_path):
    """A model that always gives one decision: the chi-square statistic is 0, so p = 1 (no evidence
    of a difference), and a gate on it passes instead of erroring."""
    raw = _spec(tmp_path, "stubborn", families=["chest pain"], n_boot=50).normalized()
    raw["auditors"][0]["thresholds"] = [{"metric": "chi2_p_bh", "min": 0.05}]
    (tmp_path / "gated.yaml").write_text(yaml.safe_dump(raw))
    run = run_audit(load_spec(tmp_path / "gated.yaml"))
    chi2 = [m for m in run.results[0].metrics if m.name == "chi2_p_bh"]
    assert [m.value for m in chi2] == [1.0, 1.0]  # the family and all vignettes
    assert {c.status for c in run.checks} == {Status.PASS}


def test_few_vignettes_never_give_a_degenerate_interval(tmp_path):
    """Chest pain has 6 vignettes: 0 flips of 6 is Clopper-Pearson's [0, 0.46], never the
    bootstrap's [0, 0]; 5 admissions of 5 is not [1, 1]. Each rate carries its counts and method."""
    metrics = _metrics(run_audit(_spec(tmp_path, families=["chest pain"])))
    white = metrics["flip_rate[chest pain=White]"]
    assert (white.value, white.successes, white.trials, white.ci_low) == (0.0, 0, 6, 0.0)
    assert white.ci_high == pytest.approx(proportion_confint(0, 6, 0.05, "beta")[1])
    admit = metrics["decision_rate[chest pain=control]"]
    assert (admit.value, admit.successes, admit.trials, admit.ci_high) == (1.0, 5, 5, 1.0)
    assert admit.ci_low == pytest.approx(proportion_confint(5, 5, 0.05, "beta")[0])
    assert admit.interval == "clopper-pearson-effective-n+bootstrap"
    ratio = metrics["rate_ratio[chest pain=Black]"]
    assert ratio.value == 0.0 and ratio.ci_high > 0.5  # 0 of 5 against 5 of 5 is not [0, 0]
    rates = [m for m in metrics.values() if m.name.endswith("_rate") and m.estimable]
    assert all(m.ci_low < m.ci_high and m.interval for m in rates)


def test_samples_of_one_vignette_count_as_one_vignette(tmp_path):
    """3 samples of 6 vignettes at temperature 0: 18 pairs, but the interval is that of 6."""
    spec = _spec(tmp_path, "fair", n_samples=3, families=["chest pain"])
    flip = _metrics(run_audit(spec))["flip_rate[chest pain=White]"]
    assert (flip.value, flip.n, flip.trials) == (0.0, 18, 18)
    assert flip.ci_high == pytest.approx(proportion_confint(0, 6, 0.05, "beta")[1])
    assert "effective n 6.0 of 18" in flip.note


def test_smallest_attainable_p_and_underpowered_families(tmp_path):
    """4 or 5 pairs per family: even a total flip gives p >= 0.0625, so the finding names each
    family and group with its n and the 6 pairs needed; all 41 pairs together can reach 0.05."""
    run = run_audit(_spec(tmp_path, families=["chest pain", "pain management"]))
    metrics = _metrics(run)
    floor = metrics["mcnemar_min_p[pain management=Black]"]
    assert (floor.value, floor.n) == (0.125, 4)
    assert metrics["mcnemar_p_bh[pain management=Black]"].value >= floor.value
    assert metrics["mcnemar_min_p[chest pain=Black]"].value == 2 * 0.5**5
    assert metrics["mcnemar_min_p[all vignettes=Black]"].value < 1e-2
    (finding,) = [f for f in run.results[0].findings if f.title.startswith("Underpowered")]
    assert "pain management=Black: 4 pairs, smallest attainable p 0.125" in finding.examples
    assert "chest pain=woman: 5 pairs, smallest attainable p 0.0625" in finding.examples
    assert not any(e.startswith("all vignettes") for e in finding.examples)
    assert "at least 6 pairs without correction" in finding.detail
    assert "Benjamini-Hochberg" in finding.detail


def test_lost_decisions_are_counted_not_dropped(tmp_path):
    """A model that refuses women: no flip (no pair left), but every control decision is lost."""
    run = run_audit(_spec(tmp_path, "refuses_women", families=["chest pain"]))
    metrics = _metrics(run)
    lost = metrics["decision_loss_rate[chest pain=woman]"]
    assert (lost.value, lost.successes, lost.trials) == (1.0, 6, 6)
    assert lost.ci_low < 1
    assert metrics["decision_coverage[chest pain=woman]"].value == 0.0
    assert metrics["decision_coverage[chest pain=man]"].value == 1.0
    assert metrics["decision_loss_rate[chest pain=man]"].value == 0.0
    assert not metrics["flip_rate[chest pain=woman]"].estimable
    (changes,) = [f for f in run.results[0].findings if f.title.startswith("Largest changes")]
    assert all(row[1] == "woman" and row[3].endswith("→ refused") for row in changes.examples)


def test_examples_cover_every_changed_family_and_group_largest_first(tmp_path):
    """One example per (family, group) with a change before any gets a second, the largest share
    of changes first (the first six in file order were all chest pain)."""
    run = run_audit(_spec(tmp_path, worst_examples=4))
    metrics = _metrics(run)
    changed = {
        (m.grouping, m.group): m.value
        for m in metrics.values()
        if m.name == "flip_rate" and m.grouping != "all vignettes" and m.value > 0
    }
    assert len(changed) >= 4 and {group for _, group in changed} == {"Black"}
    (finding,) = [f for f in run.results[0].findings if f.title.startswith("Largest changes")]
    family = {v.id: v.family for v in load_vignettes(VIGNETTES)}
    shown = [(family[vignette], group) for vignette, group, *_ in finding.examples]
    assert len(shown) == len(set(shown)) == 4  # four different families
    shares = [changed[cell] for cell in shown]
    assert shares == sorted(shares, reverse=True)
    assert shares[0] == max(changed.values())


def test_rates_name_the_focal_decision(tmp_path):
    run = run_audit(_spec(tmp_path, families=["chest pain", "pain management"]))
    metrics = _metrics(run)
    assert metrics["decision_rate[chest pain=Black]"].note.startswith(
        "admit rate: share of answers that are 'admit'"
    )
    assert metrics["rate_ratio[pain management=Black]"].note == "yes rate over the control's"
    assert "'admit' in 5, 'yes' in 4" in metrics["decision_rate[all vignettes=control]"].note
    assert "of 'admit' against the control" in metrics["mcnemar_p_bh[chest pain=Black]"].note
    html = (Path(run.provenance["folder"]) / "report.html").read_text()
    assert "chest pain: decision rate and flips by group (admit rate)" in html


def test_resamples_with_no_answer_in_the_denominator_have_no_rate():
    """A bootstrap resample that drew no pair has no flip rate (NaN, left out), not 0."""
    from trustaudit.auditors._counterfactual_table import STATS, rates
    from trustaudit.auditors._stats import percentile_ci

    boot = np.zeros((3, 1, len(STATS)))
    boot[1:, 0, STATS.index("pairs")] = 2
    boot[1:, 0, STATS.index("flips")] = 2
    samples = rates("flip_rate", boot)
    assert np.isnan(samples[0, 0]) and (samples[1:, 0] == 1).all()
    assert [float(b[0]) for b in percentile_ci(samples, 0.95)] == [1.0, 1.0]


def test_a_coverage_threshold_gates_answered_requests_only(tmp_path):
    """Refusals lower decision_coverage of a group, not the audit's coverage (requests answered): a
    'coverage' threshold is one check, and it passes."""
    raw = _spec(tmp_path, "refuses_women", families=["chest pain"], n_boot=50).normalized()
    raw["auditors"][0]["thresholds"] = [{"metric": "coverage", "min": 0.9}]
    (tmp_path / "gated.yaml").write_text(yaml.safe_dump(raw))
    run = run_audit(load_spec(tmp_path / "gated.yaml"))
    assert [(c.metric_key, c.status) for c in run.checks] == [("coverage", Status.PASS)]
    assert _metrics(run)["decision_coverage[chest pain=woman]"].value == 0.0
