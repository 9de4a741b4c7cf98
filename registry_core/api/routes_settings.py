"""Confluent endpoints for compatibility config, modes and contexts."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from registry_core import __version__
from registry_core.api.auth import RoleRoute
from registry_core.api.http import (
    SchemaRegistryResponse,
    page,
    qbool,
    read_json_body,
    subject_param,
)
from registry_core.api.routes_schemas import registry
from registry_core.errors import InvalidCompatibilityLevel, InvalidMode
from registry_core.models import CompatibilityPolicy, SubjectConfig

router = APIRouter(default_response_class=SchemaRegistryResponse, route_class=RoleRoute)
_SMALL_BODY = 64 * 1024


def config_body(config: SubjectConfig) -> dict[str, Any]:
    body: dict[str, Any] = {"compatibilityLevel": config.compatibility.value}
    if config.normalize:
        body["normalize"] = True
    if config.policy is not CompatibilityPolicy.DEFAULT:
        body["compatibilityPolicy"] = config.policy.value
    return body


async def _put_config(subject: str | None, request: Request) -> dict[str, Any]:
    body = await read_json_body(request, _SMALL_BODY)
    level = body.get("compatibility", body.get("compatibilityLevel"))
    normalize = body.get("normalize")
    policy = body.get("compatibilityPolicy")
    if level is None and normalize is None and policy is None:
        raise InvalidCompatibilityLevel(
            "Invalid compatibility level: the body needs 'compatibility' (one of NONE, BACKWARD, "
            "BACKWARD_TRANSITIVE, FORWARD, FORWARD_TRANSITIVE, FULL, FULL_TRANSITIVE)"
        )
    if normalize is not None and not isinstance(normalize, bool):
        raise InvalidCompatibilityLevel(f"'normalize' must be true or false, not {normalize!r}")
    config = await run_in_threadpool(
        registry(request).set_config,
        subject,
        compatibility=level,
        normalize=normalize,
        policy=policy,
        actor=request.state.actor,
    )
    response: dict[str, Any] = {"compatibility": config.compatibility.value}
    if normalize is not None:
        response["normalize"] = config.normalize
    if policy is not None:
        response["compatibilityPolicy"] = config.policy.value
    return response


@router.get("/config", summary="Global compatibility config")
def get_global_config(request: Request) -> dict[str, Any]:
    return config_body(registry(request).get_config(None))


@router.put("/config", summary="Set the global compatibility level")
async def put_global_config(request: Request) -> dict[str, Any]:
    return await _put_config(None, request)


@router.delete("/config", summary="Reset the global compatibility config")
def delete_global_config(request: Request) -> dict[str, Any]:
    return config_body(registry(request).delete_config(None, actor=request.state.actor))


@router.get("/config/{subject}", summary="A subject's compatibility config")
def get_subject_config(subject: str, request: Request) -> dict[str, Any]:
    config = registry(request).get_config(
        subject_param(subject),
        default_to_global=qbool(request, "defaultToGlobal", "default_to_global"),
    )
    return config_body(config)


@router.put("/config/{subject}", summary="Set a subject's compatibility level")
async def put_subject_config(subject: str, request: Request) -> dict[str, Any]:
    return await _put_config(subject_param(subject), request)


@router.delete("/config/{subject}", summary="Remove a subject's compatibility config")
def delete_subject_config(subject: str, request: Request) -> dict[str, Any]:
    return config_body(
        registry(request).delete_config(subject_param(subject), actor=request.state.actor)
    )


async def _put_mode(subject: str | None, request: Request) -> dict[str, Any]:
    body = await read_json_body(request, _SMALL_BODY)
    if "mode" not in body:
        raise InvalidMode(
            "Invalid mode: the body needs 'mode' (one of READWRITE, READONLY, "
            "READONLY_OVERRIDE, IMPORT)"
        )
    mode = await run_in_threadpool(
        registry(request).set_mode,
        subject,
        body["mode"],
        force=qbool(request, "force"),
        actor=request.state.actor,
    )
    return {"mode": mode.value}


@router.get("/mode", summary="Global mode")
def get_global_mode(request: Request) -> dict[str, Any]:
    return {"mode": registry(request).get_mode(None).value}


@router.put("/mode", summary="Set the global mode")
async def put_global_mode(request: Request) -> dict[str, Any]:
    return await _put_mode(None, request)


@router.delete("/mode", summary="Reset the global mode to READWRITE")
def delete_global_mode(request: Request) -> dict[str, Any]:
    return {"mode": registry(request).delete_mode(None, actor=request.state.actor).value}


@router.get("/mode/{subject}", summary="A subject's mode")
def get_subject_mode(subject: str, request: Request) -> dict[str, Any]:
    mode = registry(request).get_mode(
        subject_param(subject),
        default_to_global=qbool(request, "defaultToGlobal", "default_to_global"),
    )
    return {"mode": mode.value}


@router.put("/mode/{subject}", summary="Set a subject's mode")
async def put_subject_mode(subject: str, request: Request) -> dict[str, Any]:
    return await _put_mode(subject_param(subject), request)


@router.delete("/mode/{subject}", summary="Remove a subject's mode")
def delete_subject_mode(subject: str, request: Request) -> dict[str, Any]:
    mode = registry(request).delete_mode(subject_param(subject), actor=request.state.actor)
    return {"mode": mode.value}


@router.get("/contexts", summary="Schema contexts (only the default context '.')")
async def contexts(request: Request) -> list[str]:
    return page(["."], request)


@router.get("/v1/metadata/id", summary="Cluster id (Confluent metadata API)")
async def metadata_id() -> dict[str, Any]:
    return {
        "scope": {"path": [], "clusters": {"schema-registry-cluster": "llmsr"}},
        "id": "llmsr",
    }


@router.get("/v1/metadata/version", summary="Server version (Confluent metadata API)")
async def metadata_version() -> dict[str, Any]:
    return {"version": __version__, "commitId": ""}
