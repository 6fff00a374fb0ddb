"""The data section's keys beyond where the data comes from: the outcome's name in words, and the
model's training rows that the train/test overlap check compares the audit rows with."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field


class DataKeys(BaseModel):
    """Mixed into ``DataSpec`` (which forbids unknown keys and freezes them)."""

    outcome_name: str | None = Field(
        None,
        description="The positive outcome in words, plural, for the report's summary "
        "(e.g. '30-day readmissions'); default: the target column's name.",
    )
    train: Path | None = Field(
        None,
        description="The model's training rows (CSV or Parquet): the report measures how many "
        "audit rows also appear in them (FDA GMLP principle 4: independent test data).",
    )
    overlap_key: list[str] = Field(
        default_factory=list,
        description="Columns naming a patient or record (e.g. [patient_id]): audit rows whose key "
        "also appears in 'train' are near-duplicates.",
    )
    max_overlap: float | None = Field(
        0.0,
        ge=0,
        le=1,
        description="The largest share of audit rows that may also be in 'train' (exact or by "
        "key); null: measure without judging.",
    )
    overlap_level: Literal["fail", "warn"] = Field(
        "warn", description="What a share above max_overlap does to the run."
    )
