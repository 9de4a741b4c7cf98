"""Records, tables and files against a registered schema: valid or quarantined, with reasons.

``Engine(schema_view(parsed))`` is the entry point; ``Registry.validate`` and
``llmsr validate`` wrap it with the registry's schemas.
"""

from registry_core.validation.engine import (
    FORMATS,
    Engine,
    TableResult,
    detect_format,
    expand_inputs,
)
from registry_core.validation.exact import Issue
from registry_core.validation.report import ValidationReport
from registry_core.validation.schema_view import SchemaView, schema_view

__all__ = [
    "FORMATS",
    "Engine",
    "Issue",
    "SchemaView",
    "TableResult",
    "ValidationReport",
    "detect_format",
    "expand_inputs",
    "schema_view",
]
