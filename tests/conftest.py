"""Fixtures shared by every test: a fresh database per test, on SQLite and on PostgreSQL."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from registry_core.service import Registry
from registry_core.storage import Database, upgrade
from tests.servers import ServerProcess, start_server

PG_ADMIN_DSN = os.environ.get("LLMSR_TEST_PG_DSN", "postgresql://postgres@127.0.0.1:5432/test")
_counter = itertools.count()


def _pg_url(name: str) -> str:
    base = psycopg.conninfo.conninfo_to_dict(PG_ADMIN_DSN)
    host, port, user = base.get("host", "127.0.0.1"), base.get("port", "5432"), base.get("user")
    return f"postgresql+psycopg://{user}@{host}:{port}/{name}"


def _admin(sql: str) -> None:
    with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as conn:
        conn.execute(sql)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    """A migrated PostgreSQL database that each test's database is copied from (fast)."""
    name = f"llmsr_tpl_{os.getpid()}"
    _admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    _admin(f"CREATE DATABASE {name}")
    db = Database(_pg_url(name))
    upgrade(db)
    db.dispose()
    yield name
    _admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("tpl") / "registry.db"
    db = Database(f"sqlite:///{path}")
    upgrade(db)
    db.dispose()
    return path


def fresh_database_url(kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A new, migrated, empty database of ``kind`` ('sqlite' or 'postgresql') for one test."""
    if kind == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        target = tmp_path / "registry.db"
        target.write_bytes(template.read_bytes())
        return f"sqlite:///{target}"
    template_name: str = request.getfixturevalue("pg_template")
    name = f"llmsr_t_{os.getpid()}_{next(_counter)}"
    _admin(f"CREATE DATABASE {name} TEMPLATE {template_name}")
    request.addfinalizer(lambda: _admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    return _pg_url(name)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Every storage test runs on both databases, each on a freshly created one."""
    return fresh_database_url(request.param, request, tmp_path)


@pytest.fixture
def registry(db_url: str) -> Iterator[Registry]:
    reg = Registry(db_url)
    yield reg
    reg.close()


@pytest.fixture
def server(db_url: str, tmp_path: Path) -> Iterator[ServerProcess]:
    """A real ``llmsr serve`` process on a fresh database (SQLite and PostgreSQL)."""
    running = start_server(db_url, tmp_path)
    yield running
    running.stop()
