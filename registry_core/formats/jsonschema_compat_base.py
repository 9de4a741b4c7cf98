"""Shared vocabulary of the JSON Schema compatibility check (entry point: ``jsonschema_compat``).

A position in a schema is compared as a *conjunction of parts*: the schema object found there
plus every object it pulls in through ``$ref`` and ``allOf``. Each rule folds one keyword over
the reader's parts and the writer's parts, so references and composition need no special cases:
the tightest ``maximum`` among the reader's parts is the reader's maximum, and so on.

This module holds the reason codes, the ``Part`` a rule reads, and helpers shared by the rule
modules (``_values``, ``_arrays``, ``_objects``).
"""

from __future__ import annotations

import enum
import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from typing import Any, Protocol

from registry_core.models import Incompatibility


class Kind(enum.StrEnum):
    """Reason codes, named as Confluent's ``SchemaDiff`` names its incompatible differences."""

    TYPE_CHANGED = "TYPE_CHANGED"
    TYPE_NARROWED = "TYPE_NARROWED"
    MAX_LENGTH_ADDED = "MAX_LENGTH_ADDED"
    MAX_LENGTH_DECREASED = "MAX_LENGTH_DECREASED"
    MIN_LENGTH_ADDED = "MIN_LENGTH_ADDED"
    MIN_LENGTH_INCREASED = "MIN_LENGTH_INCREASED"
    PATTERN_ADDED = "PATTERN_ADDED"
    PATTERN_CHANGED = "PATTERN_CHANGED"
    MAXIMUM_ADDED = "MAXIMUM_ADDED"
    MAXIMUM_DECREASED = "MAXIMUM_DECREASED"
    MINIMUM_ADDED = "MINIMUM_ADDED"
    MINIMUM_INCREASED = "MINIMUM_INCREASED"
    EXCLUSIVE_MAXIMUM_ADDED = "EXCLUSIVE_MAXIMUM_ADDED"
    EXCLUSIVE_MAXIMUM_DECREASED = "EXCLUSIVE_MAXIMUM_DECREASED"
    EXCLUSIVE_MINIMUM_ADDED = "EXCLUSIVE_MINIMUM_ADDED"
    EXCLUSIVE_MINIMUM_INCREASED = "EXCLUSIVE_MINIMUM_INCREASED"
    MULTIPLE_OF_ADDED = "MULTIPLE_OF_ADDED"
    MULTIPLE_OF_EXPANDED = "MULTIPLE_OF_EXPANDED"
    MULTIPLE_OF_CHANGED = "MULTIPLE_OF_CHANGED"
    ENUM_ARRAY_NARROWED = "ENUM_ARRAY_NARROWED"
    CONST_ADDED = "CONST_ADDED"
    CONST_CHANGED = "CONST_CHANGED"
    REQUIRED_ATTRIBUTE_ADDED = "REQUIRED_ATTRIBUTE_ADDED"
    REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL = (
        "REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL"
    )
    PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL = "PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL"
    PROPERTY_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL = (
        "PROPERTY_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL"
    )
    PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL = "PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL"
    PROPERTY_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL = (
        "PROPERTY_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL"
    )
    ADDITIONAL_PROPERTIES_REMOVED = "ADDITIONAL_PROPERTIES_REMOVED"
    ADDITIONAL_PROPERTIES_NARROWED = "ADDITIONAL_PROPERTIES_NARROWED"
    MAX_PROPERTIES_ADDED = "MAX_PROPERTIES_ADDED"
    MAX_PROPERTIES_DECREASED = "MAX_PROPERTIES_DECREASED"
    MIN_PROPERTIES_ADDED = "MIN_PROPERTIES_ADDED"
    MIN_PROPERTIES_INCREASED = "MIN_PROPERTIES_INCREASED"
    DEPENDENCY_ARRAY_ADDED = "DEPENDENCY_ARRAY_ADDED"
    DEPENDENCY_ARRAY_EXTENDED = "DEPENDENCY_ARRAY_EXTENDED"
    DEPENDENCY_ARRAY_CHANGED = "DEPENDENCY_ARRAY_CHANGED"
    DEPENDENCY_SCHEMA_ADDED = "DEPENDENCY_SCHEMA_ADDED"
    MAX_ITEMS_ADDED = "MAX_ITEMS_ADDED"
    MAX_ITEMS_DECREASED = "MAX_ITEMS_DECREASED"
    MIN_ITEMS_ADDED = "MIN_ITEMS_ADDED"
    MIN_ITEMS_INCREASED = "MIN_ITEMS_INCREASED"
    UNIQUE_ITEMS_ADDED = "UNIQUE_ITEMS_ADDED"
    CONTAINS_ADDED = "CONTAINS_ADDED"
    ARRAY_ITEMS_KIND_CHANGED = "ARRAY_ITEMS_KIND_CHANGED"
    ADDITIONAL_ITEMS_REMOVED = "ADDITIONAL_ITEMS_REMOVED"
    ADDITIONAL_ITEMS_NARROWED = "ADDITIONAL_ITEMS_NARROWED"
    ITEM_ADDED_TO_OPEN_CONTENT_MODEL = "ITEM_ADDED_TO_OPEN_CONTENT_MODEL"
    ITEM_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL = (
        "ITEM_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL"
    )
    ITEM_REMOVED_FROM_CLOSED_CONTENT_MODEL = "ITEM_REMOVED_FROM_CLOSED_CONTENT_MODEL"
    ITEM_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL = (
        "ITEM_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL"
    )
    NOT_TYPE_EXTENDED = "NOT_TYPE_EXTENDED"
    COMBINED_TYPE_CHANGED = "COMBINED_TYPE_CHANGED"
    COMBINED_TYPE_SUBSCHEMAS_CHANGED = "COMBINED_TYPE_SUBSCHEMAS_CHANGED"
    SUM_TYPE_NARROWED = "SUM_TYPE_NARROWED"
    ALL_OF_SUBSCHEMAS_ADDED = "ALL_OF_SUBSCHEMAS_ADDED"
    UNRESOLVED_REFERENCE = "UNRESOLVED_REFERENCE"


ALL_TYPES = frozenset({"null", "boolean", "object", "array", "number", "integer", "string"})
NUMERIC = frozenset({"number", "integer"})
# Keywords that only describe: a schema made of these alone constrains nothing.
ANNOTATIONS = frozenset(
    {"$schema", "$id", "$anchor", "$comment", "$defs", "definitions", "title", "description"}
    | {"default", "examples", "deprecated", "readOnly", "writeOnly"}
)
# A value of each type, to show in messages which data the reader rejects.
EXAMPLES = {"null": "null", "boolean": "true", "object": "{}", "array": "[]"} | {
    "number": "1.5",
    "integer": "1",
    "string": '"text"',
}


@dataclass(frozen=True, eq=False)
class Part:
    """One schema object (dict or bool) at JSON pointer ``ptr`` of the document ``doc_key``.

    ``skip`` names keywords already accounted for (a followed ``$ref``, a flattened ``allOf``, an
    ``anyOf`` whose branch was chosen), which reads then treat as absent.
    """

    schema: Any
    doc: Any
    doc_key: str
    ptr: str
    skip: frozenset[str] = frozenset()

    @property
    def location(self) -> tuple[str, str]:
        """Where the part lives: (document key, JSON pointer)."""
        return (self.doc_key, self.ptr)

    def has(self, keyword: str) -> bool:
        """Whether the keyword is present and not yet accounted for."""
        return isinstance(self.schema, dict) and keyword in self.schema and keyword not in self.skip

    def get(self, keyword: str) -> Any:
        """The keyword's value, or None when absent, consumed or the part is a boolean schema."""
        return self.schema[keyword] if self.has(keyword) else None

    def with_skip(self, *keywords: str) -> Part:
        """The same part with ``keywords`` marked as accounted for."""
        return Part(self.schema, self.doc, self.doc_key, self.ptr, self.skip | set(keywords))

    def child(self, *tokens: str | int) -> Part:
        """The subschema at ``tokens``; a missing or non-schema value reads as ``true``."""
        value: Any = self.schema
        for token in tokens:
            if isinstance(value, dict) and isinstance(token, str):
                value = value.get(token, True)
            elif isinstance(value, list) and isinstance(token, int) and 0 <= token < len(value):
                value = value[token]
            else:
                value = True
        if not isinstance(value, dict | bool):
            value = True
        return Part(value, self.doc, self.doc_key, pointer_join(self.ptr, *tokens))


Parts = Sequence[Part]


class Checker(Protocol):
    """What the rules need from the checker that drives them."""

    lenient: bool
    reader_label: str
    writer_label: str

    @property
    def probing(self) -> bool:
        """Only a yes/no answer is wanted: rules may stop at the first issue."""
        ...

    def compare(self, reader: Parts, writer: Parts, path: str) -> list[Incompatibility]:
        """Every reason a value the writer parts accept is rejected by the reader parts."""
        ...

    def fits(self, reader: Parts, writer: Parts, path: str) -> bool:
        """Whether ``compare`` would find nothing (computed more cheaply)."""
        ...

    def flatten(self, parts: Parts) -> Parts:
        """The parts with ``$ref`` and ``allOf`` followed."""
        ...


# --- small helpers --------------------------------------------------------------------------------


def pointer_join(pointer: str, *tokens: str | int) -> str:
    """Extend a JSON pointer ("" is the root) with escaped tokens."""
    return pointer + "".join("/" + str(t).replace("~", "~0").replace("/", "~1") for t in tokens)


def join(path: str, *tokens: str | int) -> str:
    """Extend a reported path, where "/" stands for the root."""
    return pointer_join("" if path == "/" else path, *tokens)


def issue(kind: Kind, path: str, message: str) -> Incompatibility:
    """One ``Incompatibility``; an empty path means the root, "/"."""
    return Incompatibility(kind=kind.value, path=path or "/", message=message)


@lru_cache(maxsize=4096)
def subject(path: str) -> str:
    """Name what a logical path points at, for messages: "property 'usage.prompt_tokens'"."""
    tokens = [t.replace("~1", "/").replace("~0", "~") for t in path.split("/")[1:] if t]
    name, last, i = "", "root", 0
    while i < len(tokens):
        token, following = tokens[i], tokens[i + 1] if i + 1 < len(tokens) else None
        if token in ("properties", "patternProperties") and following is not None:
            name, last, i = (f"{name}.{following}" if name else following), "property", i + 2
        elif token in ("items", "prefixItems") and following is not None and following.isdecimal():
            name, last, i = f"{name}[{following}]", "item", i + 2
        elif token in ("items", "additionalItems"):
            name, last, i = f"{name}[]", "item", i + 1
        elif token in ("anyOf", "oneOf", "allOf") and following is not None:
            i += 2  # a branch is the same value, seen through one alternative
        else:
            i += 1  # a keyword at the end of the path, e.g. "maximum"
    if not name:
        return "the root schema"
    return f"property '{name}'" if last == "property" else f"array items '{name}'"


def show(value: Any) -> str:
    """A JSON value for a message, cut short if long."""
    text = json.dumps(value, sort_keys=True, default=str)
    return text if len(text) <= 60 else text[:57] + "..."


def show_all(values: Sequence[Any]) -> str:
    """A few JSON values for a message, as a list."""
    listed = ", ".join(show(v) for v in values[:6])
    return f"[{listed}{', ...' if len(values) > 6 else ''}]"


def number(value: Any) -> int | float | None:
    """A JSON number, excluding booleans (which Python counts as ints) and non-finite floats."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return value if not isinstance(value, float) or math.isfinite(value) else None


def fmt_number(value: float | Fraction) -> str:
    """A number for a message: 2, not 2.0 or Fraction(2, 1)."""
    if isinstance(value, Fraction):
        return str(value.numerator) if value.denominator == 1 else repr(float(value))
    return repr(value)


def json_equal(a: Any, b: Any) -> bool:
    """JSON equality: 1 == 1.0 but true != 1, unlike Python's ``==``."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if number(a) is not None and number(b) is not None:
        return bool(a == b)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(json_equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(json_equal(a[k], b[k]) for k in a)
    return type(a) is type(b) and bool(a == b)


def value_type(value: Any) -> str:
    """The JSON type of a parsed value; 2.0 counts as an integer, as JSON Schema says."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
        return "integer"
    names = {float: "number", str: "string", list: "array", dict: "object"}
    return names.get(type(value), "")


def describe_types(types: Iterable[str]) -> str:
    """A set of JSON types for a message: "string or null", "any type"."""
    names = set(types)
    if names >= ALL_TYPES:
        return "any type"
    if "number" in names:
        names.discard("integer")  # "number" already includes the integers
    return " or ".join(sorted(names)) or "nothing"


def texts(value: Any) -> list[str]:
    """The strings of a JSON array (other values ignored; a non-array is empty)."""
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def unconstrained(parts: Parts) -> bool:
    """Whether the parts accept every value (``true``, ``{}`` or annotations only)."""
    for part in parts:
        if part.schema is False:
            return False
        if isinstance(part.schema, dict) and set(part.schema) - part.skip - ANNOTATIONS:
            return False
    return True


def closed(parts: Parts) -> bool:
    """Whether the parts accept no value at all (``false``, or contradictory types)."""
    return any(p.schema is False for p in parts) or not declared_types(parts)


# --- types and values -----------------------------------------------------------------------------


def declared_types(parts: Parts) -> frozenset[str]:
    """The JSON types the parts admit; "number" implies "integer", an integer is a number."""
    types = ALL_TYPES
    for part in parts:
        if part.schema is False:
            return frozenset()
        declared = part.get("type")
        if isinstance(declared, str):
            declared = [declared]
        if not isinstance(declared, list):
            continue
        allowed = {t for t in declared if isinstance(t, str) and t in ALL_TYPES}
        if "number" in allowed:
            allowed.add("integer")
        types &= allowed
    return types


def writer_values(parts: Parts, types: frozenset[str]) -> list[Any] | None:
    """The values the parts enumerate with ``enum``/``const`` (None = not enumerated)."""
    values: list[Any] | None = None
    for part in parts:
        choices = [part.get("enum")] if isinstance(part.get("enum"), list) else []
        if part.has("const"):
            choices.append([part.get("const")])
        for choice in choices:
            values = list(choice) if values is None else [v for v in values if contains(choice, v)]
    if values is None and types and types <= {"null", "boolean"}:
        values = [None, True, False]  # small types can be enumerated outright
    return None if values is None else [v for v in values if value_type(v) in types]


def writer_types(parts: Parts) -> frozenset[str]:
    """The types of the values the writer accepts, narrowed by an ``enum`` or ``const``."""
    types = declared_types(parts)
    values = writer_values(parts, types)
    return types if values is None else types & {value_type(v) for v in values}


def contains(choices: Sequence[Any], value: Any) -> bool:
    """Whether ``value`` is among ``choices`` by JSON equality."""
    return any(json_equal(value, choice) for choice in choices)
