"""The audit spec: its pydantic models (``models``), and ``load_spec`` with every check that can run
before a model (``load``)."""

from .load import json_schema, load_spec, parse_spec
from .models import AuditSpec, ThresholdSpec

__all__ = ["AuditSpec", "ThresholdSpec", "json_schema", "load_spec", "parse_spec"]
