"""Engine fixtures: recorded predictions written as Parquet with a seed, and a helper that runs a
spec in-process and returns its metrics (the Spark session fixture is in tests/conftest.py)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from trustaudit.run.runner import run_audit
from trustaudit.spec import load_spec


def recorded_logs(rows: int, seed: int) -> pd.DataFrame:
    """Logged predictions: two sensitive columns (one with missing values), outcome, prediction
    and a continuous score, with a real gap in sensitivity between groups."""
    rng = np.random.default_rng(seed)
    sex = rng.choice(["F", "M"], rows)
    race = rng.choice(np.array(["Asian", "Black", "White", None], dtype=object), rows)
    y = rng.binomial(1, 0.3, rows)
    lift = np.where(race == "Black", 0.15, 0.3)
    score = np.clip(rng.normal(0.3 + lift * y, 0.2), 0.0, 1.0)
    return pd.DataFrame(
        {"sex": sex, "race": race, "y": y, "pred": (score > 0.45).astype(int), "score": score}
    )


def spec_for(
    tmp_path: Path,
    data: dict,
    name: str,
    *,
    sensitive: tuple[str, ...] = ("sex", "race"),
    prediction: str = "pred",
    **params,
) -> Path:
    spec = {
        "name": name,
        "seed": 11,
        "output": str(tmp_path / f"runs-{name}"),
        "data": {"target": "y", **data},
        "model": {"type": "recorded", "prediction_column": prediction, "score_column": "score"},
        "auditors": [
            {
                "use": "fairness",
                "params": {"sensitive_features": list(sensitive), "n_boot": 200, **params},
                "thresholds": [
                    {"metric": "equal_opportunity_difference", "max": 0.1, "mode": "detect"}
                ],
            }
        ],
    }
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(spec))
    return path


def metrics_of(spec: Path) -> dict[str, tuple]:
    """Every metric of a run in-process: key → (value, ci_low, ci_high, n) as measured (group
    labels unmasked: the report masks dates, which would merge groups), and the checks'
    verdicts; NaN as None, so that equal runs compare equal."""
    run = run_audit(load_spec(spec))
    found = {
        m.key: tuple(None if v != v else v for v in (m.value, m.ci_low, m.ci_high, m.n))
        for result in run.results
        for m in result.metrics
    }
    found |= {f"check:{c.metric_key}": (c.status.value,) for c in run.checks}
    return found
