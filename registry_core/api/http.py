"""HTTP conventions Confluent clients rely on: content types, error bodies, lenient queries."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote

import orjson
from fastapi import Request
from fastapi.responses import JSONResponse

from registry_core.errors import InvalidInput, InvalidSchema, RegistryError, SchemaTooLarge
from registry_core.models import SchemaReference, parse_version

__all__ = [
    "CONTENT_TYPE",
    "ApiError",
    "SchemaRegistryResponse",
    "error_body",
    "qbool",
    "qint",
    "read_json_body",
    "references_from",
    "subject_param",
]

CONTENT_TYPE = "application/vnd.schemaregistry.v1+json"
ACCEPTED_CONTENT_TYPES = frozenset(
    {
        "application/vnd.schemaregistry.v1+json",
        "application/vnd.schemaregistry+json",
        "application/json",
        "application/octet-stream",
    }
)


class SchemaRegistryResponse(JSONResponse):
    """JSON in the registry's own media type, serialised with orjson."""

    media_type = CONTENT_TYPE

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


class ApiError(RegistryError):
    """An HTTP-level failure (bad content type, route not found) in the Confluent error shape."""

    def __init__(self, status: int, message: str, error_code: int | None = None) -> None:
        super().__init__(message)
        self.http_status = status
        self.error_code = error_code or status


def error_body(error_code: int, message: str) -> bytes:
    return orjson.dumps({"error_code": error_code, "message": message})


def qbool(request: Request, *names: str, default: bool = False) -> bool:
    """A boolean query parameter, case-insensitive (the Python client sends ``False``)."""
    for name in names:
        value = request.query_params.get(name)
        if value is None:
            continue
        lowered = value.strip().lower()
        if lowered in ("true", "1", "yes", ""):
            return True
        if lowered in ("false", "0", "no"):
            return False
        raise ApiError(400, f"Query parameter '{name}' must be true or false, not {value!r}")
    return default


def qint(request: Request, *names: str, default: int) -> int:
    for name in names:
        value = request.query_params.get(name)
        if value is None:
            continue
        try:
            return int(value)
        except ValueError:
            raise ApiError(
                400, f"Query parameter '{name}' must be an integer, not {value!r}"
            ) from None
    return default


def page(items: list[Any], request: Request) -> list[Any]:
    """Apply ``offset`` and ``limit`` (-1 = no limit) as Confluent does."""
    offset = max(qint(request, "offset", default=0), 0)
    limit = qint(request, "limit", default=-1)
    items = items[offset:]
    return items if limit < 0 else items[:limit]


def subject_param(raw: str) -> str:
    """The subject from a path segment; the raw-path middleware keeps ``%2F`` encoded."""
    return unquote(raw)


async def read_json_body(request: Request, max_bytes: int) -> Mapping[str, Any]:
    """The request body as a JSON object, after checking its content type and size."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type and content_type not in ACCEPTED_CONTENT_TYPES:
        raise ApiError(
            415,
            f"Unsupported Content-Type '{content_type}': send "
            "application/vnd.schemaregistry.v1+json or application/json",
        )
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > max_bytes:
        raise SchemaTooLarge(
            f"Request body too large: {declared} bytes, the limit is {max_bytes} bytes"
        )
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > max_bytes:
            raise SchemaTooLarge(f"Request body too large: the limit is {max_bytes} bytes")
    if not body.strip():
        raise InvalidInput("Request body is empty: expected a JSON object")
    try:
        document = orjson.loads(bytes(body))
    except orjson.JSONDecodeError as exc:
        raise ApiError(400, f"Request body is not valid JSON: {exc}", 400) from None
    if not isinstance(document, dict):
        raise ApiError(
            422, f"Request body must be a JSON object, not {type(document).__name__}", 422
        )
    return document


def schema_text(body: Mapping[str, Any]) -> str:
    value = body.get("schema")
    if value is None or value == "":
        raise InvalidSchema("Empty schema: the request body needs a non-empty 'schema' string")
    if not isinstance(value, str):
        raise InvalidSchema(
            "Invalid schema: 'schema' must be a string holding the schema (JSON-encode it), "
            f"not a {type(value).__name__}"
        )
    return value


def references_from(body: Mapping[str, Any]) -> list[SchemaReference]:
    """The ``references`` list of a request body, each checked and located on failure."""
    raw = body.get("references") or []
    if not isinstance(raw, list):
        raise InvalidSchema("Invalid references: 'references' must be a list")
    refs = []
    for index, item in enumerate(raw):
        where = f"references[{index}]"
        if not isinstance(item, dict):
            raise InvalidSchema(f"Invalid reference at {where}: expected an object")
        name, subject, version = item.get("name"), item.get("subject"), item.get("version")
        if not isinstance(name, str) or not name:
            raise InvalidSchema(f"Invalid reference at {where}: 'name' must be a non-empty string")
        if not isinstance(subject, str) or not subject:
            raise InvalidSchema(
                f"Invalid reference at {where}: 'subject' must be a non-empty string"
            )
        if version is None:
            raise InvalidSchema(f"Invalid reference at {where}: 'version' is required")
        refs.append(SchemaReference(name=name, subject=subject, version=parse_version(version)))
    return refs
