"""Model adapters: one protocol for tabular models, one builder from the spec."""

from __future__ import annotations

from ..inputs.data import AuditData
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


def build_model(spec: AuditSpec, data: AuditData | None) -> TabularModel | TextModel:
    """The adapter the spec's ``model`` section describes."""
    model, base_dir, where = spec.model, spec.path.parent, spec.where("model")
    if model.type == "sklearn":
        return load_sklearn(
            model, base_dir=base_dir, where=where, positive_label=data.positive_label
        )
    if model.type == "recorded":
        return load_recorded(model, data=data, base_dir=base_dir, where=where)
    if model.type == "openai":
        return load_openai(model, where=where)
    if model.type == "llamacpp":
        from .llamacpp import load_llamacpp  # imports llama_cpp only when asked for

        return load_llamacpp(model, base_dir=base_dir, where=where)
    if model.type == "replay":
        return load_replay(model, base_dir=base_dir, where=where)
    return load_callable(model, base_dir=base_dir, where=where)
