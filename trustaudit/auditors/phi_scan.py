"""PHI in a data column: notes or prompts about to leave the organisation (e.g. for a third-party
model).

Every cell is scanned with the PHI recognizers; cells that are missing, empty, not text or
undecodable are skipped and counted with their reason. Per Safe Harbor category: PHI items per 1,000
rows; the share of rows holding any PHI; masked examples."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from typing import Annotated, Any, ClassVar, Literal

import numpy as np
from pydantic import Field

from ..findings import AuditResult, Finding, Metric, MetricKind, Plot, Severity
from ..inputs.data import AuditData
from ..keys import KeySpace
from ..phi.masking import mask_context
from ..phi.recognizers import resolve_overlaps, scan_long
from ..phi.safe_harbor import DETECTED, category_keys, safe_harbor_legend
from ..shown import Plain
from ._stats import bootstrap_weights, interval
from ._text import one_line
from .base import AuditContext, AuditedModel, Auditor, BootstrapParams, audit_data, registry


@registry.register
@dataclass(frozen=True, kw_only=True)
class PhiScanAuditor(BootstrapParams, Auditor):
    """PHI in a column of the audit data, per Safe Harbor category, with masked examples."""

    name: ClassVar[str] = "phi_scan"
    extra: ClassVar[str | None] = "privacy"
    model_kind: ClassVar[str] = "any"
    column: Annotated[str, Field(description="The text column to scan.")]
    mask_style: Annotated[
        Literal["tag", "partial"], Field(description="How PHI is shown in examples.")
    ] = "partial"
    window: Annotated[
        int, Field(ge=1000, le=1_000_000, description="Longer texts are scanned in windows.")
    ] = 20_000
    n_process: Annotated[int, Field(ge=1, le=64, description="Worker processes.")] = 1
    worst_examples: Annotated[int, Field(ge=0, le=100, description="Rows shown (masked).")] = 6

    @classmethod
    def metric_names(cls) -> set[str]:
        return {"phi_per_1000_rows", "rows_with_phi_rate", "skipped_rows"}

    def required_columns(self) -> dict[str, tuple[str, ...]]:
        return {"column": (self.column,)}

    def metric_keys(self, spec: Any, data: AuditData | None, where: str) -> KeySpace:
        data = audit_data(data)
        return category_keys(("phi_per_1000_rows",), ("rows_with_phi_rate", "skipped_rows"))

    def run(
        self, model: AuditedModel | None, data: AuditData | None, ctx: AuditContext
    ) -> AuditResult:
        data = audit_data(data)
        rows, texts, skipped = _texts(data.frame[self.column])
        ctx.progress.step(f"{ctx.label}: scanning {len(texts):,} cells of '{self.column}' for PHI")
        letters = list(DETECTED)
        counts, examples = self._scan(rows, texts, letters)
        metrics = self._metrics(counts, letters, np.random.default_rng(ctx.seed))
        metrics.append(
            Metric(
                name="skipped_rows",
                value=float(sum(skipped.values())),
                n=len(rows) + sum(skipped.values()),
                note="; ".join(f"{n} {why}" for why, n in skipped.items()),
                kind=MetricKind.COUNT,
            )
        )
        findings = [safe_harbor_legend()]
        if skipped:
            findings.append(
                Finding(
                    title=f"{sum(skipped.values())} cell(s) not scanned",
                    severity=Severity.MEDIUM,
                    detail=f"Column '{self.column}': cells that are not text cannot be scanned.",
                    examples=tuple(Plain(f"{n} {why}") for why, n in skipped.items()),
                )
            )
        if examples:
            findings.append(
                Finding(
                    title=f"Rows of '{self.column}' that hold PHI (masked)",
                    severity=Severity.HIGH,
                    detail="",
                    examples=tuple(examples),
                    columns=("data row", "categories", "text (masked)"),
                )
            )
        return self.result(
            ctx,
            metrics=tuple(metrics),
            findings=tuple(findings),
            plots=(
                Plot(
                    title=f"PHI items per 1,000 rows of '{self.column}'",
                    metric_names=("phi_per_1000_rows",),
                    grouping="category",
                ),
            ),
        )

    def _scan(
        self, rows: list[int], texts: list[str], letters: list[str]
    ) -> tuple[np.ndarray, list[tuple[str, str, str]]]:
        """PHI items per text and category, and the first texts holding PHI (masked)."""
        found = scan_long(texts, window=self.window, n_process=self.n_process)
        counts = np.zeros((len(texts), len(letters)))
        examples: list[tuple[str, str, str]] = []
        for k, (row, text, spans) in enumerate(zip(rows, texts, found, strict=True)):
            kept = resolve_overlaps(spans)
            for span in kept:
                counts[k, letters.index(span.category)] += 1
            if kept and len(examples) < self.worst_examples:
                categories = ", ".join(sorted({s.category for s in kept}))
                masked = one_line(mask_context(text, spans, self.mask_style), 240)
                examples.append((Plain(str(row + 1)), Plain(categories), masked))
        return counts, examples

    def _metrics(
        self, counts: np.ndarray, letters: list[str], rng: np.random.Generator
    ) -> list[Metric]:
        n = len(counts)
        if n == 0:
            return [
                Metric(name="rows_with_phi_rate", value=math.nan, n=0, note="no text cells to scan")
            ]
        weights = bootstrap_weights(n, self.n_boot, rng)
        per_row = np.concatenate(
            [counts, counts.sum(axis=1, keepdims=True), (counts.sum(axis=1) > 0)[:, None]], axis=1
        )
        values = per_row.mean(axis=0)
        samples = None if weights is None else weights @ per_row / n
        low, high = interval(samples, self.confidence, len(values))
        metrics = [
            Metric(
                name="phi_per_1000_rows",
                value=float(values[i] * 1000),
                ci_low=float(low[i] * 1000),
                ci_high=float(high[i] * 1000),
                n=n,
                grouping="category",
                group=group,
            )
            for i, group in enumerate([*letters, "all"])
        ]
        metrics.append(
            Metric(
                name="rows_with_phi_rate",
                value=float(values[-1]),
                ci_low=float(low[-1]),
                ci_high=float(high[-1]),
                n=n,
            )
        )
        return metrics


def _texts(column) -> tuple[list[int], list[str], Counter]:
    """The text cells and their row numbers; every other cell counted by the reason it was
    skipped."""
    rows: list[int] = []
    texts: list[str] = []
    skipped: Counter[str] = Counter()
    for row, value in enumerate(column.tolist()):
        if isinstance(value, bytes):
            try:
                value = value.decode("utf-8")
            except UnicodeDecodeError:
                skipped["undecodable bytes (not UTF-8)"] += 1
                continue
        if value is None or (isinstance(value, float) and math.isnan(value)):
            skipped["missing"] += 1
        elif not isinstance(value, str):
            skipped[f"not text ({type(value).__name__})"] += 1
        elif not value.strip():
            skipped["empty"] += 1
        else:
            rows.append(row)
            texts.append(value)
    return rows, texts, skipped
