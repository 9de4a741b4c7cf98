"""Confluent endpoints for schemas, subjects, versions and compatibility checks."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson
from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from registry_core.api.auth import RoleRoute
from registry_core.api.http import (
    CONTENT_TYPE,
    ApiError,
    SchemaRegistryResponse,
    page,
    qbool,
    read_json_body,
    references_from,
    schema_text,
    subject_param,
)
from registry_core.models import SchemaRecord, SchemaReference, SchemaType, SubjectVersion
from registry_core.service import Registry

router = APIRouter(default_response_class=SchemaRegistryResponse, route_class=RoleRoute)

_BODY_DOC = {
    "requestBody": {
        "required": True,
        "content": {
            CONTENT_TYPE: {
                "schema": {
                    "type": "object",
                    "required": ["schema"],
                    "properties": {
                        "schema": {"type": "string"},
                        "schemaType": {"type": "string", "enum": ["AVRO", "JSON"]},
                        "references": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "properties": {
                                    "name": {"type": "string"},
                                    "subject": {"type": "string"},
                                    "version": {"type": "integer"},
                                },
                            },
                        },
                        "id": {"type": "integer"},
                        "version": {"type": "integer"},
                    },
                }
            }
        },
    }
}


def registry(request: Request) -> Registry:
    found: Registry = request.app.state.registry
    return found


def schema_body(record: SchemaRecord) -> dict[str, Any]:
    body: dict[str, Any] = {"schema": record.schema, "guid": record.guid}
    if record.schema_type is not SchemaType.AVRO:
        body["schemaType"] = record.schema_type.value
    if record.references:
        body["references"] = [r.as_dict() for r in record.references]
    return body


def version_body(found: SubjectVersion) -> dict[str, Any]:
    body: dict[str, Any] = {
        "subject": found.subject,
        "version": found.version,
        "id": found.schema_id,
        "guid": found.guid,
        "schema": found.schema,
        "semver": str(found.semver),
    }
    if found.schema_type is not SchemaType.AVRO:
        body["schemaType"] = found.schema_type.value
    if found.references:
        body["references"] = [r.as_dict() for r in found.references]
    if found.deleted:
        body["deleted"] = True
    if found.state != "ACTIVE":
        # deprecated versions still serve (old data must decode), flagged; clients ignore
        # fields they do not know
        body["lifecycle"] = found.state
    return body


def schema_request(body: Mapping[str, Any]) -> tuple[str, SchemaType, list[SchemaReference]]:
    """The schema, its type and its references from a register, lookup or check body."""
    return schema_text(body), SchemaType.parse(body.get("schemaType")), references_from(body)


def _schema_id(raw: str) -> int:
    try:
        return int(raw)
    except ValueError:
        raise ApiError(404, f"Schema {raw} not found", 40403) from None


def _actor(request: Request) -> str:
    actor: str = request.state.actor
    return actor


# The hottest routes come first: Starlette tries routes in order.
@router.get("/subjects/{subject}/versions/{version}", summary="Get one version of a subject")
async def get_version(subject: str, version: str, request: Request) -> Response:
    found = await registry(request).get_version_async(
        subject_param(subject), version, deleted=qbool(request, "deleted")
    )
    return SchemaRegistryResponse(version_body(found))


@router.get("/schemas/types", summary="Schema types this registry accepts")
async def schema_types() -> list[str]:
    return [t.value for t in SchemaType]


@router.get("/schemas/ids/{schema_id}", summary="Get a schema by its global id")
async def schema_by_id(schema_id: str, request: Request) -> Response:
    number = _schema_id(schema_id)
    record = await run_in_threadpool(registry(request).get_schema, number)
    if qbool(request, "fetchMaxId", "fetch_max_id"):
        return SchemaRegistryResponse({**schema_body(record), "maxId": record.id})
    body = orjson.dumps(schema_body(record))
    # schemas never change under an id: the middleware serves the next request from this cache
    request.app.state.schema_bodies.put(number, body)
    return Response(content=body, media_type=CONTENT_TYPE)


@router.get("/schemas/ids/{schema_id}/schema", summary="Get the raw schema text by id")
def raw_schema_by_id(schema_id: str, request: Request) -> Response:
    record = registry(request).get_schema(_schema_id(schema_id))
    return Response(content=record.schema, media_type=CONTENT_TYPE)


@router.get("/schemas/ids/{schema_id}/subjects", summary="Subjects registered with a schema id")
def subjects_by_id(schema_id: str, request: Request) -> list[str]:
    usages = registry(request).schema_usages(
        _schema_id(schema_id), deleted=qbool(request, "deleted")
    )
    subject = request.query_params.get("subject")
    names = sorted({s for s, _ in usages if subject is None or s == subject})
    return page(names, request)


@router.get("/schemas/ids/{schema_id}/versions", summary="Subject versions of a schema id")
def versions_by_id(schema_id: str, request: Request) -> list[dict[str, Any]]:
    usages = registry(request).schema_usages(
        _schema_id(schema_id), deleted=qbool(request, "deleted")
    )
    return page([{"subject": s, "version": v} for s, v in usages], request)


@router.get("/schemas/guids/{guid}", summary="Get a schema by its guid")
def schema_by_guid(guid: str, request: Request) -> dict[str, Any]:
    record = registry(request).get_schema_by_guid(guid)
    return {"id": record.id, **schema_body(record)}


@router.get("/schemas", summary="List the latest or all schemas")
def list_schemas(request: Request) -> list[dict[str, Any]]:
    found = registry(request).list_schemas(
        prefix=request.query_params.get("subjectPrefix"),
        deleted=qbool(request, "deleted"),
        latest_only=qbool(request, "latestOnly", "latest_only"),
    )
    return page([version_body(v) for v in found], request)


@router.get("/subjects", summary="List subjects")
def list_subjects(request: Request) -> list[str]:
    names = registry(request).subjects(
        prefix=request.query_params.get("subjectPrefix"),
        deleted=qbool(request, "deleted"),
        deleted_only=qbool(request, "deletedOnly", "deleted_only"),
    )
    return page(names, request)


@router.post(
    "/subjects/{subject}",
    summary="Look up whether a schema is registered under a subject",
    openapi_extra=_BODY_DOC,
)
async def lookup(subject: str, request: Request) -> dict[str, Any]:
    reg = registry(request)
    body = await read_json_body(request, reg.max_schema_bytes + 64 * 1024)
    found = await run_in_threadpool(
        reg.lookup,
        subject_param(subject),
        *schema_request(body),
        normalize=qbool(request, "normalize") if "normalize" in request.query_params else None,
        deleted=qbool(request, "deleted"),
    )
    return version_body(found)


@router.delete("/subjects/{subject}", summary="Delete a subject (soft, then permanent)")
def delete_subject(subject: str, request: Request) -> list[int]:
    return registry(request).delete_subject(
        subject_param(subject), permanent=qbool(request, "permanent"), actor=_actor(request)
    )


@router.get("/subjects/{subject}/versions", summary="List a subject's versions")
def list_versions(subject: str, request: Request) -> list[int]:
    found = registry(request).list_versions(
        subject_param(subject),
        deleted=qbool(request, "deleted"),
        deleted_only=qbool(request, "deletedOnly", "deleted_only"),
    )
    return page(found, request)


@router.post(
    "/subjects/{subject}/versions",
    summary="Register a schema under a subject",
    openapi_extra=_BODY_DOC,
)
async def register(subject: str, request: Request) -> dict[str, Any]:
    reg = registry(request)
    body = await read_json_body(request, reg.max_schema_bytes + 64 * 1024)
    schema_id = body.get("id")
    version = body.get("version")
    for name, value in (("id", schema_id), ("version", version)):
        if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
            raise ApiError(422, f"'{name}' must be an integer, not {value!r}", 42202)
    result = await run_in_threadpool(
        reg.register,
        subject_param(subject),
        *schema_request(body),
        normalize=qbool(request, "normalize") if "normalize" in request.query_params else None,
        schema_id=schema_id if schema_id not in (None, 0, -1) else None,
        version=version if version not in (None, 0) else None,
        force=qbool(request, "force"),
        actor=_actor(request),
    )
    found = result.version
    response: dict[str, Any] = {
        "id": found.schema_id,
        "version": found.version,
        "guid": found.guid,
        "semver": str(found.semver),
    }
    if found.schema_type is not SchemaType.AVRO:
        response["schemaType"] = found.schema_type.value
    return response


@router.get("/subjects/{subject}/versions/{version}/schema", summary="Raw schema of a version")
def get_version_schema(subject: str, version: str, request: Request) -> Response:
    found = registry(request).get_version(
        subject_param(subject), version, deleted=qbool(request, "deleted")
    )
    return Response(content=found.schema, media_type=CONTENT_TYPE)


@router.get(
    "/subjects/{subject}/versions/{version}/referencedby",
    summary="Ids of schemas that reference this version",
)
def referenced_by(subject: str, version: str, request: Request) -> list[int]:
    return page(registry(request).referenced_by(subject_param(subject), version), request)


@router.get(
    "/subjects/{subject}/versions/{version}/fields",
    summary="The fields of a version, as JSON pointers (LLM Schema Registry extension)",
)
def fields(subject: str, version: str, request: Request) -> list[dict[str, Any]]:
    found = registry(request).fields(subject_param(subject), version)
    return [{"path": f.path, "type": f.type, "required": f.required, "doc": f.doc} for f in found]


@router.delete("/subjects/{subject}/versions/{version}", summary="Delete one version")
def delete_version(subject: str, version: str, request: Request) -> int:
    return registry(request).delete_version(
        subject_param(subject),
        version,
        permanent=qbool(request, "permanent"),
        actor=_actor(request),
    )


async def _compatibility(subject: str, version: str | None, request: Request) -> dict[str, Any]:
    reg = registry(request)
    body = await read_json_body(request, reg.max_schema_bytes + 64 * 1024)
    report = await run_in_threadpool(
        reg.check_compatibility,
        subject_param(subject),
        *schema_request(body),
        version=version,
    )
    response: dict[str, Any] = {"is_compatible": report.is_compatible}
    if qbool(request, "verbose"):
        response["messages"] = list(report.messages)
    if report.semver_bump is not None:
        response["semver_bump"] = report.semver_bump.value
    return response


@router.post(
    "/compatibility/subjects/{subject}/versions/{version}",
    summary="Check a schema against one version",
    openapi_extra=_BODY_DOC,
)
async def compatibility_version(subject: str, version: str, request: Request) -> dict[str, Any]:
    return await _compatibility(subject, version, request)


@router.post(
    "/compatibility/subjects/{subject}/versions",
    summary="Check a schema against the versions the subject's level requires",
    openapi_extra=_BODY_DOC,
)
async def compatibility_all(subject: str, request: Request) -> dict[str, Any]:
    return await _compatibility(subject, None, request)
