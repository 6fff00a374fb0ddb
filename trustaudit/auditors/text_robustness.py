"""Robustness of a text model on clinical vignettes: typos, abbreviations, drug-name and unit
changes, distractors and more, at severity levels (invariance: the decision should not change); for
multiple-choice vignettes, option reordering (answers mapped back to the original options) and "none
of the other answers" in place of the correct option (accuracy should hold); and negation
(directional: the decision should change). Decisions are extracted as in the counterfactual auditor;
CIs come from a bootstrap over vignettes."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from ..findings import AuditResult, Finding, Metric, Plot
from ..keys import KeySpace, keys, level_group
from ..llm.demographics import fill
from ..llm.vignettes import Vignette, load_vignettes, select_families
from ..perturbations.text import TEXT, negate, none_of_the_others, reorder_options
from ..phi.masking import mask_phi
from ._stats import percentile_ci
from .base import AuditContext, Auditor, BootstrapParams, load_param_file, registry
from .counterfactual import SYSTEM_PROMPT, _short

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


QUESTION = (
    "option_order",
    "none_of_the_others",
)  # multiple-choice vignettes only: they change the question


class TextPerturbationChoice(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    name: Literal[INVARIANT + QUESTION + ("negation",)]  # type: ignore[valid-type]
    levels: tuple[float, ...] | None = Field(
        None, description="Shares of places changed (default per perturbation)."
    )


@registry.register
@dataclass(frozen=True, kw_only=True)
class TextRobustnessAuditor(BootstrapParams, Auditor):
    """Robustness of an LLM's clinical decisions to realistic text changes (invariance) and negation (directional)."""  # noqa: E501 (kept whole: the `trustaudit list` summary and the schema description)

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
        return {"flip_rate", "accuracy_drop_rate", "directional_pass_rate"}

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
                ("directional_pass_rate",)
                if choice.name == "negation"
                else ("flip_rate", "accuracy_drop_rate"),
                choice.name,
                map(level_group, _levels(choice)),
            )
            for choice in self.perturbations
        ]
        return KeySpace(frozenset().union(*found))

    def model_calls(self, spec: Any, data: Any, where: str) -> int:
        """At most every vignette, clean and at every level (identical prompts are sent once)."""
        variants = 1 + sum(len(_levels(choice)) for choice in self.perturbations)
        return variants * len(self._load(spec.path.parent, where))

    def run(self, model: Any, data: Any, ctx: AuditContext) -> AuditResult:
        vignettes = self._load(Path(ctx.base_dir), f"{ctx.label}.params")
        clean = [(fill(v.text, {}, v.own), v.question, {}) for v in vignettes]
        variants = [("clean", "", clean)]
        for p_index, choice in enumerate(self.perturbations):
            for l_index, level in enumerate(_levels(choice)):
                rng = np.random.default_rng([ctx.seed, p_index, l_index])
                perturbed = [
                    _perturb(choice.name, level, rng, v, case)
                    for v, (case, *_) in zip(vignettes, clean, strict=True)
                ]
                variants.append((choice.name, level_group(level), perturbed))
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
        decisions = np.array(
            [
                [
                    _original_letter(v.extractor(a.text).label, remap) if not a.error else None
                    for v, a, (*_, remap) in zip(
                        vignettes,
                        answers[k * len(vignettes) : (k + 1) * len(vignettes)],
                        variants[k][2],
                        strict=True,
                    )
                ]
                for k in range(len(variants))
            ],
            dtype=object,
        )
        texts = [
            [a.text for a in answers[k * len(vignettes) : (k + 1) * len(vignettes)]]
            for k in range(len(variants))
        ]
        rng = np.random.default_rng(ctx.seed)
        n = len(vignettes)
        weights = rng.multinomial(n, np.full(n, 1 / n), size=self.n_boot) if self.n_boot else None
        gold = np.array([v.gold for v in vignettes], dtype=object)
        metrics, examples, plots = [], [], []
        for k, (name, level, cases) in enumerate(variants[1:], start=1):
            applies = np.array(
                [case != base for case, base in zip(cases, clean, strict=True)], float
            )  # the perturbation changed it
            answered = (
                np.array(
                    [
                        a is not None and b is not None
                        for a, b in zip(decisions[0], decisions[k], strict=True)
                    ],
                    float,
                )
                * applies
            )
            changed = (
                np.array([a != b for a, b in zip(decisions[0], decisions[k], strict=True)], float)
                * answered
            )
            metric = "directional_pass_rate" if name == "negation" else "flip_rate"
            metrics.append(
                _ratio_metric(metric, changed, answered, weights, self.confidence, name, level)
            )
            has_gold = np.array([g is not None for g in gold], float) * applies
            if has_gold.any() and name != "negation":
                correct_clean = (
                    np.array([d == g for d, g in zip(decisions[0], gold, strict=True)], float)
                    * has_gold
                )
                correct_after = (
                    np.array([d == g for d, g in zip(decisions[k], gold, strict=True)], float)
                    * has_gold
                )
                metrics.append(
                    _drop_metric(
                        correct_clean, correct_after, weights, self.confidence, name, level
                    )
                )
            examples += [
                (
                    vignettes[i].id,
                    f"{name}={level}",
                    f"{mask_phi(_short(texts[0][i]))} → {decisions[0][i]}",
                    f"{mask_phi(_short(texts[k][i]))} → {decisions[k][i]}",
                )
                for i in np.flatnonzero(changed)[:2]
                if name != "negation"
            ]
        for choice in self.perturbations:
            plots.append(
                Plot(
                    f"{choice.name}: effect by level",
                    ("flip_rate", "accuracy_drop_rate", "directional_pass_rate"),
                    choice.name,
                )
            )
        findings = (
            [
                Finding(
                    "Decisions that changed under an invariant perturbation",
                    "medium",
                    "Each row: the vignette, the perturbation, the clean "
                    "answer, the perturbed answer.",
                    tuple(examples[: self.worst_examples]),
                    ("vignette", "perturbation", "clean", "perturbed"),
                )
            ]
            if examples
            else []
        )
        return AuditResult(
            self.name, ctx.label, self.params(), tuple(metrics), tuple(findings), tuple(plots)
        )


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


def _ratio_metric(name, numerator, denominator, weights, confidence, grouping, group) -> Metric:
    total = denominator.sum()
    value = numerator.sum() / total if total else np.nan
    samples = (
        (weights @ numerator) / np.maximum(weights @ denominator, 1)
        if weights is not None and total
        else None
    )
    low, high = (
        percentile_ci(samples[:, None], confidence) if samples is not None else ([np.nan],) * 2
    )
    return Metric(
        name,
        float(value),
        float(low[0]),
        float(high[0]),
        int(total),
        grouping,
        group,
        "" if total else "not estimable: the perturbation changed no answered vignette",
    )


def _drop_metric(correct_clean, correct_after, weights, confidence, grouping, group) -> Metric:
    base = correct_clean.sum()
    value = 1 - correct_after.sum() / base if base else np.nan
    samples = (
        1 - (weights @ correct_after) / np.maximum(weights @ correct_clean, 1)
        if weights is not None and base
        else None
    )
    low, high = (
        percentile_ci(samples[:, None], confidence) if samples is not None else ([np.nan],) * 2
    )
    return Metric(
        "accuracy_drop_rate",
        float(value),
        float(low[0]),
        float(high[0]),
        int(base),
        grouping,
        group,
        "" if base else "not estimable: no correct clean answers",
    )
