"""Drafted warnings: known risks, known biases, cautioned settings, and each key metric's goal
and interpretation, written from the checks that failed, warned, were inconclusive or could not
be judged, the auditors that could not complete and the groups that were not estimable. Drafts
are for review: the field names who reviews them."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from .measured import FAIRNESS_AUDITORS, Measured, check_category
from .sources import RunSource

NOT_PASSING = ("fail", "error", "inconclusive", "warn")
ROBUSTNESS_AUDITORS = ("robustness", "text_robustness")
PRIVACY_AUDITORS = ("privacy", "canary", "membership", "phi_scan")
UNTESTED_SECURITY = (
    "Security: no prompt-injection, data-poisoning or adversarial-example tests were run "
    "(trustaudit has none); confidentiality attacks are covered only where a privacy, canary or "
    "membership auditor ran."
)


@dataclass(frozen=True)
class Draft:
    """A drafted (or measured) text and what it was drafted from."""

    text: str
    sources: tuple[str, ...]
    metrics: tuple[str, ...] = ()


def _where(source: RunSource, several: bool) -> str:
    return f"[{source.name}] " if several else ""


def _problem_checks(
    sources: list[RunSource], categories: tuple[str, ...]
) -> Iterator[tuple[RunSource, dict[str, Any]]]:
    for source in sources:
        for check in source.view["checks"]:
            if check["status"] in NOT_PASSING and check_category(source, check) in categories:
                yield source, check


def _check_lines(
    sources: list[RunSource], categories: tuple[str, ...]
) -> tuple[list[str], list[str]]:
    """One line per problem check, and the metric keys they name."""
    several = len(sources) > 1
    lines, keys = [], []
    for source, check in _problem_checks(sources, categories):
        lines.append(
            f"- {_where(source, several)}{check['status'].upper()} `{check['metric']}` "
            f"({check['auditor']}): {check['message']}"
        )
        keys.append(check["metric"])
    return lines, keys


def _auditor_names(sources: list[RunSource]) -> set[str]:
    return {a["name"] for s in sources for a in s.view["auditors"]}


def _errors(sources: list[RunSource]) -> list[str]:
    several = len(sources) > 1
    return [
        f"- {_where(s, several)}The {a['label']} auditor could not complete: {a['error']}"
        for s in sources
        for a in s.view["auditors"]
        if a["status"] == "error"
    ]


def _findings(sources: list[RunSource], *, fairness: bool) -> list[str]:
    """The titles of the medium and high findings of the fairness auditors, or of the others."""
    return [
        f"- Finding ({f['severity']}) of {a['label']}: {f['title']}"
        for s in sources
        for a in s.view["auditors"]
        if (a["name"] in FAIRNESS_AUDITORS) == fairness
        for f in a["findings"]
        if f["severity"] in ("medium", "high")
    ]


def known_risks(sources: list[RunSource]) -> Draft:
    """Risks and limitations: problem checks outside fairness, auditors that failed, findings
    of medium or high severity, and what was not tested."""
    lines, keys = _check_lines(sources, ("usefulness", "safety"))
    lines += _errors(sources)
    lines += _findings(sources, fairness=False)
    ran = _auditor_names(sources)
    if not ran & set(ROBUSTNESS_AUDITORS):
        lines.append("- Not tested: robustness to realistic input changes (no robustness auditor).")
    if not ran & set(PRIVACY_AUDITORS):
        lines.append("- Not tested: privacy leakage (no privacy, canary or membership auditor).")
    lines.append(f"- {UNTESTED_SECURITY}")
    return Draft("\n".join(lines), ("report.json: checks, auditors, findings",), tuple(keys))


def known_biases(sources: list[RunSource]) -> Draft:
    """Biases: the fairness checks that failed, warned or were inconclusive, with their
    estimates and intervals as the gate stated them."""
    if not _auditor_names(sources) & set(FAIRNESS_AUDITORS):
        text = "Not tested: no fairness or counterfactual auditor ran on this model."
        return Draft(text, ("report.json: auditors",))
    lines, keys = _check_lines(sources, ("fairness",))
    passed = sum(
        1
        for s in sources
        for c in s.view["checks"]
        if c["status"] == "pass" and check_category(s, c) == "fairness"
    )
    tail = f"{passed} fairness check(s) passed; a pass in detect mode is not proof of fairness."
    if not lines:
        lines = ["No fairness check failed, warned or was inconclusive."]
    lines += _findings(sources, fairness=True)
    return Draft("\n".join([*lines, tail]), ("report.json: checks, findings",), tuple(keys))


def cautioned_settings(sources: list[RunSource]) -> Draft:
    """Where the evidence cautions use: groups that could not be estimated, and groups or
    perturbations a threshold flagged."""
    lines = []
    for source in sources:
        for auditor in source.view["auditors"]:
            lines += _not_estimable(auditor)
    flagged = sorted(
        {
            c["metric"]
            for _, c in _problem_checks(sources, ("fairness", "safety"))
            if "=" in c["metric"]
        }
    )
    lines += [f"- Flagged by a threshold: `{key}`" for key in flagged]
    if not lines:
        lines = ["No group was left unestimated and no group or perturbation was flagged."]
    head = "Evidence that should bound the intended use (to be reviewed):"
    return Draft("\n".join([head, *lines]), ("report.json: metrics, checks",), tuple(flagged))


def _not_estimable(auditor: dict[str, Any]) -> list[str]:
    """One line per group with a metric that could not be estimated, naming its reasons."""
    reasons: dict[str, set[str]] = {}
    for metric in auditor["metrics"]:
        if metric["value"] is None and metric["group"] is not None:
            where = f"{metric['grouping']}={metric['group']}"
            reasons.setdefault(where, set()).add(metric["note"] or "not estimable")
    return [
        f"- Not estimable ({auditor['label']}): {where}: {'; '.join(sorted(notes))}"
        for where, notes in reasons.items()
    ]


def metric_goal(sources: list[RunSource], name: str) -> Draft:
    """The goals the spec's thresholds set for a category, with where each bound comes from (a
    threshold applied to many groups is one goal)."""
    goals: dict[tuple[str, str, str], int] = {}
    for source in sources:
        for check in source.view["checks"]:
            if check_category(source, check) == name:
                metric = check["metric"].split("[")[0]
                goal = (metric, check["threshold"], check["provenance"])
                goals[goal] = goals.get(goal, 0) + 1
    if not goals:
        return Draft("", ("audit spec: thresholds",))
    lines = [
        f"- `{metric}` {bound}{f' ({n} checks)' if n > 1 else ''} (source: {said})"
        for (metric, bound, said), n in goals.items()
    ]
    return Draft("Thresholds set in the audit spec:\n" + "\n".join(lines), ("audit spec",))


def interpretation(sources: list[RunSource], name: str, results: list[Measured]) -> Draft:
    """How many results the gate judged and how, then the checks that did not pass."""
    if not results:
        return Draft(f"No {name} metric was measured in these runs.", ("report.json: metrics",))
    counts: dict[str, int] = {}
    for value in results:
        counts[value.verdict] = counts.get(value.verdict, 0) + 1
    said = ", ".join(f"{n} {verdict}" for verdict, n in sorted(counts.items()))
    lines, keys = _check_lines(sources, (name,))
    text = f"{len(results)} result(s): {said}."
    if lines:
        text += " Checks that did not pass:\n" + "\n".join(lines)
    return Draft(text, ("report.json: metrics, checks",), tuple(keys))
