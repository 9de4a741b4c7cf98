"""Concurrent registrations against real ``llmsr serve`` processes, on SQLite and PostgreSQL.

Many clients fire at the same instant (a ``threading.Barrier`` releases them together, each on
its own HTTP connection), so the registry's transaction discipline (the subject row lock on
PostgreSQL, ``BEGIN IMMEDIATE`` on SQLite, retry on conflict) is what keeps ids and versions
right: across threads, across worker processes, and across two servers on one database.
"""

from __future__ import annotations

import json
import ssl
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from registry_core.service import Registry
from tests.conftest import fresh_database_url
from tests.servers import ServerProcess, start_server

pytestmark = pytest.mark.slow

TIMEOUT = 60.0
# One TLS context shared by every client: httpx otherwise loads the CA bundle for each client
# (~50 ms of CPU), which on two cores would serialise the very requests meant to overlap.
_TLS = ssl.create_default_context()

Job = tuple[str, str, str]  # (server base URL, subject, schema text)


def client(base: str) -> httpx.Client:
    return httpx.Client(base_url=base, timeout=TIMEOUT, verify=_TLS)


def avro_record(name: str, field: str, kind: str = "string") -> str:
    """A compact Avro record schema with one field."""
    schema = {"type": "record", "name": name, "fields": [{"name": field, "type": kind}]}
    return json.dumps(schema, separators=(",", ":"))


def register_all_at_once(jobs: Sequence[Job]) -> list[httpx.Response]:
    """POST every job's schema at the same moment, one connection each; answers in job order."""
    barrier = threading.Barrier(len(jobs))

    def one(job: Job) -> httpx.Response:
        base, subject, schema = job
        with client(base) as http:
            http.get("/")  # connect before the barrier, so the registrations really overlap
            barrier.wait(timeout=TIMEOUT)
            return http.post(f"/subjects/{subject}/versions", json={"schema": schema})

    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        return list(pool.map(one, jobs))


def assert_all_ok(responses: Sequence[httpx.Response]) -> list[dict[str, Any]]:
    statuses = sorted({r.status_code for r in responses})
    errors = [r.text for r in responses if r.status_code != 200][:3]
    assert statuses == [200], f"statuses {statuses}, first errors: {errors}"
    return [r.json() for r in responses]


def set_compatibility_none(base: str, subject: str) -> None:
    with client(base) as http:
        answer = http.put(f"/config/{subject}", json={"compatibility": "NONE"})
    assert answer.status_code == 200, answer.text


def registered_events(db_url: str, subject: str) -> list[dict[str, Any]]:
    """The subject's ``schema.registered`` audit events, read straight from the database."""
    registry = Registry(db_url)
    try:
        return registry.audit_events(subject=subject, action="schema.registered")
    finally:
        registry.close()


def assert_contiguous(
    base: str, subject: str, sent: Sequence[str], answers: Sequence[dict[str, Any]]
) -> None:
    """Versions 1..n, distinct ids, and each (id, version) reads back as the schema sent."""
    versions = sorted(a["version"] for a in answers)
    assert versions == list(range(1, len(answers) + 1))
    assert len({a["id"] for a in answers}) == len(answers)
    with client(base) as http:
        assert http.get(f"/subjects/{subject}/versions").json() == versions
        for schema, answer in zip(sent, answers, strict=True):
            found = http.get(f"/subjects/{subject}/versions/{answer['version']}")
            assert found.status_code == 200, found.text
            assert found.json()["id"] == answer["id"]
            assert json.loads(found.json()["schema"]) == json.loads(schema)


@pytest.fixture
def two_worker_server(db_url: str, tmp_path: Path) -> Iterator[ServerProcess]:
    """``llmsr serve --workers 2``: two processes race on top of the threads."""
    running = start_server(db_url, tmp_path, workers=2)
    yield running
    running.stop()


def test_identical_schema_from_64_writers_gets_one_id_and_version_1(
    two_worker_server: ServerProcess, db_url: str
) -> None:
    base, subject = two_worker_server.url, "orders-value"
    schema = avro_record("Order", "order_id")

    answers = assert_all_ok(register_all_at_once([(base, subject, schema)] * 64))

    assert {(a["id"], a["version"]) for a in answers} == {(answers[0]["id"], 1)}
    with client(base) as http:
        assert http.get(f"/subjects/{subject}/versions").json() == [1]
        latest = http.get(f"/subjects/{subject}/versions/latest").json()
    assert (latest["id"], latest["version"]) == (answers[0]["id"], 1)
    assert json.loads(latest["schema"]) == json.loads(schema)
    assert [e["version"] for e in registered_events(db_url, subject)] == [1]

    # the same schema into 48 subjects at once: every subject gets version 1 of ONE schema id
    shared = avro_record("Shared", "shared_id", "long")
    subjects = [f"shared-{i:02d}" for i in range(48)]
    answers = assert_all_ok(register_all_at_once([(base, s, shared) for s in subjects]))
    assert {(a["id"], a["version"]) for a in answers} == {(answers[0]["id"], 1)}
    with client(base) as http:
        assert http.get(f"/schemas/ids/{answers[0]['id']}/subjects").json() == subjects


def test_200_distinct_schemas_at_once_get_contiguous_versions(
    two_worker_server: ServerProcess, db_url: str
) -> None:
    base, subject = two_worker_server.url, "events-value"
    set_compatibility_none(base, subject)  # so every one of the 200 is accepted
    sent = [avro_record("Event", f"field_{i:03d}") for i in range(200)]

    answers = assert_all_ok(register_all_at_once([(base, subject, s) for s in sent]))

    assert_contiguous(base, subject, sent, answers)
    events = registered_events(db_url, subject)
    assert sorted(e["version"] for e in events) == list(range(1, 201))
    assert sorted(e["schema_id"] for e in events) == sorted(a["id"] for a in answers)


@pytest.mark.postgres
def test_two_servers_on_one_postgresql_database(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    db_url = fresh_database_url("postgresql", request, tmp_path)
    server_a = start_server(db_url, tmp_path)
    try:
        server_b = start_server(db_url, tmp_path)
        try:
            _race_across_servers(server_a.url, server_b.url, db_url)
        finally:
            server_b.stop()
    finally:
        server_a.stop()


def _race_across_servers(a: str, b: str, db_url: str) -> None:
    # one schema through both servers at once: one id, one version
    schema = avro_record("Payment", "payment_id")
    jobs = [(a, "payments", schema), (b, "payments", schema)] * 24
    answers = assert_all_ok(register_all_at_once(jobs))
    assert {(r["id"], r["version"]) for r in answers} == {(answers[0]["id"], 1)}
    with client(b) as http:
        assert http.get("/subjects/payments/versions").json() == [1]
    assert [e["version"] for e in registered_events(db_url, "payments")] == [1]

    # distinct schemas split across both servers: contiguous versions, readable through both
    set_compatibility_none(a, "clicks")
    sent = [avro_record("Click", f"c{i:03d}") for i in range(100)]
    jobs = [((a, b)[i % 2], "clicks", s) for i, s in enumerate(sent)]
    answers = assert_all_ok(register_all_at_once(jobs))
    assert_contiguous(a, "clicks", sent, answers)
    assert_contiguous(b, "clicks", sent, answers)
    assert len(registered_events(db_url, "clicks")) == 100

    # read-your-write across servers: written through one, at once visible through the other,
    # though the other has just read (and cached) the previous latest
    set_compatibility_none(b, "ryw")
    with client(a) as http_a, client(b) as http_b:
        for i in range(40):
            writer, reader = (http_a, http_b) if i % 2 == 0 else (http_b, http_a)
            if i:
                before = reader.get("/subjects/ryw/versions/latest")
                assert before.json()["version"] == i, before.text
            text = avro_record("Ryw", f"r{i}")
            written = writer.post("/subjects/ryw/versions", json={"schema": text})
            assert written.status_code == 200, written.text
            schema_id, version = written.json()["id"], written.json()["version"]
            assert version == i + 1
            by_id = reader.get(f"/schemas/ids/{schema_id}")
            assert by_id.status_code == 200, by_id.text
            assert json.loads(by_id.json()["schema"]) == json.loads(text)
            latest = reader.get("/subjects/ryw/versions/latest")
            assert latest.status_code == 200, latest.text
            assert (latest.json()["id"], latest.json()["version"]) == (schema_id, version)
