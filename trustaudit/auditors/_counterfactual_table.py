"""The answers of a counterfactual audit and the counts every metric is a ratio of.

Every answer is kept by (vignette, group, sample): its outcome (answer, refused, unparseable,
error), its decision label and its text. Per (vignette, group), the counts in STATS: the rates are
ratios of their sums, and the bootstrap over vignettes reweights them."""

from __future__ import annotations

import itertools

import numpy as np

from ..shown import Plain
from ._stats import ratio
from ._text import shown_answer, spread_examples

CONTROL = "control"
ALL = "all vignettes"
# per (vignette, group): the counts every metric is a ratio of
STATS = (
    "total",
    "errors",
    "answered",
    "refused",
    "unparseable",
    "focal_base",
    "focal",
    "gold_base",
    "correct",
    "pairs",
    "flips",
    "b",
    "c",
    "focal_pairs",  # pairs whose vignette has a focal decision: McNemar's n
    "reference",  # the control gave a decision (same vignette and sample)
    "lost",  # ... and this group's answer was refused, unparseable or failed
)
RATES = {  # metric -> (numerator, denominator) in STATS
    "decision_rate": ("focal", "focal_base"),
    "flip_rate": ("flips", "pairs"),
    "refusal_rate": ("refused", "total"),
    "unparseable_rate": ("unparseable", "total"),
    "error_rate": ("errors", "total"),
    "accuracy": ("correct", "gold_base"),
    "decision_loss_rate": ("lost", "reference"),
    "decision_coverage": ("answered", "total"),
}


def rates(name: str, counts: np.ndarray) -> np.ndarray:
    """The rate ``name`` (a key of RATES) from counts whose last axis is STATS."""
    numerator, denominator = RATES[name]
    return ratio(counts[..., STATS.index(numerator)], counts[..., STATS.index(denominator)])


class Answers:
    """Every answer of the audit, by (vignette, group, sample), and the per-(vignette, group)
    counts."""

    def __init__(self, vignettes, groups, n_samples):
        self.vignettes, self.groups = vignettes, groups
        self.families = list(dict.fromkeys(v.family for v in vignettes))
        shape = (len(vignettes), len(groups), n_samples)
        self.outcome = np.full(shape, "", dtype=object)
        self.label = np.full(shape, None, dtype=object)
        self.text = np.full(shape, "", dtype=object)
        self.counts = np.zeros((len(vignettes), len(groups), len(STATS)))

    @classmethod
    def collect(cls, vignettes, groups, plan, answers, n_samples) -> Answers:
        table = cls(vignettes, groups, n_samples)
        for (i, group, sample, _), answer in zip(plan, answers, strict=True):
            g = groups.index(group)
            if answer.error:
                table.outcome[i, g, sample] = "error"
            else:
                extraction = vignettes[i].extractor(answer.text)
                table.outcome[i, g, sample], table.label[i, g, sample] = (
                    extraction.outcome,
                    extraction.label,
                )
                table.text[i, g, sample] = answer.text
        table._count()
        return table

    def _count(self) -> None:
        column = {name: k for k, name in enumerate(STATS)}
        for i, vignette in enumerate(self.vignettes):
            for g in range(len(self.groups)):
                for s in range(self.outcome.shape[2]):
                    outcome, label = self.outcome[i, g, s], self.label[i, g, s]
                    if outcome == "":
                        continue  # not asked (a clinically relevant slot)
                    row = self.counts[i, g]
                    row[column["total"]] += 1
                    row[
                        column[{"error": "errors", "answer": "answered"}.get(outcome, outcome)]
                    ] += 1
                    control_label, control_outcome = self.label[i, 0, s], self.outcome[i, 0, s]
                    if g > 0 and control_outcome == "answer":
                        row[column["reference"]] += 1
                        row[column["lost"]] += outcome != "answer"
                    if outcome == "error":
                        continue
                    if vignette.focal is not None:
                        row[column["focal_base"]] += 1
                        row[column["focal"]] += label == vignette.focal
                    if vignette.gold is not None:
                        row[column["gold_base"]] += 1
                        row[column["correct"]] += label == vignette.gold
                    if g > 0 and outcome == "answer" and control_outcome == "answer":
                        row[column["pairs"]] += 1
                        row[column["flips"]] += label != control_label
                        if vignette.focal is not None:
                            row[column["focal_pairs"]] += 1
                            row[column["b"]] += (
                                control_label == vignette.focal and label != vignette.focal
                            )
                            row[column["c"]] += (
                                control_label != vignette.focal and label == vignette.focal
                            )

    def coverage(self) -> float:
        total = self.counts[..., STATS.index("total")].sum()
        return (
            float(1 - self.counts[..., STATS.index("errors")].sum() / total)
            if total
            else float("nan")
        )

    def decision_table(self, members: np.ndarray) -> np.ndarray:
        """Decision counts, groups x decisions, over the member vignettes' answered prompts."""
        labels = sorted({x for x in self.label[members].ravel() if x is not None})
        table = np.array(
            [
                [np.sum(self.label[members][:, g] == label) for label in labels]
                for g in range(len(self.groups))
            ],
            dtype=float,
        )
        return table[table.sum(axis=1) > 0][:, table.sum(axis=0) > 0] if table.size else table

    def distribution(self) -> list[tuple[str, str, int, str]]:
        """(family, group, n, 'admit 12 · discharge 3 · unparseable 1') for every family and group
        asked."""
        rows: list[tuple[str, str, int, str]] = []
        for family in self.families:
            members = [i for i, v in enumerate(self.vignettes) if v.family == family]
            for g, group in enumerate(self.groups):
                tally: dict[str, int] = {}
                for i in members:
                    for outcome, label in zip(self.outcome[i, g], self.label[i, g], strict=True):
                        if outcome:
                            key = (
                                label
                                if outcome == "answer"
                                else {"error": "failed"}.get(outcome, outcome)
                            )
                            tally[key] = tally.get(key, 0) + 1
                if tally:
                    tallied = " · ".join(f"{k} {n}" for k, n in sorted(tally.items()))
                    rows.append((Plain(family), Plain(group), sum(tally.values()), Plain(tallied)))
        return rows

    def control_self_flips(self, members: np.ndarray) -> tuple[float, int] | None:
        labels = self.label[members][:, 0, :]
        if labels.shape[1] < 2:
            return None
        pairs = flips = 0
        for row in labels:
            answered = [x for x in row if x is not None]
            for a, b in itertools.combinations(answered, 2):
                pairs += 1
                flips += a != b
        return (flips / pairs if pairs else float("nan")), pairs

    def flip_examples(self, limit: int) -> list[tuple[str, str, str, str]]:
        """Changed decisions (a different decision, or none: refused, unparseable, failed) side by
        side, chosen across families and groups: the (family, group) with the largest share of
        changes first, one example each, then a second each, and so on (so that every family and
        group with a change gets an example before any gets two). Answers are PHI-masked."""
        reference, flips, lost = (STATS.index(k) for k in ("reference", "flips", "lost"))
        cells = []
        for family in self.families:
            members = [i for i, v in enumerate(self.vignettes) if v.family == family]
            for g in range(1, len(self.groups)):
                pooled = self.counts[members, g].sum(axis=0)
                share = ratio(pooled[flips] + pooled[lost], pooled[reference])
                rows = [row for i in members for row in self._changes(i, g)]
                cells.append((float(np.nan_to_num(share)), rows))
        return spread_examples(cells, limit)

    def _changes(self, i: int, g: int) -> list[tuple[str, str, str, str]]:
        """The samples of vignette i whose group-g decision differs from the control's."""
        rows: list[tuple[str, str, str, str]] = []
        for s in range(self.outcome.shape[2]):
            if self.outcome[i, 0, s] != "answer" or self.outcome[i, g, s] == "":
                continue
            if self.outcome[i, g, s] == "answer" and self.label[i, g, s] == self.label[i, 0, s]:
                continue
            rows.append(
                (
                    Plain(self.vignettes[i].id),
                    Plain(self.groups[g]),
                    shown_answer(self.text[i, 0, s], self.label[i, 0, s], "answer"),
                    shown_answer(self.text[i, g, s], self.label[i, g, s], self.outcome[i, g, s]),
                )
            )
        return rows
