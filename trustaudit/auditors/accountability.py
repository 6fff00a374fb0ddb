"""Accountability: is the record of this run complete and intact, did the model change since a
baseline run, and does the measured performance support what the model's instructions for use
declare?"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar

from ..findings import AuditResult, Finding, Metric
from ..inputs.data import AuditData
from ..keys import KeySpace, keys
from ..ledger.chain import CALL_FIELDS, chain_problems, read_ledger
from .base import AuditContext, Auditor, registry


@registry.register
@dataclass(frozen=True, kw_only=True)
class AccountabilityAuditor(Auditor):
    """Ledger completeness and integrity, model change against a baseline run, declared vs measured performance."""  # noqa: E501 (kept whole: the `trustaudit list` summary and the schema description)

    name: ClassVar[str] = "accountability"
    runs_last: ClassVar[bool] = True
    model_kind: ClassVar[str] = "any"
    needs_data: ClassVar[bool] = False

    @classmethod
    def metric_names(cls) -> set[str]:
        return {
            "ledger_completeness",
            "chain_intact",
            "model_calls",
            "model_changed",
            "declared_within_ci",
        }

    def metric_keys(self, spec: Any, data: AuditData | None, where: str) -> KeySpace:
        """The ledger's metrics, and one declared_within_ci per performance the model declares."""
        found = keys(self.metric_names() - {"declared_within_ci"})
        found |= {("declared_within_ci", key, None) for key in spec.declared_metrics()}
        why = "It needs the model's declared performance: model.declared, e.g. {auroc: 0.8}."
        return KeySpace(frozenset(found), absent={"declared_within_ci": why})

    def run(self, model: Any, data: AuditData, ctx: AuditContext) -> AuditResult:
        records = read_ledger(ctx.recorder.writer.path).records
        calls = [r for r in records if r.get("kind") == "call"]
        required = CALL_FIELDS + (("hmac",) if ctx.hmac_key else ())
        incomplete = [r.get("seq") for r in calls if any(f not in r for f in required)]
        problems = chain_problems(records, ctx.hmac_key)
        metrics = [
            Metric(
                "ledger_completeness",
                1 - len(incomplete) / len(calls) if calls else math.nan,
                n=len(calls),
                note="" if calls else "no model calls recorded",
            ),
            Metric("chain_intact", 0.0 if problems else 1.0, n=len(records)),
            Metric(
                "model_calls",
                float(sum(r.get("replayed_from") is None for r in calls)),
                n=len(calls),
                note="requests the model answered; repeats are answered from the ledger",
            ),
        ]
        findings = []
        if incomplete:
            findings.append(
                Finding(
                    f"{len(incomplete)} ledger record(s) lack required fields",
                    "high",
                    f"Required: {', '.join(required)}.",
                    tuple(f"seq {s}" for s in incomplete[:10]),
                )
            )
        if problems:
            findings.append(
                Finding(
                    "The ledger's hash chain is broken", "high", problems[0], tuple(problems[:10])
                )
            )
        metrics.append(
            self._model_change(ctx, findings)
            if ctx.baseline is not None and ctx.model_info is not None
            else Metric(
                "model_changed",
                math.nan,
                note=(
                    "no model in this audit"
                    if ctx.model_info is None
                    else "no baseline run given (trustaudit run --baseline RUN_DIR)"
                ),
            )
        )
        metrics += [self._declared(key, value, ctx.results) for key, value in ctx.declared.items()]
        return AuditResult(self.name, ctx.label, self.params(), tuple(metrics), tuple(findings))

    def _model_change(self, ctx: AuditContext, findings: list[Finding]) -> Metric:
        before = {m["fingerprint"] for m in ctx.baseline.get("models", [])}
        changed = ctx.model_info.fingerprint not in before
        same_spec = ctx.baseline.get("spec_sha256") == ctx.spec_digest
        if changed:
            findings.append(
                Finding(
                    f"The model changed since baseline run {ctx.baseline.get('run_id')}",
                    "high",
                    f"Fingerprint {ctx.model_info.fingerprint} (now) "
                    f"differs from {', '.join(sorted(before))} (baseline, "
                    f"{ctx.baseline.get('started')}). A changed model needs a new audit under "
                    "its change-control plan.",
                )
            )
        if not same_spec:
            findings.append(
                Finding(
                    "The baseline run used a different spec",
                    "info",
                    "Metrics may differ for reasons other than the model.",
                )
            )
        return Metric(
            "model_changed",
            1.0 if changed else 0.0,
            n=1,
            note=f"baseline {ctx.baseline.get('run_id')}"
            + ("" if same_spec else " (different spec)"),
        )

    @staticmethod
    def _declared(key: str, declared: float, results: tuple[AuditResult, ...]) -> Metric:
        measured = [m for r in results for m in r.metrics if m.key == key]
        if not measured or not measured[0].estimable or math.isnan(measured[0].ci_low):
            return Metric(
                "declared_within_ci",
                math.nan,
                grouping=key,
                note=f"declared {declared:g}; '{key}' was not measured with a CI in this run",
            )
        m = measured[0]
        inside = m.ci_low <= declared <= m.ci_high
        return Metric(
            "declared_within_ci",
            1.0 if inside else 0.0,
            n=m.n,
            grouping=key,
            note=f"declared {declared:g}; measured {m.value:.3f} [{m.ci_low:.3f}, {m.ci_high:.3f}]",
        )
