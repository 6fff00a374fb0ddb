"""What may run on data held by an engine (DuckDB, Spark): auditors that ask for aggregates, a
recorded model; anything that needs the rows in memory stops before the run with the fix."""

from __future__ import annotations

from ..engines import ENGINE_AUDITORS
from ..errors import SpecError
from ..inputs.data import AuditData
from ..spec.models import AuditSpec


def check_engine(spec: AuditSpec, data: AuditData | None) -> None:
    """A SpecError naming the first auditor, model or key the engine cannot serve."""
    if data is None or data.table is None:
        return
    engine = data.engine
    for i, entry in enumerate(spec.auditors):
        if entry.use not in ENGINE_AUDITORS:
            raise SpecError(
                f"{spec.where(f'auditors[{i}].use')}: '{entry.use}' needs the rows in memory, "
                f"but the data are on the {engine} engine. On {engine} run "
                f"{' or '.join(ENGINE_AUDITORS)}; audit the rest with engine: pandas on a "
                "sample that fits in memory."
            )
    if spec.model is not None and spec.model.type != "recorded":
        raise SpecError(
            f"{spec.where('model.type')}: a '{spec.model.type}' model predicts row by row; on "
            f"the {engine} engine audit its recorded predictions (model type: recorded, "
            "prediction columns in the data) or use engine: pandas."
        )
    assert spec.data is not None
    if spec.data.train is not None:
        raise SpecError(
            f"{spec.where('data.train')}: the train/test overlap check reads both files in "
            f"memory; it does not run on the {engine} engine. Drop data.train here and check "
            "overlap on a pandas run."
        )
