"""Robustness of a text model on clinical vignettes: typos, abbreviations, drug-name and unit
changes, distractors and more, at severity levels (invariance: the decision should not change); for
multiple-choice vignettes, option reordering (answers mapped back to the original options) and "none
of the other answers" in place of the correct option (accuracy should hold); and negation
(directional: the decision should change). Decisions are extracted as in the counterfactual auditor;
every answer is counted: a perturbation that costs a decision (refused, unparseable, failed) shows
in decision_loss_rate, unparseable_rate and coverage per level (_text_robustness_stats.py), and
intervals are Clopper-Pearson united with the bootstrap over vignettes (stats/clustered.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from ..findings import AuditResult, Finding, Plot, Severity
from ..keys import KeySpace, keys, level_group
from ..llm.demographics import fill
from ..llm.vignettes import Vignette, load_vignettes, select_families
from ..perturbations.text import TEXT, negate, none_of_the_others, reorder_options
from ._stats import bootstrap_weights
from ._text import spread_examples
from ._text_robustness_stats import Answered, Level
from .base import (
    AuditContext,
    AuditedModel,
    Auditor,
    BootstrapParams,
    CoverageParams,
    load_param_file,
    registry,
    text_model,
)
from .counterfactual import SYSTEM_PROMPT

INVARIANT = tuple(TEXT)
DEFAULT_LEVELS = {
    "typos": (0.1, 0.3),
    "casing": (0.2,),
    "whitespace_punctuation": (0.3,),
    "redaction": (0.1, 0.3),
    "expand_abbreviations": (1.0,),
    "abbreviate": (1.0,),
    "to_generic": (1.0,),
    "to_brand": (1.0,),
    "convert_units": (1.0,),
    "distractors": (0.5,),
}


EVERY_LEVEL = ("decision_loss_rate", "unparseable_rate", "decision_coverage")
QUESTION = (
    "option_order",
    "none_of_the_others",
)  # multiple-choice vignettes only: they change the question
# (name, level, [(case text, question, answer letter remap) per vignette])
Variant = tuple[str, str, list[tuple[str, str, dict[str, str]]]]


class TextPerturbationChoice(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    name: Literal[INVARIANT + QUESTION + ("negation",)]  # type: ignore[valid-type]
    levels: tuple[Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)], ...] | None = Field(
        default=None,
        min_length=1,
        description="Shares of places changed, each from 0 to 1 (default per perturbation).",
    )


@registry.register
@dataclass(frozen=True, kw_only=True)
class TextRobustnessAuditor(CoverageParams, BootstrapParams, Auditor):
    """Robustness of an LLM's clinical decisions to realistic text changes (invariance) and negation
    (directional)."""

    name: ClassVar[str] = "text_robustness"
    model_kind: ClassVar[str] = "text"
    needs_data: ClassVar[bool] = False
    vignettes: Annotated[
        str, Field(description="JSONL of vignettes (relative to the spec's folder).")
    ]
    perturbations: tuple[TextPerturbationChoice, ...] = field(
        default_factory=lambda: tuple(
            TextPerturbationChoice(name=n)
            for n in ("typos", "redaction", "to_generic", "convert_units", "negation")
        )
    )
    families: Annotated[
        tuple[str, ...], Field(description="Only these vignette families (default: all).")
    ] = ()
    worst_examples: Annotated[int, Field(ge=0, le=100, description="Changed decisions shown.")] = 6

    @classmethod
    def metric_names(cls) -> set[str]:
        return {
            "flip_rate",
            "accuracy_drop_rate",
            "directional_pass_rate",
            "decision_loss_rate",
            "unparseable_rate",
            "decision_coverage",
            "coverage",
        }

    def check_inputs(self, spec: Any, where: str) -> None:
        self._load(spec.path.parent, where)

    def _load(self, base_dir: Path, where: str) -> list[Vignette]:
        vignettes = load_param_file(load_vignettes, self.vignettes, base_dir, f"{where}.vignettes")
        return select_families(vignettes, self.families, where)

    def metric_keys(self, spec: Any, data: Any, where: str) -> KeySpace:
        """Per perturbation (the grouping) and level (the group): negation is directional, the
        others invariant (with the accuracy drop where vignettes have a gold answer)."""
        found = [
            keys(
                (
                    ("directional_pass_rate",)
                    if choice.name == "negation"
                    else ("flip_rate", "accuracy_drop_rate")
                )
                + EVERY_LEVEL,
                choice.name,
                map(level_group, _levels(choice)),
            )
            for choice in self.perturbations
        ]
        return KeySpace(frozenset().union(*found, keys(("coverage",))))

    def model_calls(self, spec: Any, data: Any, where: str) -> int:
        """At most every vignette, clean and at every level (identical prompts are sent once)."""
        variants = 1 + sum(len(_levels(choice)) for choice in self.perturbations)
        return variants * len(self._load(spec.path.parent, where))

    def run(self, model: AuditedModel | None, data: Any, ctx: AuditContext) -> AuditResult:
        model = text_model(model)
        vignettes = self._load(Path(ctx.base_dir), f"{ctx.label}.params")
        variants = self._variants(vignettes, ctx.seed)
        prompts = [
            [("system", SYSTEM_PROMPT), ("user", f"{case}\n\n{question}")]
            for *_, cases in variants
            for case, question, _ in cases
        ]
        ctx.progress.step(
            f"{ctx.label}: {len(vignettes)} vignettes x {len(variants)} variants: "
            f"{len(prompts)} prompts"
        )
        answers = model.generate_many([model.request(p) for p in prompts], ctx.progress, ctx.label)
        runs = _decisions(vignettes, variants, answers)
        rng = np.random.default_rng(ctx.seed)
        weights = bootstrap_weights(len(vignettes), self.n_boot, rng)
        gold = np.array([v.gold for v in vignettes], dtype=object)
        clean = variants[0][2]
        metrics, cells = [], []
        for k, (name, level, cases) in enumerate(variants[1:], start=1):
            # the vignettes the perturbation changed
            applies = np.array(
                [case != base for case, base in zip(cases, clean, strict=True)], float
            )
            measured = Level(name, level, runs[0], runs[k], applies)
            metrics += measured.measure(gold, weights, self.confidence)
            if name != "negation":
                cells.append(measured.examples([v.id for v in vignettes]))
        coverage, status, error = self.coverage(answers, ctx)
        return self.result(
            ctx,
            metrics=(*metrics, coverage),
            findings=tuple(self._findings(spread_examples(cells, self.worst_examples))),
            plots=tuple(self._plots()),
            status=status,
            error=error,
        )

    def _variants(self, vignettes: list[Vignette], seed: int) -> list[Variant]:
        """The clean vignettes, then every level of every perturbation (each seeded on its own)."""
        clean: list[tuple[str, str, dict[str, str]]] = [
            (fill(v.text, {}, v.own), v.question, {}) for v in vignettes
        ]
        variants: list[Variant] = [("clean", "", clean)]
        for p_index, choice in enumerate(self.perturbations):
            for l_index, level in enumerate(_levels(choice)):
                rng = np.random.default_rng([seed, p_index, l_index])
                perturbed = [
                    _perturb(choice.name, level, rng, v, case)
                    for v, (case, *_) in zip(vignettes, clean, strict=True)
                ]
                variants.append((choice.name, level_group(level), perturbed))
        return variants

    def _plots(self) -> list[Plot]:
        plots = []
        for choice in self.perturbations:
            plots.append(
                Plot(
                    title=f"{choice.name}: effect by level",
                    metric_names=("flip_rate", "accuracy_drop_rate", "directional_pass_rate"),
                    grouping=choice.name,
                )
            )
        return plots

    def _findings(self, examples: list[tuple[str, str, str, str]]) -> list[Finding]:
        if not examples:
            return []
        return [
            Finding(
                title="Decisions that changed under an invariant perturbation",
                severity=Severity.MEDIUM,
                detail="Each row: the vignette, the perturbation, the clean answer, the perturbed "
                "answer (a different decision, or none: refused, unparseable, request failed). "
                "One example per perturbation level, those with the largest share of changes "
                "first, then more of each.",
                examples=tuple(examples),
                columns=("vignette", "perturbation", "clean", "perturbed"),
            )
        ]


def _levels(choice: TextPerturbationChoice) -> tuple[float, ...]:
    return choice.levels or DEFAULT_LEVELS.get(choice.name, (1.0,))


def _perturb(name: str, level: float, rng: np.random.Generator, vignette: Vignette, case: str):
    """(case text, question, answer letter remap) after one perturbation; unchanged when it does not
    apply."""
    question = vignette.question
    if name == "negation":
        return negate(case), question, {}
    if name in QUESTION:
        if (
            not vignette.extractor.labels
            or vignette.gold is None
            or len(vignette.extractor.labels) < 3
        ):
            return case, question, {}
        if name == "option_order":
            shuffled, mapping = reorder_options(question, rng)
            return case, shuffled, {new: old for old, new in mapping.items()}
        return case, none_of_the_others(question, vignette.gold), {}
    return TEXT[name](case, level, rng), question, {}


def _original_letter(label: str | None, remap: dict[str, str]) -> str | None:
    return remap.get(label, label) if label is not None else None


def _decisions(
    vignettes: list[Vignette], variants: list[Variant], answers: list[Any]
) -> list[Answered]:
    """Per variant: each vignette's decision in the original option letters, its outcome and the
    answer text. ``answers`` come variant after variant."""
    n = len(vignettes)
    runs = []
    for k, (_, _, cases) in enumerate(variants):
        chunk = answers[k * n : (k + 1) * n]
        decisions = np.empty(n, dtype=object)
        outcomes = np.empty(n, dtype=object)
        for i, (vignette, answer, case) in enumerate(zip(vignettes, chunk, cases, strict=True)):
            if answer.error:
                outcomes[i] = "error"
            else:
                extraction = vignette.extractor(answer.text)
                outcomes[i] = extraction.outcome
                decisions[i] = _original_letter(extraction.label, case[2])
        runs.append(Answered(decisions, outcomes, [answer.text for answer in chunk]))
    return runs
