"""Model adapters: one protocol for tabular models, one builder from the spec."""

from __future__ import annotations

from ..data import AuditData
from ..spec import AuditSpec
from .base import BinaryOutcomes, ModelInfo, TabularModel, binary_outcomes
from .callable import CallableAdapter, load_callable
from .recorded import RecordedAdapter, load_recorded
from .sklearn import SklearnAdapter, load_sklearn

__all__ = ["BinaryOutcomes", "CallableAdapter", "ModelInfo", "RecordedAdapter", "SklearnAdapter",
           "TabularModel", "binary_outcomes", "build_model"]


def build_model(spec: AuditSpec, data: AuditData) -> TabularModel:
    """The adapter the spec's ``model`` section describes."""
    model, base_dir, where = spec.model, spec.path.parent, spec.where("model")
    if model.type == "sklearn":
        return load_sklearn(model, base_dir=base_dir, where=where, positive_label=data.positive_label)
    if model.type == "recorded":
        return load_recorded(model, data=data, base_dir=base_dir, where=where)
    return load_callable(model, base_dir=base_dir, where=where)
