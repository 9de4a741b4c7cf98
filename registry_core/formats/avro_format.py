"""Avro: parsing with named-type references, canonical text, field listing, compatibility."""

from __future__ import annotations

import copy
import json
from collections.abc import Sequence
from typing import Any

import avro.errors
import avro.io
import avro.name
from avro import schema as avro_schema

from registry_core.errors import InvalidSchema
from registry_core.formats.avro_compat import check_compatibility
from registry_core.formats.base import ParsedSchema, ResolvedReference, compact_json, load_json
from registry_core.models import CompatibilityPolicy, FieldInfo, Incompatibility, SchemaType

__all__ = ["AvroFormat"]

_PRIMITIVES = frozenset({"null", "boolean", "int", "long", "float", "double", "bytes", "string"})
_DOC_KEYS = frozenset({"doc"})


# Key order of the stored form, as Avro's Java Schema.toString prints it (what Confluent stores),
# so that reordering the keys of a schema does not make it a different schema.
_SCHEMA_KEYS = (
    "type",
    "name",
    "namespace",
    "doc",
    "fields",
    "symbols",
    "items",
    "values",
    "size",
    "default",
    "aliases",
    "logicalType",
    "precision",
    "scale",
)
_FIELD_KEYS = ("name", "type", "doc", "default", "order", "aliases")


def _ordered(node: dict[str, Any], known: tuple[str, ...], sort_keys: bool) -> list[str]:
    if sort_keys:
        return sorted(node)
    first = [k for k in known if k in node]
    return first + sorted(k for k in node if k not in known)  # custom properties last


def _simplify(
    node: Any, *, sort_keys: bool, drop: frozenset[str] = frozenset(), field: bool = False
) -> Any:
    """The stored form: ``{"type": "string"}`` is ``"string"``, keys in a fixed order.

    With ``sort_keys`` keys are sorted instead (the normalized form); ``drop`` removes keys
    (documentation, for the structure). Only schema positions (``type``, ``items``,
    ``values``, ``fields``, union branches) are rewritten: defaults, symbols and custom
    properties are data and stay as written.
    """
    if isinstance(node, list):
        return [_simplify(item, sort_keys=sort_keys, drop=drop) for item in node]
    if not isinstance(node, dict):
        return node
    if not field and set(node) == {"type"} and node["type"] in _PRIMITIVES:
        return node["type"]
    out: dict[str, Any] = {}
    for key in _ordered(node, _FIELD_KEYS if field else _SCHEMA_KEYS, sort_keys):
        if key in drop:
            continue
        value = node[key]
        if key == "fields" and isinstance(value, list):
            value = [_simplify(f, sort_keys=sort_keys, drop=drop, field=True) for f in value]
        elif key in ("type", "items", "values"):
            value = _simplify(value, sort_keys=sort_keys, drop=drop)
        out[key] = value
    return out


def _type_label(schema: avro_schema.Schema) -> str:
    if isinstance(schema, avro_schema.UnionSchema):
        return "|".join(_type_label(s) for s in schema.schemas)
    if isinstance(schema, avro_schema.ArraySchema):
        return f"array<{_type_label(schema.items)}>"
    if isinstance(schema, avro_schema.MapSchema):
        return f"map<{_type_label(schema.values)}>"
    if isinstance(schema, avro_schema.NamedSchema):
        return f"{schema.type}:{schema.fullname}"
    logical = schema.props.get("logicalType")
    return f"{schema.type}({logical})" if logical else str(schema.type)


def _check_default(field: Any, record: str) -> None:
    """Confluent validates defaults; the avro package does not, so do it here."""
    if not field.has_default:
        return
    target = field.type
    if isinstance(target, avro_schema.UnionSchema):
        target = target.schemas[0]  # the spec: a union's default matches its first branch
    if target.type in ("bytes", "fixed"):
        ok = isinstance(field.default, str)
    elif target.type == "float" or target.type == "double":
        ok = isinstance(field.default, int | float) and not isinstance(field.default, bool)
    elif target.type in ("record", "map", "array", "enum"):
        ok = _default_fits(target, field.default)
    else:
        ok = avro.io.validate(target, field.default)
    if not ok:
        raise InvalidSchema(
            f"Invalid default for field '{field.name}' in record {record}: "
            f"{json.dumps(field.default)} is not a {_type_label(target)}"
        )


def _default_fits(schema: avro_schema.Schema, value: Any) -> bool:
    if isinstance(schema, avro_schema.EnumSchema):
        return value in schema.symbols
    if isinstance(schema, avro_schema.ArraySchema):
        return isinstance(value, list)
    if isinstance(schema, avro_schema.MapSchema):
        return isinstance(value, dict)
    return isinstance(value, dict)


def _walk_defaults(schema: avro_schema.Schema, seen: set[int]) -> None:
    if id(schema) in seen:
        return
    seen.add(id(schema))
    if isinstance(schema, avro_schema.RecordSchema):
        for field in schema.fields:
            _check_default(field, schema.fullname)
            _walk_defaults(field.type, seen)
    elif isinstance(schema, avro_schema.UnionSchema):
        for branch in schema.schemas:
            _walk_defaults(branch, seen)
    elif isinstance(schema, avro_schema.ArraySchema):
        _walk_defaults(schema.items, seen)
    elif isinstance(schema, avro_schema.MapSchema):
        _walk_defaults(schema.values, seen)


_TYPE_CONSTRAINT_PROPS = ("logicalType", "precision", "scale")


def _field_constraints(field: Any) -> dict[str, Any]:
    """What a field's values must satisfy beyond their type: default, symbols, size, logical type.

    An optional field (``[null, X]``) is constrained by its ``X``; other unions by nothing.
    """
    out: dict[str, Any] = {}
    if field.has_default:
        out["default"] = copy.deepcopy(field.default)  # the document's own value: not ours to share
    target = field.type
    if isinstance(target, avro_schema.UnionSchema):
        others = [s for s in target.schemas if s.type != "null"]
        if len(target.schemas) != 2 or len(others) != 1:
            return out
        target = others[0]
    if isinstance(target, avro_schema.EnumSchema):
        out["symbols"] = list(target.symbols)
    if isinstance(target, avro_schema.FixedSchema):
        out["size"] = target.size
    for key in _TYPE_CONSTRAINT_PROPS:
        if key in target.props:  # as written, even when the avro package ignores it
            out[key] = copy.deepcopy(target.props[key])
    return out


class AvroFormat:
    """The Avro schema language (``schemaType`` AVRO, the Confluent default)."""

    schema_type = SchemaType.AVRO

    def parse(self, text: str, references: Sequence[ResolvedReference] = ()) -> ParsedSchema:
        document = load_json(text, "Avro schema")
        names = avro.name.Names()
        for ref in references:
            if ref.schema_type is not SchemaType.AVRO:
                raise InvalidSchema(
                    f"Invalid schema: reference '{ref.name}' points to a {ref.schema_type.value} "
                    f"schema (subject '{ref.subject}' version {ref.version}); Avro can only "
                    "reference Avro named types"
                )
            self._make(load_json(ref.schema, f"referenced schema '{ref.name}'"), names, ref.name)
        native = self._make(document, names, None)
        _walk_defaults(native, set())
        return ParsedSchema(
            schema_type=SchemaType.AVRO,
            document=document,
            canonical=compact_json(_simplify(document, sort_keys=False)),
            normalized=compact_json(_simplify(document, sort_keys=True)),
            structure=compact_json(_simplify(document, sort_keys=True, drop=_DOC_KEYS)),
            native=native,
            references=tuple(references),
        )

    @staticmethod
    def _make(document: Any, names: avro.name.Names, ref_name: str | None) -> avro_schema.Schema:
        where = f"referenced schema '{ref_name}'" if ref_name else "Avro schema"
        try:
            return avro_schema.make_avsc_object(document, names)
        except avro.errors.SchemaParseException as exc:
            raise InvalidSchema(f"Invalid {where}: {exc}") from None
        except (avro.errors.AvroException, TypeError, ValueError, AttributeError) as exc:
            raise InvalidSchema(f"Invalid {where}: {exc}") from None
        except RecursionError:
            raise InvalidSchema(f"Invalid {where}: nested too deeply") from None

    def fields(self, schema: ParsedSchema) -> list[FieldInfo]:
        out: list[FieldInfo] = []
        self._collect(schema.native, "", out, set())
        return out

    def _collect(
        self, schema: avro_schema.Schema, prefix: str, out: list[FieldInfo], seen: set[str]
    ) -> None:
        if isinstance(schema, avro_schema.UnionSchema):
            for branch in schema.schemas:
                self._collect(branch, prefix, out, seen)
            return
        if isinstance(schema, avro_schema.ArraySchema):
            self._collect(schema.items, f"{prefix}/*", out, seen)
            return
        if isinstance(schema, avro_schema.MapSchema):
            self._collect(schema.values, f"{prefix}/*", out, seen)
            return
        if not isinstance(schema, avro_schema.RecordSchema) or schema.fullname in seen:
            return
        seen = seen | {schema.fullname}
        for field in schema.fields:
            path = f"{prefix}/{field.name}"
            nullable = isinstance(field.type, avro_schema.UnionSchema) and any(
                s.type == "null" for s in field.type.schemas
            )
            out.append(
                FieldInfo(
                    path=path,
                    type=_type_label(field.type),
                    required=not (field.has_default or nullable),
                    doc=field.doc,
                    constraints=_field_constraints(field),
                )
            )
            self._collect(field.type, path, out, seen)

    def check(
        self,
        *,
        reader: ParsedSchema,
        writer: ParsedSchema,
        policy: CompatibilityPolicy,
        labels: tuple[str, str] = ("new", "old"),
    ) -> list[Incompatibility]:
        return check_compatibility(reader.native, writer.native, labels)
