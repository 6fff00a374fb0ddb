"""Accountability: is the record of this run complete and intact, did the model change since a
baseline run, and does the measured performance support what the model's instructions for use
declare?"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar

from ..findings import AuditResult, Finding, Metric, MetricKind, Severity
from ..inputs.data import AuditData
from ..keys import KeySpace, keys
from ..ledger.chain import CALL_FIELDS, chain_problems, read_ledger
from ..shown import Plain
from .base import AuditContext, AuditedModel, Auditor, registry


@registry.register
@dataclass(frozen=True, kw_only=True)
class AccountabilityAuditor(Auditor):
    """Ledger completeness and integrity, model change against a baseline run, declared vs measured
    performance."""

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

    def run(
        self, model: AuditedModel | None, data: AuditData | None, ctx: AuditContext
    ) -> AuditResult:
        if ctx.ledger_path is None:
            raise TypeError("accountability needs the run's ledger (AuditContext.ledger_path)")
        records = read_ledger(ctx.ledger_path).records
        calls = [r for r in records if r.get("kind") == "call"]
        required = CALL_FIELDS + (("hmac",) if ctx.hmac_key else ())
        incomplete = [r.get("seq") for r in calls if any(f not in r for f in required)]
        problems = chain_problems(records, ctx.hmac_key)
        metrics = [
            Metric(
                name="ledger_completeness",
                value=1 - len(incomplete) / len(calls) if calls else math.nan,
                n=len(calls),
                note="" if calls else "no model calls recorded",
            ),
            Metric(
                name="chain_intact",
                value=0.0 if problems else 1.0,
                n=len(records),
                kind=MetricKind.INDICATOR,
            ),
            Metric(
                name="model_calls",
                value=float(sum(r.get("replayed_from") is None for r in calls)),
                n=len(calls),
                note="requests the model answered; repeats are answered from the ledger",
                kind=MetricKind.COUNT,
            ),
        ]
        findings = _ledger_findings(incomplete, required, problems)
        if ctx.baseline is not None and ctx.model_info is not None:
            metrics.append(self._model_change(ctx, findings))
        else:
            metrics.append(_model_change_unknown(ctx))
        metrics += [self._declared(key, value, ctx.results) for key, value in ctx.declared.items()]
        return self.result(
            ctx,
            metrics=tuple(metrics),
            findings=tuple(findings),
        )

    def _model_change(self, ctx: AuditContext, findings: list[Finding]) -> Metric:
        baseline, info = ctx.baseline, ctx.model_info
        if baseline is None or info is None:
            return _model_change_unknown(ctx)
        before = {m["fingerprint"] for m in baseline.get("models", [])}
        changed = info.fingerprint not in before
        same_spec = baseline.get("spec_sha256") == ctx.spec_digest
        if changed:
            findings.append(
                Finding(
                    title=f"The model changed since baseline run {baseline.get('run_id')}",
                    severity=Severity.HIGH,
                    detail=f"Fingerprint {info.fingerprint} (now) "
                    f"differs from {', '.join(sorted(before))} (baseline, "
                    f"{baseline.get('started')}). A changed model needs a new audit under "
                    "its change-control plan.",
                )
            )
        if not same_spec:
            findings.append(
                Finding(
                    title="The baseline run used a different spec",
                    severity=Severity.INFO,
                    detail="Metrics may differ for reasons other than the model.",
                )
            )
        return Metric(
            name="model_changed",
            value=1.0 if changed else 0.0,
            n=1,
            note=f"baseline {baseline.get('run_id')}" + ("" if same_spec else " (different spec)"),
            kind=MetricKind.INDICATOR,
        )

    @staticmethod
    def _declared(key: str, declared: float, results: tuple[AuditResult, ...]) -> Metric:
        measured = [m for r in results for m in r.metrics if m.key == key]
        if not measured or not measured[0].estimable or math.isnan(measured[0].ci_low):
            return Metric(
                name="declared_within_ci",
                value=math.nan,
                grouping=key,
                note=f"declared {declared:g}; '{key}' was not measured with a CI in this run",
                kind=MetricKind.INDICATOR,
            )
        m = measured[0]
        inside = m.ci_low <= declared <= m.ci_high
        return Metric(
            name="declared_within_ci",
            value=1.0 if inside else 0.0,
            n=m.n,
            grouping=key,
            note=f"declared {declared:g}; measured {m.value:.3f} [{m.ci_low:.3f}, {m.ci_high:.3f}]",
            kind=MetricKind.INDICATOR,
        )


def _ledger_findings(
    incomplete: list[Any], required: tuple[str, ...], problems: list[str]
) -> list[Finding]:
    """Records that lack required fields, and a broken hash chain."""
    findings = []
    if incomplete:
        findings.append(
            Finding(
                title=f"{len(incomplete)} ledger record(s) lack required fields",
                severity=Severity.HIGH,
                detail=f"Required: {', '.join(required)}.",
                examples=tuple(Plain(f"seq {s}") for s in incomplete[:10]),
            )
        )
    if problems:
        findings.append(
            Finding(
                title="The ledger's hash chain is broken",
                severity=Severity.HIGH,
                detail=problems[0],
                examples=tuple(map(Plain, problems[:10])),
            )
        )
    return findings


def _model_change_unknown(ctx: AuditContext) -> Metric:
    """model_changed, not estimable: no model, or no baseline run to compare with."""
    if ctx.model_info is None:
        why = "no model in this audit"
    else:
        why = "no baseline run given (trustaudit run --baseline RUN_DIR)"
    return Metric(
        name="model_changed",
        value=math.nan,
        note=why,
        kind=MetricKind.INDICATOR,
    )
