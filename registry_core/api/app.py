"""The FastAPI application: Confluent-compatible routes, errors in Confluent's shape, metrics."""

from __future__ import annotations

import logging
import os
import re
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import quote, unquote

import anyio.to_thread
import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from registry_core import __version__
from registry_core.api import (
    routes_data,
    routes_governance,
    routes_llm,
    routes_schemas,
    routes_settings,
)
from registry_core.api.auth import OPEN_PATHS, ROUTE_ROLES, Authenticator, RoleRoute
from registry_core.api.http import CONTENT_TYPE, SchemaRegistryResponse, error_body
from registry_core.errors import IncompatibleSchema, RegistryError, Unauthenticated
from registry_core.service import Registry

__all__ = ["create_app"]

log = logging.getLogger("registry_core.api")

REQUESTS = Counter(
    "llmsr_http_requests_total", "HTTP requests by route and status", ["method", "route", "status"]
)
LATENCY = Histogram(
    "llmsr_http_request_seconds",
    "HTTP request latency by route",
    ["method", "route"],
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0, 5.0),
)


def _encode_segment(segment: bytes) -> str:
    # keep an encoded '/' inside a segment so routing sees one segment; handlers unquote it
    return quote(unquote(segment.decode("latin-1")), safe=":@!$&'()*+,;=-._~")


class SchemaBodyCache:
    """Rendered ``GET /schemas/ids/{id}`` bodies; safe to keep, since an id never changes."""

    def __init__(self, size: int = 50_000) -> None:
        self._size = size
        self._bodies: dict[int, bytes] = {}

    def get(self, schema_id: int) -> bytes | None:
        return self._bodies.get(schema_id)

    def put(self, schema_id: int, body: bytes) -> None:
        if len(self._bodies) >= self._size:
            self._bodies.clear()  # rare: more distinct ids than the cache holds
        self._bodies[schema_id] = body


_BY_ID = re.compile(r"/schemas/ids/([0-9]{1,10})")
_BY_ID_TEMPLATE = "/schemas/ids/{schema_id}"
_VERSION = re.compile(r"/subjects/([^/]+)/versions/([^/]+)")
_VERSION_TEMPLATE = "/subjects/{subject}/versions/{version}"
_FAST_HEADERS = [(b"content-type", CONTENT_TYPE.encode())]
# Query parameters of GET /schemas/ids/{id} that do not change our answer. Deserializers send
# ?subject=... (and format, reference_format); only fetchMaxId adds a field.
_BY_ID_NEUTRAL_PARAMS = frozenset({"subject", "format", "reference_format", "referenceFormat"})


def by_id_query_is_cacheable(query: bytes) -> bool:
    """Whether a by-id request with this query string gets the cached body."""
    names = {part.split(b"=", 1)[0].decode("latin-1") for part in query.split(b"&") if part}
    return names <= _BY_ID_NEUTRAL_PARAMS


class RegistryMiddleware:
    """Pure ASGI: route on the raw path (subjects may contain '/'), count and time requests.

    It also answers the two reads every serializer and deserializer makes without entering the
    framework, whose routing and response handling cost more than the reads themselves:
    ``GET /schemas/ids/{id}`` from already rendered bodies (an id's answer never changes) and
    ``GET /subjects/{s}/versions/{v}`` (a database read each time). Anything unusual about such a
    request (a query parameter that changes the answer, a miss, an error) falls through to the
    framework's route, which stays the one source of the answers' shape and of every error.
    """

    def __init__(self, app: ASGIApp, schema_bodies: SchemaBodyCache, registry: Registry) -> None:
        self.app = app
        self.schema_bodies = schema_bodies
        self.registry = registry
        self.authenticator = Authenticator(registry)

    async def _identify(self, scope: Scope, send: Send) -> bool:
        """Put the caller in ``scope["state"]``; answer 401 (or 50001) and return False if the
        credentials are missing or wrong while users exist."""
        state = scope.setdefault("state", {})
        if scope["path"] in OPEN_PATHS:
            state["user"], state["actor"] = None, "anonymous"
            return True
        header = None
        for name, value in scope.get("headers", ()):
            if name == b"authorization":
                header = value
                break
        try:
            user = await self.authenticator.identify(header)
        except RegistryError as exc:
            headers = [(b"content-type", CONTENT_TYPE.encode())]
            if isinstance(exc, Unauthenticated):
                headers.append((b"www-authenticate", b'Basic realm="llmsr"'))
            body = error_body(exc.error_code, exc.message)
            headers.append((b"content-length", str(len(body)).encode()))
            await send(
                {"type": "http.response.start", "status": exc.http_status, "headers": headers}
            )
            await send({"type": "http.response.body", "body": body})
            REQUESTS.labels(scope["method"], "unauthenticated", str(exc.http_status)).inc()
            return False
        state["user"], state["actor"] = user, user.name
        return True

    async def _serve_fast(self, scope: Scope, send: Send) -> bool:
        if scope["method"] != "GET":
            return False
        started = time.perf_counter()
        path, query = scope["path"], scope.get("query_string", b"")
        template = _BY_ID_TEMPLATE
        match = _BY_ID.fullmatch(path)
        if match is not None:
            if not by_id_query_is_cacheable(query):
                return False
            body = self.schema_bodies.get(int(match.group(1)))
        else:
            match = _VERSION.fullmatch(scope.get("raw_path", b"").decode("latin-1") or path)
            if match is None or query:
                return False
            template = _VERSION_TEMPLATE
            subject = unquote(match.group(1))
            try:
                found = await self.registry.get_version_async(subject, unquote(match.group(2)))
            except RegistryError:
                return False
            body = orjson.dumps(routes_schemas.version_body(found))
        if body is None:
            return False
        headers = [*_FAST_HEADERS, (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})
        REQUESTS.labels("GET", template, "200").inc()
        LATENCY.labels("GET", template).observe(time.perf_counter() - started)
        return True

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if not await self._identify(scope, send):
            return
        # the fast paths are reads, which every role may make
        if await self._serve_fast(scope, send):
            return
        raw = scope.get("raw_path")
        if raw and b"%" in raw:
            scope["path"] = "/".join(_encode_segment(s) for s in raw.split(b"?")[0].split(b"/"))
        status = {"code": 500}
        started = time.perf_counter()

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            method = scope["method"]
            REQUESTS.labels(method, template, str(status["code"])).inc()
            LATENCY.labels(method, template).observe(time.perf_counter() - started)


def _error_response(status: int, error_code: int, message: str) -> Response:
    return Response(
        content=error_body(error_code, message), status_code=status, media_type=CONTENT_TYPE
    )


def create_app(registry: Registry | None = None) -> FastAPI:
    """Build the API over ``registry`` (by default one on ``LLMSR_DATABASE_URL``)."""
    threads = int(os.environ.get("LLMSR_THREADS", "8"))

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        # Blocking database work runs in a thread pool. A few threads keep the database busy;
        # anyio's default of 40 makes them fight over the GIL and multiplies tail latency.
        anyio.to_thread.current_default_thread_limiter().total_tokens = threads
        yield
        await app.state.registry.aclose()

    app = FastAPI(
        title="LLM Schema Registry",
        version=__version__,
        summary="Confluent Schema Registry compatible API with LLM data governance",
        default_response_class=SchemaRegistryResponse,
        lifespan=lifespan,
    )
    app.router.route_class = RoleRoute  # every route checks its role (auth.ROUTE_ROLES)
    app.state.registry = registry or Registry()
    app.state.schema_bodies = SchemaBodyCache()
    app.state.incompatible_error_code = int(os.environ.get("LLMSR_INCOMPATIBLE_ERROR_CODE", "409"))

    @app.exception_handler(RegistryError)
    async def registry_error(request: Request, exc: RegistryError) -> Response:
        code = exc.error_code
        if isinstance(exc, IncompatibleSchema):
            code = request.app.state.incompatible_error_code
        if exc.http_status >= 500:
            log.error("request failed: %s %s: %s", request.method, request.url.path, exc.message)
        return _error_response(exc.http_status, code, exc.message)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        message = f"HTTP {exc.status_code} {exc.detail}"
        return _error_response(exc.status_code, exc.status_code, message)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid request"}
        where = ".".join(str(p) for p in first.get("loc", ()))
        return _error_response(422, 422, f"Invalid request at {where}: {first.get('msg')}")

    @app.exception_handler(ClientDisconnect)
    async def client_disconnected(request: Request, exc: ClientDisconnect) -> Response:
        # the client hung up mid-request: nothing to answer, and not a server error (499, as
        # nginx counts it)
        log.info("client disconnected during %s %s", request.method, request.url.path)
        return Response(status_code=499)

    @app.exception_handler(Exception)
    async def unexpected_error(request: Request, exc: Exception) -> Response:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return _error_response(500, 50001, f"Internal server error: {type(exc).__name__}")

    @app.get("/", summary="Root (Confluent answers an empty object)")
    async def root() -> dict[str, Any]:
        return {}

    app.include_router(routes_schemas.router)
    app.include_router(routes_settings.router)
    app.include_router(routes_governance.router)
    app.include_router(routes_data.router)
    app.include_router(routes_llm.router)

    @app.get("/health", summary="Liveness and database reachability")
    def health(request: Request) -> Response:
        try:
            request.app.state.registry.ping()
        except RegistryError as exc:
            return _error_response(503, 50001, f"database unreachable: {exc.message}")
        return SchemaRegistryResponse({"status": "ok", "database": "ok"})

    @app.get("/metrics", summary="Prometheus metrics", response_class=Response)
    def metrics() -> Response:
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):  # several workers: add them all up
            collected = CollectorRegistry()
            multiprocess.MultiProcessCollector(collected)  # type: ignore[no-untyped-call]
            return Response(content=generate_latest(collected), media_type=CONTENT_TYPE_LATEST)
        return Response(content=generate_latest(), media_type=CONTENT_TYPE_LATEST)

    app.add_middleware(
        RegistryMiddleware, schema_bodies=app.state.schema_bodies, registry=app.state.registry
    )
    _check_every_route_has_a_role(app)
    return app


def route_methods(app: FastAPI) -> list[tuple[str, str]]:
    """Every (method, template) the API serves, but the open paths (for the roles table).

    Read from the OpenAPI document, the public list of routes (included routers are wrapped).
    """
    out = []
    for path, operations in app.openapi()["paths"].items():
        if path not in OPEN_PATHS:
            out += [(method.upper(), path) for method in sorted(operations)]
    return out


def _check_every_route_has_a_role(app: FastAPI) -> None:
    served = route_methods(app)
    missing = [pair for pair in served if pair not in ROUTE_ROLES]
    if missing:
        raise RuntimeError(f"routes without a required role in ROUTE_ROLES: {missing}")
    stale = sorted(set(ROUTE_ROLES) - set(served))
    if stale:
        raise RuntimeError(f"ROUTE_ROLES names routes the API does not serve: {stale}")


def app_from_env() -> FastAPI:
    """Factory for ``uvicorn --factory`` workers: configuration comes from the environment."""
    return create_app(Registry())
