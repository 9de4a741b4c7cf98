"""Fault injection against real ``llmsr serve`` processes: a server killed mid-transaction, the
database going away under a running server, and clients that hang up mid-upload.

The registry's promise is that a write is all or nothing: the schema row, the version row and the
audit event are committed together or not at all, and a database failure becomes a Confluent
``{"error_code": 50001, ...}`` answer, never a half-written version, a hang or a crashed server.
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import ssl
import struct
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from registry_core.errors import SubjectNotFound
from registry_core.service import Registry
from tests.conftest import PG_ADMIN_DSN, fresh_database_url
from tests.servers import ServerProcess, start_server

pytestmark = pytest.mark.slow

CONTENT_TYPE = "application/vnd.schemaregistry.v1+json"
TIMEOUT = 20.0
_TLS = ssl.create_default_context()  # shared: httpx loads the CA bundle per client otherwise


# --- helpers -------------------------------------------------------------------------------


def client(base: str, timeout: float = TIMEOUT) -> httpx.Client:
    return httpx.Client(base_url=base, timeout=timeout, verify=_TLS)


def avro_record(name: str, *fields: str) -> str:
    """A compact Avro record; ``fields`` are string fields (all but the first optional)."""
    body: list[dict[str, Any]] = [{"name": fields[0], "type": "string"}]
    body += [{"name": f, "type": ["null", "string"], "default": None} for f in fields[1:]]
    return json.dumps({"type": "record", "name": name, "fields": body}, separators=(",", ":"))


def pg_conninfo(db_url: str) -> str:
    """The psycopg connection string of a ``postgresql+psycopg://`` SQLAlchemy URL."""
    return make_url(db_url).set(drivername="postgresql").render_as_string(hide_password=False)


def pg_dbname(db_url: str) -> str:
    name = make_url(db_url).database
    assert name
    return name


def admin_execute(sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Run ``sql`` on the maintenance database (not the one under test), autocommit."""
    with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as conn:
        cursor = conn.execute(sql, params)  # type: ignore[arg-type]
        return cursor.fetchall() if cursor.description else []


def terminate_backends(dbname: str, *, spare: int | None = None) -> int:
    """pg_terminate_backend every session on ``dbname`` (but ``spare``); how many there were."""
    rows = admin_execute(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        "WHERE datname = %s AND pid <> pg_backend_pid() AND pid <> %s",
        (dbname, spare or 0),
    )
    return len(rows)


def wait_until(condition: Callable[[], Any], what: str, timeout: float = 20.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def wait_for_lock_wait(dbname: str) -> tuple[int, str]:
    """The (pid, query) of the session on ``dbname`` that is waiting for a lock."""

    def waiting() -> tuple[int, str] | None:
        rows = admin_execute(
            "SELECT pid, query FROM pg_stat_activity WHERE datname = %s "
            "AND wait_event_type = 'Lock'",
            (dbname,),
        )
        return (int(rows[0][0]), str(rows[0][1])) if rows else None

    found: tuple[int, str] = wait_until(waiting, "the server's backend to wait on the lock")
    return found


def backend_gone(pid: int) -> bool:
    return not admin_execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", (pid,))


class Background:
    """One HTTP request sent from a thread; ``response`` or ``error`` once it is over."""

    def __init__(self, base: str, method: str, path: str, body: Any = None) -> None:
        self.response: httpx.Response | None = None
        self.error: Exception | None = None

        def send() -> None:
            try:
                with client(base) as http:
                    self.response = http.request(method, path, json=body)
            except Exception as exc:
                self.error = exc

        self.thread = threading.Thread(target=send, daemon=True)
        self.thread.start()

    def join(self) -> None:
        self.thread.join(timeout=TIMEOUT + 5)
        assert not self.thread.is_alive(), "the request never finished"


@contextmanager
def audit_table_locked(db_url: str) -> Iterator[psycopg.Connection[Any]]:
    """Hold ACCESS EXCLUSIVE on audit_events: a registration blocks at its LAST write.

    ``_register`` inserts the subject, schema and version rows, then appends the audit event;
    with this lock held that insert waits, so the transaction is caught half-way. Rolled back
    (releasing the lock) on exit.
    """
    with psycopg.connect(pg_conninfo(db_url)) as conn:
        conn.execute("LOCK TABLE audit_events IN ACCESS EXCLUSIVE MODE")
        try:
            yield conn
        finally:
            conn.rollback()


def rows_written_by(locker: psycopg.Connection[Any], pid: int) -> set[str]:
    """Tables the (blocked) backend ``pid`` has inserted into in its open transaction."""
    rows = locker.execute(
        "SELECT l.relation::regclass::text FROM pg_locks l WHERE l.pid = %s "
        "AND l.locktype = 'relation' AND l.mode = 'RowExclusiveLock' AND l.granted",
        (pid,),
    ).fetchall()
    return {str(r[0]) for r in rows}


def assert_nothing_written(db_url: str, subject: str) -> None:
    """No row of any kind: not the subject, the schema, the version nor the audit event."""
    registry = Registry(db_url)
    try:
        with registry.db.engine.connect() as conn:
            for table in ("subjects", "schemas", "subject_versions", "audit_events"):
                count = conn.execute(text(f"SELECT count(*) FROM {table}")).scalar()
                assert count == 0, f"{count} row(s) left in {table}"
        assert registry.subjects(deleted=True) == []
        with pytest.raises(SubjectNotFound):
            registry.list_versions(subject, deleted=True)
        assert registry.audit_events(subject=subject) == []
        assert registry.list_schemas(deleted=True) == []
    finally:
        registry.close()


def assert_consistent(db_url: str, subject: str, versions: list[int]) -> None:
    """Exactly ``versions`` exist, and each has exactly one ``schema.registered`` event."""
    registry = Registry(db_url)
    try:
        assert registry.list_versions(subject, deleted=True) == versions
        events = registry.audit_events(subject=subject, action="schema.registered")
        assert sorted(e["version"] for e in events) == versions
        stored = {v: registry.get_version(subject, v).schema_id for v in versions}
        assert {e["version"]: e["schema_id"] for e in events} == stored
    finally:
        registry.close()


def assert_store_error(response: httpx.Response) -> None:
    """A 500 in the Confluent shape: ``{"error_code": 50001, "message": ...}``."""
    assert response.status_code == 500, response.text
    assert response.headers["content-type"].startswith(CONTENT_TYPE), response.text
    body = response.json()
    assert body["error_code"] == 50001
    assert isinstance(body["message"], str) and body["message"]


@pytest.fixture
def pg_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return fresh_database_url("postgresql", request, tmp_path)


@pytest.fixture
def pg_server(pg_url: str, tmp_path: Path) -> Iterator[ServerProcess]:
    running = start_server(pg_url, tmp_path)
    yield running
    running.stop()


# --- a server killed in the middle of a registration ---------------------------------------


@pytest.mark.postgres
def test_sigkill_mid_registration_leaves_no_partial_version_postgresql(
    pg_url: str, tmp_path: Path
) -> None:
    subject, schema = "killed-value", avro_record("Killed", "id")
    server = start_server(pg_url, tmp_path)
    try:
        with audit_table_locked(pg_url) as locker:
            in_flight = Background(
                server.url, "POST", f"/subjects/{subject}/versions", {"schema": schema}
            )
            pid, query = wait_for_lock_wait(pg_dbname(pg_url))
            assert "audit_events" in query
            # caught half-way: its subject, schema and version rows are in, uncommitted
            assert {"subjects", "schemas", "subject_versions"} <= rows_written_by(locker, pid)
            server.kill()
        in_flight.join()  # the server died before answering
        assert in_flight.response is None and isinstance(in_flight.error, httpx.TransportError)
        wait_until(lambda: backend_gone(pid), "the killed server's backend to end")
    finally:
        server.kill()

    assert_nothing_written(pg_url, subject)
    restarted = start_server(pg_url, tmp_path)
    try:
        with client(restarted.url) as http:
            again = http.post(f"/subjects/{subject}/versions", json={"schema": schema})
        assert again.status_code == 200, again.text
        assert again.json()["version"] == 1
    finally:
        restarted.stop()
    assert_consistent(pg_url, subject, [1])


PAUSE_HOOK = '''
"""Test-only fault injection: pause a registration right after its last write (the audit
event), before its transaction commits, and tell the test so through a marker file."""
import os
import pathlib
import time

_marker = os.environ.get("LLMSR_TEST_PAUSE_MARKER")
if _marker:
    from registry_core.storage import repository

    _append_audit = repository.append_audit

    def append_audit(conn, **kwargs):
        _append_audit(conn, **kwargs)
        pathlib.Path(_marker).write_text(str(os.getpid()))
        time.sleep(3600)

    repository.append_audit = append_audit
'''


def test_sigkill_mid_registration_leaves_no_partial_version_sqlite(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """SQLite has no lock a test can make the server wait on mid-transaction (the server takes
    the write lock up front with BEGIN IMMEDIATE, so blocking it means blocking it before any
    write). Instead a ``sitecustomize`` in the server's PYTHONPATH pauses the transaction after
    its schema, version and audit rows are written, and the test kills the server there."""
    db_url = fresh_database_url("sqlite", request, tmp_path)
    database = make_url(db_url).database
    assert database
    subject, schema = "killed-value", avro_record("Killed", "id")
    hook_dir, marker = tmp_path / "hook", tmp_path / "paused"
    hook_dir.mkdir()
    (hook_dir / "sitecustomize.py").write_text(PAUSE_HOOK)
    python_path = os.pathsep.join(filter(None, [str(hook_dir), os.environ.get("PYTHONPATH")]))
    env = {"PYTHONPATH": python_path, "LLMSR_TEST_PAUSE_MARKER": str(marker)}
    server = start_server(db_url, tmp_path, env=env)
    try:
        in_flight = Background(
            server.url, "POST", f"/subjects/{subject}/versions", {"schema": schema}
        )
        wait_until(marker.exists, "the registration to reach its audit event")
        # the server holds SQLite's write lock: its transaction is open, not committed
        probe = sqlite3.connect(database, timeout=0, isolation_level=None)
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            probe.execute("BEGIN IMMEDIATE")
        probe.close()
        server.kill()
        in_flight.join()  # the server died before answering
        assert in_flight.response is None and isinstance(in_flight.error, httpx.TransportError)
    finally:
        server.kill()

    check = sqlite3.connect(database)
    assert check.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    check.close()
    assert_nothing_written(db_url, subject)
    restarted = start_server(db_url, tmp_path)
    try:
        with client(restarted.url) as http:
            again = http.post(f"/subjects/{subject}/versions", json={"schema": schema})
        assert again.status_code == 200, again.text
        assert again.json()["version"] == 1
    finally:
        restarted.stop()
    assert_consistent(db_url, subject, [1])


# --- the database going away under a running server ----------------------------------------


@pytest.mark.postgres
def test_terminated_backends_are_reconnected_without_errors(
    pg_server: ServerProcess, pg_url: str
) -> None:
    dbname, subject = pg_dbname(pg_url), "reconnect-value"
    with client(pg_server.url) as http:
        first = http.post(f"/subjects/{subject}/versions", json={"schema": avro_record("R", "a")})
        assert first.status_code == 200, first.text

        def latest_status(_: int) -> int:
            with client(pg_server.url) as own:
                return own.get(f"/subjects/{subject}/versions/latest").status_code

        def read_latest_in_parallel() -> set[int]:
            with ThreadPoolExecutor(max_workers=8) as pool:
                return set(pool.map(latest_status, range(8)))

        assert read_latest_in_parallel() == {200}  # several pooled connections now

        assert terminate_backends(dbname) >= 1
        latest = http.get(f"/subjects/{subject}/versions/latest")
        assert latest.status_code == 200, latest.text
        assert latest.json()["version"] == 1
        # latest may come from the cache (nothing changed); the list of versions never does
        versions = http.get(f"/subjects/{subject}/versions")
        assert (versions.status_code, versions.json()) == (200, [1]), versions.text

        assert terminate_backends(dbname) >= 1
        second = http.post(
            f"/subjects/{subject}/versions", json={"schema": avro_record("R", "a", "b")}
        )
        assert second.status_code == 200, second.text
        assert second.json()["version"] == 2

        assert terminate_backends(dbname) >= 1
        assert read_latest_in_parallel() == {200}
        assert http.get("/health").status_code == 200

        # terminated in the middle of a registration's transaction: the whole transaction is
        # run again on a new connection, and the client sees one clean success
        with audit_table_locked(pg_url) as locker:
            in_flight = Background(
                pg_server.url,
                "POST",
                f"/subjects/{subject}/versions",
                {"schema": avro_record("R", "a", "b", "c")},
            )
            pid, _ = wait_for_lock_wait(dbname)
            assert terminate_backends(dbname, spare=locker.info.backend_pid) >= 1
            wait_until(lambda: backend_gone(pid), "the terminated backend to end")
        in_flight.join()
        assert in_flight.response is not None, in_flight.error
        assert in_flight.response.status_code == 200, in_flight.response.text
        assert in_flight.response.json()["version"] == 3
    assert_consistent(pg_url, subject, [1, 2, 3])


@pytest.mark.postgres
def test_database_outage_answers_50001_and_recovers(pg_server: ServerProcess, pg_url: str) -> None:
    dbname, subject = pg_dbname(pg_url), "outage-value"
    schemas = [avro_record("O", *[f"f{j}" for j in range(i + 1)]) for i in range(4)]
    with client(pg_server.url) as http:
        for number, schema in enumerate(schemas[:2], start=1):
            answer = http.post(f"/subjects/{subject}/versions", json={"schema": schema})
            assert (answer.status_code, answer.json().get("version")) == (200, number)
        try:
            # the database goes away while a registration is half-way through its transaction
            with audit_table_locked(pg_url) as locker:
                in_flight = Background(
                    pg_server.url, "POST", f"/subjects/{subject}/versions", {"schema": schemas[2]}
                )
                pid, _ = wait_for_lock_wait(dbname)
                admin_execute(f'ALTER DATABASE "{dbname}" ALLOW_CONNECTIONS false')
                assert terminate_backends(dbname, spare=locker.info.backend_pid) >= 1
            in_flight.join()
            assert in_flight.response is not None, in_flight.error
            assert_store_error(in_flight.response)
            wait_until(lambda: backend_gone(pid), "the terminated backend to end")

            # while the database refuses connections: 500/50001 quickly, /health 503
            for method, path, body in [
                ("GET", f"/subjects/{subject}/versions/latest", None),
                ("POST", f"/subjects/{subject}/versions", {"schema": schemas[2]}),
                ("GET", "/subjects", None),
                ("PUT", f"/config/{subject}", {"compatibility": "NONE"}),
            ]:
                started = time.monotonic()
                assert_store_error(http.request(method, path, json=body))
                assert time.monotonic() - started < TIMEOUT / 2
            health = http.get("/health")
            assert health.status_code == 503, health.text
            assert health.headers["content-type"].startswith(CONTENT_TYPE)
            assert health.json()["error_code"] == 50001
        finally:
            admin_execute(f'ALTER DATABASE "{dbname}" ALLOW_CONNECTIONS true')

        # back: everything answers again, and nothing was half-written
        assert http.get("/health").status_code == 200
        latest = http.get(f"/subjects/{subject}/versions/latest")
        assert (latest.status_code, latest.json()["version"]) == (200, 2)
        for number, schema in enumerate(schemas[2:], start=3):
            answer = http.post(f"/subjects/{subject}/versions", json={"schema": schema})
            assert (answer.status_code, answer.json().get("version")) == (200, number)
    assert_consistent(pg_url, subject, [1, 2, 3, 4])


@pytest.mark.postgres
def test_a_registration_waiting_on_a_lock_does_not_stall_other_requests(
    pg_server: ServerProcess, pg_url: str
) -> None:
    subject = "stall-value"
    with client(pg_server.url) as http:
        first = http.post(f"/subjects/{subject}/versions", json={"schema": avro_record("S", "a")})
        assert first.status_code == 200, first.text
    with audit_table_locked(pg_url):
        blocked = Background(
            pg_server.url,
            "POST",
            f"/subjects/{subject}/versions",
            {"schema": avro_record("S", "a", "b")},
        )
        wait_for_lock_wait(pg_dbname(pg_url))
        with client(pg_server.url, timeout=3.0) as http:
            assert http.get("/health").status_code == 200
            assert http.get(f"/subjects/{subject}/versions/latest").json()["version"] == 1
    # the lock is released: the blocked registration goes on and succeeds
    blocked.join()
    assert blocked.response is not None and blocked.response.status_code == 200


# --- clients that hang up mid-upload -------------------------------------------------------


def _partial_upload(base: str, subject: str, body: bytes) -> socket.socket:
    """Send the headers and half the body of a registration; return the open socket."""
    url = httpx.URL(base)
    sock = socket.create_connection((url.host, url.port or 80), timeout=TIMEOUT)
    head = (
        f"POST /subjects/{subject}/versions HTTP/1.1\r\n"
        f"Host: {url.host}:{url.port}\r\n"
        f"Content-Type: {CONTENT_TYPE}\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode()
    sock.sendall(head + body[: len(body) // 2])
    return sock


def registrations_seen(base: str) -> dict[str, float]:
    """POST /subjects/{subject}/versions requests the server has finished, by status."""
    prefix = 'llmsr_http_requests_total{method="POST",route="/subjects/{subject}/versions",'
    with client(base) as http:
        lines = http.get("/metrics").text.splitlines()
    return {
        line.split('status="')[1].split('"')[0]: float(line.rsplit(" ", 1)[1])
        for line in lines
        if line.startswith(prefix)
    }


def hang_up_mid_upload(base: str, subject: str, body: bytes, *, times: int) -> None:
    """``times`` clients send half the body and go away: half close, half reset (RST)."""
    before = sum(registrations_seen(base).values())
    for i in range(times):
        sock = _partial_upload(base, subject, body)
        if i % 2:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.close()
    wait_until(
        lambda: sum(registrations_seen(base).values()) >= before + times,
        "the server to be done with every abandoned upload",
    )


def test_client_disconnecting_mid_upload_writes_nothing(server: ServerProcess, db_url: str) -> None:
    subject = "upload-value"
    body = json.dumps({"schema": avro_record("Upload", "id", "payload")}).encode()

    # a stalled upload does not hold up other clients
    stalled = _partial_upload(server.url, subject, body)
    with client(server.url) as http:
        other = http.post("/subjects/other-value/versions", json={"schema": avro_record("O", "a")})
        assert other.status_code == 200, other.text
    stalled.close()

    hang_up_mid_upload(server.url, subject, body, times=20)

    assert server.process.poll() is None, server.log()
    with client(server.url) as http:
        assert http.get("/health").status_code == 200
        assert http.get("/subjects").json() == ["other-value"]
        assert http.get(f"/subjects/{subject}/versions").status_code == 404
        registry = Registry(db_url)
        try:
            assert registry.audit_events(subject=subject) == []
        finally:
            registry.close()
        # the same registration sent whole goes through, as version 1
        whole = http.post(
            f"/subjects/{subject}/versions", content=body, headers={"Content-Type": CONTENT_TYPE}
        )
        assert whole.status_code == 200, whole.text
        assert whole.json()["version"] == 1
    assert_consistent(db_url, subject, [1])


def test_client_disconnect_is_not_counted_as_a_server_error(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    server = start_server(fresh_database_url("sqlite", request, tmp_path), tmp_path)
    try:
        body = json.dumps({"schema": avro_record("Upload", "id")}).encode()
        hang_up_mid_upload(server.url, "upload-value", body, times=4)
        seen = registrations_seen(server.url)
    finally:
        server.stop()
    assert not [status for status in seen if status.startswith("5")], seen
    assert "unexpected error" not in server.log()
