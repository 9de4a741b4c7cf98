"""What every schema format provides: a parsed schema value and the format's operations."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from registry_core.errors import InvalidSchema
from registry_core.models import (
    CompatibilityPolicy,
    FieldInfo,
    Incompatibility,
    SchemaReference,
    SchemaType,
)

__all__ = [
    "ParsedSchema",
    "ResolvedReference",
    "SchemaFormat",
    "compact_json",
    "fingerprint",
    "guid_of",
    "load_json",
]


@dataclass(frozen=True, kw_only=True, slots=True)
class ResolvedReference:
    """A reference with the text of the schema it points to, ready for parsing."""

    name: str
    subject: str
    version: int
    schema: str
    schema_type: SchemaType


@dataclass(frozen=True, kw_only=True, slots=True)
class ParsedSchema:
    """A schema that parsed and passed its format's checks.

    ``canonical`` is the stored form (compact JSON, key order kept); ``normalized`` is the form
    used when ``normalize=true`` (keys sorted, format-specific clean-ups); ``structure`` is the
    normalized form without documentation, so versions differing only in docs have equal
    structures.
    ``native`` is the format library's own object (an Avro ``Schema``; for JSON the document).
    """

    schema_type: SchemaType
    document: Any
    canonical: str
    normalized: str
    structure: str
    native: Any
    references: tuple[ResolvedReference, ...] = ()

    def text(self, *, normalize: bool) -> str:
        return self.normalized if normalize else self.canonical


class SchemaFormat(Protocol):
    """The operations the registry needs from one schema language."""

    schema_type: SchemaType

    def parse(self, text: str, references: Sequence[ResolvedReference] = ()) -> ParsedSchema:
        """Parse and check ``text``; raise ``InvalidSchema`` naming the problem and its place."""
        ...

    def fields(self, schema: ParsedSchema) -> list[FieldInfo]:
        """List the fields of the schema as JSON pointers into the data."""
        ...

    def check(
        self,
        *,
        reader: ParsedSchema,
        writer: ParsedSchema,
        policy: CompatibilityPolicy,
        labels: tuple[str, str] = ("new", "old"),
    ) -> list[Incompatibility]:
        """Every reason data written with ``writer`` may not be read with ``reader``.

        ``labels`` name the reader and the writer in messages.
        """
        ...


def load_json(text: str, what: str = "schema") -> Any:
    """Parse JSON text, turning a syntax error into ``InvalidSchema`` with line and column."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidSchema(
            f"Invalid {what}: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from None
    except (TypeError, RecursionError) as exc:
        raise InvalidSchema(f"Invalid {what}: {exc}") from None


def compact_json(document: Any, *, sort_keys: bool = False) -> str:
    return json.dumps(document, separators=(",", ":"), sort_keys=sort_keys, ensure_ascii=False)


def fingerprint(schema_type: SchemaType, text: str, references: Sequence[SchemaReference]) -> str:
    """MD5 over type, stored text and references: the registry's identity of a schema."""
    refs = [[r.name, r.subject, r.version] for r in references]
    payload = compact_json([schema_type.value, text, refs])
    return hashlib.md5(payload.encode("utf-8")).hexdigest()


def guid_of(fingerprint_hex: str) -> str:
    """The ``guid`` clients see: the fingerprint read as a UUID."""
    return str(uuid.UUID(hex=fingerprint_hex))
