"""What may run on data held by an engine (DuckDB, Spark): auditors that ask for aggregates, a
recorded model; anything that needs the rows in memory stops before the run with the fix."""

from __future__ import annotations

from ..auditors import registry
from ..auditors.fairness import FairnessAuditor
from ..engines import ENGINE_AUDITORS, CellQuery
from ..errors import SpecError, TrustAuditError
from ..inputs.data import AuditData
from ..spec.models import AuditSpec, RecordedModelSpec

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


def expected_cells(spec: AuditSpec) -> CellQuery | None:
    """The cells the spec's fairness auditors will count, known before the data are read (their
    sensitive columns, the outcome, a recorded model's columns), so that an engine can answer the
    validation questions from the same single pass. None: nothing to expect, or a parameter the
    auditor's own check will name."""
    data, model = spec.data, spec.model
    if data is None or data.target is None:
        return None
    try:
        fairness = [
            auditor
            for entry in spec.auditors
            if entry.use == FairnessAuditor.name
            and isinstance(auditor := registry.build(entry.use, entry.params), FairnessAuditor)
        ]
        if not fairness:
            return None
        keys = dict.fromkeys(c for auditor in fairness for c in auditor.sensitive_features)
        recorded = model if isinstance(model, RecordedModelSpec) else None
        prediction = recorded.prediction_column if recorded else data.target
        score = recorded.score_column if recorded else None
        exact_rows = fairness[0].exact_score_rows
        return CellQuery(
            tuple(keys), data.target, data.positive_label, prediction, score, exact_rows
        )
    except TrustAuditError:
        return None
