"""LLM endpoints (ours): a version exported to a provider's structured-output dialect, the known
dialect profiles, and model output validated against a registered version."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from registry_core.api.auth import RoleRoute
from registry_core.api.http import SchemaRegistryResponse, read_json_body, subject_param
from registry_core.api.routes_schemas import registry
from registry_core.errors import InvalidInput

router = APIRouter(default_response_class=SchemaRegistryResponse, route_class=RoleRoute)
MAX_OUTPUT_BODY = 8 * 1024 * 1024


@router.get(
    "/subjects/{subject}/versions/{version}/export",
    summary="A version in a provider's structured-output dialect ({schema, warnings, errors, "
    "lossy}); errors are data: schema is null when the dialect cannot express the schema",
)
async def export_version(subject: str, version: str, request: Request) -> dict[str, Any]:
    query = request.query_params
    dialect = query.get("dialect")
    if not dialect:
        from registry_core.dialects import DIALECTS

        raise InvalidInput(f"the query needs 'dialect': one of {', '.join(DIALECTS)}")
    result = await run_in_threadpool(
        lambda: registry(request).export(
            subject_param(subject), version, dialect=dialect, profile=query.get("profile")
        )
    )
    return result.to_dict()


@router.get("/dialects", summary="The structured-output dialects and their versioned profiles")
async def list_dialects() -> list[dict[str, Any]]:
    from registry_core.dialects import profiles

    return [profile.to_dict() for profile in profiles()]


@router.post(
    "/subjects/{subject}/versions/{version}/validate-response",
    summary="Validate a model's output (raw text or JSON) against a version, with a repair "
    "instruction for the model",
)
async def validate_response(subject: str, version: str, request: Request) -> dict[str, Any]:
    body = await read_json_body(request, MAX_OUTPUT_BODY)
    if "output" not in body:
        raise InvalidInput(
            "the body needs 'output': the model's reply as a string, or the parsed JSON value"
        )
    result = await run_in_threadpool(
        registry(request).validate_response, body["output"], subject_param(subject), version
    )
    return result.to_dict()
