"""A plain Python function as the model: ``predict(X) -> labels``, optional ``predict_proba(X) ->
scores``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import AdapterError
from ..fingerprint import sha256_source
from ..inputs.data import AuditData
from ..inputs.loading import load_function
from ..phi.masking import mask_phi
from .base import Generation, ModelInfo, TextRequest, checked_text


@dataclass(frozen=True)
class CallableAdapter:
    predict_fn: Callable[[pd.DataFrame], Any]
    scores_fn: Callable[[pd.DataFrame], Any] | None
    info: ModelInfo

    def predict(self, X: pd.DataFrame) -> Any:
        return self._call(self.predict_fn, X)

    def predict_scores(self, X: pd.DataFrame) -> Any | None:
        return None if self.scores_fn is None else self._call(self.scores_fn, X)

    def _call(self, fn: Callable, X: pd.DataFrame) -> Any:
        try:
            return fn(X)
        except (Exception, SystemExit) as exc:
            raise AdapterError(
                f"callable adapter ({self.info.name}): {getattr(fn, '__name__', fn)} failed: "
                f"{type(exc).__name__}: {mask_phi(str(exc))}"
            ) from exc


@dataclass(frozen=True)
class CallableTextAdapter:
    """A text model as a function ``generate(messages, temperature=, max_tokens=, seed=) ->
    str``."""

    generate_fn: Callable[..., Any]
    info: ModelInfo
    max_in_flight: int = 1
    score_fn: Callable[[str, str], float] | None = None

    @property
    def logprob(self) -> Callable[[str, str], float] | None:
        """``score(prompt, continuation) -> log-probability``, when the spec names one."""
        return self.score_fn

    def generate(self, request: TextRequest) -> Generation:
        try:
            text = self.generate_fn(request.chat_messages(), **request.params())
        except (Exception, SystemExit) as exc:
            raise AdapterError(
                f"callable adapter ({self.info.name}): {type(exc).__name__}: {exc}"
            ) from exc
        return Generation(checked_text(text, f"callable adapter ({self.info.name})"))


def load_callable(
    spec_model, *, base_dir: Path, where: str, data: AuditData | None = None
) -> CallableAdapter | CallableTextAdapter:
    if spec_model.generate:
        generate = load_function(spec_model.generate, base_dir=base_dir, where=f"{where}.generate")
        score = (
            load_function(spec_model.score, base_dir=base_dir, where=f"{where}.score")
            if spec_model.score
            else None
        )
        info = ModelInfo(
            "callable",
            spec_model.generate,
            spec_model.version or "unversioned",
            sha256_source(generate),
        )
        return CallableTextAdapter(generate, info, spec_model.max_in_flight, score)
    predict = load_function(spec_model.predict, base_dir=base_dir, where=f"{where}.predict")
    scores = (
        load_function(spec_model.predict_proba, base_dir=base_dir, where=f"{where}.predict_proba")
        if spec_model.predict_proba
        else None
    )
    fingerprint = (
        sha256_source(predict)
        if scores is None
        else f"{sha256_source(predict)} {sha256_source(scores)}"
    )
    info = ModelInfo(
        "callable", spec_model.predict, spec_model.version or "unversioned", fingerprint
    )
    return CallableAdapter(predict, scores, info)
