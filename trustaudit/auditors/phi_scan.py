"""PHI in a data column: notes or prompts about to leave the organisation (e.g. for a third-party
model).

Every cell is scanned with the PHI recognizers; cells that are missing, empty, not text or
undecodable are skipped and counted with their reason. Per Safe Harbor category: PHI items per 1,000
rows; the share of rows holding any PHI; masked examples. The column is scanned part by part
into a mergeable tally (``_phi_tally``), in memory or inside an engine (``measure_table``), so
pandas, DuckDB and Spark give the same metrics, intervals and examples.

Examples are the rows with PHI whose keyed digest is smallest (chosen by content: see
``_phi_tally``). Their "data row" is the row number when the data are in memory; on an engine,
where rows have no stable number, it is ``id`` and the first 12 hex digits of that keyed digest:
the same for the same text in every run over the same data, and no help to a reader guessing a
masked value."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal

import numpy as np
from pydantic import Field

from ..findings import AuditResult, Finding, Metric, MetricKind, Plot, Severity
from ..inputs.data import AuditData
from ..keys import KeySpace
from ..phi.safe_harbor import category_keys, safe_harbor_legend
from ..progress import SILENT, Progress
from ..shown import Plain
from ._phi_tally import LETTERS, Fold, PhiTally, ScanSettings, cell_text, tally, text_digest
from ._stats import bootstrap_cells, interval
from .base import AuditContext, AuditedModel, Auditor, BootstrapParams, audit_data, registry

if TYPE_CHECKING:
    from ..engines import Table


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
    n_process: Annotated[
        int, Field(ge=1, le=64, description="Worker processes (Spark uses its own workers).")
    ] = 1
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
        if data.table is not None:
            return self.measure_table(
                data.table, seed=ctx.seed, progress=ctx.progress, label=ctx.label
            )
        values = data.frame[self.column].tolist()
        ctx.progress.step(f"{ctx.label}: scanning {len(values):,} cells of '{self.column}' for PHI")

        def fold(scan, merge):
            return scan(values)  # one part: scan_long spreads it over n_process workers

        key, found = tally(fold, self._settings(self.n_process))
        rows = _first_rows(values, key, {e.digest for e in found.examples})
        return self.measure_tally(found, seed=ctx.seed, label=ctx.label, rows=rows)

    def measure_table(
        self, table: Table, *, seed: int, progress: Progress = SILENT, label: str = "phi_scan"
    ) -> AuditResult:
        """The scan inside an engine: each DuckDB batch or Spark partition is scanned where it
        is, and only its tally (counts, masked examples) comes back."""
        progress.step(f"{label}: scanning '{self.column}' of {table.source} for PHI")
        n_process = 1 if table.engine == "spark" else self.n_process  # Spark has its own workers
        fold: Fold = partial(table.fold_texts, self.column)
        _, found = tally(fold, self._settings(n_process))
        return self.measure_tally(found, seed=seed, label=label)

    def measure_tally(
        self, found: PhiTally, *, seed: int, label: str, rows: dict[str, int] | None = None
    ) -> AuditResult:
        """Metrics, findings and examples from a scan's tally (``rows``: the row number of an
        example's digest, when the rows have numbers)."""
        metrics = self._metrics(found, np.random.default_rng(seed))
        skipped = sum(found.skipped.values())
        metrics.append(
            Metric(
                name="skipped_rows",
                value=float(skipped),
                n=found.scanned + skipped,
                note=found.skipped_note(),
                kind=MetricKind.COUNT,
            )
        )
        return AuditResult(
            auditor=self.name,
            label=label,
            params=self.params(),
            metrics=tuple(metrics),
            findings=tuple(self._findings(found, rows)),
            plots=(
                Plot(
                    title=f"PHI items per 1,000 rows of '{self.column}'",
                    metric_names=("phi_per_1000_rows",),
                    grouping="category",
                ),
            ),
        )

    def _settings(self, n_process: int) -> ScanSettings:
        return ScanSettings(
            keep=self.worst_examples, style=self.mask_style, window=self.window, n_process=n_process
        )

    def _findings(self, found: PhiTally, rows: dict[str, int] | None) -> list[Finding]:
        findings = [safe_harbor_legend()]
        if found.skipped:
            findings.append(
                Finding(
                    title=f"{sum(found.skipped.values())} cell(s) not scanned",
                    severity=Severity.MEDIUM,
                    detail=f"Column '{self.column}': cells that are not text cannot be scanned.",
                    examples=tuple(Plain(part) for part in found.skipped_note().split("; ")),
                )
            )
        if found.examples:
            named = rows or {}
            findings.append(
                Finding(
                    title=f"Rows of '{self.column}' that hold PHI (masked)",
                    severity=Severity.HIGH,
                    detail="Rows chosen by content (the smallest keyed digests), the same on "
                    "every engine.",
                    examples=tuple(
                        (
                            Plain(
                                str(named[e.digest] + 1)
                                if e.digest in named
                                else f"id {e.digest[:12]}"
                            ),
                            Plain(e.categories),
                            e.masked,
                        )
                        for e in found.examples
                    ),
                    columns=("data row", "categories", "text (masked)"),
                )
            )
        return findings

    def _metrics(self, found: PhiTally, rng: np.random.Generator) -> list[Metric]:
        """Per-row means from the histogram of count vectors; the bootstrap draws rows per
        distinct vector (a multinomial over them in sorted order: the same on every engine)."""
        n = found.scanned
        if n == 0:
            return [
                Metric(name="rows_with_phi_rate", value=math.nan, n=0, note="no text cells to scan")
            ]
        vectors = sorted(found.vectors)
        rows = np.array([found.vectors[v] for v in vectors], dtype=np.int64)
        counts = np.array(vectors, dtype=float)
        total = counts.sum(axis=1, keepdims=True)
        per_vector = np.concatenate([counts, total, total > 0], axis=1)
        values = rows @ per_vector / n
        samples = bootstrap_cells(rows, self.n_boot, rng) @ per_vector / n if self.n_boot else None
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
            for i, group in enumerate([*LETTERS, "all"])
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


def _first_rows(values: Iterable[Any], key: bytes, digests: set[str]) -> dict[str, int]:
    """The first row (0-based) holding each text of ``digests``."""
    rows: dict[str, int] = {}
    for row, value in enumerate(values):
        if len(rows) == len(digests):
            break
        text, _ = cell_text(value)
        if text is not None and (digest := text_digest(key, text)) in digests:
            rows.setdefault(digest, row)
    return rows
