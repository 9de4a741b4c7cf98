"""The Python SDK against a real ``llmsr serve``, on SQLite and PostgreSQL: every operation's
round trip, refusals as the core's exceptions, API keys, the schema cache, governance with the
four-eyes rule, the async client, and a read that outlives a server restart."""

from __future__ import annotations

import asyncio
import inspect
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

import tests.servers
from registry_core import errors
from registry_core.client import AsyncRegistryClient, RegistryClient, RetryPolicy
from registry_core.dialects import ExportIssue, ExportResult
from registry_core.lifecycle import LifecycleState
from registry_core.models import CompatibilityLevel, SchemaReference, SchemaType, SemVerBump
from registry_core.responses import ResponseValidation
from registry_core.service import Registry
from registry_core.validation.exact import Issue
from tests.servers import ServerProcess, start_server

SUBJECT = "llm/chat-value"  # a '/' must survive the trip as one path segment
USERS = {"ada": "admin", "walt": "writer", "rita": "reviewer", "ravi": "reviewer", "rhea": "reader"}


def closed(**properties: str) -> dict[str, Any]:
    """A closed JSON object schema: adding an optional property to it is BACKWARD compatible."""
    return {
        "type": "object",
        "properties": {name: {"type": kind} for name, kind in properties.items()},
        "additionalProperties": False,
    }


def counting(sent: list[str]) -> dict[str, list[Any]]:
    """httpx event hooks that record every request sent, retries included."""

    def on_request(request: httpx.Request) -> None:
        sent.append(f"{request.method} {request.url.raw_path.decode()}")

    return {"request": [on_request]}


def counting_async(sent: list[str]) -> dict[str, list[Any]]:
    """``counting`` for the async client, whose hooks are awaited."""

    async def on_request(request: httpx.Request) -> None:
        sent.append(f"{request.method} {request.url.raw_path.decode()}")

    return {"request": [on_request]}


@pytest.fixture
def client(server: ServerProcess) -> Iterator[RegistryClient]:
    with RegistryClient(server.url, timeout=30) as registry:
        yield registry


@dataclass
class Secured:
    """A server with users; ``client(name)`` authenticates as one of them."""

    server: ServerProcess
    keys: dict[str, str]

    def client(self, user: str, *, bearer: bool = False) -> RegistryClient:
        username = None if bearer else user
        return RegistryClient(self.server.url, username=username, api_key=self.keys[user])


@pytest.fixture
def secured(db_url: str, tmp_path: Path) -> Iterator[Secured]:
    registry = Registry(db_url)
    keys = {"ada": registry.add_user("ada", "admin")}
    for name, role in USERS.items():
        if name != "ada":
            keys[name] = registry.add_user(name, role, actor="ada")
    registry.close()
    running = start_server(db_url, tmp_path)
    yield Secured(running, keys)
    running.stop()


# --- schemas and subjects -------------------------------------------------------------------------


def test_register_and_read_back_round_trip(client: RegistryClient) -> None:
    first = client.register(SUBJECT, closed(prompt="string"), "JSON")
    assert (first.subject, first.version, str(first.semver)) == (SUBJECT, 1, "1.0.0")
    again = client.register(SUBJECT, json.dumps(closed(prompt="string")), SchemaType.JSON)
    assert (again.schema_id, again.version) == (first.schema_id, 1)
    second = client.register(SUBJECT, closed(prompt="string", lang="string"), "JSON")
    assert (second.version, str(second.semver)) == (2, "1.1.0")

    record = client.get_schema(first.schema_id)
    assert record.id == first.schema_id and record.guid == first.guid
    assert record.schema_type is SchemaType.JSON
    assert json.loads(record.schema) == closed(prompt="string")

    latest = client.get_version(SUBJECT)
    assert (latest.subject, latest.version, latest.schema_id) == (SUBJECT, 2, second.schema_id)
    assert client.get_version(SUBJECT, 1).schema_id == first.schema_id
    assert client.subjects() == [SUBJECT]
    assert client.subjects(prefix="llm/") == [SUBJECT]
    assert client.subjects(prefix="other") == []
    assert client.versions(SUBJECT) == [1, 2]


def test_avro_references_round_trip(client: RegistryClient) -> None:
    address = {
        "type": "record",
        "name": "Address",
        "namespace": "acme",
        "fields": [{"name": "city", "type": "string"}],
    }
    client.register("address-value", address)
    customer = {
        "type": "record",
        "name": "Customer",
        "namespace": "acme",
        "fields": [{"name": "home", "type": "acme.Address"}],
    }
    reference = SchemaReference(name="acme.Address", subject="address-value", version=1)
    registered = client.register("customer-value", customer, "AVRO", [reference])
    record = client.get_schema(registered.schema_id)
    assert record.schema_type is SchemaType.AVRO
    assert record.references == (reference,)
    assert client.get_version("customer-value").references == (reference,)


def test_check_reports_each_issue_with_its_path_and_the_level(
    client: RegistryClient, server: ServerProcess
) -> None:
    client.register(SUBJECT, closed(prompt="string"), "JSON")
    broken = client.check(SUBJECT, closed(prompt="integer"), "JSON")
    assert not broken.is_compatible
    assert broken.level is CompatibilityLevel.BACKWARD
    assert [(i.kind, i.path) for i in broken.incompatibilities] == [
        ("TYPE_CHANGED", "/properties/prompt/type")
    ]
    assert "string" in broken.incompatibilities[0].message
    assert broken.compared_versions == (1,)
    assert broken.messages[0].endswith("(against version 1)")

    fine = client.check(SUBJECT, closed(prompt="string", lang="string"), "JSON")
    assert fine.is_compatible and fine.incompatibilities == ()
    assert fine.semver_bump is SemVerBump.MINOR

    # the level comes from the subject's own config; against one version it is not transitive
    path = f"/config/{SUBJECT.replace('/', '%2F')}"
    level = {"compatibility": "FULL_TRANSITIVE"}
    assert httpx.put(f"{server.url}{path}", json=level).status_code == 200
    assert client.check(SUBJECT, closed(prompt="string"), "JSON").level is CompatibilityLevel.FULL
    every = client.check(SUBJECT, closed(prompt="string"), "JSON", version=None)
    assert every.level is CompatibilityLevel.FULL_TRANSITIVE
    # else from the subject's governance policy, else the global config
    policy = {"subject": "ruled-value", "compatibility": "NONE"}
    assert httpx.put(f"{server.url}/governance/policies", json=policy).status_code == 200
    assert client.check("ruled-value", closed(a="string"), "JSON").level is CompatibilityLevel.NONE
    assert client.check("other", closed(a="string"), "JSON").level is CompatibilityLevel.BACKWARD


def test_validate_counts_failures_by_rule(client: RegistryClient) -> None:
    client.register(SUBJECT, closed(prompt="string"), "JSON")
    report = client.validate(
        [{"prompt": "hi"}, {"prompt": 3}, {"prompt": "x", "extra": 1}], SUBJECT
    )
    assert (report["total"], report["valid"], report["quarantined"]) == (3, 1, 2)
    assert report["version"] == 1
    assert [f["index"] for f in report["failures"]] == [1, 2]
    assert report["failures"][0]["errors"][0]["path"] == "/prompt"
    assert sum(report["errors_by_rule"].values()) == 2


# --- LLM endpoints (built alongside this client) ------------------------------------------------


def test_export_returns_the_dialect_form_and_refuses_unknown_dialects(
    client: RegistryClient,
) -> None:
    client.register(SUBJECT, closed(prompt="string"), "JSON")
    exported = client.export(SUBJECT, dialect="openai")
    assert isinstance(exported, ExportResult) and exported.ok
    assert (exported.dialect, exported.profile) == ("openai", "openai/2025-11")
    assert exported.schema is not None and exported.schema["additionalProperties"] is False
    older = client.export(SUBJECT, 1, dialect="openai", profile="2024-08")
    assert older.profile == "openai/2024-08"
    assert client.export(SUBJECT, dialect="openai", profile="openai/2024-08") == older
    with pytest.raises(errors.UnknownDialect):
        client.export(SUBJECT, 1, dialect="no-such-dialect")
    with pytest.raises(errors.UnknownDialect, match="1999"):
        client.export(SUBJECT, 1, dialect="openai", profile="1999-01")


def test_an_export_the_dialect_cannot_express_is_an_answer_not_an_error(
    client: RegistryClient,
) -> None:
    client.register("odd-value", {"type": "object", "properties": {"a": {"not": {}}}}, "JSON")
    exported = client.export("odd-value", dialect="openai")
    assert not exported.ok and exported.schema is None
    assert all(isinstance(e, ExportIssue) for e in exported.errors)
    assert [e.path for e in exported.errors] == ["/properties/a/not"]


def test_validate_response_explains_what_to_repair(client: RegistryClient) -> None:
    registered = client.register(SUBJECT, closed(prompt="string"), "JSON")
    wrong = client.validate_response('{"prompt": 3}', SUBJECT)
    assert isinstance(wrong, ResponseValidation) and wrong.valid is False
    assert [(e.path, e.rule) for e in wrong.errors] == [("/prompt", "type")]
    assert all(isinstance(e, Issue) for e in wrong.errors)
    assert isinstance(wrong.repair_instruction, str) and wrong.repair_instruction
    assert (wrong.subject, wrong.version, wrong.source) == (SUBJECT, 1, "json")
    assert wrong.schema_id == registered.schema_id
    right = client.validate_response({"prompt": "hi"}, SUBJECT, 1)
    assert right.valid is True and right.value == {"prompt": "hi"} and right.errors == ()


NOTE = {
    "type": "object",
    "properties": {"summary": {"type": "string"}, "priority": {"type": "integer", "minimum": 1}},
    "required": ["summary"],
    "additionalProperties": False,
}
LABELS = {"type": "array", "items": {"type": "string"}}


def test_validate_response_reads_a_reply_in_the_exported_shape(client: RegistryClient) -> None:
    client.register("note-value", NOTE, "JSON")
    client.register("labels-value", LABELS, "JSON")
    # what OpenAI strict mode answers: a null on the optional property, an array root wrapped
    note, labels = {"summary": "s", "priority": None}, {"value": ["a", "b"]}
    assert client.export("note-value", dialect="openai").schema is not None
    assert not client.validate_response(note, "note-value").valid  # read as registered
    restored = client.validate_response(note, "note-value", dialect="openai")
    assert restored.valid and restored.value == {"summary": "s"}
    unwrapped = client.validate_response(json.dumps(labels), "labels-value", dialect="openai")
    assert unwrapped.valid and unwrapped.value == ["a", "b"]
    older = client.validate_response(labels, "labels-value", dialect="openai", profile="2024-08")
    assert older.valid and older.value == ["a", "b"]
    low = client.validate_response({"summary": "s", "priority": 0}, "note-value", dialect="openai")
    assert [(e.path, e.rule) for e in low.errors] == [("/priority", "minimum")]
    with pytest.raises(errors.UnknownDialect):
        client.validate_response(note, "note-value", dialect="no-such-dialect")


# --- refusals -----------------------------------------------------------------------------------


def test_refusals_raise_the_core_exceptions_with_the_server_message(
    client: RegistryClient, server: ServerProcess
) -> None:
    client.register(SUBJECT, closed(prompt="string"), "JSON")
    with pytest.raises(errors.SubjectNotFound) as missing:
        client.get_version("nope", 1)
    wire = httpx.get(f"{server.url}/subjects/nope/versions/1").json()
    assert missing.value.message == wire["message"] == "Subject 'nope' not found."
    assert missing.value.subject == "nope"
    assert missing.value.error_code == 40401
    with pytest.raises(errors.VersionNotFound, match="Version 9 not found"):
        client.get_version(SUBJECT, 9)
    with pytest.raises(errors.SchemaNotFound):
        client.get_schema(987654)
    with pytest.raises(errors.IncompatibleSchema, match="TYPE_CHANGED at /properties/prompt"):
        client.register(SUBJECT, closed(prompt="integer"), "JSON")
    with pytest.raises(errors.InvalidSchema):
        client.register(SUBJECT, "{not json", "JSON")
    with pytest.raises(errors.ProposalNotFound):
        client.get_proposal(424242)
    with pytest.raises(errors.SubjectNotFound):
        client.versions("nope")


# --- the schema cache ---------------------------------------------------------------------------


def test_a_schema_fetched_once_is_served_from_the_cache(server: ServerProcess) -> None:
    sent: list[str] = []
    with RegistryClient(server.url, event_hooks=counting(sent)) as registry:
        schema_id = registry.register(SUBJECT, closed(prompt="string"), "JSON").schema_id
        by_id = f"GET /schemas/ids/{schema_id}"
        first, second = registry.get_schema(schema_id), registry.get_schema(schema_id)
        assert first is second
        assert sent.count(by_id) == 1

    sent.clear()
    with RegistryClient(server.url, cache_size=0, event_hooks=counting(sent)) as uncached:
        uncached.get_schema(schema_id)
        uncached.get_schema(schema_id)
    assert sent.count(by_id) == 2

    sent.clear()
    with RegistryClient(server.url, cache_ttl=0.2, event_hooks=counting(sent)) as short:
        short.get_schema(schema_id)
        time.sleep(0.3)
        short.get_schema(schema_id)
    assert sent.count(by_id) == 2

    async def twice() -> None:
        async with AsyncRegistryClient(server.url, event_hooks=counting_async(sent)) as registry:
            await registry.get_schema(schema_id)
            await registry.get_schema(schema_id)

    sent.clear()
    asyncio.run(twice())
    assert sent.count(by_id) == 1


# --- API keys and governance --------------------------------------------------------------------


def test_api_keys_authenticate_over_basic_and_bearer(secured: Secured) -> None:
    with secured.client("walt") as walt:
        registered = walt.register("keys-value", closed(prompt="string"), "JSON")
    with secured.client("rhea", bearer=True) as rhea:
        assert rhea.subjects() == ["keys-value"]
        assert rhea.get_schema(registered.schema_id).id == registered.schema_id
        with pytest.raises(errors.Forbidden, match="needs the writer role"):
            rhea.register("keys-value", closed(prompt="string", lang="string"), "JSON")
    sent: list[str] = []
    url = secured.server.url
    wrong = RegistryClient(url, username="walt", api_key="llmsr_wrong", event_hooks=counting(sent))
    with wrong, pytest.raises(errors.Unauthenticated):
        wrong.subjects()
    assert sent == ["GET /subjects?deleted=false"]  # a 401 is not retried
    with RegistryClient(url) as anonymous, pytest.raises(errors.Unauthenticated, match="API key"):
        anonymous.subjects()


def test_proposals_are_reviewed_by_someone_other_than_their_author(secured: Secured) -> None:
    with secured.client("rita") as rita, secured.client("ravi") as ravi:
        proposal = rita.propose("gov-value", closed(prompt="string"), "JSON", note="first cut")
        assert (proposal.state, proposal.author, proposal.note) == (
            LifecycleState.IN_REVIEW,
            "rita",
            "first cut",
        )
        with pytest.raises(errors.Forbidden, match="Four-eyes"):
            rita.review(proposal.id, approve=True)
        approved = ravi.review(proposal.id, approve=True, comment="lgtm")
        assert (approved.state, approved.decided_by, approved.version) == (
            LifecycleState.APPROVED,
            "ravi",
            1,
        )
        assert ravi.get_version("gov-value").schema_id == approved.schema_id

    with secured.client("walt") as walt, secured.client("ravi") as ravi:
        draft = walt.propose(
            "gov-value", closed(prompt="string", lang="string"), "JSON", draft=True
        )
        assert draft.state is LifecycleState.DRAFT
        assert walt.submit_proposal(draft.id).state is LifecycleState.IN_REVIEW
        with pytest.raises(errors.CommentRequired):
            ravi.review(draft.id, approve=False)
        rejected = ravi.review(draft.id, approve=False, comment="not yet")
        assert (rejected.state, rejected.comment) == (LifecycleState.REJECTED, "not yet")
        dropped = walt.propose(
            "gov-value", closed(prompt="string", n="integer"), "JSON", draft=True
        )
        assert walt.discard_proposal(dropped.id).state is LifecycleState.REJECTED

        listed = walt.proposals(subject="gov-value")
        assert [p.id for p in listed] == [dropped.id, draft.id, proposal.id]  # newest first
        assert {p.id for p in walt.proposals(state="REJECTED")} == {draft.id, dropped.id}
        assert walt.proposals(author="walt", limit=1)[0].id == dropped.id
        assert walt.get_proposal(proposal.id) == approved


def test_registering_under_a_reviewed_subject_opens_a_proposal(secured: Secured) -> None:
    policy = {"subject": "gated-value", "reviewRequired": True}
    ada = ("ada", secured.keys["ada"])
    answer = httpx.put(f"{secured.server.url}/governance/policies", json=policy, auth=ada)
    assert answer.status_code == 200, answer.text
    with secured.client("walt") as walt:
        with pytest.raises(errors.ReviewRequired, match="requires review") as raised:
            walt.register("gated-value", closed(prompt="string"), "JSON")
        waiting = walt.get_proposal(raised.value.proposal_id)
        assert (waiting.subject, waiting.state) == ("gated-value", LifecycleState.IN_REVIEW)


# --- the async client ---------------------------------------------------------------------------


def test_async_client_round_trip(server: ServerProcess) -> None:
    async def scenario() -> None:
        async with AsyncRegistryClient(server.url, timeout=30) as registry:
            first = await registry.register(SUBJECT, closed(prompt="string"), "JSON")
            assert (await registry.get_schema(first.schema_id)).schema_type is SchemaType.JSON
            assert (await registry.get_version(SUBJECT)).schema_id == first.schema_id
            assert await registry.subjects() == [SUBJECT]
            assert await registry.versions(SUBJECT) == [1]
            report = await registry.check(SUBJECT, closed(prompt="integer"), "JSON")
            assert not report.is_compatible and report.compared_versions == (1,)
            validated = await registry.validate([{"prompt": 1}], SUBJECT)
            assert validated["quarantined"] == 1
            with pytest.raises(errors.SubjectNotFound):
                await registry.get_version("nope")
            proposal = await registry.propose(
                SUBJECT, closed(prompt="string", lang="string"), "JSON", draft=True
            )
            assert (await registry.get_proposal(proposal.id)).state is LifecycleState.DRAFT
            assert [p.id for p in await registry.proposals()] == [proposal.id]
            submitted = await registry.submit_proposal(proposal.id)
            assert submitted.state is LifecycleState.IN_REVIEW
            with pytest.raises(errors.Forbidden, match="Four-eyes"):
                await registry.review(proposal.id, approve=True)

    asyncio.run(scenario())


def test_both_clients_offer_the_same_operations() -> None:
    def public(cls: type) -> dict[str, inspect.Signature]:
        return {
            name: inspect.signature(member)
            for name, member in vars(cls).items()
            if callable(member) and not name.startswith("_")
        }

    sync, aio = public(RegistryClient), public(AsyncRegistryClient)
    assert sync.keys() == aio.keys()
    for name, signature in sync.items():
        assert str(aio[name]) == str(signature), name
        assert inspect.iscoroutinefunction(getattr(AsyncRegistryClient, name)), name


# --- retries against a real server --------------------------------------------------------------


def test_a_read_waits_out_a_server_restart_on_the_same_port(
    server: ServerProcess, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent: list[str] = []
    patient = RetryPolicy(attempts=400, initial_delay=0.05, max_delay=0.25)
    restarted: list[ServerProcess] = []
    with RegistryClient(server.url, retry=patient, event_hooks=counting(sent)) as registry:
        registered = registry.register(SUBJECT, closed(prompt="string"), "JSON")
        server.stop()
        port = int(server.url.rsplit(":", 1)[1])
        # start_server picks its port with free_port(): make it pick the old one
        monkeypatch.setattr(tests.servers, "free_port", lambda: port)
        log_dir = tmp_path / "restarted"
        log_dir.mkdir()

        def restart() -> None:
            time.sleep(0.5)  # the client is already retrying by then
            restarted.append(start_server(server.db_url, log_dir, env=server.extra_env))

        starter = threading.Thread(target=restart)
        sent.clear()
        starter.start()
        try:
            found = registry.get_version(SUBJECT)
        finally:
            starter.join()
            for running in restarted:
                running.stop()
    assert (found.schema_id, found.version) == (registered.schema_id, 1)
    assert len(sent) > 1, "the server came back before the first attempt"
    assert set(sent) == {"GET /subjects/llm%2Fchat-value/versions/latest"}
