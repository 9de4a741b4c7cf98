"""Data endpoints (ours): validate a small batch of records against a registered version."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from registry_core.api.auth import RoleRoute
from registry_core.api.http import SchemaRegistryResponse, read_json_body, subject_param
from registry_core.api.routes_schemas import registry
from registry_core.errors import InvalidInput

router = APIRouter(default_response_class=SchemaRegistryResponse, route_class=RoleRoute)
MAX_BODY = 8 * 1024 * 1024
MAX_RECORDS = 10_000


@router.post(
    "/subjects/{subject}/versions/{version}/validate",
    summary="Validate a batch of records (at most 10,000) against a version",
)
async def validate_records(subject: str, version: str, request: Request) -> dict[str, Any]:
    body = await read_json_body(request, MAX_BODY)
    records = body.get("records")
    if not isinstance(records, list):
        raise InvalidInput("the body needs 'records': a list of records to validate")
    if len(records) > MAX_RECORDS:
        raise InvalidInput(
            f"{len(records)} records: at most {MAX_RECORDS} per request; validate larger data "
            "with `llmsr validate` or Registry.validate_files"
        )
    result = await run_in_threadpool(
        registry(request).validate, records, subject_param(subject), version
    )
    report = result.report
    return {
        "subject": report.subject,
        "version": report.version,
        "id": report.schema_id,
        "total": report.total,
        "valid": report.valid,
        "quarantined": report.quarantined,
        "errors_by_rule": dict(report.errors_by_rule.most_common()),
        "failures": [
            {"index": position, "errors": [i.to_dict() for i in issues]}
            for position, issues in result.failures
        ],
    }
