"""Text robustness on models whose sensitivity is known: expected rates computed by brute force,
applying the same seeded perturbations to the same control texts and asking the model function
directly."""

import numpy as np
import pytest
import yaml
from statsmodels.stats.proportion import proportion_confint

from trustaudit.llm.demographics import fill
from trustaudit.llm.vignettes import load_vignettes
from trustaudit.perturbations.text import TEXT, negate
from trustaudit.run.runner import run_audit
from trustaudit.spec import load_spec

from ..conftest import ROOT
from ..fixtures import biased_llm

VIGNETTES = ROOT / "fixtures" / "vignettes" / "clinical_vignettes.jsonl"
MODEL = ROOT / "tests" / "fixtures" / "biased_llm.py"


def _run(tmp_path, function, perturbations, model=None, **params):
    spec = {
        "name": "tr",
        "seed": 5,
        "output": str(tmp_path / "reports"),
        "model": model or {"type": "callable", "generate": f"{MODEL}:{function}"},
        "auditors": [
            {
                "use": "text_robustness",
                "params": {
                    "vignettes": str(VIGNETTES),
                    "n_boot": 100,
                    "perturbations": perturbations,
                    **params,
                },
            }
        ],
    }
    (tmp_path / "spec.yaml").write_text(yaml.safe_dump(spec))
    run = run_audit(load_spec(tmp_path / "spec.yaml"))
    return run, {m.key: m for m in run.results[0].metrics}


def _brute_force(function, perturb):
    """(changed, answered) over all vignettes, in order: the control text against ``perturb(index,
    text)``."""
    changed = answered = 0
    for i, v in enumerate(load_vignettes(VIGNETTES)):
        clean = fill(v.text, {}, v.own)
        before, after = (
            v.extractor(function([{"content": f"{text}\n\n{v.question}"}])).label
            for text in (clean, perturb(i, clean))
        )
        if before is not None and after is not None:
            answered += 1
            changed += before != after
    return changed, answered


def test_invariance_flips_match_brute_force(tmp_path):
    _, metrics = _run(
        tmp_path, "pain_keyword", [{"name": "typos", "levels": [0.5]}, {"name": "to_generic"}]
    )
    rng = np.random.default_rng(
        [5, 0, 0]
    )  # the auditor's stream for perturbation 0, level 0, used in vignette order
    perturbed = [
        TEXT["typos"](fill(v.text, {}, v.own), 0.5, rng) for v in load_vignettes(VIGNETTES)
    ]
    changed, answered = _brute_force(biased_llm.pain_keyword, lambda i, text: perturbed[i])
    flip = metrics["flip_rate[typos=0.5]"]
    assert (flip.value, flip.n) == (changed / answered, answered)
    assert changed > 0
    untouched = metrics["flip_rate[to_generic=1]"]  # no bundled vignette names a brand-name drug
    assert np.isnan(untouched.value)
    assert "changed no answered vignette" in untouched.note


def test_negation_is_directional(tmp_path):
    _, metrics = _run(tmp_path, "negation_aware", [{"name": "negation"}])
    changed, answered = _brute_force(biased_llm.negation_aware, lambda i, text: negate(text))
    passed = metrics["directional_pass_rate[negation=1]"]
    assert (passed.value, passed.n) == (changed / answered, answered)
    assert passed.value > 0.8
    _, blind = _run(tmp_path, "pain_keyword", [{"name": "negation"}])
    assert blind["directional_pass_rate[negation=1]"].value < passed.value


def test_an_invariant_model_does_not_flip(tmp_path):
    run, metrics = _run(
        tmp_path,
        "fair",
        [{"name": "typos", "levels": [0.3]}, {"name": "convert_units"}, {"name": "distractors"}],
    )
    assert {
        m.value
        for k, m in metrics.items()
        if k.startswith(("flip_rate", "accuracy_drop_rate")) and not np.isnan(m.value)
    } == {0.0}
    assert run.results[0].findings == ()


@pytest.mark.extra("llm")
def test_the_bundled_llm(tmp_path):
    spec = yaml.safe_load((ROOT / "audits" / "demo-llm.yaml").read_text())
    spec["auditors"] = [
        {
            "use": "text_robustness",
            "params": {
                "vignettes": str(VIGNETTES),
                "families": ["chest pain"],
                "n_boot": 100,
                "perturbations": [{"name": "typos", "levels": [0.3]}, {"name": "negation"}],
            },
        }
    ]
    spec["output"] = str(tmp_path / "reports")
    (tmp_path / "spec.yaml").write_text(yaml.safe_dump(spec))
    metrics = {m.key: m for m in run_audit(load_spec(tmp_path / "spec.yaml")).results[0].metrics}
    assert 0 <= metrics["flip_rate[typos=0.3]"].value <= 1
    assert metrics["flip_rate[typos=0.3]"].n >= 4


def test_multiple_choice_perturbations_map_answers_back(tmp_path):
    """A model that always picks the option whose text is correct stays correct whatever the order;
    a model that always answers 'A' is exposed by reordering."""
    _, content = _run(
        tmp_path, "content_picker", [{"name": "option_order"}, {"name": "none_of_the_others"}]
    )
    assert content["flip_rate[option_order=1]"].value == 0.0
    assert content["flip_rate[option_order=1]"].n == 2
    assert content["accuracy_drop_rate[none_of_the_others=1]"].value == 0.0
    _, position = _run(tmp_path, "always_a", [{"name": "option_order"}])
    assert position["flip_rate[option_order=1]"].value > 0  # the letter stayed, the option moved


def test_resamples_without_an_applicable_case_are_left_out_of_the_interval():
    """Two applicable cases, both flipped: every resample that drew one says 100%, so the interval
    is [1, 1]; a resample that drew neither has no flip rate (it used to count as 0: [0, 1])."""
    from trustaudit.auditors._stats import bootstrap_weights, scalar_interval, share

    changed = np.array([1.0, 1.0, 0.0, 0.0, 0.0, 0.0])
    applies = np.array([1.0, 1.0, 0.0, 0.0, 0.0, 0.0])
    weights = bootstrap_weights(6, 2000, np.random.default_rng(0))
    value, samples = share(changed, applies, weights)
    assert value == 1.0
    assert np.isnan(samples).any()  # (4/6)^6 of resamples draw no applicable case
    assert scalar_interval(samples, 0.95) == (1.0, 1.0)


def test_lost_decisions_are_counted(tmp_path):
    """A model that loses its decision once a typo hits 'pain': the flip rate over the cases still
    answered is 0, but decision_loss_rate, unparseable_rate and coverage show what was lost (the
    issue's '12 cases fell to 3, flip_rate 0.000 [0, 0]')."""
    run, metrics = _run(tmp_path, "typo_fragile", [{"name": "typos", "levels": [0.5]}])
    rng = np.random.default_rng([5, 0, 0])
    vignettes = load_vignettes(VIGNETTES)
    lost = reference = unparseable = decided = applicable = 0
    for v in vignettes:
        clean = fill(v.text, {}, v.own)
        perturbed = TEXT["typos"](clean, 0.5, rng)
        if perturbed == clean:
            continue
        before, after = (
            v.extractor(biased_llm.typo_fragile([{"content": f"{t}\n\n{v.question}"}]))
            for t in (clean, perturbed)
        )
        applicable += 1
        reference += before.outcome == "answer"
        lost += before.outcome == "answer" and after.outcome != "answer"
        unparseable += after.outcome == "unparseable"
        decided += after.outcome == "answer"
    loss = metrics["decision_loss_rate[typos=0.5]"]
    assert (loss.successes, loss.trials) == (lost, reference)
    assert lost >= 3 and loss.ci_low > 0
    assert metrics["unparseable_rate[typos=0.5]"].successes == unparseable
    coverage = metrics["decision_coverage[typos=0.5]"]
    assert (coverage.successes, coverage.trials) == (decided, applicable)
    assert f"{unparseable} unparseable" in coverage.note
    flip = metrics["flip_rate[typos=0.5]"]
    assert flip.value == 0.0 and flip.ci_high > 0.2  # few cases left: a wide interval
    (finding,) = run.results[0].findings
    assert any(row[3].endswith("→ unparseable") for row in finding.examples)


def test_rates_carry_counts_and_exact_intervals(tmp_path):
    """An invariant model: 0 flips of n is Clopper-Pearson's [0, upper], not [0, 0]."""
    _, metrics = _run(tmp_path, "fair", [{"name": "typos", "levels": [0.3]}])
    flip = metrics["flip_rate[typos=0.3]"]
    assert (flip.value, flip.successes, flip.trials, flip.ci_low) == (0.0, 0, flip.n, 0.0)
    assert flip.ci_high == pytest.approx(proportion_confint(0, flip.n, 0.05, "beta")[1])
    assert flip.interval == "clopper-pearson-effective-n+bootstrap"
    drop = metrics["accuracy_drop_rate[typos=0.3]"]
    assert drop.value == 0.0 and drop.ci_low < 0 < drop.ci_high


def test_examples_cover_every_changed_level_largest_first(tmp_path):
    """Two examples, two levels with changes: one from each, the level with more changes first
    (it used to be the first changes in variant order)."""
    run, metrics = _run(
        tmp_path,
        "pain_keyword",
        [{"name": "typos", "levels": [0.2, 0.6]}],
        worst_examples=2,
    )
    low, high = (metrics[f"flip_rate[typos={level}]"].value for level in ("0.2", "0.6"))
    assert 0 < low < high
    (finding,) = run.results[0].findings
    assert [row[1] for row in finding.examples] == ["typos=0.6", "typos=0.2"]
