"""A registered version as the adapters read it: its JSON Schema form and its field annotations.

Every adapter works on JSON Schema, whatever the subject's type: an Avro subject is read through
``schema_view`` (the JSON Schema of the records its serializer takes). The per-field ``x-*``
annotations (``x-embed``, ``x-filterable``) are read from the schema as written, because the
JSON Schema form of an Avro record drops a field's extra attributes.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from avro import schema as avro_schema

from registry_core.formats import ParsedSchema
from registry_core.integrations.schema_nav import (
    Flagged,
    flagged,
    json_type,
    resolve,
    type_keyword,
)
from registry_core.models import LATEST, SchemaType, SubjectVersion
from registry_core.validation.view import SchemaView, schema_view

if TYPE_CHECKING:
    from registry_core.service import Registry

__all__ = ["RegisteredSchema", "json_types", "load"]
_ALL_TYPES = frozenset({"string", "number", "integer", "boolean", "null", "array", "object"})


@dataclass(frozen=True, kw_only=True, slots=True)
class RegisteredSchema:
    """One registered version, parsed, with the JSON Schema its records must satisfy."""

    version: SubjectVersion
    parsed: ParsedSchema
    view: SchemaView

    @property
    def document(self) -> Any:
        """The JSON Schema document (for Avro, the converted one)."""
        return self.view.document

    @property
    def ref(self) -> str:
        """``schema_id@version``: how runs, logs and plans name the version they used."""
        return f"{self.version.schema_id}@{self.version.version}"

    @property
    def label(self) -> str:
        """``subject version N (schema id K)``, for messages."""
        found = self.version
        return f"subject '{found.subject}' version {found.version} (schema id {found.schema_id})"

    def properties(self) -> dict[str, Any]:
        """The root object's properties (``$ref`` followed), empty for a non-object root."""
        root = resolve(self.document, self.document)
        props = root.get("properties") if isinstance(root, dict) else None
        return dict(props) if isinstance(props, dict) else {}

    def required(self) -> frozenset[str]:
        root = resolve(self.document, self.document)
        names = root.get("required") if isinstance(root, dict) else None
        return frozenset(n for n in names or () if isinstance(n, str))

    def flagged(self, key: str, *, top_level: bool = False) -> Flagged:
        """The fields marked ``key: true`` (``x-embed``, ``x-filterable``); every field when the
        schema marks none. ``top_level`` keeps the root's properties only."""
        return flagged(self.annotations(), key, top_level=top_level)

    def annotations(self) -> dict[str, dict[str, Any]]:
        """Field path (a JSON pointer, ``*`` for array items) -> that field's ``x-*`` keys."""
        out: dict[str, dict[str, Any]] = {}
        if self.parsed.schema_type is SchemaType.AVRO:
            for path, props in _avro_fields(self.parsed.native, "", frozenset()):
                out[path] = {k: v for k, v in props.items() if k.startswith("x-")}
        else:
            for path, node in _json_fields(self.parsed.document, "", 0):
                out[path] = {k: v for k, v in node.items() if k.startswith("x-")}
        return out


def load(registry: Registry, subject: str, version: int | str = LATEST) -> RegisteredSchema:
    """Read and parse one version (its references resolved by the registry)."""
    parsed, found = registry.parsed_version(subject, version)
    return RegisteredSchema(version=found, parsed=parsed, view=schema_view(parsed))


def json_types(node: Any, document: Any) -> frozenset[str]:
    """The JSON types a value of ``node`` may have; empty when any type is allowed.

    ``integer`` implies ``number`` is not assumed: a ``number`` schema lists both.
    """
    node = resolve(node, document)
    if node is False:
        return frozenset({"never"})
    if not isinstance(node, dict):
        return frozenset()
    kinds = type_keyword(node) or set()
    for values in (node.get("enum"), [node["const"]] if "const" in node else None):
        if isinstance(values, list):
            kinds = kinds or {json_type(v) for v in values}
    branches = [b for c in ("anyOf", "oneOf") for b in node.get(c) or ()]
    if branches and not kinds:
        found = [json_types(b, document) for b in branches]
        kinds = set() if any(not f for f in found) else set().union(*found)
    if "number" in kinds:
        kinds.add("integer")
    return frozenset(kinds) if kinds != _ALL_TYPES else frozenset()


def _json_fields(node: Any, prefix: str, depth: int) -> Iterator[tuple[str, dict[str, Any]]]:
    """(path, node) of every property, walked as the JSON Schema field listing walks."""
    if not isinstance(node, dict) or depth > 32:
        return
    properties = node.get("properties")
    if isinstance(properties, dict):
        for name, sub in properties.items():
            if isinstance(sub, dict):
                yield f"{prefix}/{name}", sub
                yield from _json_fields(sub, f"{prefix}/{name}", depth + 1)
    if isinstance(node.get("items"), dict):
        yield from _json_fields(node["items"], f"{prefix}/*", depth + 1)
    for combinator in ("allOf", "anyOf", "oneOf"):
        for branch in node.get(combinator) or ():
            yield from _json_fields(branch, prefix, depth + 1)


def _avro_fields(
    schema: avro_schema.Schema, prefix: str, seen: frozenset[str]
) -> Iterator[tuple[str, dict[str, Any]]]:
    """(path, extra attributes) of every record field, walked as the Avro field listing walks."""
    if isinstance(schema, avro_schema.UnionSchema):
        for branch in schema.schemas:
            yield from _avro_fields(branch, prefix, seen)
    elif isinstance(schema, avro_schema.ArraySchema):
        yield from _avro_fields(schema.items, f"{prefix}/*", seen)
    elif isinstance(schema, avro_schema.MapSchema):
        yield from _avro_fields(schema.values, f"{prefix}/*", seen)
    elif isinstance(schema, avro_schema.RecordSchema) and schema.fullname not in seen:
        for field in schema.fields:
            yield f"{prefix}/{field.name}", dict(field.other_props or {})
            yield from _avro_fields(field.type, f"{prefix}/{field.name}", seen | {schema.fullname})
