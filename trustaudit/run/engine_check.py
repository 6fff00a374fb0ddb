"""What may run on data held by an engine (DuckDB, Spark): auditors that ask for aggregates, a
recorded model; anything that needs the rows in memory stops before the run with the fix."""

from __future__ import annotations

from ..engines import ENGINE_AUDITORS
from ..errors import SpecError
from ..inputs.data import AuditData
from ..spec.models import AuditSpec

#: Model types each engine serves: recorded columns everywhere; a tabular model predicts batch by
#: batch in the driver on DuckDB (every batch a ledger record). On Spark a model would predict in
#: the executors, whose calls the driver's ledger cannot record: not offered.
TABLE_MODELS = {"duckdb": ("recorded", "sklearn", "callable"), "spark": ("recorded",)}


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
    if spec.model is not None and spec.model.type not in TABLE_MODELS[engine]:
        raise SpecError(
            f"{spec.where('model.type')}: a '{spec.model.type}' model cannot run on the {engine} "
            f"engine ({', '.join(TABLE_MODELS[engine])} can). Audit its recorded predictions "
            "(model type: recorded, prediction columns in the data), use DuckDB (a tabular "
            "model predicts batch by batch) or engine: pandas."
        )
    assert spec.data is not None
    if spec.data.train is not None:
        raise SpecError(
            f"{spec.where('data.train')}: the train/test overlap check reads both files in "
            f"memory; it does not run on the {engine} engine. Drop data.train here and check "
            "overlap on a pandas run."
        )
