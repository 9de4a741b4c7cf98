"""LLM endpoints (ours): a version exported to a provider's structured-output dialect, the known
dialect profiles, and model output validated against a registered version."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool

from registry_core.api.auth import RoleRoute
from registry_core.api.http import (
    CONTENT_TYPE,
    SchemaRegistryResponse,
    read_json_body,
    subject_param,
)
from registry_core.api.routes_schemas import registry
from registry_core.dialects import DIALECTS, ExportResult
from registry_core.errors import InvalidInput
from registry_core.responses import ResponseValidation

router = APIRouter(default_response_class=SchemaRegistryResponse, route_class=RoleRoute)
MAX_OUTPUT_BODY = 8 * 1024 * 1024

_DIALECT = Query(
    None,
    description=f"The provider dialect: {', '.join(DIALECTS)} (case-insensitive).",
    examples=["openai"],
)
_PROFILE = Query(
    None,
    description="A profile of the dialect (e.g. 2024-08 or openai/2024-08); default: current.",
)
_OUTPUT_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            media: {
                "schema": {
                    "type": "object",
                    "required": ["output"],
                    "properties": {
                        "output": {
                            "description": "The model's reply: its raw text (the JSON may be "
                            "fenced or inside prose) or the parsed JSON value."
                        }
                    },
                }
            }
            for media in (CONTENT_TYPE, "application/json")
        },
    }
}


def _dialect(value: str | None, *, required: bool) -> str | None:
    """The dialect named in the query (names are case-insensitive: ``get_profile`` folds them)."""
    if (value is None or not value.strip()) and required:
        raise InvalidInput(f"the query needs 'dialect': one of {', '.join(DIALECTS)}")
    return value or None


@router.get(
    "/subjects/{subject}/versions/{version}/export",
    summary="A version in a provider's structured-output dialect ({schema, warnings, errors, "
    "lossy}); errors are data: schema is null when the dialect cannot express the schema",
    response_model=ExportResult,
)
async def export_version(
    subject: str,
    version: str,
    request: Request,
    dialect: str | None = _DIALECT,
    profile: str | None = _PROFILE,
) -> SchemaRegistryResponse:
    chosen = _dialect(dialect, required=True)
    assert chosen is not None
    result = await run_in_threadpool(
        lambda: registry(request).export(
            subject_param(subject), version, dialect=chosen, profile=profile
        )
    )
    return SchemaRegistryResponse(result.to_dict())


@router.get("/dialects", summary="The structured-output dialects and their versioned profiles")
async def list_dialects() -> list[dict[str, Any]]:
    from registry_core.dialects import profiles

    return [profile.to_dict() for profile in profiles()]


@router.post(
    "/subjects/{subject}/versions/{version}/validate-response",
    summary="Validate a model's output (raw text or JSON) against a version, with a repair "
    "instruction for the model; with ?dialect= the reply is read in the exported shape",
    response_model=ResponseValidation,
    openapi_extra=_OUTPUT_BODY,
)
async def validate_response(
    subject: str,
    version: str,
    request: Request,
    dialect: str | None = _DIALECT,
    profile: str | None = _PROFILE,
) -> SchemaRegistryResponse:
    body = await read_json_body(request, MAX_OUTPUT_BODY)
    if "output" not in body:
        raise InvalidInput(
            "the body needs 'output': the model's reply as a string, or the parsed JSON value"
        )
    result = await run_in_threadpool(
        lambda: registry(request).validate_response(
            body["output"],
            subject_param(subject),
            version,
            dialect=_dialect(dialect, required=False),
            profile=profile,
        )
    )
    # Answered as is: the model's value may nest deeper than the response model's serializer
    # follows (the response_model above documents the shape).
    return SchemaRegistryResponse(result.to_dict())
