"""The tabular model protocol, model identity, and the one place predictions are validated."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Protocol, runtime_checkable

import numpy as np
import pandas as pd

from ..errors import AdapterError, SpecError
from ..inputs.data import AuditData
from ..phi.masking import value_summary

PREDICTION_CALLS = 2  # binary_outcomes calls predict and predict_scores: two ledger records


@dataclass(frozen=True)
class ModelInfo:
    """Identity of the audited model, shown in the report and (later) stamped on every ledger
    record."""

    adapter: str
    name: str
    version: str
    fingerprint: str

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


@runtime_checkable
class TabularModel(Protocol):
    """A classifier over DataFrames. ``predict_scores`` returns P(positive) per row, or None."""

    @property
    def info(self) -> ModelInfo: ...

    def predict(self, X: pd.DataFrame) -> Any: ...

    def predict_scores(self, X: pd.DataFrame) -> Any | None: ...


@dataclass(frozen=True)
class BinaryOutcomes:
    """Validated model outputs: 0/1 predictions and optional scores in [0, 1]."""

    y_pred: np.ndarray
    scores: np.ndarray | None


def binary_outcomes(model: TabularModel, X: pd.DataFrame, positive_label: Any) -> BinaryOutcomes:
    """Call the model and check what comes back; raise AdapterError naming the adapter on any
    problem."""
    who = f"{model.info.adapter} adapter ({model.info.name})"
    raw = _as_1d(model.predict(X), who, "predict", len(X))
    if pd.isna(raw).any():
        row = int(np.flatnonzero(pd.isna(raw))[0])
        raise AdapterError(
            f"{who}: predict returned a missing value at data row {row + 1}. "
            "Predictions must be complete."
        )
    labels = pd.unique(raw)
    if len(labels) > 2 or (len(labels) == 2 and positive_label not in set(labels.tolist())):
        hint = (
            " They look like scores: give them as the score column."
            if np.issubdtype(raw.dtype, np.floating)
            else ""
        )
        raise AdapterError(
            f"{who}: predictions must be binary with positive label {positive_label!r}; got "
            f"{value_summary(labels)}.{hint}"
        )
    y_pred = (raw == positive_label).astype(np.int8)
    scores = model.predict_scores(X)
    if scores is not None:
        scores = _as_1d(scores, who, "predict_scores", len(X)).astype(float)
        bad = np.flatnonzero(~np.isfinite(scores) | (scores < 0) | (scores > 1))
        if bad.size:
            raise AdapterError(
                f"{who}: scores must be probabilities in [0, 1]; "
                f"data row {bad[0] + 1} has {float(scores[bad[0]])} "
                f"({bad.size} bad value(s) in all)."
            )
    return BinaryOutcomes(y_pred, scores)


def _as_1d(values: Any, who: str, call: str, expected: int) -> np.ndarray:
    array = np.asarray(values)
    if array.ndim == 2 and array.shape[1] == 1:
        array = array[:, 0]
    if array.ndim != 1:
        raise AdapterError(
            f"{who}: {call} returned an array of shape {array.shape}; expected one value per row."
        )
    if len(array) != expected:
        raise AdapterError(
            f"{who}: {call} returned {len(array)} values for {expected} rows. Every row needs one."
        )
    return array


@dataclass(frozen=True)
class TextRequest:
    """One chat request. ``sample`` tells repeated samples of one prompt apart (it seeds them)."""

    messages: tuple[tuple[str, str], ...]  # (role, content)
    temperature: float = 0.0
    max_tokens: int = 64
    seed: int | None = None

    def chat_messages(self) -> list[dict[str, str]]:
        return [{"role": role, "content": content} for role, content in self.messages]

    def params(self) -> dict[str, Any]:
        return {"temperature": self.temperature, "max_tokens": self.max_tokens, "seed": self.seed}


@dataclass(frozen=True)
class Generation:
    """A model's answer to one request; ``error`` is set (and ``text`` empty) when it could not be
    had."""

    text: str
    error: str | None = None
    finish_reason: str | None = None
    completion_tokens: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@runtime_checkable
class TextModel(Protocol):
    """A chat model: ``generate`` answers one request or raises AdapterError; ``max_in_flight``
    bounds concurrency."""

    @property
    def info(self) -> ModelInfo: ...

    @property
    def max_in_flight(self) -> int: ...

    def generate(self, request: TextRequest) -> Generation: ...


def checked_text(text: Any, who: str) -> str:
    """A model's answer must be a string."""
    if not isinstance(text, str):
        raise AdapterError(f"{who}: the answer is a {type(text).__name__}, expected text.")
    return text


def require_data(data: AuditData | None, where: str) -> AuditData:
    """Tabular models predict on the audit data; the spec's checks make sure there is some."""
    if data is None:
        raise SpecError(f"{where}: a tabular model needs a 'data' section to predict on.")
    return data
