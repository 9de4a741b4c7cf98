"""Data endpoints (ours): validate a small batch of records against a registered version;
datasets, their reports and drift, and lineage."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from registry_core.api.auth import RoleRoute
from registry_core.api.http import SchemaRegistryResponse, qint, read_json_body, subject_param
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


# --- datasets, reports and lineage (what orchestration records) -------------------------------


def _dataset_body(body: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in ("kind", "subject", "location"):
        value = body.get(key)
        if not isinstance(value, str) or not value.strip():
            raise InvalidInput(f"'{key}' is required: a non-empty string")
        out[key] = value
    version = body.get("version", "latest-approved")
    if isinstance(version, bool) or not isinstance(version, str | int):
        raise InvalidInput("'version' must be a version number, 'latest' or 'latest-approved'")
    out["version"] = version
    owner = body.get("owner")
    if owner is not None and not isinstance(owner, str):
        raise InvalidInput("'owner' must be a string")
    out["owner"] = owner
    settings = body.get("settings", {})
    if not isinstance(settings, dict):
        raise InvalidInput("'settings' must be a JSON object")
    out["settings"] = settings
    return out


@router.get("/datasets", summary="Datasets the registry knows (filter by subject or kind)")
async def list_datasets(request: Request) -> list[dict[str, Any]]:
    query = request.query_params
    found = await run_in_threadpool(
        registry(request).datasets, subject=query.get("subject"), kind=query.get("kind")
    )
    return [d.to_dict() for d in found]


@router.get("/datasets/{name}", summary="One dataset")
async def get_dataset(name: str, request: Request) -> dict[str, Any]:
    found = await run_in_threadpool(registry(request).dataset, subject_param(name))
    return found.to_dict()


@router.put("/datasets/{name}", summary="Register or update a dataset (idempotent)")
async def put_dataset(name: str, request: Request) -> dict[str, Any]:
    fields = _dataset_body(await read_json_body(request, 64 * 1024))
    made = await run_in_threadpool(
        lambda: registry(request).register_dataset(
            subject_param(name), actor=request.state.user, **fields
        )
    )
    return made.to_dict()


@router.get("/datasets/{name}/reports", summary="What runs found: validation, benchmark, failures")
async def dataset_reports(name: str, request: Request) -> list[dict[str, Any]]:
    query = request.query_params
    reg = registry(request)
    dataset = subject_param(name)
    await run_in_threadpool(reg.dataset, dataset)  # 404 for an unknown dataset
    limit = qint(request, "limit", default=100)
    if not 1 <= limit <= 1000:
        raise InvalidInput(f"limit must be 1 to 1000, not {limit}")
    return await run_in_threadpool(
        lambda: reg.dataset_reports(dataset=dataset, kind=query.get("kind"), limit=limit)
    )


@router.get("/datasets/{name}/drift", summary="Stored drift reports of a dataset, newest first")
async def dataset_drift(name: str, request: Request) -> list[dict[str, Any]]:
    reg = registry(request)
    dataset = subject_param(name)
    await run_in_threadpool(reg.dataset, dataset)
    limit = qint(request, "limit", default=100)
    if not 1 <= limit <= 1000:
        raise InvalidInput(f"limit must be 1 to 1000, not {limit}")
    return await run_in_threadpool(lambda: reg.drift_reports(dataset=dataset, limit=limit))


@router.get("/lineage", summary="The lineage graph around a node (?node=kind:name&depth=2)")
async def lineage(request: Request) -> dict[str, Any]:
    node = request.query_params.get("node")
    if not node:
        raise InvalidInput("the query needs 'node': e.g. node=dataset:chat_sft")
    depth = qint(request, "depth", default=2)
    graph = await run_in_threadpool(lambda: registry(request).lineage(node, depth=depth))
    return graph.to_dict()
