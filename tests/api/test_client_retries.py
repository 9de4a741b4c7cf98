"""The SDK's retry policy and error mapping against a real local HTTP stub that answers from a
script: 503 twice then 200 succeeds on the third attempt, a 4xx is never retried, a write that
must not happen twice is only retried when nothing was sent; every transport failure the policy
names, one by one (an httpx mock transport); codes the server may send map to the core's
exception classes; and the typed LLM answers, read strictly."""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from registry_core import errors
from registry_core.client import (
    NO_RETRIES,
    AsyncRegistryClient,
    RegistryClient,
    RegistryUnavailable,
    RetryPolicy,
    UnexpectedResponse,
)
from registry_core.client.errors import classes_by_code
from registry_core.dialects import ExportIssue, ExportResult
from registry_core.lifecycle import LifecycleState
from registry_core.responses import ResponseValidation
from registry_core.validation.exact import Issue

FAST = RetryPolicy(attempts=4, initial_delay=0.01, max_delay=0.05)
VERSION_BODY = {
    "subject": "chat-value",
    "version": 1,
    "id": 7,
    "guid": "2b9c0c1e-0000-0000-0000-000000000007",
    "schema": '{"type":"string"}',
    "schemaType": "JSON",
    "semver": "1.0.0",
}
PROPOSAL_BODY = {
    "id": 3,
    "subject": "chat-value",
    "schemaType": "JSON",
    "schema": '{"type":"string"}',
    "references": [],
    "author": "walt",
    "note": None,
    "state": "IN_REVIEW",
    "createdAt": "2026-01-02T03:04:05+00:00",
    "baseVersion": 1,
    "report": {"is_compatible": True},
    "decidedBy": None,
    "decidedAt": None,
    "comment": None,
    "version": None,
    "schemaId": None,
}


@dataclass
class Reply:
    status: int
    body: Any = None
    delay: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


class Stub:
    """A real HTTP server on a free port that answers each request with the next scripted reply
    (the last one repeats) and records what it was sent."""

    def __init__(self, *replies: Reply) -> None:
        self.replies = list(replies)
        self.seen: list[Seen] = []
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else b""
                stub.seen.append(Seen(self.command, self.path, dict(self.headers), body))
                reply = stub.replies[min(len(stub.seen), len(stub.replies)) - 1]
                time.sleep(reply.delay)
                data = reply.body if isinstance(reply.body, bytes) else json.dumps(reply.body)
                payload = data.encode() if isinstance(data, str) else data
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", "application/vnd.schemaregistry.v1+json")
                    self.send_header("Content-Length", str(len(payload)))
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout test)

            do_GET = do_POST = _answer

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    def __enter__(self) -> Stub:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@contextmanager
def scripted(*replies: Reply, **options: Any) -> Iterator[tuple[Stub, RegistryClient]]:
    """A stub answering ``replies`` and a client of it."""
    with Stub(*replies) as stub, RegistryClient(stub.url, **options) as client:
        yield stub, client


@pytest.fixture
def closed_port() -> Iterator[str]:
    """A URL where nothing listens: every connection is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    yield f"http://127.0.0.1:{port}"


def counting(sent: list[str]) -> dict[str, list[Any]]:
    """httpx event hooks that record every request the client sends (attempts included)."""

    def on_request(request: httpx.Request) -> None:
        sent.append(f"{request.method} {request.url.path}")

    return {"request": [on_request]}


def test_503_twice_then_200_succeeds_on_the_third_attempt() -> None:
    busy = Reply(503, {"error_code": 50001, "message": "busy"})
    with scripted(busy, Reply(503), Reply(200, VERSION_BODY), retry=FAST) as (stub, client):
        found = client.get_version("chat-value", 1)
    assert (found.schema_id, found.version, found.semver.major) == (7, 1, 1)
    assert [s.path for s in stub.seen] == ["/subjects/chat-value/versions/1"] * 3


def test_async_client_retries_the_same_way() -> None:
    async def scenario(url: str) -> int:
        async with AsyncRegistryClient(url, retry=FAST) as client:
            return (await client.get_version("chat-value")).schema_id

    with Stub(Reply(503, b""), Reply(502, b"bad gateway"), Reply(200, VERSION_BODY)) as stub:
        assert asyncio.run(scenario(stub.url)) == 7
    assert len(stub.seen) == 3


def test_a_4xx_is_never_retried() -> None:
    refusal = {"error_code": 42202, "message": "The specified version '0' is not valid"}
    with (
        scripted(Reply(422, refusal), Reply(200, VERSION_BODY), retry=FAST) as (stub, client),
        pytest.raises(errors.InvalidVersion) as raised,
    ):
        client.get_version("chat-value", 3)
    assert raised.value.message == refusal["message"]
    assert len(stub.seen) == 1
    bad_query = Reply(400, {"error_code": 400, "message": "bad query"})
    with (
        scripted(bad_query, retry=FAST) as (stub, client),
        pytest.raises(errors.InvalidInput, match="bad query"),
    ):
        client.subjects()
    assert len(stub.seen) == 1


def test_5xx_after_the_last_attempt_raises_the_mapped_error() -> None:
    failing = Reply(500, {"error_code": 50001, "message": "database unreachable"})
    with (
        scripted(failing, retry=FAST) as (stub, client),
        pytest.raises(errors.StoreError, match="database unreachable") as raised,
    ):
        client.subjects()
    assert len(stub.seen) == FAST.attempts
    assert raised.value.http_status == 500
    assert "GET /subjects" in raised.value.__notes__[0]


def test_register_is_retried_since_the_server_deduplicates_it() -> None:
    registered = {"id": 7, "version": 1, "guid": "g", "semver": "1.0.0", "schemaType": "JSON"}
    with scripted(Reply(503), Reply(200, registered), retry=FAST) as (stub, client):
        result = client.register("chat-value", {"type": "string"}, "JSON")
    assert (result.schema_id, result.version) == (7, 1)
    assert len(stub.seen) == 2
    sent = json.loads(stub.seen[0].body)
    assert sent == {"schema": '{"type":"string"}', "schemaType": "JSON", "references": []}


def test_a_proposal_is_not_sent_again_after_a_5xx() -> None:
    busy = Reply(503, {"error_code": 50001, "message": "busy"})
    with scripted(busy, retry=FAST) as (stub, client):
        with pytest.raises(errors.StoreError):
            client.propose("chat-value", '{"type":"string"}', "JSON")
        with pytest.raises(errors.StoreError):
            client.review(3, approve=True)
    assert [s.method for s in stub.seen] == ["POST", "POST"]


def test_a_proposal_is_not_sent_again_after_a_read_timeout() -> None:
    slow = Reply(200, PROPOSAL_BODY, delay=1.0)
    with (
        scripted(slow, retry=FAST, timeout=0.2) as (stub, client),
        pytest.raises(RegistryUnavailable, match="not retried") as raised,
    ):
        client.propose("chat-value", '{"type":"string"}', "JSON")
    assert len(stub.seen) == 1
    assert isinstance(raised.value.__cause__, httpx.ReadTimeout)
    assert "POST /governance/proposals" in raised.value.message


def test_a_read_timeout_on_a_read_is_retried() -> None:
    replies = (Reply(200, VERSION_BODY, delay=1.0), Reply(200, VERSION_BODY))
    with scripted(*replies, retry=FAST, timeout=0.2) as (stub, client):
        assert client.get_version("chat-value").schema_id == 7
    assert len(stub.seen) == 2


def test_a_refused_connection_is_retried_even_for_a_proposal(closed_port: str) -> None:
    sent: list[str] = []
    policy = RetryPolicy(attempts=3, initial_delay=0.01, max_delay=0.02)
    with (
        RegistryClient(closed_port, retry=policy, event_hooks=counting(sent)) as client,
        pytest.raises(RegistryUnavailable, match="after 3 attempts") as raised,
    ):
        client.propose("chat-value", '{"type":"string"}', "JSON")
    assert sent == ["POST /governance/proposals"] * 3
    assert isinstance(raised.value.__cause__, httpx.ConnectError)
    assert isinstance(raised.value, errors.RegistryError)


def test_no_retries_sends_once(closed_port: str) -> None:
    sent: list[str] = []
    with (
        RegistryClient(closed_port, retry=NO_RETRIES, event_hooks=counting(sent)) as client,
        pytest.raises(RegistryUnavailable, match="after 1 attempt"),
    ):
        client.subjects()
    assert sent == ["GET /subjects"]


def test_retry_after_is_honoured_up_to_max_delay() -> None:
    policy = RetryPolicy(attempts=2, initial_delay=0.0, max_delay=0.3)
    replies = (Reply(503, b"", headers={"Retry-After": "60"}), Reply(200, []))
    with scripted(*replies, retry=policy) as (_, client):
        started = time.monotonic()
        assert client.subjects() == []
        waited = time.monotonic() - started
    assert 0.3 <= waited < 5


def test_retry_policy_refuses_nonsense() -> None:
    with pytest.raises(ValueError, match="attempts must be at least 1"):
        RetryPolicy(attempts=0)
    with pytest.raises(ValueError, match="initial_delay <= max_delay"):
        RetryPolicy(initial_delay=2.0, max_delay=1.0)


# --- error mapping ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "code", "expected"),
    [
        (404, 40401, errors.SubjectNotFound),
        (404, 40403, errors.SchemaNotFound),
        (404, 40410, errors.ProposalNotFound),
        (409, 409, errors.IncompatibleSchema),
        (409, 40901, errors.IncompatibleSchema),  # Confluent's newer code (configurable here)
        (409, 40902, errors.IllegalTransition),
        (422, 42211, errors.UnknownDialect),
        (401, 40101, errors.Unauthenticated),
        (403, 40301, errors.Forbidden),
        (500, 50001, errors.StoreError),
        # unknown codes fall back by HTTP status
        (404, 40499, errors.NotFound),
        (409, 40999, errors.Conflict),
        (422, 42299, errors.InvalidInput),
        (405, 405, errors.RegistryError),
    ],
)
def test_error_codes_map_to_the_core_exceptions(
    status: int, code: int, expected: type[errors.RegistryError]
) -> None:
    message = f"what went wrong ({code})"
    refusal = Reply(status, {"error_code": code, "message": message})
    with (
        scripted(refusal, retry=NO_RETRIES) as (_, client),
        pytest.raises(errors.RegistryError) as raised,
    ):
        client.get_version("chat-value")
    assert type(raised.value) is expected
    assert raised.value.message == message
    assert (raised.value.http_status, raised.value.error_code) == (status, code)


def test_the_code_table_is_built_from_the_exception_tree() -> None:
    table = classes_by_code()
    declared = [
        cls
        for cls in vars(errors).values()
        if isinstance(cls, type) and issubclass(cls, errors.RegistryError)
        if "error_code" in vars(cls) and cls.error_code not in (409, 50001)
    ]
    assert declared, "no error classes found"
    for cls in declared:
        assert table[cls.error_code] is cls, cls


def test_a_not_found_error_keeps_the_subject_it_was_about() -> None:
    body = {"error_code": 40401, "message": "Subject 'chat-value' not found."}
    with (
        scripted(Reply(404, body), retry=NO_RETRIES) as (_, client),
        pytest.raises(errors.SubjectNotFound) as raised,
    ):
        client.versions("chat-value")
    assert raised.value.subject == "chat-value"
    assert str(raised.value) == "Subject 'chat-value' not found."


def test_an_answer_of_the_wrong_shape_is_named() -> None:
    broken = {**VERSION_BODY, "version": "one"}
    with (
        scripted(Reply(200, broken), retry=NO_RETRIES) as (_, client),
        pytest.raises(UnexpectedResponse, match="'version' should be int, not 'one'"),
    ):
        client.get_version("chat-value")
    with (
        scripted(Reply(200, b"<html>proxy</html>")) as (_, client),
        pytest.raises(UnexpectedResponse, match="not JSON"),
    ):
        client.subjects()


def test_requests_carry_the_registry_media_type_and_a_bearer_key() -> None:
    with (
        Stub(Reply(200, PROPOSAL_BODY)) as stub,
        RegistryClient(stub.url, api_key="llmsr_k", retry=NO_RETRIES) as client,
    ):
        proposal = client.propose("chat/a", '{"type":"string"}', "JSON", note="why")
    assert proposal.state is LifecycleState.IN_REVIEW and proposal.author == "walt"
    seen = stub.seen[0]
    assert seen.headers["Content-Type"] == "application/vnd.schemaregistry.v1+json"
    assert seen.headers["Accept"].startswith("application/vnd.schemaregistry.v1+json")
    assert seen.headers["Authorization"] == "Bearer llmsr_k"
    assert json.loads(seen.body)["note"] == "why"


def test_invalid_arguments_are_refused_before_any_request(closed_port: str) -> None:
    sent: list[str] = []
    with RegistryClient(closed_port, event_hooks=counting(sent)) as client:
        with pytest.raises(errors.InvalidVersion, match="'zero' is not a valid version"):
            client.get_version("chat-value", "zero")
        with pytest.raises(errors.InvalidSubject, match="non-empty string"):
            client.versions("")
        with pytest.raises(errors.InvalidSchema, match="PROTOBUF"):
            client.register("chat-value", "syntax = 'proto3';", "PROTOBUF")
        with pytest.raises(errors.InvalidInput, match="not JSON"):
            client.validate([{"at": object()}], "chat-value")
    assert sent == []


# --- what is retried, failure by failure ----------------------------------------------------------


def failing_once(
    failure: type[httpx.TransportError], answer: Any
) -> tuple[httpx.MockTransport, list[str]]:
    """A transport whose first attempt fails with ``failure`` and whose next ones answer."""
    sent: list[str] = []

    def handle(request: httpx.Request) -> httpx.Response:
        sent.append(f"{request.method} {request.url.path}")
        if len(sent) == 1:
            raise failure("the wire failed", request=request)
        return httpx.Response(200, json=answer)

    return httpx.MockTransport(handle), sent


RETRIED_FOR_READS = [
    httpx.ConnectTimeout,
    httpx.ReadTimeout,
    httpx.WriteTimeout,
    httpx.PoolTimeout,
    httpx.ConnectError,  # refused: the registry is restarting
    httpx.RemoteProtocolError,  # dropped mid-exchange: a stale keep-alive connection
    httpx.ReadError,
    httpx.WriteError,
]
NEVER_RETRIED = [httpx.ProxyError, httpx.UnsupportedProtocol, httpx.LocalProtocolError]


@pytest.mark.parametrize("failure", RETRIED_FOR_READS)
def test_an_idempotent_request_is_retried_after(failure: type[httpx.TransportError]) -> None:
    transport, sent = failing_once(failure, VERSION_BODY)
    with RegistryClient("http://registry", retry=FAST, transport=transport) as client:
        assert client.get_version("chat-value").schema_id == 7
    assert sent == ["GET /subjects/chat-value/versions/latest"] * 2


@pytest.mark.parametrize("failure", NEVER_RETRIED)
def test_no_request_is_retried_after(failure: type[httpx.TransportError]) -> None:
    transport, sent = failing_once(failure, VERSION_BODY)
    with (
        RegistryClient("http://registry", retry=FAST, transport=transport) as client,
        pytest.raises(RegistryUnavailable, match=f"a repeat does not cure a {failure.__name__}"),
    ):
        client.get_version("chat-value")
    assert len(sent) == 1


@pytest.mark.parametrize("failure", RETRIED_FOR_READS)
def test_a_proposal_is_retried_only_when_nothing_was_sent(
    failure: type[httpx.TransportError],
) -> None:
    nothing_sent = failure in (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
    transport, sent = failing_once(failure, PROPOSAL_BODY)
    with RegistryClient("http://registry", retry=FAST, transport=transport) as client:
        if nothing_sent:
            assert client.propose("chat-value", '{"type":"string"}', "JSON").id == 3
        else:
            with pytest.raises(RegistryUnavailable, match="may have reached the server"):
                client.propose("chat-value", '{"type":"string"}', "JSON")
    assert len(sent) == (2 if nothing_sent else 1)


def test_the_async_client_follows_the_same_policy() -> None:
    async def attempts(failure: type[httpx.TransportError]) -> int:
        sent: list[str] = []

        async def handle(request: httpx.Request) -> httpx.Response:
            sent.append(request.url.path)
            if len(sent) == 1:
                raise failure("the wire failed", request=request)
            return httpx.Response(200, json=[])

        transport = httpx.MockTransport(handle)
        async with AsyncRegistryClient(
            "http://registry", retry=FAST, transport=transport
        ) as client:
            with contextlib.suppress(RegistryUnavailable):
                await client.subjects()
        return len(sent)

    assert asyncio.run(attempts(httpx.RemoteProtocolError)) == 2
    assert asyncio.run(attempts(httpx.ProxyError)) == 1


# --- typed LLM answers --------------------------------------------------------------------------

EXPORT_BODY = {
    "dialect": "openai",
    "profile": "openai/2025-11",
    "schema": {"type": "object", "properties": {}, "required": [], "additionalProperties": False},
    "warnings": [{"path": "/maxLength", "keyword": "maxLength", "message": "described"}],
    "errors": [],
    "lossy": True,
}
VERDICT_BODY = {
    "valid": False,
    "value": {"prompt": 3},
    "errors": [{"path": "/prompt", "rule": "type", "message": "3 is not of type 'string'"}],
    "repair_instruction": "Fix /prompt.",
    "subject": "chat-value",
    "version": 1,
    "schema_id": 7,
    "source": "json",
}


def test_export_and_validate_response_answers_are_typed() -> None:
    with scripted(Reply(200, EXPORT_BODY), retry=NO_RETRIES) as (stub, client):
        exported = client.export("chat-value", dialect="openai", profile="2025-11")
    assert isinstance(exported, ExportResult) and exported.ok and exported.lossy
    assert exported.warnings == (
        ExportIssue(path="/maxLength", keyword="maxLength", message="described"),
    )
    assert exported.to_dict() == EXPORT_BODY
    assert (
        stub.seen[0].path
        == "/subjects/chat-value/versions/latest/export?dialect=openai&profile=2025-11"
    )
    with scripted(Reply(200, VERDICT_BODY), retry=NO_RETRIES) as (stub, client):
        verdict = client.validate_response('{"prompt": 3}', "chat-value", 1)
    assert isinstance(verdict, ResponseValidation) and not verdict.valid
    assert verdict.errors == (
        Issue(path="/prompt", rule="type", message="3 is not of type 'string'"),
    )
    assert verdict.to_dict() == VERDICT_BODY
    assert stub.seen[0].path == "/subjects/chat-value/versions/1/validate-response"  # no query


def test_validate_response_sends_the_dialect_and_profile_in_the_query() -> None:
    with scripted(Reply(200, VERDICT_BODY), retry=NO_RETRIES) as (stub, client):
        client.validate_response({"value": []}, "chat/a", dialect="openai", profile="2024-08")
    assert stub.seen[0].path == (
        "/subjects/chat%2Fa/versions/latest/validate-response?dialect=openai&profile=2024-08"
    )
    assert json.loads(stub.seen[0].body) == {"output": {"value": []}}


@pytest.mark.parametrize(
    ("broken", "named"),
    [
        ({**EXPORT_BODY, "lossy": "yes"}, "'lossy' should be bool, not 'yes'"),
        ({**EXPORT_BODY, "warnings": None}, "'warnings' is missing"),
        (
            {**EXPORT_BODY, "warnings": [{"path": "", "keyword": 3}]},
            "at warnings[0]: 'keyword' should be str",
        ),
        ({**EXPORT_BODY, "warnings": ["described"]}, "at warnings[0]: expected a JSON object"),
        ({**EXPORT_BODY, "schema": None}, "'schema' is missing, and 'errors' does not say why"),
        ({**EXPORT_BODY, "schema": []}, "'schema' should be dict, not []"),
        (
            {**EXPORT_BODY, "errors": [{"path": "", "keyword": "not", "message": "no"}]},
            "'schema' is given although 'errors' lists 1",
        ),
    ],
)
def test_a_malformed_export_answer_names_the_field(broken: dict[str, Any], named: str) -> None:
    with (
        scripted(Reply(200, broken), retry=NO_RETRIES) as (_, client),
        pytest.raises(UnexpectedResponse, match=re.escape(named)),
    ):
        client.export("chat-value", dialect="openai")


@pytest.mark.parametrize(
    ("broken", "named"),
    [
        ({k: v for k, v in VERDICT_BODY.items() if k != "value"}, "'value' is missing"),
        ({**VERDICT_BODY, "valid": True}, "'valid' is true but 'errors' lists 1"),
        ({**VERDICT_BODY, "errors": []}, "'valid' is false but 'errors' lists 0"),
        (
            {**VERDICT_BODY, "errors": [{"path": "/p", "message": "m"}]},
            "at errors[0]: 'rule' is missing",
        ),
        ({**VERDICT_BODY, "schema_id": "7"}, "'schema_id' should be int, not '7'"),
        ({**VERDICT_BODY, "version": True}, "'version' should be int, not True"),
        ({**VERDICT_BODY, "repair_instruction": 1}, "'repair_instruction' should be str, not 1"),
        ({k: v for k, v in VERDICT_BODY.items() if k != "source"}, "'source' is missing"),
    ],
)
def test_a_malformed_verdict_names_the_field(broken: dict[str, Any], named: str) -> None:
    with (
        scripted(Reply(200, broken), retry=NO_RETRIES) as (_, client),
        pytest.raises(UnexpectedResponse, match=re.escape(named)),
    ):
        client.validate_response("{}", "chat-value")


def test_a_null_value_is_a_value() -> None:
    no_json = {
        **VERDICT_BODY,
        "value": None,
        "errors": [{"path": "", "rule": "not_json", "message": "no JSON value found"}],
        "source": "none",
    }
    with scripted(Reply(200, no_json), retry=NO_RETRIES) as (_, client):
        verdict = client.validate_response("I cannot answer that.", "chat-value")
    assert verdict.value is None and verdict.errors[0].rule == "not_json"
