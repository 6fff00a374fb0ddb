"""What a run may show of what it saw: the one masking boundary for PHI.

Text that came from outside trustaudit (model answers, error strings, data values) reaches the
outputs in two forms, and each passes one function here:

- **free text** (a finding's examples, an auditor's error, a failed call's error): every PHI item
  the recognizers find is masked (``phi.masking.mask_phi``). ``masked_result`` applies it to every
  example and error of an auditor's result as the runner receives it, so no auditor has to remember
  to; an example cell trustaudit composed itself (a count, a group label, a decision) is marked
  ``Plain`` and shown as is. Forgetting the mark over-masks; it never leaks.
- **labels** (group values, column names): they are keys a reader and a threshold must match, and
  a name recognizer cannot tell a group ("Alaska Native") from a person, so only identifiers of a
  fixed shape (SSN, phone, e-mail, URL, a run of five or more digits) are masked, wherever the
  label appears (``mask_labels``).

Secrets are redacted after both (``redaction``) wherever output is written.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace
from functools import lru_cache
from typing import Any

from .findings import AuditResult, AuditRun
from .phi.masking import mask, mask_phi, shape_spans
from .redaction import map_strings, redact


class Plain(str):
    """An example cell trustaudit composed from its own words, numbers and group labels: the
    boundary shows it unmasked (labels are masked separately, by shape)."""

    __slots__ = ()


@lru_cache(maxsize=8192)
def free_text(text: str) -> str:
    """``text`` with the PHI the recognizers find masked and every secret redacted."""
    return redact(mask_phi(text))


def label(text: str) -> str:
    """A group value or column name with identifiers of a fixed shape masked."""
    return redact(mask(text, shape_spans(text)))


def masked_result(result: AuditResult) -> AuditResult:
    """``result`` with its error and every example of its findings passed through ``free_text``
    (an error or a cell marked ``Plain`` excepted)."""
    findings = tuple(
        replace(finding, examples=tuple(_example(e) for e in finding.examples))
        for finding in result.findings
    )
    error = result.error if isinstance(result.error, Plain) else free_text(result.error)
    return replace(result, error=str(error), findings=findings)


def _example(example: Any) -> Any:
    if isinstance(example, tuple | list):
        return tuple(_example(cell) for cell in example)
    if isinstance(example, Plain):
        return str(example)
    return free_text(example) if isinstance(example, str) else example


def mask_labels(value: Any, labels: Iterable[str]) -> Any:
    """Every string in ``value`` with each label that holds an identifier replaced by its masked
    form (``label``), wherever it occurs: in keys, messages, tables and figure titles alike."""
    shown = {raw: label(raw) for raw in set(labels) if raw}
    masked = {raw: text for raw, text in shown.items() if text != raw}
    if not masked:
        return value
    pattern = re.compile("|".join(re.escape(raw) for raw in sorted(masked, key=len, reverse=True)))
    return map_strings(value, lambda text: pattern.sub(lambda m: masked[m.group()], text))


def run_labels(run: AuditRun) -> set[str]:
    """The group values and grouping names (and the parts of intersections) a run's metrics
    carry: the data labels its outputs show."""
    labels: set[str] = set()
    for result in run.results:
        for metric in result.metrics:
            for text in (metric.group, metric.grouping):
                if text:
                    labels |= {text, *text.split("+")}
    return labels
