"""The JSON Schema of report.json, from the view-model's TypedDicts: ``trustaudit schema --report``.

Published like the spec's schema so that tools reading report.json can validate it and notice a
``schema_version`` they do not know.
"""

from __future__ import annotations

from typing import Any

from pydantic import TypeAdapter

from .view import SCHEMA_VERSION, ReportView


def report_json_schema() -> dict[str, Any]:
    """JSON Schema (draft 2020-12) of report.json at this ``SCHEMA_VERSION``."""
    schema: dict[str, Any] = TypeAdapter(ReportView).json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "trustaudit report.json"
    schema["description"] = (
        "The view-model of one audit run: report.html and junit.xml are rendered from it."
    )
    schema["properties"]["schema_version"] = {"const": SCHEMA_VERSION, "type": "string"}
    return schema
