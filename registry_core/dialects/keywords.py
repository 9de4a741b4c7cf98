"""The JSON Schema keywords an export profile must decide, and JSON pointer helpers.

The list is closed on purpose: a keyword outside it is unknown, and every dialect refuses
unknown keywords (llama.cpp, for one, skips them silently, so passing them through would
promise constraints nobody enforces). Adding a keyword here makes the profile test fail until
every profile decides it.
"""

from __future__ import annotations

__all__ = [
    "ANNOTATION_KEYWORDS",
    "KEYWORDS",
    "LIST_APPLICATORS",
    "MAP_APPLICATORS",
    "SINGLE_APPLICATORS",
    "child_pointer",
    "escape",
]

# Draft 2020-12 (core, applicator, unevaluated, validation, format, content, meta-data), the
# draft 2019-09 recursion pair and the draft-7 spellings (definitions, dependencies,
# additionalItems) Confluent's default draft still produces.
KEYWORDS: frozenset[str] = frozenset(
    {
        # core
        "$schema",
        "$id",
        "$anchor",
        "$ref",
        "$defs",
        "definitions",
        "$comment",
        "$vocabulary",
        "$dynamicRef",
        "$dynamicAnchor",
        "$recursiveRef",
        "$recursiveAnchor",
        # any instance
        "type",
        "enum",
        "const",
        # objects
        "properties",
        "required",
        "additionalProperties",
        "patternProperties",
        "propertyNames",
        "minProperties",
        "maxProperties",
        "dependentRequired",
        "dependentSchemas",
        "dependencies",
        "unevaluatedProperties",
        # arrays
        "items",
        "prefixItems",
        "additionalItems",
        "contains",
        "minContains",
        "maxContains",
        "minItems",
        "maxItems",
        "uniqueItems",
        "unevaluatedItems",
        # combinators and conditionals
        "allOf",
        "anyOf",
        "oneOf",
        "not",
        "if",
        "then",
        "else",
        # strings
        "minLength",
        "maxLength",
        "pattern",
        "format",
        "contentEncoding",
        "contentMediaType",
        "contentSchema",
        # numbers
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "multipleOf",
        # annotations
        "title",
        "description",
        "default",
        "examples",
        "deprecated",
        "readOnly",
        "writeOnly",
    }
)

# Keywords that never make an instance invalid: describing them in prose loses nothing a
# validator checks, so it warns without marking the export lossy.
ANNOTATION_KEYWORDS: frozenset[str] = frozenset(
    {
        "title",
        "description",
        "default",
        "examples",
        "deprecated",
        "readOnly",
        "writeOnly",
        "contentEncoding",
        "contentMediaType",
        "contentSchema",
        "$comment",
    }
)

# Where subschemas live, by the shape of the keyword's value.
SINGLE_APPLICATORS: frozenset[str] = frozenset(
    {
        "items",
        "additionalItems",
        "additionalProperties",
        "propertyNames",
        "contains",
        "not",
        "if",
        "then",
        "else",
        "unevaluatedItems",
        "unevaluatedProperties",
        "contentSchema",
    }
)
LIST_APPLICATORS: frozenset[str] = frozenset({"allOf", "anyOf", "oneOf", "prefixItems"})
MAP_APPLICATORS: frozenset[str] = frozenset(
    {"properties", "patternProperties", "dependentSchemas", "$defs", "definitions"}
)


def escape(token: str | int) -> str:
    """One JSON pointer reference token (RFC 6901): ``~`` → ``~0``, ``/`` → ``~1``."""
    return str(token).replace("~", "~0").replace("/", "~1")


def child_pointer(base: str, *tokens: str | int) -> str:
    """``base`` extended by ``tokens``, each escaped."""
    return base + "".join("/" + escape(t) for t in tokens)
