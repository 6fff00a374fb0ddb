"""Model adapters: one protocol for tabular models, one builder from the spec."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..errors import SpecError
from ..inputs.data import AuditData

if TYPE_CHECKING:  # the spec layer sits above the adapters
    from ..spec.models import AuditSpec

from .base import (
    BinaryOutcomes,
    Generation,
    ModelInfo,
    TabularModel,
    TextModel,
    TextRequest,
    binary_outcomes,
)
from .callable import CallableAdapter, CallableTextAdapter, load_callable
from .openai_http import OpenAICompatibleAdapter, load_openai
from .recorded import RecordedAdapter, load_recorded
from .replay import ReplayAdapter, load_replay
from .sklearn import SklearnAdapter, load_sklearn

__all__ = [
    "BinaryOutcomes",
    "CallableAdapter",
    "CallableTextAdapter",
    "Generation",
    "ModelInfo",
    "OpenAICompatibleAdapter",
    "RecordedAdapter",
    "ReplayAdapter",
    "SklearnAdapter",
    "TabularModel",
    "TextModel",
    "TextRequest",
    "binary_outcomes",
    "build_model",
]


def _load_llamacpp(spec_model: Any, **where: Any) -> TextModel:
    from .llamacpp import load_llamacpp  # imports llama_cpp only when asked for

    return load_llamacpp(spec_model, **where)


#: model type -> the loader building its adapter: the one place a new model type is added here
#: (its spec class goes in the ModelSpec union of spec/models.py)
LOADERS: dict[str, Callable[..., TabularModel | TextModel]] = {
    "sklearn": load_sklearn,
    "recorded": load_recorded,
    "callable": load_callable,
    "openai": load_openai,
    "llamacpp": _load_llamacpp,
    "replay": load_replay,
}


def build_model(spec: AuditSpec, data: AuditData | None) -> TabularModel | TextModel:
    """The adapter the spec's ``model`` section describes."""
    if spec.model is None:
        raise SpecError(f"{spec.where('model')}: this audit has no model section.")
    load = LOADERS[spec.model.type]
    return load(spec.model, base_dir=spec.path.parent, where=spec.where("model"), data=data)
