"""Governance endpoints (ours, not Confluent's): policies, proposals and review, lifecycle,
users and keys, the audit trail, change events, event sinks and their deliveries."""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Mapping
from datetime import datetime
from typing import Any

import orjson
from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from registry_core.api.auth import RoleRoute
from registry_core.api.http import (
    ApiError,
    SchemaRegistryResponse,
    qint,
    read_json_body,
    references_from,
    schema_text,
    subject_param,
)
from registry_core.api.routes_schemas import registry
from registry_core.errors import InvalidInput
from registry_core.lifecycle import User
from registry_core.models import SchemaType

router = APIRouter(default_response_class=SchemaRegistryResponse, route_class=RoleRoute)
_SMALL_BODY = 64 * 1024
_SCHEMA_BODY = 2 * 1024 * 1024
_EXPORT_PAGE = 1000


def _user(request: Request) -> User:
    user: User = request.state.user
    return user


def _time(request: Request, name: str) -> datetime | None:
    value = request.query_params.get(name)
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ApiError(
            400, f"Query parameter '{name}' must be an ISO-8601 time, not {value!r}"
        ) from None
    if parsed.tzinfo is None:
        raise ApiError(400, f"Query parameter '{name}' needs a time zone (e.g. 'Z'): {value!r}")
    return parsed


def _optional_str(body: Mapping[str, Any], name: str) -> str | None:
    value = body.get(name)
    if value is not None and not isinstance(value, str):
        raise InvalidInput(f"'{name}' must be a string, not {type(value).__name__}")
    return value


def _optional_bool(body: Mapping[str, Any], name: str) -> bool | None:
    value = body.get(name)
    if value is not None and not isinstance(value, bool):
        raise InvalidInput(f"'{name}' must be true or false, not {value!r}")
    return value


def _names(body: Mapping[str, Any], name: str) -> list[str] | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InvalidInput(f"'{name}' must be a list of user names")
    return value


def _jsonable(item: Any) -> Any:
    return orjson.loads(orjson.dumps(item, default=str))


def _json_object(item: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = _jsonable(item)
    return found


# --- identity ----------------------------------------------------------------------------------


@router.get("/governance/whoami", summary="The caller as the registry sees it")
async def whoami(request: Request) -> dict[str, Any]:
    user = _user(request)
    required = await run_in_threadpool(registry(request).auth_required)
    return {"name": user.name, "role": user.role.value, "authRequired": required}


# --- policies ----------------------------------------------------------------------------------


@router.get("/governance/policies", summary="Every subject and prefix policy")
async def list_policies(request: Request) -> list[dict[str, Any]]:
    return [p.to_dict() for p in await run_in_threadpool(registry(request).policies)]


@router.get("/governance/policies/effective", summary="The policy that governs one subject")
async def effective_policy(request: Request) -> dict[str, Any]:
    subject = request.query_params.get("subject")
    if not subject:
        raise ApiError(400, "Query parameter 'subject' is required")
    found = await run_in_threadpool(registry(request).policy_for, subject)
    return {"subject": subject, "policy": found.to_dict() if found else None}


def _scope(body: Mapping[str, Any] | Any) -> tuple[str, bool]:
    subject, prefix = body.get("subject"), body.get("prefix")
    if (subject is None) == (prefix is None):
        raise InvalidInput("Give exactly one of 'subject' and 'prefix'")
    scope = subject if subject is not None else prefix
    if not isinstance(scope, str) or not scope:
        raise InvalidInput("'subject' or 'prefix' must be a non-empty string")
    return scope, prefix is not None


@router.put("/governance/policies", summary="Create or change a subject or prefix policy")
async def put_policy(request: Request) -> dict[str, Any]:
    body = await read_json_body(request, _SMALL_BODY)
    scope, prefix = _scope(body)
    policy = await run_in_threadpool(
        lambda: registry(request).set_policy(
            scope,
            prefix=prefix,
            review_required=_optional_bool(body, "reviewRequired"),
            owners=_names(body, "owners"),
            reviewers=_names(body, "reviewers"),
            compatibility=_optional_str(body, "compatibility"),
            major_line=_optional_bool(body, "majorLine"),
            actor=_user(request),
        )
    )
    return policy.to_dict()


@router.delete("/governance/policies", summary="Remove a subject or prefix policy")
async def delete_policy(request: Request) -> dict[str, Any]:
    scope, prefix = _scope(request.query_params)
    before = await run_in_threadpool(
        lambda: registry(request).delete_policy(scope, prefix=prefix, actor=_user(request))
    )
    return before.to_dict()


# --- proposals ---------------------------------------------------------------------------------


@router.get("/governance/proposals", summary="Proposals, newest first")
async def list_proposals(request: Request) -> list[dict[str, Any]]:
    query = request.query_params
    found = await run_in_threadpool(
        lambda: registry(request).proposals(
            state=query.get("state") or None,
            subject=query.get("subject") or None,
            author=query.get("author") or None,
            limit=qint(request, "limit", default=500),
        )
    )
    return [p.to_dict() for p in found]


@router.post("/governance/proposals", summary="Propose a new version of a subject")
async def create_proposal(request: Request) -> dict[str, Any]:
    body = await read_json_body(request, _SCHEMA_BODY)
    subject = body.get("subject")
    if not isinstance(subject, str) or not subject:
        raise InvalidInput("'subject' must be a non-empty string")
    draft = _optional_bool(body, "draft") or False
    proposal = await run_in_threadpool(
        lambda: registry(request).propose(
            subject,
            schema_text(body),
            SchemaType.parse(body.get("schemaType")),
            references_from(body),
            note=_optional_str(body, "note"),
            draft=draft,
            actor=_user(request),
        )
    )
    return proposal.to_dict()


def _proposal_id(raw: str) -> int:
    if not raw.isdigit() or len(raw) > 18:
        raise ApiError(404, f"Proposal {raw} not found", 40410)
    return int(raw)


@router.get("/governance/proposals/{proposal_id}", summary="One proposal and its report")
async def get_proposal(proposal_id: str, request: Request) -> dict[str, Any]:
    found = await run_in_threadpool(registry(request).get_proposal, _proposal_id(proposal_id))
    return found.to_dict()


@router.post(
    "/governance/proposals/{proposal_id}/review",
    summary="Approve (registers the version) or reject a proposal",
)
async def review_proposal(proposal_id: str, request: Request) -> dict[str, Any]:
    body = await read_json_body(request, _SMALL_BODY)
    decision = body.get("decision")
    if decision not in ("approve", "reject"):
        raise InvalidInput("'decision' must be 'approve' or 'reject'")
    number = _proposal_id(proposal_id)
    found = await run_in_threadpool(
        lambda: registry(request).review(
            number,
            approve=decision == "approve",
            comment=_optional_str(body, "comment"),
            actor=_user(request),
        )
    )
    return found.to_dict()


@router.post("/governance/proposals/{proposal_id}/submit", summary="Send a draft to review")
async def submit_proposal(proposal_id: str, request: Request) -> dict[str, Any]:
    number = _proposal_id(proposal_id)
    found = await run_in_threadpool(
        lambda: registry(request).submit_proposal(number, actor=_user(request))
    )
    return found.to_dict()


@router.post("/governance/proposals/{proposal_id}/discard", summary="Drop a draft")
async def discard_proposal(proposal_id: str, request: Request) -> dict[str, Any]:
    number = _proposal_id(proposal_id)
    found = await run_in_threadpool(
        lambda: registry(request).discard_proposal(number, actor=_user(request))
    )
    return found.to_dict()


# --- lifecycle ---------------------------------------------------------------------------------


@router.put(
    "/subjects/{subject}/versions/{version}/lifecycle",
    summary="Deprecate, archive, reactivate or restore a version",
)
async def put_lifecycle(subject: str, version: str, request: Request) -> dict[str, Any]:
    body = await read_json_body(request, _SMALL_BODY)
    state = body.get("state")
    if not isinstance(state, str):
        raise InvalidInput("'state' must be one of ACTIVE, DEPRECATED, ARCHIVED")
    name = subject_param(subject)
    moved = await run_in_threadpool(
        lambda: registry(request).set_version_state(
            name, version, state, comment=_optional_str(body, "comment"), actor=_user(request)
        )
    )
    found = await run_in_threadpool(registry(request).get_version, name, version)
    return {"subject": name, "version": found.version, "state": moved.value}


# --- audit and events --------------------------------------------------------------------------


def _audit_filters(request: Request) -> dict[str, Any]:
    query = request.query_params
    return {
        "subject": query.get("subject") or None,
        "actor": query.get("actor") or None,
        "action": query.get("action") or None,
        "since": _time(request, "since"),
        "until": _time(request, "until"),
    }


@router.get("/governance/audit", summary="The audit trail, filtered, oldest first")
async def audit(request: Request) -> list[dict[str, Any]]:
    filters = _audit_filters(request)
    limit = min(max(qint(request, "limit", default=1000), 1), 10_000)
    after = qint(request, "after", default=0)
    events = await run_in_threadpool(
        lambda: registry(request).audit_events(**filters, after_id=after, limit=limit)
    )
    return [_jsonable(e) for e in events]


@router.get("/governance/audit/export", summary="The audit trail as JSON Lines (streamed)")
async def audit_export(request: Request) -> StreamingResponse:
    filters = _audit_filters(request)
    service = registry(request)

    async def lines() -> AsyncIterator[bytes]:
        after = 0
        while True:
            batch = await run_in_threadpool(
                functools.partial(
                    service.audit_events, **filters, after_id=after, limit=_EXPORT_PAGE
                )
            )
            for event in batch:
                yield orjson.dumps(event, default=str) + b"\n"
            if len(batch) < _EXPORT_PAGE:
                return
            after = int(batch[-1]["id"])

    return StreamingResponse(
        lines(),
        media_type="application/x-ndjson",
        headers={"content-disposition": 'attachment; filename="llmsr-audit.jsonl"'},
    )


@router.get("/governance/events", summary="Change events from the outbox, oldest first")
async def events(request: Request) -> list[dict[str, Any]]:
    after = qint(request, "after", default=0)
    limit = min(max(qint(request, "limit", default=500), 1), 5000)
    found = await run_in_threadpool(
        lambda: registry(request).events(
            after=after, type_=request.query_params.get("type") or None, limit=limit
        )
    )
    return [_jsonable(e) for e in found]


# --- users -------------------------------------------------------------------------------------


@router.get("/governance/users", summary="Users and their roles")
async def list_users(request: Request) -> list[dict[str, Any]]:
    return [u.to_dict() for u in await run_in_threadpool(registry(request).users)]


@router.post("/governance/users", summary="Add a user; the answer holds its API key, once")
async def add_user(request: Request) -> dict[str, Any]:
    body = await read_json_body(request, _SMALL_BODY)
    name, role = body.get("name"), body.get("role")
    if not isinstance(name, str) or not isinstance(role, str):
        raise InvalidInput("'name' and 'role' must be strings")
    key = await run_in_threadpool(
        lambda: registry(request).add_user(name, role, actor=_user(request))
    )
    return {"name": name, "role": role.lower(), "apiKey": key}


@router.patch("/governance/users/{name}", summary="Change a user's role or disable it")
async def update_user(name: str, request: Request) -> dict[str, Any]:
    body = await read_json_body(request, _SMALL_BODY)
    user = await run_in_threadpool(
        lambda: registry(request).update_user(
            subject_param(name),
            role=_optional_str(body, "role"),
            disabled=_optional_bool(body, "disabled"),
            actor=_user(request),
        )
    )
    return user.to_dict()


@router.post(
    "/governance/users/{name}/rotate-key", summary="Revoke a user's keys and issue a new one"
)
async def rotate_key(name: str, request: Request) -> dict[str, Any]:
    key = await run_in_threadpool(
        lambda: registry(request).rotate_key(subject_param(name), actor=_user(request))
    )
    return {"name": subject_param(name), "apiKey": key}


# --- event sinks and deliveries ----------------------------------------------------------------


@router.get("/governance/sinks", summary="Where change events are delivered")
async def list_sinks(request: Request) -> list[dict[str, Any]]:
    return [_jsonable(s) for s in await run_in_threadpool(registry(request).sinks)]


@router.post("/governance/sinks", summary="Add a webhook or RabbitMQ sink")
async def add_sink(request: Request) -> dict[str, Any]:
    body = await read_json_body(request, _SMALL_BODY)
    name, kind, url = body.get("name"), body.get("kind"), body.get("url")
    if not all(isinstance(v, str) for v in (name, kind, url)):
        raise InvalidInput("'name', 'kind' and 'url' must be strings")
    types = _names(body, "eventTypes") or ["*"]
    sink = await run_in_threadpool(
        lambda: registry(request).add_sink(
            str(name),
            str(kind),
            str(url),
            secret=_optional_str(body, "secret"),
            exchange=_optional_str(body, "exchange"),
            event_types=types,
            from_start=_optional_bool(body, "fromStart") or False,
            actor=_user(request),
        )
    )
    return _json_object(sink)


@router.delete("/governance/sinks/{name}", summary="Remove a sink and its deliveries")
async def delete_sink(name: str, request: Request) -> dict[str, Any]:
    sink = subject_param(name)
    await run_in_threadpool(lambda: registry(request).delete_sink(sink, actor=_user(request)))
    return {"name": sink, "deleted": True}


@router.get("/governance/deliveries", summary="Deliveries; ?state=dead lists the dead letters")
async def list_deliveries(request: Request) -> dict[str, Any]:
    query = request.query_params
    limit = min(max(qint(request, "limit", default=500), 1), 5000)
    service = registry(request)
    found = await run_in_threadpool(
        lambda: service.deliveries(
            state=query.get("state") or None, sink=query.get("sink") or None, limit=limit
        )
    )
    counts = await run_in_threadpool(service.delivery_counts)
    return {"counts": counts, "deliveries": [_jsonable(d) for d in found]}


@router.post("/governance/deliveries/{delivery_id}/retry", summary="Retry a dead letter")
async def retry_delivery(delivery_id: str, request: Request) -> dict[str, Any]:
    if not delivery_id.isdigit() or len(delivery_id) > 18:
        raise ApiError(404, f"Delivery {delivery_id} not found", 40413)
    found = await run_in_threadpool(
        lambda: registry(request).retry_delivery(int(delivery_id), actor=_user(request))
    )
    return _json_object(found)
