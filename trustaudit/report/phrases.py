"""The words of the plain-language summary: one phrase per metric family, one context per auditor
and one clause per gate outcome. Tables, so a new metric is a new row, not a new branch.

A phrase names what the model does in a reader's words ("detects fewer 30-day readmissions"),
never a metric key; ``{outcome}`` is the spec's outcome name (``data.outcome_name``, else the
target column) and ``{decision}`` an LLM audit's focal decision."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ..keys import split_key
from ..phi.safe_harbor import SAFE_HARBOR
from ..shown import label

Worse = Literal["lower", "higher"]


@dataclass(frozen=True)
class Phrase:
    """How a sentence speaks of one metric family.

    ``noun``: the measurement's name ("sensitivity"); ``low``/``high``: what the model does when
    the value is below or above its bound; ``worse``: which side is the harmful one, so a gap
    between groups names the group that is worse off first; ``fewer``: the claim for that group.
    """

    noun: str
    low: str
    high: str
    worse: Worse = "lower"
    fewer: str = ""


def _rate(noun: str, low: str, high: str, worse: Worse = "lower", fewer: str = "") -> Phrase:
    return Phrase(noun, low, high, worse, fewer or (low if worse == "lower" else high))


PHRASES: dict[str, Phrase] = {
    # fairness: a binary classifier's per-group rates (fewer: the worse-off group's claim)
    "tpr": _rate(
        "sensitivity",
        "detects too few {outcome}",
        "detects more {outcome}",
        "lower",
        "detects fewer {outcome}",
    ),
    "fnr": _rate("miss rate", "misses few {outcome}", "misses more {outcome}", "higher"),
    "fpr": _rate(
        "false-positive rate",
        "raises few false alarms",
        "raises more false alarms (patients without {outcome} flagged)",
        "higher",
    ),
    "ppv": _rate(
        "positive predictive value",
        "is right less often when it flags {outcome}",
        "is right more often when it flags {outcome}",
    ),
    "selection_rate": _rate(
        "share flagged", "flags fewer patients for {outcome}", "flags more patients for {outcome}"
    ),
    "base_rate": _rate("share with {outcome}", "sees fewer {outcome}", "sees more {outcome}"),
    "accuracy": _rate("accuracy", "is less accurate", "is more accurate"),
    "auroc": _rate(
        "AUROC", "ranks patients by risk of {outcome} less well", "ranks patients better"
    ),
    "oe_ratio": _rate(
        "observed/expected {outcome}",
        "over-predicts {outcome} (fewer occur than it predicts)",
        "under-predicts {outcome} (more occur than it predicts)",
        "higher",
    ),
    "brier": _rate("Brier score", "is well calibrated", "predicts risk poorly", "higher"),
    "ece": _rate("calibration error", "is well calibrated", "is poorly calibrated", "higher"),
    # counterfactual: an LLM's decisions by the patient group a vignette names
    "flip_rate": _rate(
        "share of decisions changed",
        "rarely changes its decision ({decision})",
        "changes its decision ({decision}) against the control",
        "higher",
    ),
    "decision_rate": _rate(
        "rate of {decision}",
        "answers {decision}{where} less often than expected",
        "answers {decision}{where} more often than expected",
    ),
    "rate_ratio": _rate(
        "rate of {decision} relative to the control",
        "answers {decision}{where} less often than for the control",
        "answers {decision}{where} more often than for the control",
    ),
    "decision_loss_rate": _rate(
        "share of decisions lost",
        "rarely loses a decision",
        "refuses or gives no usable answer where the control got a decision",
        "higher",
    ),
    "refusal_rate": _rate("refusal rate", "rarely refuses", "refuses to answer", "higher"),
    "unparseable_rate": _rate(
        "share of unusable answers", "gives usable answers", "gives unusable answers", "higher"
    ),
    "error_rate": _rate("share of failed requests", "answers", "fails to answer", "higher"),
    "decision_coverage": _rate(
        "share of prompts with a decision", "often gives no decision", "gives decisions"
    ),
    "accuracy_gap": _rate(
        "accuracy gap between groups",
        "is as accurate",
        "is less accurate for some groups",
        "higher",
    ),
    "mcnemar_p_bh": _rate(
        "adjusted p of a change against the control",
        "changes its decisions more than chance explains",
        "shows no significant change",
    ),
    "chi2_p_bh": _rate(
        "adjusted p of a difference across groups",
        "decides differently across groups more than chance explains",
        "shows no significant difference",
    ),
    "coverage": _rate("share of requests answered", "left requests unanswered", "answered"),
    # privacy and PHI
    "echoed_phi_per_1000": _rate(
        "PHI repeated from the prompt per 1,000 answers",
        "rarely repeats PHI",
        "repeats {category} from the prompt in its answers",
        "higher",
    ),
    "new_phi_per_1000": _rate(
        "PHI absent from the prompt per 1,000 answers",
        "rarely produces new PHI",
        "produces {category} absent from the prompt (memorised or made up)",
        "higher",
    ),
    "leaky_output_rate": _rate(
        "share of answers with PHI", "rarely leaks PHI", "leaks PHI in its answers", "higher"
    ),
    "identifier_leaks": _rate(
        "identifiers echoed", "leaks no identifier", "echoes identifiers (SSN, MRN, ...)", "higher"
    ),
    "phi_per_1000_rows": _rate(
        "PHI items per 1,000 rows", "holds little PHI", "holds {category}", "higher"
    ),
    "rows_with_phi_rate": _rate(
        "share of rows with PHI", "holds little PHI", "holds PHI in some rows", "higher"
    ),
    "verbatim_rate": _rate(
        "share of planted secrets completed verbatim",
        "does not repeat planted secrets",
        "completes planted secrets verbatim",
        "higher",
    ),
    "partial_rate": _rate(
        "share of planted secrets partly completed",
        "does not repeat planted secrets",
        "completes planted secrets in part",
        "higher",
    ),
    "exposure": _rate("exposure (bits)", "exposes little", "exposes a planted secret", "higher"),
    "max_exposure": _rate(
        "largest exposure (bits)", "exposes little", "exposes a planted secret", "higher"
    ),
    "mia_auc": _rate(
        "membership attack AUROC (0.5 is chance)",
        "does not reveal its training rows",
        "reveals which rows it was trained on",
        "higher",
    ),
    "mia_tpr_at_fpr": _rate(
        "training rows found at a low false-alarm rate",
        "does not reveal its training rows",
        "reveals which rows it was trained on",
        "higher",
    ),
    # robustness
    "accuracy_drop_rate": _rate(
        "relative accuracy drop", "keeps its accuracy", "loses accuracy", "higher"
    ),
    "auroc_drop_rate": _rate(
        "relative AUROC drop", "keeps its ranking", "ranks patients less well", "higher"
    ),
    "directional_pass_rate": _rate(
        "share of decisions that changed as they should",
        "rarely changes its decision when the finding is negated",
        "changes its decision when the finding is negated",
    ),
    # accountability (1/0 facts, and counts)
    "ledger_completeness": _rate(
        "share of complete ledger records", "has incomplete call records", "has complete records"
    ),
    "chain_intact": _rate(
        "ledger chain intact (1 yes, 0 no)",
        "has a broken ledger chain: the record of model calls may have been altered",
        "has an intact ledger chain",
    ),
    "declared_within_ci": _rate(
        "declared performance inside the measured interval (1 yes, 0 no)",
        "does not perform as its instructions for use declare",
        "performs as declared",
    ),
    "model_changed": _rate(
        "model changed since the baseline (1 yes, 0 no)",
        "is the baseline's model",
        "is not the model of the baseline run: it needs a new audit",
        "higher",
    ),
    "model_calls": _rate("model calls", "made few calls", "made many calls", "higher"),
    # train/test overlap
    "train_overlap_rate": _rate(
        "share of audit rows also in training",
        "was audited on rows unseen in training",
        "was audited on rows that also appear in its training data",
        "higher",
    ),
    "train_key_overlap_rate": _rate(
        "share of audit rows whose key also appears in training",
        "was audited on patients unseen in training",
        "was audited on patients (same key) who also appear in its training data",
        "higher",
    ),
}

#: metric names an auditor uses for its own notion (robustness' flip_rate is not the LLM's)
AUDITOR_PHRASES: dict[tuple[str, str], Phrase] = {
    ("robustness", "flip_rate"): _rate(
        "share of predictions changed", "is stable", "changes its prediction", "higher"
    ),
    ("text_robustness", "flip_rate"): _rate(
        "share of decisions changed", "is stable", "changes its decision", "higher"
    ),
}


#: what a sentence is about, when not the model (an audit of the data alone)
SUBJECTS = {"phi_scan": "The audit data"}


def phrase(auditor: str, name: str) -> Phrase:
    """The phrase of metric ``name`` as ``auditor`` measures it; an unknown metric is named by its
    key (a user's own auditor still gets a sentence)."""
    found = AUDITOR_PHRASES.get((auditor, name)) or PHRASES.get(name)
    return found or _rate(name.replace("_", " "), f"has a low {name}", f"has a high {name}")


def category_name(letter: str) -> str:
    """``(D) telephone numbers`` for a Safe Harbor letter; 'all' is any PHI."""
    for category in SAFE_HARBOR:
        if category.letter == letter:
            return f"({letter}) {category.name.lower()}"
    return "PHI"


def context(auditor: str, grouping: str | None, group: str | None) -> str:
    """Where a metric was measured, in words: ' among Black patients', ' under typos (level
    0.1)', ' in chest pain vignettes for Black patients'; '' for an overall metric. Group and
    grouping names come from the data: they pass ``shown.label``."""
    grouping, group = (
        (label(grouping) if grouping else grouping),
        (label(group) if group else group),
    )
    if grouping in (None, "overall") and group in (None, "all"):
        return ""
    if auditor == "counterfactual":
        where = (
            " over all vignettes" if grouping == "all vignettes" else f" in {grouping} vignettes"
        )
        return f" for {group} patients{where}" if group else where
    if auditor in ("robustness", "text_robustness"):
        return f" under {str(grouping).replace('_', ' ')} (level {group})"  # a perturbation
    if grouping == "category":
        return ""  # the category is named by the phrase itself ({category})
    if auditor == "accountability" and grouping:  # declared performance: grouping is a key
        name, among, group = split_key(grouping)
        where = context("fairness", among, group) if among != "overall" else ""
        return f" for its {phrase(auditor, name).noun.format(outcome='the outcome')}{where}"
    if group is None:
        return f" by {grouping}"
    return f" among {group_words(group)} patients"


def group_words(group: str) -> str:
    """An intersection 'Black+M' reads 'Black, M'."""
    return ", ".join(group.split("+"))


def bound_words(low: float | None, high: float | None, number) -> str:
    """'the bound 0.80–1.20', 'the bound ≥ 0.80' or 'the bound ≤ 0.10'."""
    if low is not None and high is not None:
        return f"the bound {number(low)}–{number(high)}"
    return f"the bound ≥ {number(low)}" if low is not None else f"the bound ≤ {number(high)}"


#: the clause of a gate mode's outcome, after the numbers (bound: the threshold in words)
MODE_CLAUSES: dict[tuple[str, str], str] = {
    ("certify", "fail"): "the gap could not be certified below {bound}; it is estimated beyond it",
    ("certify", "inconclusive"): "the gap is estimated within {bound} but could not be certified",
    ("detect", "fail"): "the data show a gap beyond {bound}",
    ("detect", "inconclusive"): (
        "the gap is estimated beyond {bound}, but with every pair of groups compared at once "
        "the data cannot prove it"
    ),
    ("floor", "fail"): "the estimate misses the goal ({bound})",
    ("floor", "inconclusive"): "the estimate meets the goal ({bound}), but the data cannot show it",
}

#: the verdict, in words, by the run's status
VERDICTS: dict[str, str] = {
    "pass": "The audit passed: every check the spec sets holds.",
    "warn": "The audit passed with warnings: no check at level fail broke, but some need review.",
    "inconclusive": (
        "The audit is inconclusive: the data could neither show nor rule out a problem the spec "
        "gates on."
    ),
    "fail": "The audit failed: at least one check at level fail broke.",
    "error": "The audit could not complete: an auditor or the model failed, so it is no pass.",
}
