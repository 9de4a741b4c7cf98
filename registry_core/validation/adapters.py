"""Registered schemas as the checks of tools teams already run: pandera (pandas and polars).

Only the top level of a record becomes columns: a property that is an object or an array keeps
its column with no checks (pandera checks columns, not nested documents); ``llmsr validate``
checks those fully. A null cell of an optional property is allowed, as in our engine (a null
field is an absent key).
"""

from __future__ import annotations

import importlib
from typing import Any

from registry_core.validation.records import accepts_null
from registry_core.validation.view import SchemaView

__all__ = ["pandera_schema"]

_PANDAS_TYPES = {"integer": "int64", "number": "float64", "string": "str", "boolean": "bool"}


def _root(view: SchemaView) -> dict[str, Any]:
    document = view.document
    ref = document.get("$ref") if isinstance(document, dict) else None
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        document = document["$defs"][ref.removeprefix("#/$defs/")]
    if not isinstance(document, dict) or "properties" not in document:
        raise ValueError("only schemas of objects with properties become pandera schemas")
    return document


def pandera_schema(view: SchemaView, backend: str = "pandas") -> Any:
    """A pandera ``DataFrameSchema`` with one column per top-level property."""
    if backend == "pandas":
        pa: Any = importlib.import_module("pandera.pandas")
        type_of: Any = _PANDAS_TYPES
    elif backend == "polars":
        import polars as pl

        pa = importlib.import_module("pandera.polars")
        type_of = {
            "integer": pl.Int64,
            "number": pl.Float64,
            "string": pl.String,
            "boolean": pl.Boolean,
        }
    else:
        raise ValueError(f"unknown pandera backend {backend!r}: pandas or polars")
    root = _root(view)
    required = set(root.get("required", []))
    columns = {}
    for name, node in root["properties"].items():
        node = _deref(node, view.document)
        kinds = node.get("type") if isinstance(node, dict) else None
        names = [kinds] if isinstance(kinds, str) else list(kinds or [])
        scalar = [k for k in names if k in type_of]
        dtype = type_of[scalar[0]] if len(scalar) == 1 else None
        if scalar == ["integer"] and "number" in names:
            dtype = type_of["number"]
        nullable = name not in required or accepts_null(node, view.document)
        columns[name] = pa.Column(
            dtype,
            checks=_checks(pa, node) if isinstance(node, dict) else [],
            nullable=nullable,
            required=name in required,
            coerce=False,
        )
    return pa.DataFrameSchema(
        columns, strict=root.get("additionalProperties") is False, name=view.document.get("title")
    )


def _checks(pa: Any, node: dict[str, Any]) -> list[Any]:
    checks = []
    values = node.get("enum", [node["const"]] if "const" in node else None)
    if values is not None:
        checks.append(pa.Check.isin([v for v in values if v is not None]))
    for keyword, check in (
        ("minimum", pa.Check.ge),
        ("maximum", pa.Check.le),
        ("exclusiveMinimum", pa.Check.gt),
        ("exclusiveMaximum", pa.Check.lt),
    ):
        bound = node.get(keyword)
        if isinstance(bound, int | float) and not isinstance(bound, bool):
            checks.append(check(bound))
    if "minLength" in node or "maxLength" in node:
        checks.append(pa.Check.str_length(node.get("minLength"), node.get("maxLength")))
    if isinstance(node.get("pattern"), str):
        # JSON Schema patterns search anywhere in the string, like str_contains
        checks.append(pa.Check.str_contains(node["pattern"]))
    return checks


def _deref(node: Any, root: Any) -> Any:
    while isinstance(node, dict) and isinstance(node.get("$ref"), str):
        ref = node["$ref"]
        if not ref.startswith("#/"):
            break
        target: Any = root
        for part in ref[2:].split("/"):
            target = target.get(part, {}) if isinstance(target, dict) else {}
        node = target
    return node
