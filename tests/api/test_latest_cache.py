"""``GET /subjects/{s}/versions/latest`` is cached per server process on PostgreSQL (invalidated
by the trigger's NOTIFY); these tests hold it to what clients rely on: a change committed by any
process (another worker, the CLI, a direct ``Registry``) is visible on the next read, and a
listener that lost its connection never lets a stale answer through.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from registry_core.service import Registry
from tests.api.test_faults import pg_dbname, terminate_backends, wait_until
from tests.servers import ServerProcess, start_server


def record(*fields: str) -> str:
    return json.dumps(
        {
            "type": "record",
            "name": "Turn",
            "fields": [{"name": f, "type": ["null", "string"], "default": None} for f in fields],
        }
    )


@pytest.fixture
def two_workers(db_url: str, tmp_path: Path) -> Iterator[ServerProcess]:
    running = start_server(db_url, tmp_path, workers=2)
    yield running
    running.stop()


def warm(base: str, subject: str, expected: int) -> None:
    """Read latest over several fresh connections, so that both workers have it cached."""
    for _ in range(6):
        with httpx.Client(base_url=base, timeout=20) as fresh:
            answer = fresh.get(f"/subjects/{subject}/versions/latest")
            assert (answer.status_code, answer.json()["version"]) == (200, expected), answer.text


def latest(base: str, subject: str) -> httpx.Response:
    with httpx.Client(base_url=base, timeout=20) as fresh:
        return fresh.get(f"/subjects/{subject}/versions/latest")


def test_latest_follows_changes_made_outside_the_server(
    two_workers: ServerProcess, db_url: str
) -> None:
    subject = "chat-turn-value"
    registry = Registry(db_url)
    try:
        registry.register(subject, record("a"), "AVRO")
        warm(two_workers.url, subject, 1)

        for number in range(2, 12):  # registered by another process, read at once
            registry.register(subject, record(*[f"f{i}" for i in range(number)]), "AVRO")
            answer = latest(two_workers.url, subject)
            assert answer.json()["version"] == number, answer.text
            warm(two_workers.url, subject, number)

        registry.delete_version(subject, "latest")  # soft delete: latest steps back
        assert latest(two_workers.url, subject).json()["version"] == 10
        warm(two_workers.url, subject, 10)

        registry.delete_subject(subject)
        gone = latest(two_workers.url, subject)
        assert (gone.status_code, gone.json()["error_code"]) == (404, 40401), gone.text
    finally:
        registry.close()


def test_latest_is_right_after_each_write_through_either_worker(
    two_workers: ServerProcess,
) -> None:
    subject = "eval-result-value"
    with httpx.Client(base_url=two_workers.url, timeout=20) as http:
        assert http.put(f"/config/{subject}", json={"compatibility": "NONE"}).status_code == 200
        for number in range(1, 31):
            written = http.post(
                f"/subjects/{subject}/versions", json={"schema": record(f"x{number}")}
            )
            assert written.status_code == 200, written.text
            # a new connection may land on the other worker, which had the old latest cached
            for _ in range(3):
                answer = latest(two_workers.url, subject)
                assert answer.json()["id"] == written.json()["id"], answer.text
                assert answer.json()["version"] == number


@pytest.mark.postgres
def test_a_listener_that_lost_its_connection_serves_no_stale_latest(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    from tests.conftest import fresh_database_url

    db_url = fresh_database_url("postgresql", request, tmp_path)
    server = start_server(db_url, tmp_path)
    registry = Registry(db_url)
    subject = "telemetry-value"
    try:
        registry.register(subject, record("a"), "AVRO")
        warm(server.url, subject, 1)
        for number in (2, 3, 4):
            # every backend of the database dies (the listener's too), then a write lands
            # before the listener could reconnect
            assert terminate_backends(pg_dbname(db_url)) >= 1
            registry.register(subject, record(*[f"f{i}" for i in range(number)]), "AVRO")
            assert latest(server.url, subject).json()["version"] == number
        # and once it is back, caching resumes without errors
        wait_until(
            lambda: all(latest(server.url, subject).status_code == 200 for _ in range(5)),
            "latest to answer",
        )
        warm(server.url, subject, 4)
    finally:
        registry.close()
        server.stop()
