"""One module per schema language; ``format_for`` picks the one a schema type needs."""

from __future__ import annotations

from registry_core.formats.avro_format import AvroFormat
from registry_core.formats.base import (
    ParsedSchema,
    ResolvedReference,
    SchemaFormat,
    fingerprint,
    guid_of,
)
from registry_core.formats.jsonschema_format import JsonSchemaFormat
from registry_core.models import SchemaType

__all__ = [
    "FORMATS",
    "ParsedSchema",
    "ResolvedReference",
    "SchemaFormat",
    "fingerprint",
    "format_for",
    "guid_of",
]

FORMATS: dict[SchemaType, SchemaFormat] = {
    SchemaType.AVRO: AvroFormat(),
    SchemaType.JSON: JsonSchemaFormat(),
}


def format_for(schema_type: SchemaType) -> SchemaFormat:
    """The format that handles ``schema_type``."""
    return FORMATS[schema_type]
