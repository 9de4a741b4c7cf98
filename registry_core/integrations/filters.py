"""LlamaIndex metadata filters checked against a registered schema, and the auto-retriever's
``VectorStoreInfo`` generated from it.

A filter is checked for: its key being a property of the schema (and marked ``x-filterable:
true`` when the schema marks any field so); its operator fitting the property's type (``>``/``<``
on numbers and dates, ``text_match`` on strings, ``contains``/``any``/``all`` on arrays,
``in``/``nin`` on scalars); and its value fitting the type. Nested ``MetadataFilters`` are walked.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from registry_core.integrations.errors import MissingExtra
from registry_core.integrations.registered import RegisteredSchema, json_types, load
from registry_core.integrations.schema_nav import resolve
from registry_core.models import LATEST

try:
    from llama_index.core.vector_stores.types import (
        FilterOperator,
        MetadataFilter,
        MetadataFilters,
        MetadataInfo,
        VectorStoreInfo,
    )
except ImportError as exc:  # pragma: no cover - exercised in a subprocess without the extra
    raise MissingExtra("llamaindex", "llama-index-core") from exc

if TYPE_CHECKING:
    from registry_core.service import Registry

__all__ = ["FilterProblem", "check_filters", "vector_store_info"]

_DATE_FORMATS = frozenset({"date", "date-time", "time"})
_ORDERED = {FilterOperator.GT, FilterOperator.LT, FilterOperator.GTE, FilterOperator.LTE}
_TEXT = {FilterOperator.TEXT_MATCH, FilterOperator.TEXT_MATCH_INSENSITIVE}
_ARRAY_OPS = {FilterOperator.ANY, FilterOperator.ALL}
_PY_TYPES = {"string": "str", "integer": "int", "number": "float", "boolean": "bool"}


@dataclass(frozen=True, kw_only=True, slots=True)
class FilterProblem:
    """One filter that cannot work against the schema; ``path`` locates it in the tree."""

    path: str  # filters[0].filters[2]
    key: str
    operator: str
    message: str

    def __str__(self) -> str:
        return f"{self.path} ({self.key} {self.operator}): {self.message}"

    def to_dict(self) -> dict[str, str]:
        return {
            "path": self.path,
            "key": self.key,
            "operator": self.operator,
            "message": self.message,
        }


def check_filters(
    filters: MetadataFilters,
    registry: Registry,
    subject: str,
    version: int | str = LATEST,
) -> list[FilterProblem]:
    """Every problem of ``filters`` (nested ones included) against a registered version."""
    schema = load(registry, subject, version)
    problems: list[FilterProblem] = []
    _walk(filters, "filters", schema, _filterable(schema), problems)
    return problems


def _walk(
    filters: MetadataFilters,
    path: str,
    schema: RegisteredSchema,
    allowed: frozenset[str] | None,
    out: list[FilterProblem],
) -> None:
    for index, item in enumerate(filters.filters):
        where = f"{path}[{index}]"
        if isinstance(item, MetadataFilters):
            _walk(item, f"{where}.filters", schema, allowed, out)
        else:
            out.extend(_check_one(item, where, schema, allowed))


def _check_one(
    item: MetadataFilter, where: str, schema: RegisteredSchema, allowed: frozenset[str] | None
) -> list[FilterProblem]:
    op = FilterOperator(item.operator)

    def problem(message: str) -> list[FilterProblem]:
        return [FilterProblem(path=where, key=item.key, operator=op.value, message=message)]

    props = schema.properties()
    if item.key not in props:
        return problem(
            f"'{item.key}' is not a property of {schema.label}; filterable properties: "
            + (", ".join(sorted(allowed if allowed is not None else props)) or "none")
        )
    if allowed is not None and item.key not in allowed:
        return problem(
            f"'{item.key}' is not marked x-filterable in {schema.label}; filterable properties: "
            + (", ".join(sorted(allowed)) or "none")
        )
    node = resolve(props[item.key], schema.document)
    types = json_types(node, schema.document) - {"null"}
    if op is FilterOperator.IS_EMPTY or not types:
        return []
    items = resolve(node.get("items"), schema.document) if isinstance(node, dict) else None
    item_types = json_types(items, schema.document) - {"null"}
    shown = "/".join(sorted(types))
    value = item.value
    if op in _ARRAY_OPS or op is FilterOperator.CONTAINS:
        if "array" not in types:
            return problem(f"'{op.value}' needs an array property; '{item.key}' is {shown}")
        if op is FilterOperator.CONTAINS:
            return (
                problem(_value_problem(value, item_types, "an element"))
                if _bad(value, item_types)
                else []
            )
        if not isinstance(value, list):
            return problem(f"'{op.value}' needs a list value, got {type(value).__name__}")
        bad = [v for v in value if _bad(v, item_types)]
        return problem(_value_problem(bad[0], item_types, "every element")) if bad else []
    if op in (FilterOperator.IN, FilterOperator.NIN):
        if not isinstance(value, list):
            return problem(f"'{op.value}' needs a list value, got {type(value).__name__}")
        bad = [v for v in value if _bad(v, types)]
        return problem(_value_problem(bad[0], types, "every element")) if bad else []
    if op in _TEXT:
        if "string" not in types:
            return problem(f"'{op.value}' needs a string property; '{item.key}' is {shown}")
        return [] if isinstance(value, str) else problem("'text_match' needs a string value")
    if op in _ORDERED:
        dated = "string" in types and _format(node) in _DATE_FORMATS
        if not (types & {"number", "integer"} or dated):
            return problem(
                f"'{op.value}' compares numbers or dates; '{item.key}' is {shown}"
                + (" (a string without a date format)" if "string" in types else "")
            )
    if "array" in types and op in (FilterOperator.EQ, FilterOperator.NE):
        return problem(f"'{item.key}' is an array: use 'contains', 'any' or 'all'")
    return problem(_value_problem(value, types, "the value")) if _bad(value, types) else []


def _bad(value: Any, types: frozenset[str]) -> bool:
    if not types:
        return False
    if isinstance(value, bool):
        return "boolean" not in types
    if isinstance(value, int):
        return not types & {"integer", "number"}
    if isinstance(value, float):
        return "number" not in types and not ("integer" in types and value.is_integer())
    if isinstance(value, str):
        return "string" not in types
    return True  # lists, dicts, None: no scalar property holds them


def _value_problem(value: Any, types: frozenset[str], what: str) -> str:
    return f"{what} must be {'/'.join(sorted(types))}, got {value!r} ({type(value).__name__})"


def _format(node: Any) -> Any:
    if not isinstance(node, dict):
        return None
    if "format" in node:
        return node["format"]
    formats = {_format(b) for b in node.get("anyOf") or node.get("oneOf") or ()} - {None}
    return formats.pop() if len(formats) == 1 else None


def _filterable(schema: RegisteredSchema) -> frozenset[str] | None:
    """Top-level properties marked ``x-filterable: true``; None (no restriction) when the schema
    marks none."""
    found = schema.flagged("x-filterable", top_level=True)
    return frozenset(path[1:] for path in found.paths) if found.marked else None


def vector_store_info(
    registry: Registry,
    subject: str,
    version: int | str = LATEST,
    *,
    content_info: str | None = None,
) -> VectorStoreInfo:
    """``VectorStoreInfo`` for ``VectorIndexAutoRetriever``: the filterable fields (marked
    ``x-filterable: true``, or every scalar and list-of-scalar field when none is marked), each
    with its type (``str``, ``int``, ``float``, ``bool``, ``list[str]``...) and description.

    ``content_info`` defaults to the schema's description.
    """
    schema = load(registry, subject, version)
    allowed = _filterable(schema)
    infos = []
    for name, raw in schema.properties().items():
        node = resolve(raw, schema.document)
        label = _type_label(node, schema.document)
        if (allowed is not None and name not in allowed) or (allowed is None and label is None):
            continue
        description = node.get("description") if isinstance(node, dict) else None
        fmt = _format(node)
        if fmt in _DATE_FORMATS:
            description = f"{description or name} ({fmt}, ISO 8601)"
        infos.append(MetadataInfo(name=name, type=label or "any", description=description or ""))
    root = resolve(schema.document, schema.document)
    default = root.get("description") if isinstance(root, dict) else None
    return VectorStoreInfo(
        metadata_info=infos,
        content_info=content_info or default or f"documents of {schema.label}",
    )


def _type_label(node: Any, document: Any) -> str | None:
    """``str``, ``int | None``... or None for objects (no vector store filters on them)."""
    types = json_types(node, document)
    scalar = [t for t in ("string", "integer", "number", "boolean") if t in types]
    if types & {"number"}:
        scalar.remove("integer")
    if "array" in types:
        items = resolve(node.get("items"), document) if isinstance(node, dict) else None
        inner = _type_label(items, document) if items is not None else None
        return f"list[{inner or 'any'}]"
    if not scalar or "object" in types:
        return None
    return " | ".join(_PY_TYPES[t] for t in scalar)
