"""The metrics and tests of a counterfactual audit, from the answer counts.

Per vignette family (and all vignettes) and group: the rates of RATES, the decision rate's ratio to
the control's; the accuracy gap across groups; exact McNemar tests against the control and a
chi-square test across groups, Benjamini-Hochberg corrected over the whole audit, each with the
smallest p it could reach with the answers at hand; the control's own sample-to-sample flip rate.

Intervals (stats/clustered.py): a rate's is the union of Clopper-Pearson on the effective number of
answers (the vignettes are the clusters) and the percentile bootstrap over vignettes, so it never
collapses to [0, 0] or [1, 1] with few vignettes; the rate ratio's is the union of MOVER on the log
scale and the bootstrap; the accuracy gap (max - min) keeps its bootstrap, labelled descriptive.
A bootstrap resample with no answer in a rate's denominator has no rate (NaN, left out)."""

from __future__ import annotations

from collections import Counter

import numpy as np
from scipy.stats import binomtest, chi2_contingency, false_discovery_control

from ..findings import Metric, MetricKind
from ..llm.vignettes import Vignette
from ..stats.clustered import (
    CLUSTERED,
    RATIO,
    WITH_BOOTSTRAP,
    chi2_min_p,
    clustered_interval,
    clustered_ratio_interval,
    mcnemar_min_p,
    united,
)
from ._counterfactual_table import ALL, CONTROL, RATES, STATS, Answers, rates
from ._stats import percentile_ci, ratio, spread

# a test before correction: (metric name, family, group, n, p, note)
Test = tuple[str, str, str | None, int, float, str]
NOT_FOR_CONTROL = ("flip_rate", "rate_ratio", "decision_loss_rate")  # the control against itself
NOTES = {
    "flip_rate": "share of the pairs (same vignette and sample, both answered) whose decision "
    "differs from the control's",
    "decision_loss_rate": "share of the control's decisions (same vignette and sample) for which "
    "this group got none: refused, unparseable or failed",
    "refusal_rate": "share of prompts refused",
    "unparseable_rate": "share of prompts whose answer gave no decision",
    "error_rate": "share of prompts whose request failed",
    "accuracy": "share of answers (refused and unparseable included) matching the gold answer",
}


def measure(
    table: Answers, vignettes: list[Vignette], weights: np.ndarray | None, confidence: float
) -> list[Metric]:
    """Every metric of the audit; ``weights`` are the bootstrap's vignette weights (or None)."""
    metrics: list[Metric] = []
    tests: list[Test] = []
    for family in [ALL, *table.families]:
        members = np.array([family == ALL or v.family == family for v in vignettes])
        focal = focal_name([v for v, keep in zip(vignettes, members, strict=True) if keep])
        metrics += _family_metrics(table, family, members, weights, confidence, focal)
        family_tests = _tests(table, family, members, focal)
        metrics += _attainable(table, family, members, family_tests)
        tests += family_tests
    return metrics + _adjusted(tests)


def focal_name(vignettes: list[Vignette]) -> str:
    """How rates name the focal decision of these vignettes: 'admit', or several with their
    vignette counts ('admit' in 5, 'yes' in 3); '' when none has one."""
    focals = Counter(v.focal for v in vignettes if v.focal is not None)
    if len(focals) == 1:
        return f"'{next(iter(focals))}'"
    return ", ".join(f"'{focal}' in {n}" for focal, n in focals.most_common())


def _rate_note(name: str, focal: str) -> str:
    """What rate ``name`` counts, naming the focal decision (``focal_name``)."""
    single = focal.count("'") == 2
    if name == "decision_rate":
        if not focal:
            return "no focal decision in these vignettes (letter or number answers)"
        what = f"{focal[1:-1]} rate" if single else f"focal-decision rate ({focal})"
        return (
            f"{what}: share of answers that are {focal if single else 'the focal decision'} "
            "(refused and unparseable answers count as other answers)"
        )
    if name == "rate_ratio":
        return f"{focal[1:-1] if single else 'focal-decision'} rate over the control's"
    if name == "decision_coverage":
        return "share of prompts that gave a decision (not refused, unparseable or failed)"
    return NOTES[name]


def _family_metrics(
    table: Answers,
    family: str,
    members: np.ndarray,
    weights: np.ndarray | None,
    confidence: float,
    focal: str,
) -> list[Metric]:
    counts = table.counts[members]  # (vignettes, groups, stats)
    boot = None if weights is None else np.einsum("bv,vgs->bgs", weights[:, members], counts)
    metrics = _rate_metrics(table, family, counts, boot, confidence, focal)
    gap = _accuracy_gap(
        family, counts, None if weights is None else weights[:, members], confidence
    )
    if gap is not None:
        metrics.append(gap)
    noise = table.control_self_flips(members)
    if noise is not None:
        metrics.append(
            Metric(
                name="control_self_flip_rate",
                value=noise[0],
                n=noise[1],
                grouping=family,
                note="sampling noise: control answers that differ between samples of one prompt",
            )
        )
    return metrics


def _rate_metrics(
    table: Answers,
    family: str,
    counts: np.ndarray,
    boot: np.ndarray | None,
    confidence: float,
    focal: str,
) -> list[Metric]:
    """Each rate and the rate ratio for every group asked in the family (a group is not asked
    when it would swap a slot clinically relevant to the family's vignettes)."""
    pooled = counts.sum(axis=0)
    values, samples = _rates_and_samples(table, pooled, boot)
    out = []
    for name, value in values.items():
        (low, high), n_eff, method = _bounds(table, name, counts, samples.get(name), confidence)
        numerator, denominator = RATES.get(name, ("", "focal_base"))
        for g, group in enumerate(table.groups):
            asked = pooled[g, STATS.index("total")] > 0
            if not asked or (group == CONTROL and name in NOT_FOR_CONTROL):
                continue
            n = int(pooled[g, STATS.index(denominator)])
            ok = np.isfinite(value[g])
            note = _rate_note(name, focal)
            if ok and n_eff is not None and n_eff[g] < n - 0.05:
                note += f"; effective n {n_eff[g]:.1f} of {n} (answers of one vignette correlate)"
            out.append(
                Metric(
                    name=name,
                    value=float(value[g]),
                    ci_low=float(low[g]) if ok else np.nan,
                    ci_high=float(high[g]) if ok else np.nan,
                    n=n,
                    grouping=family,
                    group=group,
                    note=note if ok else "not estimable: no answers in its denominator",
                    successes=int(pooled[g, STATS.index(numerator)]) if numerator else None,
                    trials=n if numerator else None,
                    interval=method,
                )
            )
    return out


def _bounds(
    table: Answers, name: str, counts: np.ndarray, samples: np.ndarray | None, confidence: float
) -> tuple[tuple[np.ndarray, np.ndarray], np.ndarray | None, str]:
    """Per group: the interval of rate ``name`` (clusters: the vignettes, axis 0 of ``counts``),
    the effective number of answers (None for the ratio) and the method's name."""
    if name == "rate_ratio":
        x, m = (counts[..., STATS.index(k)] for k in ("focal", "focal_base"))
        control = table.groups.index(CONTROL)
        bounds = clustered_ratio_interval(x, m, x[:, [control]], m[:, [control]], confidence)
        n_eff, method = None, RATIO
    else:
        x, m = (counts[..., STATS.index(k)] for k in RATES[name])
        _, n_eff, bounds = clustered_interval(x, m, confidence)
        method = CLUSTERED
    if samples is not None:
        bounds = united(bounds, percentile_ci(samples, confidence))
        method += WITH_BOOTSTRAP
    return bounds, n_eff, method


def _rates_and_samples(
    table: Answers, pooled: np.ndarray, boot: np.ndarray | None
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Per rate (and the rate ratio): the value per group, and its resamples (resample x group;
    none without a bootstrap). A resample with an empty denominator gives NaN (ratio)."""
    control = table.groups.index(CONTROL)
    values = {name: rates(name, pooled) for name in RATES}
    values["rate_ratio"] = ratio(values["decision_rate"], values["decision_rate"][control])
    if boot is None:
        return values, {}
    samples = {name: rates(name, boot) for name in RATES}
    samples["rate_ratio"] = ratio(samples["decision_rate"], samples["decision_rate"][:, [control]])
    return values, samples


def _accuracy_gap(
    family: str, counts: np.ndarray, weights: np.ndarray | None, confidence: float
) -> Metric | None:
    """Max - min accuracy over groups, on the vignettes every group was asked (so that groups are
    compared on the same vignettes); None when fewer than two groups have an accuracy."""
    common = (counts[..., STATS.index("total")] > 0).all(axis=1)
    common_counts = counts[common]
    gap = spread(rates("accuracy", common_counts.sum(axis=0)))[0]
    if not np.isfinite(gap):
        return None
    if weights is None:
        gap_samples = np.array([np.nan])
    else:
        resampled = np.einsum("bv,vgs->bgs", weights[:, common], common_counts)
        gap_samples = spread(rates("accuracy", resampled))[0]
    low, high = percentile_ci(gap_samples[:, None], confidence)
    return Metric(
        name="accuracy_gap",
        value=float(gap),
        ci_low=float(low[0]),
        ci_high=float(high[0]),
        n=int(common_counts[..., STATS.index("gold_base")].sum()),
        grouping=family,
        group=None,
        note=f"max - min over groups, on the {int(common.sum())} vignette(s) every group was asked",
        kind=MetricKind.DISPARITY,
        interval="bootstrap-percentile (descriptive)",
    )


def _tests(table: Answers, family: str, members: np.ndarray, focal: str) -> list[Test]:
    """Exact McNemar tests of each group against the control (no discordant pairs: p = 1) and a
    chi-square test of decisions across groups, before correction."""
    pooled = table.counts[members].sum(axis=0)
    tests: list[Test] = []
    note = f"exact McNemar of {focal or 'the focal decision'} against the control"
    for g, group in enumerate(table.groups):
        b, c, pairs, focal_pairs = (
            int(pooled[g, STATS.index(k)]) for k in ("b", "c", "pairs", "focal_pairs")
        )
        if group != CONTROL and pairs:
            p = binomtest(min(b, c), b + c, 0.5).pvalue if b + c else 1.0
            why = note if focal else "no focal decision (letter or number answers): p = 1"
            tests.append(("mcnemar_p_bh", family, group, focal_pairs, p, why))
    contingency = table.decision_table(members)
    if contingency.ndim == 2 and contingency.shape[0] >= 2:
        # one decision for every group: no difference to detect, the statistic is 0 and p = 1
        p = chi2_contingency(contingency)[1] if contingency.shape[1] >= 2 else 1.0
        total = int(contingency.sum())
        tests.append(("chi2_p_bh", family, None, total, p, "chi-square of decisions across groups"))
    return tests


def _attainable(
    table: Answers, family: str, members: np.ndarray, tests: list[Test]
) -> list[Metric]:
    """For each test, the smallest p it could give with the answers at hand, whatever the model
    did (Benjamini-Hochberg never lowers a p, so the adjusted p has the same floor)."""
    out = []
    for name, _, group, n, _, _ in tests:
        if name == "mcnemar_p_bh":
            floor = float(mcnemar_min_p(n))
            why = f"2 x 0.5^{n}: every one of the {n} pairs discordant the same way"
        else:
            groups, decisions = table.decision_table(members).shape
            floor = chi2_min_p(n, groups, max(2, decisions))
            why = f"{n} answers of {groups} groups, decisions perfectly separated by group"
        out.append(
            Metric(
                name=name.replace("_p_bh", "_min_p"),
                value=floor,
                n=n,
                grouping=family,
                group=group,
                note=f"smallest attainable p ({why})",
            )
        )
    return out


def _adjusted(tests: list[Test]) -> list[Metric]:
    """Benjamini-Hochberg adjusted p over every test of the audit."""
    if not tests:
        return []
    adjusted = false_discovery_control([p for *_, p, _ in tests])
    return [
        Metric(
            name=name,
            value=float(p),
            n=n,
            grouping=family,
            group=group,
            note=f"{note}; Benjamini-Hochberg adjusted over the audit's {len(tests)} tests",
        )
        for (name, family, group, n, _, note), p in zip(tests, adjusted, strict=True)
    ]
