"""Engines, transactions with retry on conflict, and migrations, for SQLite and PostgreSQL."""

from __future__ import annotations

import logging
import os
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from registry_core.errors import RegistryError, StoreError

__all__ = [
    "DEFAULT_DATABASE_URL",
    "Database",
    "database_url_from_env",
    "upgrade",
]

DEFAULT_DATABASE_URL = "sqlite:///.llmsr/registry.db"
T = TypeVar("T")
log = logging.getLogger(__name__)

# PostgreSQL SQLSTATEs worth retrying: serialization failure, deadlock, unique violation
_RETRY_SQLSTATES = frozenset({"40001", "40P01", "23505"})


def database_url_from_env() -> str:
    """``LLMSR_DATABASE_URL``, or the embedded SQLite default."""
    return os.environ.get("LLMSR_DATABASE_URL") or DEFAULT_DATABASE_URL


def _is_retryable(exc: DBAPIError) -> bool:
    if exc.connection_invalidated:
        return True
    sqlstate = getattr(exc.orig, "sqlstate", None)
    if sqlstate in _RETRY_SQLSTATES:
        return True
    if isinstance(exc, IntegrityError) and "UNIQUE constraint failed" in str(exc.orig):
        return True  # SQLite's unique violation: a concurrent writer won; re-read and go on
    if isinstance(exc, OperationalError):
        text = str(exc.orig).lower()
        return "database is locked" in text or "server closed the connection" in text
    return False


class Database:
    """One engine and the transaction discipline every use case runs in.

    Writes take SQLite's write lock up front (``BEGIN IMMEDIATE``) so two writers never deadlock
    upgrading read locks; on PostgreSQL writers lock the rows they change. A transaction that hits
    a conflict (a unique violation from a concurrent writer, a deadlock, a dropped connection) is
    rolled back whole and run again, so a caller sees either the full effect or an error.
    """

    def __init__(self, url: str | None = None, *, pool_size: int = 10, echo: bool = False) -> None:
        self.url = make_url(url or database_url_from_env())
        self.dialect = self.url.get_backend_name()
        # No pool_pre_ping (a round trip per checkout): a connection found dead raises a
        # disconnect error, SQLAlchemy invalidates the pool, and run() retries the transaction.
        kwargs: dict[str, Any] = {"echo": echo}
        if self.dialect == "sqlite":
            database = self.url.database
            if database and database != ":memory:" and not database.startswith("file:"):
                Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
            kwargs["connect_args"] = {"timeout": 30, "check_same_thread": False}
        else:
            kwargs.update(pool_size=pool_size, max_overflow=pool_size * 2, pool_timeout=30)
        self.engine: Engine = create_engine(self.url, **kwargs)
        # called after every committed write transaction, before run() returns
        self.after_write: list[Callable[[], None]] = []
        if self.dialect == "sqlite":
            self._configure_sqlite(self.engine)

    @staticmethod
    def _configure_sqlite(engine: Engine) -> None:
        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection: Any, _record: Any) -> None:
            # let SQLAlchemy, not pysqlite, decide when transactions begin
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn: Connection) -> None:
            mode = conn.info.pop("begin_mode", "BEGIN")
            conn.exec_driver_sql(mode)

    @contextmanager
    def _transaction(self, *, write: bool) -> Iterator[Connection]:
        with self.engine.connect() as conn:
            if not write and self.dialect == "postgresql":
                # reads need no transaction: skipping BEGIN/COMMIT saves two round trips each
                yield conn.execution_options(isolation_level="AUTOCOMMIT")
                return
            if write and self.dialect == "sqlite":
                conn.info["begin_mode"] = "BEGIN IMMEDIATE"
            with conn.begin():
                yield conn

    def run(self, work: Callable[[Connection], T], *, write: bool = True, attempts: int = 12) -> T:
        """Run ``work`` in one transaction, retrying the whole of it on a conflict."""
        delay = 0.005
        for attempt in range(1, attempts + 1):
            try:
                with self._transaction(write=write) as conn:
                    result = work(conn)
                if write:
                    for hook in self.after_write:
                        hook()
                return result
            except RegistryError:
                raise
            except DBAPIError as exc:
                if attempt == attempts or not _is_retryable(exc):
                    log.warning("database error after %d attempt(s): %s", attempt, exc.orig)
                    raise StoreError(
                        f"Error in the backend data store: {type(exc.orig).__name__}"
                    ) from exc
                time.sleep(delay * random.uniform(0.5, 1.5))
                delay = min(delay * 2, 0.5)
        raise AssertionError("unreachable")

    def read(self, work: Callable[[Connection], T]) -> T:
        return self.run(work, write=False, attempts=3)

    def dispose(self) -> None:
        self.engine.dispose()

    def has_schema(self) -> bool:
        """Whether migrations have created the tables."""
        with self.engine.connect() as conn:
            return inspect(conn).has_table("schemas")


def _alembic_config(conn: Connection) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    config.attributes["connection"] = conn
    return config


def upgrade(db: Database, revision: str = "head") -> None:
    """Bring the database's tables up to ``revision`` (Alembic), in one transaction."""
    from alembic import command

    with db.engine.connect() as conn:
        if db.dialect == "sqlite":
            conn.info["begin_mode"] = "BEGIN IMMEDIATE"
        with conn.begin():
            command.upgrade(_alembic_config(conn), revision)
