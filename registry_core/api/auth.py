"""Who is calling, and may they: HTTP Basic and Bearer API keys, and the role of every route.

Confluent clients send ``basic.auth.user.info`` as ``Authorization: Basic base64(user:key)``;
other clients send ``Authorization: Bearer <key>``. While no user exists the API is open and
every caller acts as ``anonymous`` with the admin role (``llmsr serve`` then listens only on a
loopback address unless told ``--insecure``). ``ROUTE_ROLES`` is the single table of the role
each route needs; ``create_app`` refuses to start if a route is missing from it.
"""

from __future__ import annotations

import base64
import binascii
import logging
import time
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool

from registry_core.errors import Forbidden, StoreError, Unauthenticated
from registry_core.lifecycle import Role, User
from registry_core.service import ANONYMOUS, Registry

__all__ = ["OPEN_PATHS", "ROUTE_ROLES", "Authenticator", "RoleRoute", "required_role"]

log = logging.getLogger("registry_core.api")

AUTH_CACHE_SECONDS = 5.0  # a revoked key or changed role takes effect within this
OPEN_MODE_CACHE_SECONDS = 1.0  # a server notices its first user within this

R, W, V, A = Role.READER, Role.WRITER, Role.REVIEWER, Role.ADMIN

# (method, route template) -> the least role that may call it
ROUTE_ROLES: dict[tuple[str, str], Role] = {
    ("GET", "/"): R,
    ("GET", "/metrics"): R,
    # schemas and subjects
    ("GET", "/schemas/types"): R,
    ("GET", "/schemas/ids/{schema_id}"): R,
    ("GET", "/schemas/ids/{schema_id}/schema"): R,
    ("GET", "/schemas/ids/{schema_id}/subjects"): R,
    ("GET", "/schemas/ids/{schema_id}/versions"): R,
    ("GET", "/schemas/guids/{guid}"): R,
    ("GET", "/schemas"): R,
    ("GET", "/subjects"): R,
    ("POST", "/subjects/{subject}"): R,  # lookup: a read with a body
    ("DELETE", "/subjects/{subject}"): A,
    ("GET", "/subjects/{subject}/versions"): R,
    ("POST", "/subjects/{subject}/versions"): W,
    ("GET", "/subjects/{subject}/versions/{version}"): R,
    ("GET", "/subjects/{subject}/versions/{version}/schema"): R,
    ("GET", "/subjects/{subject}/versions/{version}/referencedby"): R,
    ("GET", "/subjects/{subject}/versions/{version}/fields"): R,
    ("DELETE", "/subjects/{subject}/versions/{version}"): A,
    ("PUT", "/subjects/{subject}/versions/{version}/lifecycle"): W,  # owners, then the table
    ("POST", "/subjects/{subject}/versions/{version}/validate"): R,  # a read: nothing stored
    ("GET", "/subjects/{subject}/versions/{version}/export"): R,
    ("POST", "/subjects/{subject}/versions/{version}/validate-response"): R,  # counted, not stored
    ("GET", "/dialects"): R,
    ("GET", "/datasets"): R,
    ("GET", "/datasets/{name}"): R,
    ("PUT", "/datasets/{name}"): W,
    ("GET", "/datasets/{name}/reports"): R,
    ("GET", "/datasets/{name}/drift"): R,
    ("GET", "/lineage"): R,
    ("POST", "/compatibility/subjects/{subject}/versions"): R,
    ("POST", "/compatibility/subjects/{subject}/versions/{version}"): R,
    # config, mode, metadata
    ("GET", "/config"): R,
    ("PUT", "/config"): A,
    ("DELETE", "/config"): A,
    ("GET", "/config/{subject}"): R,
    ("PUT", "/config/{subject}"): A,
    ("DELETE", "/config/{subject}"): A,
    ("GET", "/mode"): R,
    ("PUT", "/mode"): A,
    ("DELETE", "/mode"): A,
    ("GET", "/mode/{subject}"): R,
    ("PUT", "/mode/{subject}"): A,
    ("DELETE", "/mode/{subject}"): A,
    ("GET", "/contexts"): R,
    ("GET", "/v1/metadata/id"): R,
    ("GET", "/v1/metadata/version"): R,
    # governance
    ("GET", "/governance/whoami"): R,
    ("GET", "/governance/policies"): R,
    ("GET", "/governance/policies/effective"): R,
    ("PUT", "/governance/policies"): A,
    ("DELETE", "/governance/policies"): A,
    ("GET", "/governance/proposals"): R,
    ("POST", "/governance/proposals"): W,
    ("GET", "/governance/proposals/{proposal_id}"): R,
    ("POST", "/governance/proposals/{proposal_id}/review"): V,  # and the subject's reviewers
    ("POST", "/governance/proposals/{proposal_id}/submit"): W,  # the author
    ("POST", "/governance/proposals/{proposal_id}/discard"): W,  # the author
    ("GET", "/governance/audit"): V,
    ("GET", "/governance/audit/export"): V,
    ("GET", "/governance/events"): V,
    ("GET", "/governance/users"): A,
    ("POST", "/governance/users"): A,
    ("PATCH", "/governance/users/{name}"): A,
    ("POST", "/governance/users/{name}/rotate-key"): A,
    ("GET", "/governance/sinks"): A,
    ("POST", "/governance/sinks"): A,
    ("DELETE", "/governance/sinks/{name}"): A,
    ("GET", "/governance/deliveries"): A,
    ("POST", "/governance/deliveries/{delivery_id}/retry"): A,
}
del R, W, V, A

# answered without credentials: load balancers and orchestrators probe these
OPEN_PATHS = frozenset({"/health", "/docs", "/openapi.json", "/docs/oauth2-redirect", "/redoc"})


def required_role(method: str, template: str) -> Role | None:
    return ROUTE_ROLES.get((method, template))


class Authenticator:
    """Turns an ``Authorization`` header into a ``User``; keeps serving through a database
    outage with what it last knew (a user list, verified keys) rather than locking everyone out.
    """

    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self._open: tuple[bool, float] | None = None
        self._keys: dict[bytes, tuple[User, float]] = {}

    async def _auth_required(self) -> bool:
        now = time.monotonic()
        if self._open is not None and now - self._open[1] < OPEN_MODE_CACHE_SECONDS:
            return not self._open[0]
        try:
            required = await run_in_threadpool(self.registry.auth_required)
        except StoreError:
            if self._open is None:
                raise
            log.warning("database unreachable; keeping the last known authentication mode")
            return not self._open[0]
        self._open = (not required, now)
        return required

    async def identify(self, header: bytes | None) -> User:
        """The caller; raises Unauthenticated (401) when credentials are needed and wrong."""
        if not await self._auth_required():
            return ANONYMOUS
        if not header:
            raise Unauthenticated(
                "Unauthorized: send an API key as HTTP Basic (user:key) or as a Bearer token"
            )
        now = time.monotonic()
        hit = self._keys.get(header)
        if hit is not None and now - hit[1] < AUTH_CACHE_SECONDS:
            return hit[0]
        username, api_key = _credentials(header)
        try:
            user = await run_in_threadpool(self.registry.authenticate, api_key, username=username)
        except StoreError:
            if hit is None:
                raise
            log.warning("database unreachable; accepting a key verified %.0fs ago", now - hit[1])
            return hit[0]
        if len(self._keys) > 10_000:
            self._keys = {}
        self._keys[header] = (user, now)
        return user


def _credentials(header: bytes) -> tuple[str | None, str]:
    scheme, _, value = header.decode("latin-1").strip().partition(" ")
    value = value.strip()
    if scheme.lower() == "bearer" and value:
        return None, value
    if scheme.lower() == "basic" and value:
        try:
            decoded = base64.b64decode(value, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise Unauthenticated("Unauthorized: malformed Basic credentials") from None
        username, sep, api_key = decoded.partition(":")
        if not sep or not username or not api_key:
            raise Unauthenticated("Unauthorized: Basic credentials must be 'user:api-key'")
        return username, api_key
    raise Unauthenticated("Unauthorized: the Authorization header must be Basic or Bearer")


class RoleRoute(APIRoute):
    """A route that checks the caller's role (from ``ROUTE_ROLES``) before its handler runs.

    The role is looked up once, when the route is built, and checked in plain code: cheaper per
    request than a FastAPI dependency, and a route missing from the table fails at startup.
    """

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        if self.path in OPEN_PATHS:
            return handler
        roles = {}
        for method in self.methods or ():
            role = required_role("GET" if method == "HEAD" else method, self.path)
            if role is None:
                raise RuntimeError(f"no required role in ROUTE_ROLES for {method} {self.path}")
            roles[method] = role

        async def checked(request: Request) -> Response:
            role = roles[request.method]
            user: User = request.state.user
            if not user.role.includes(role):
                raise Forbidden(
                    f"Forbidden: {request.method} {self.path} needs the {role.value} role; "
                    f"'{user.name}' is a {user.role.value}"
                )
            return await handler(request)

        return checked
