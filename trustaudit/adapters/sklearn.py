"""A fitted scikit-learn estimator or pipeline, loaded from a joblib/pickle file or built by a
factory."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import pandas as pd
import sklearn

from ..errors import AdapterError, SpecError
from ..fingerprint import sha256_file, sha256_source
from ..inputs.data import AuditData
from ..inputs.loading import load_function
from ..paths import resolve
from ..phi.masking import mask_phi, value_summary
from .base import ModelInfo, require_data


@dataclass(frozen=True)
class SklearnAdapter:
    """Wraps a fitted estimator; selects the columns it was fitted on when it knows them."""

    estimator: Any
    positive_label: Any
    info: ModelInfo

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        return self._call("predict", X)

    def predict_scores(self, X: pd.DataFrame) -> np.ndarray | None:
        if not hasattr(self.estimator, "predict_proba"):
            return None
        classes = list(getattr(self.estimator, "classes_", []))
        if self.positive_label not in classes:
            raise AdapterError(
                f"sklearn adapter ({self.info.name}): positive label {self.positive_label!r} is "
                f"not one of the estimator's classes ({value_summary(classes)}). "
                "Set data.positive_label to one of them."
            )
        return self._call("predict_proba", X)[:, classes.index(self.positive_label)]

    def _call(self, method: str, X: pd.DataFrame) -> np.ndarray:
        columns = getattr(self.estimator, "feature_names_in_", None)
        if columns is not None:
            missing = [c for c in columns if c not in X.columns]
            if missing:
                raise AdapterError(
                    f"sklearn adapter ({self.info.name}): the model was fitted on column(s) "
                    f"{missing} that the audit data lacks. Add them to the "
                    "data or to data.features."
                )
            X = X.loc[:, list(columns)]
        try:
            return np.asarray(getattr(self.estimator, method)(X))
        except Exception as exc:
            raise AdapterError(
                f"sklearn adapter ({self.info.name}): {method} failed: {type(exc).__name__}: "
                f"{mask_phi(str(exc))}"
            ) from exc


def load_sklearn(
    spec_model, *, base_dir: Path, where: str, data: AuditData | None = None
) -> SklearnAdapter:
    """Build the adapter from a ``SklearnModelSpec``; the fingerprint hashes the file or the factory
    source."""
    if spec_model.path is not None:
        path = resolve(spec_model.path, base_dir)
        try:
            estimator = joblib.load(path)
        except Exception as exc:
            raise SpecError(
                f"{where}.path: cannot load '{path}' as a joblib/pickle model: "
                f"{type(exc).__name__}: {exc}"
            ) from exc
        fingerprint = sha256_file(path)
    else:
        factory = load_function(spec_model.factory, base_dir=base_dir, where=f"{where}.factory")
        try:
            estimator = factory(**spec_model.kwargs)
        except (Exception, SystemExit) as exc:
            raise SpecError(
                f"{where}.factory: '{spec_model.factory}' failed: {type(exc).__name__}: {exc}"
            ) from exc
        fingerprint = f"{sha256_source(factory)} model:{joblib.hash(estimator, hash_name='sha1')}"
    if not hasattr(estimator, "predict"):
        raise SpecError(
            f"{where}: the loaded object is a {type(estimator).__name__}, which has no predict(); "
            "expected a fitted scikit-learn estimator."
        )
    name = type(estimator).__name__
    if hasattr(estimator, "steps"):
        name = f"Pipeline({', '.join(type(step).__name__ for _, step in estimator.steps)})"
    version = spec_model.version or f"scikit-learn {sklearn.__version__}"
    return SklearnAdapter(
        estimator,
        require_data(data, where).positive_label,
        ModelInfo("sklearn", name, version, fingerprint),
    )
