"""Records, tables and files against a registered schema: valid or quarantined, with reasons.

``Engine(schema_view(parsed))`` is the entry point; ``Registry.validate`` and
``llmsr validate`` wrap it with the registry's schemas. Names are imported on first use
(PEP 562): finding input files must not cost the engine's imports (Arrow, jsonschema-rs).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from registry_core.validation.engine import Engine, TableResult
    from registry_core.validation.exact import Issue
    from registry_core.validation.inputs import FORMATS, detect_format, expand_inputs
    from registry_core.validation.report import ValidationReport
    from registry_core.validation.view import SchemaView, schema_view

_WHERE = {
    "FORMATS": "inputs",
    "detect_format": "inputs",
    "expand_inputs": "inputs",
    "Engine": "engine",
    "TableResult": "engine",
    "Issue": "exact",
    "ValidationReport": "report",
    "SchemaView": "view",
    "schema_view": "view",
}

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


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value
