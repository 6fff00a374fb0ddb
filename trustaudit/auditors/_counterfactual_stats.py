"""The metrics and tests of a counterfactual audit, from the answer counts.

Per vignette family (and all vignettes) and group: the rates of RATES, the decision rate's ratio to
the control's, with percentile CIs from a bootstrap over vignettes (the clusters); the accuracy gap
across groups; exact McNemar tests against the control and a chi-square test across groups,
Benjamini-Hochberg corrected over the whole audit; the control's own sample-to-sample flip rate."""

from __future__ import annotations

import numpy as np
from scipy.stats import binomtest, chi2_contingency, false_discovery_control

from ..findings import Metric, MetricKind
from ..llm.vignettes import Vignette
from ._counterfactual_table import ALL, CONTROL, RATES, STATS, Answers, rates
from ._stats import interval, percentile_ci, ratio, spread

# a test before correction: (metric name, family, group, n, p)
Test = tuple[str, str, str | None, int, float]
NOT_FOR_CONTROL = ("flip_rate", "rate_ratio")  # the control against itself


def measure(
    table: Answers, vignettes: list[Vignette], weights: np.ndarray | None, confidence: float
) -> list[Metric]:
    """Every metric of the audit; ``weights`` are the bootstrap's vignette weights (or None)."""
    metrics: list[Metric] = []
    tests: list[Test] = []
    for family in [ALL, *table.families]:
        members = np.array([family == ALL or v.family == family for v in vignettes])
        metrics += _family_metrics(table, family, members, weights, confidence)
        tests += _tests(table, family, members)
    return metrics + _adjusted(tests)


def _family_metrics(
    table: Answers,
    family: str,
    members: np.ndarray,
    weights: np.ndarray | None,
    confidence: float,
) -> list[Metric]:
    counts = table.counts[members]  # (vignettes, groups, stats)
    boot = None if weights is None else np.einsum("bv,vgs->bgs", weights[:, members], counts)
    metrics = _rate_metrics(table, family, counts.sum(axis=0), boot, confidence)
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
    pooled: np.ndarray,
    boot: np.ndarray | None,
    confidence: float,
) -> list[Metric]:
    """Each rate and the rate ratio for every group asked in the family (a group is not asked
    when it would swap a slot clinically relevant to the family's vignettes)."""
    values, samples = _rates_and_samples(table, pooled, boot)
    out = []
    for name, value in values.items():
        low, high = interval(samples.get(name), confidence, len(value))
        for g, group in enumerate(table.groups):
            asked = pooled[g, STATS.index("total")] > 0
            if not asked or (group == CONTROL and name in NOT_FOR_CONTROL):
                continue
            n = int(pooled[g, STATS.index(RATES.get(name, ("", "focal_base"))[1])])
            ok = np.isfinite(value[g])
            out.append(
                Metric(
                    name=name,
                    value=float(value[g]),
                    ci_low=float(low[g]) if ok else np.nan,
                    ci_high=float(high[g]) if ok else np.nan,
                    n=n,
                    grouping=family,
                    group=group,
                    note="" if ok else "not estimable: no answers in its denominator",
                )
            )
    return out


def _rates_and_samples(
    table: Answers, pooled: np.ndarray, boot: np.ndarray | None
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Per rate (and the rate ratio): the value per group, and its resamples (resample x group;
    none without a bootstrap)."""
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
    )


def _tests(table: Answers, family: str, members: np.ndarray) -> list[Test]:
    """Exact McNemar tests of each group against the control (no discordant pairs: p = 1) and a
    chi-square test of decisions across groups, before correction."""
    pooled = table.counts[members].sum(axis=0)
    tests: list[Test] = []
    for g, group in enumerate(table.groups):
        b, c, pairs = (int(pooled[g, STATS.index(k)]) for k in ("b", "c", "pairs"))
        if group != CONTROL and pairs:
            p = binomtest(min(b, c), b + c, 0.5).pvalue if b + c else 1.0
            tests.append(("mcnemar_p_bh", family, group, pairs, p))
    contingency = table.decision_table(members)
    if contingency.ndim == 2 and contingency.shape[0] >= 2:
        # one decision for every group: no difference to detect, the statistic is 0 and p = 1
        p = chi2_contingency(contingency)[1] if contingency.shape[1] >= 2 else 1.0
        tests.append(("chi2_p_bh", family, None, int(contingency.sum()), p))
    return tests


def _adjusted(tests: list[Test]) -> list[Metric]:
    """Benjamini-Hochberg adjusted p over every test of the audit."""
    if not tests:
        return []
    adjusted = false_discovery_control([p for *_, p in tests])
    return [
        Metric(
            name=name,
            value=float(p),
            n=n_pairs,
            grouping=family,
            group=group,
            note="Benjamini-Hochberg adjusted p",
        )
        for (name, family, group, n_pairs, _), p in zip(tests, adjusted, strict=True)
    ]
