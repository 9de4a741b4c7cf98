"""One JSON Schema for every registered schema: the form records are validated against.

A JSON subject is its own document (its draft kept, draft 7 when it names none, as Confluent
does). An Avro subject becomes the JSON Schema (2020-12) of the plain JSON records an
application hands its serializer: records are objects with every field required unless it has
a default or is nullable, and no other keys (an Avro writer has nowhere to put them); ``int``
and ``long`` are integers in their 32- and 64-bit ranges; ``float``/``double`` are numbers;
``enum`` a set of strings; ``fixed`` a string of its size; ``bytes`` a string (Avro's JSON
encoding: one ISO-8859-1 character per byte); ``map`` an object of values; a union is ``anyOf``
its branches, and ``["null", T]`` is a nullable T. Named types become ``$defs``, so recursive
records work.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from avro import schema as avro_schema

from registry_core.formats import ParsedSchema
from registry_core.models import SchemaType

__all__ = [
    "ANNOTATIONS",
    "DRAFT_7",
    "DRAFT_2020_12",
    "FILTERED_KEYWORDS",
    "SchemaView",
    "schema_view",
]

# Keywords that only annotate: they never make a record invalid (``format`` included:
# validators do not assert it unless asked, and jsonschema does not). ``$id`` is taken as an
# annotation at a schema's root only (below, it moves the base of ``#/...`` references).
ANNOTATIONS = frozenset(
    {
        "$schema",
        "$comment",
        "$defs",
        "definitions",
        "$id",
        "title",
        "description",
        "default",
        "examples",
        "deprecated",
        "readOnly",
        "writeOnly",
        "format",
        "contentMediaType",
        "contentEncoding",
        "contentSchema",
    }
)
# What the fast filters (msgspec types, Polars expressions) state exactly; anything else in a
# schema makes its values suspects for the exact validator.
FILTERED_KEYWORDS = frozenset(
    {
        "type",
        "enum",
        "const",
        "properties",
        "required",
        "additionalProperties",
        "items",
        "minItems",
        "maxItems",
        "minLength",
        "maxLength",
        "pattern",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "multipleOf",
        "$ref",
    }
)

DRAFT_7 = "http://json-schema.org/draft-07/schema"
DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema"
_INT32 = (-(2**31), 2**31 - 1)
_INT64 = (-(2**63), 2**63 - 1)


@dataclass(frozen=True, slots=True)
class SchemaView:
    """The JSON Schema document to validate records with, and the documents it references."""

    document: Any
    draft: str
    resources: tuple[tuple[str, Any], ...] = ()  # ($ref URL, document) of JSON references
    avro: bool = False


def schema_view(parsed: ParsedSchema) -> SchemaView:
    """The JSON Schema that records of ``parsed`` must satisfy."""
    if parsed.schema_type is SchemaType.AVRO:
        converter = _AvroToJson()
        root = converter.convert(parsed.native)
        document = {"$schema": DRAFT_2020_12, **root}
        if converter.defs:
            document["$defs"] = converter.defs
        return SchemaView(document=document, draft=DRAFT_2020_12, avro=True)
    if parsed.schema_type is not SchemaType.JSON:
        raise ValueError(f"cannot validate records against {parsed.schema_type.value} schemas")
    document = parsed.document
    draft = DRAFT_7
    if isinstance(document, dict) and isinstance(document.get("$schema"), str):
        draft = document["$schema"].rstrip("#")
    resources = tuple((ref.name, json.loads(ref.schema)) for ref in parsed.references)
    return SchemaView(document=document, draft=draft, resources=resources)


class _AvroToJson:
    def __init__(self) -> None:
        self.defs: dict[str, Any] = {}

    def convert(self, schema: avro_schema.Schema) -> dict[str, Any]:
        if isinstance(schema, avro_schema.UnionSchema):
            branches = [self.convert(s) for s in schema.schemas]
            nullable = [b for b in branches if b.get("type") != "null"]
            if len(nullable) == 1 and len(branches) == 2:
                return _with_null(nullable[0])
            return {"anyOf": branches}
        if isinstance(schema, avro_schema.RecordSchema | avro_schema.EnumSchema):
            name = schema.fullname
            if name not in self.defs:
                self.defs[name] = {}  # placed first, so a recursive reference finds it
                self.defs[name] = self._named(schema)
            return {"$ref": f"#/$defs/{name}"}
        if isinstance(schema, avro_schema.FixedSchema):
            return {"type": "string", "minLength": schema.size, "maxLength": schema.size}
        if isinstance(schema, avro_schema.ArraySchema):
            return {"type": "array", "items": self.convert(schema.items)}
        if isinstance(schema, avro_schema.MapSchema):
            return {"type": "object", "additionalProperties": self.convert(schema.values)}
        kind = schema.type
        if kind == "int":
            return {"type": "integer", "minimum": _INT32[0], "maximum": _INT32[1]}
        if kind == "long":
            return {"type": "integer", "minimum": _INT64[0], "maximum": _INT64[1]}
        if kind in ("float", "double"):
            return {"type": "number"}
        if kind in ("string", "bytes"):
            return {"type": "string"}
        if kind == "boolean":
            return {"type": "boolean"}
        if kind == "null":
            return {"type": "null"}
        raise ValueError(f"unknown Avro type {kind!r}")

    def _named(self, schema: avro_schema.Schema) -> dict[str, Any]:
        if isinstance(schema, avro_schema.EnumSchema):
            return {"type": "string", "enum": list(schema.symbols)}
        assert isinstance(schema, avro_schema.RecordSchema)
        properties: dict[str, Any] = {}
        required = []
        for field in schema.fields:
            properties[field.name] = self.convert(field.type)
            nullable = isinstance(field.type, avro_schema.UnionSchema) and any(
                s.type == "null" for s in field.type.schemas
            )
            if not field.has_default and not nullable and field.type.type != "null":
                required.append(field.name)
        out: dict[str, Any] = {
            "type": "object",
            "properties": properties,
            "additionalProperties": False,
        }
        if required:
            out["required"] = required
        return out


def _with_null(node: dict[str, Any]) -> dict[str, Any]:
    """``node`` that also accepts null."""
    kind = node.get("type")
    if isinstance(kind, str) and "$ref" not in node:
        extended = {**node, "type": [kind, "null"]}
        if "enum" in extended:
            extended["enum"] = [*extended["enum"], None]
        return extended
    return {"anyOf": [node, {"type": "null"}]}
