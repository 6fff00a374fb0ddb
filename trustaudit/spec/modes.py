"""Whether a threshold's ``mode`` fits the metric it names, checked before anything runs."""

from __future__ import annotations

from typing import Any

from .models import ThresholdSpec


def mode_problems(threshold: ThresholdSpec, auditor: Any, use: str, where: str) -> list[str]:
    """What is wrong with the threshold's mode for this auditor's metric ([] when nothing)."""
    if threshold.mode is None:
        return []
    comparisons: dict[str, str] = auditor.comparisons()
    name = threshold.base_name
    if threshold.mode == "floor":
        if name in comparisons:
            return [
                f"{where}.mode: 'floor' judges each group against a goal, but '{name}' compares "
                "groups: use mode certify or detect, or put the floor on the per-group metric."
            ]
        return []
    if name not in comparisons:
        offered = ", ".join(sorted(comparisons)) or "none of its metrics"
        return [
            f"{where}.mode: '{threshold.mode}' judges a gap between groups by pairwise intervals; "
            f"'{use}' offers it for {offered}. For a goal per group use mode: floor."
        ]
    if comparisons[name] == "difference" and (threshold.max is None or threshold.max <= 0):
        return [
            f"{where}: '{name}' is a difference between groups: give 'max', the largest allowed "
            "gap (δ > 0, e.g. max: 0.1), and no 'min'."
        ]
    if comparisons[name] == "ratio" and (threshold.min is None or not 0 < threshold.min < 1):
        return [
            f"{where}: '{name}' is a ratio of groups (at most 1): give 'min' between 0 and 1, "
            "the smallest allowed ratio (e.g. min: 0.8 for the four-fifths rule), and no 'max'."
        ]
    return []
