"""Avro reader/writer compatibility, rule for rule the Apache Avro specification's.

This follows ``org.apache.avro.SchemaCompatibility`` (and its Python port ``avro.compatibility``,
which the property tests use as the oracle) but keeps every incompatibility paired with its
location and says in words which field broke, which the port cannot: it merges messages and
locations into two unordered sets.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from avro import schema as avro_schema

from registry_core.models import Incompatibility

__all__ = ["check_compatibility"]

_PRIMITIVES = frozenset({"null", "boolean", "int", "long", "float", "double", "bytes", "string"})
# reader type -> writer types it can read by promotion (Avro spec, "Schema Resolution")
_PROMOTIONS: dict[str, frozenset[str]] = {
    "long": frozenset({"int"}),
    "float": frozenset({"int", "long"}),
    "double": frozenset({"int", "long", "float"}),
    "bytes": frozenset({"string"}),
    "string": frozenset({"bytes"}),
}


def check_compatibility(
    reader: avro_schema.Schema,
    writer: avro_schema.Schema,
    labels: tuple[str, str] = ("new", "old"),
) -> list[Incompatibility]:
    """Every reason data written with ``writer`` cannot be decoded with ``reader``.

    ``labels`` name the reader and the writer in messages ("new"/"old" for a backward check).
    """
    return _Checker(labels).compare(reader, writer, "")


def _describe(schema: avro_schema.Schema) -> str:
    if isinstance(schema, avro_schema.NamedSchema):
        return f"{schema.type} {schema.fullname}"
    if isinstance(schema, avro_schema.UnionSchema):
        return "union [" + ", ".join(_describe(s) for s in schema.schemas) + "]"
    return str(schema.type)


class _Checker:
    def __init__(self, labels: tuple[str, str]) -> None:
        self.reader_label, self.writer_label = labels
        # pairs under comparison: meeting one again means a recursive type, which is compatible
        self._in_progress: set[tuple[int, int]] = set()
        self._done: dict[tuple[int, int], list[Incompatibility]] = {}

    def compare(
        self, reader: avro_schema.Schema, writer: avro_schema.Schema, path: str
    ) -> list[Incompatibility]:
        key = (id(reader), id(writer))
        if key in self._in_progress:
            return []
        if key in self._done:
            return self._done[key]
        self._in_progress.add(key)
        try:
            found = self._calculate(reader, writer, path)
        finally:
            self._in_progress.discard(key)
        self._done[key] = found
        return found

    def _calculate(
        self, reader: avro_schema.Schema, writer: avro_schema.Schema, path: str
    ) -> list[Incompatibility]:
        rtype, wtype = reader.type, writer.type
        if rtype == wtype:
            if rtype in _PRIMITIVES:
                return []
            if isinstance(reader, avro_schema.ArraySchema):
                assert isinstance(writer, avro_schema.ArraySchema)
                return self.compare(reader.items, writer.items, f"{path}/items")
            if isinstance(reader, avro_schema.MapSchema):
                assert isinstance(writer, avro_schema.MapSchema)
                return self.compare(reader.values, writer.values, f"{path}/values")
            if isinstance(reader, avro_schema.FixedSchema):
                assert isinstance(writer, avro_schema.FixedSchema)
                found = _check_names(reader, writer, path)
                if reader.size != writer.size:
                    found.append(
                        Incompatibility(
                            kind="fixed_size_mismatch",
                            path=f"{path}/size",
                            message=f"fixed {reader.fullname} has size {reader.size}, "
                            f"but data was written with size {writer.size}",
                        )
                    )
                return found
            if isinstance(reader, avro_schema.EnumSchema):
                assert isinstance(writer, avro_schema.EnumSchema)
                return _check_names(reader, writer, path) + _check_enum(
                    reader, writer, path, self.writer_label
                )
            if isinstance(reader, avro_schema.RecordSchema):
                assert isinstance(writer, avro_schema.RecordSchema)
                return _check_names(reader, writer, path) + self._check_fields(reader, writer, path)
            if isinstance(reader, avro_schema.UnionSchema):
                assert isinstance(writer, avro_schema.UnionSchema)
                found = []
                for index, branch in enumerate(writer.schemas):
                    if self.compare(reader, branch, path):
                        found.append(
                            Incompatibility(
                                kind="missing_union_branch",
                                path=f"{path}/{index}",
                                message=f"the {self.reader_label} union has no branch that "
                                f"reads {_describe(branch)}, which {self.writer_label} data "
                                "may hold",
                            )
                        )
                return found
            return []
        if isinstance(writer, avro_schema.UnionSchema):
            found = []
            for branch in writer.schemas:
                found.extend(self.compare(reader, branch, path))
            return found
        if isinstance(reader, avro_schema.UnionSchema):
            for branch in reader.schemas:
                if not self.compare(branch, writer, path):
                    return []
            return [
                Incompatibility(
                    kind="missing_union_branch",
                    path=path or "/",
                    message=f"{_describe(reader)} has no branch that reads {_describe(writer)}",
                )
            ]
        if wtype in _PROMOTIONS.get(rtype, frozenset()):
            return []
        return [
            Incompatibility(
                kind="type_mismatch",
                path=path or "/",
                message=f"{_describe(reader)} cannot read data written as {_describe(writer)}",
            )
        ]

    def _check_fields(
        self, reader: avro_schema.RecordSchema, writer: avro_schema.RecordSchema, path: str
    ) -> list[Incompatibility]:
        found: list[Incompatibility] = []
        for index, field in enumerate(reader.fields):
            field_path = f"{path}/fields/{index}"
            writer_field = _lookup_writer_field(writer, field)
            if writer_field is not None:
                found.extend(self.compare(field.type, writer_field.type, f"{field_path}/type"))
            elif field.has_default:
                continue
            elif isinstance(field.type, avro_schema.EnumSchema) and field.type.props.get("default"):
                # Mirrors SchemaCompatibility: the enum field is matched against the writer
                # record itself, which only an identical enum could satisfy.
                found.extend(self.compare(field.type, writer, f"{field_path}/type"))
            else:
                found.append(
                    Incompatibility(
                        kind="reader_field_missing_default_value",
                        path=field_path,
                        message=f"field '{field.name}' of {reader.fullname} has no default, "
                        f"and data written with the {self.writer_label} schema does not have it",
                    )
                )
        return found


def _check_names(
    reader: avro_schema.NamedSchema, writer: avro_schema.NamedSchema, path: str
) -> list[Incompatibility]:
    aliases = reader.props.get("aliases")
    if reader.name == writer.name or (
        isinstance(aliases, list | tuple) and writer.fullname in aliases
    ):
        return []
    return [
        Incompatibility(
            kind="name_mismatch",
            path=f"{path}/name",
            message=f"{reader.type} is named {reader.fullname}, but data was written as "
            f"{writer.fullname} (add it to 'aliases' to rename)",
        )
    ]


def _check_enum(
    reader: avro_schema.EnumSchema, writer: avro_schema.EnumSchema, path: str, writer_label: str
) -> list[Incompatibility]:
    missing = [s for s in writer.symbols if s not in set(reader.symbols)]
    default = reader.props.get("default")
    if not missing or (default and default in reader.symbols):
        return []
    return [
        Incompatibility(
            kind="missing_enum_symbols",
            path=f"{path}/symbols",
            message=f"enum {reader.fullname} lacks symbols {missing} that {writer_label} data "
            "may hold (or give the enum a 'default')",
        )
    ]


def _lookup_writer_field(writer: avro_schema.RecordSchema, field: Any) -> Any:
    direct = writer.fields_dict.get(field.name)
    if direct is not None:
        return direct
    aliases = field.props.get("aliases")
    if isinstance(aliases, Iterable) and not isinstance(aliases, str):
        for alias in aliases:
            match = writer.fields_dict.get(alias)
            if match is not None:
                return match
    return None
