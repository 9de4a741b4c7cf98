"""The Pydantic pieces a generated model is made of: strict scalar types with JSON Schema's
bounds, the validators that run the registry's checks, and the names of classes and fields."""

from __future__ import annotations

import keyword
import math
import re
from collections.abc import Callable
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, Field, Strict
from pydantic_core import PydanticCustomError

from registry_core.integrations.schema_nav import json_type, type_keyword

__all__ = [
    "ALL_TYPES",
    "Check",
    "check_runner",
    "class_name",
    "field_name",
    "fits_number",
    "has_scoped",
    "integer_type",
    "length_bounds",
    "model_docstring",
    "never",
    "node_types",
    "numeric_bounds",
    "with_checks",
]

Check = Callable[[Any], Any]
ALL_TYPES = ("object", "array", "string", "number", "integer", "boolean", "null")
_SCOPED = ("$id", "$anchor", "$dynamicAnchor", "$recursiveAnchor", "$dynamicRef", "$recursiveRef")


def with_checks(kind: Any, checks: list[Check]) -> Any:
    """``kind`` with ``checks`` run on the raw value first."""
    if not checks:
        return kind
    return Annotated[kind, *(BeforeValidator(c) for c in checks)]


def check_runner(checks: list[Check]) -> Callable[[type[BaseModel], Any], Any]:
    """A before-model-validator running ``checks`` (a list that may still grow)."""

    def registry_checks(cls: type[BaseModel], data: Any) -> Any:
        for check in checks:
            check(data)
        return data

    return registry_checks


def never(pointer: str) -> Check:
    """The check of a ``false`` schema: nothing passes."""

    def never(value: Any) -> Any:
        raise PydanticCustomError(
            "registry_schema",
            "no value is valid at {where}: the schema there is false",
            {"where": pointer or "/"},
        )

    return never


def integer_type(node: dict[str, Any], *, whole_floats: bool) -> Any:
    """A strict ``int`` with the node's bounds (no bools, no numeric strings)."""
    # JSON Schema (draft 6 on) counts 1.0 as an integer; draft 4 does not
    whole = [BeforeValidator(_whole)] if whole_floats else []
    return Annotated[int, Strict(), numeric_bounds(node, integers=True), *whole]


def _whole(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def numeric_bounds(node: dict[str, Any], *, integers: bool = False) -> Any:
    """Bounds as Field constraints; for integers, fractional bounds become the whole ones they
    mean (``> 1.5`` is ``>= 2``), since Pydantic's int constraints must be integers."""
    limits: dict[str, Any] = {}
    for key, arg in (
        ("minimum", "ge"),
        ("maximum", "le"),
        ("exclusiveMinimum", "gt"),
        ("exclusiveMaximum", "lt"),
    ):
        value = node.get(key)
        if not isinstance(value, int | float) or isinstance(value, bool):
            continue
        if integers and isinstance(value, float):
            if value.is_integer():
                value = int(value)
            elif arg in ("ge", "gt"):
                arg, value = "ge", math.ceil(value)
            else:
                arg, value = "le", math.floor(value)
            if arg in limits:  # minimum and exclusiveMinimum both given: keep the tighter
                value = max(value, limits[arg]) if arg == "ge" else min(value, limits[arg])
        limits[arg] = value
    return Field(**limits)


def length_bounds(node: dict[str, Any], low: str, high: str) -> dict[str, Any]:
    """``min_length``/``max_length`` from two keywords (minLength, minItems...)."""
    out: dict[str, Any] = {}
    for key, arg in ((low, "min_length"), (high, "max_length")):
        value = node.get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            out[arg] = value
    return out


def node_types(node: dict[str, Any]) -> tuple[str, ...]:
    """The JSON types a node allows (all without ``type``); ``number`` covers ``integer``."""
    kinds = type_keyword(node)
    if kinds is None:
        kinds = set(ALL_TYPES)
    if "number" in kinds:
        kinds.discard("integer")
    return tuple(k for k in ALL_TYPES if k in kinds)


def fits_number(value: Any, allowed: tuple[str, ...]) -> bool:
    """An integer member where only ``number`` is allowed still fits."""
    return json_type(value) == "integer" and "number" in allowed


def has_scoped(node: Any, depth: int = 0) -> bool:
    """Whether a nested ``$id``, an anchor or a dynamic reference moves reference bases."""
    if isinstance(node, dict):
        if any(k in node for k in _SCOPED if not (k == "$id" and depth == 0)):
            return True
        return any(
            has_scoped(v, depth + 1)
            for k, v in node.items()
            if k not in ("enum", "const", "default", "examples")
        )
    if isinstance(node, list):
        return any(has_scoped(v, depth + 1) for v in node)
    return False


_NOT_IDENT = re.compile(r"\W", re.ASCII)


def field_name(prop: str, taken: set[str]) -> str:
    """A Python identifier for a property (the property name stays the alias)."""
    name = _NOT_IDENT.sub("_", prop).lstrip("_") or "field"
    if name[0].isdigit():
        name = f"f_{name}"
    if keyword.iskeyword(name) or hasattr(BaseModel, name) or name.startswith("model_"):
        name += "_"
    base, index = name, 2
    while name in taken:
        name, index = f"{base}_{index}", index + 1
    taken.add(name)
    return name


def class_name(hint: str, namespace: dict[str, Any]) -> str:
    """A PascalCase class name from a property or definition name, unique in ``namespace``."""
    words = re.findall(r"[A-Za-z0-9]+", hint)
    name = "".join(w[:1].upper() + w[1:] for w in words) or "Model"
    if name[0].isdigit():
        name = f"M{name}"
    base, index = name, 2
    while name in namespace:
        name, index = f"{base}{index}", index + 1
    return name


def model_docstring(doc: str, checked: list[str]) -> str:
    """The generated class's docstring: where it came from, and what the registry checks."""
    lines = [doc] if doc else []
    if checked:
        lines.append(
            "Checked by the registry's own validator, since no Pydantic type states them "
            "exactly: " + "; ".join(dict.fromkeys(checked)) + "."
        )
    lines.append("A record is valid for this model exactly when Registry.validate accepts it.")
    return "\n\n".join(lines)
