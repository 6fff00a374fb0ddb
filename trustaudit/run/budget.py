"""The model calls an audit will make, counted before the first one, against ``max_calls``."""

from __future__ import annotations

from ..auditors import Auditor
from ..errors import SpecError
from ..inputs.data import AuditData
from ..spec.models import AuditSpec


def model_calls(
    spec: AuditSpec, data: AuditData | None, auditors: list[tuple[str, Auditor]]
) -> dict[str, int]:
    """Each auditor's estimate of the model calls it will make, by label."""
    return {
        label: auditor.model_calls(spec, data, spec.where(f"auditors[{i}].params"))
        for i, (label, auditor) in enumerate(auditors)
    }


def check_budget(spec: AuditSpec, calls: dict[str, int]) -> None:
    """Stop before the first call when the audit would make more calls than the spec allows."""
    total = sum(calls.values())
    if total > spec.max_calls:
        parts = ", ".join(f"{label}: {n:,}" for label, n in calls.items() if n)
        raise SpecError(
            f"{spec.where('max_calls')}: the audit would make about {total:,} model calls "
            f"({parts}), more than max_calls {spec.max_calls:,}. Narrow it (e.g. fewer families, "
            "values or samples, design: one_at_a_time, sample_groups, max_vignettes), or confirm "
            f"the cost: max_calls: {total} in the spec."
        )
