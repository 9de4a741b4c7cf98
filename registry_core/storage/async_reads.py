"""The hottest read, ``latest`` version of a subject, on the event loop (PostgreSQL only).

Every other query runs synchronously in a thread pool. For ``GET /subjects/{s}/versions/latest``
the hop into that pool and back cost more than the query itself, so this one lookup runs on the
event loop over psycopg's async pool, with the same SQL as the synchronous path.

``VersionChangeListener`` holds a ``LISTEN`` connection for the notifications that migration 0002's
trigger sends whenever a row of ``subject_versions`` changes, so a process can cache ``latest``
and drop the cache the moment any process commits a change.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import select
from collections.abc import Callable
from typing import Any

import psycopg
from psycopg_pool import AsyncConnectionPool
from sqlalchemy.engine import URL

from registry_core.errors import StoreError
from registry_core.storage.repository import VersionRow, _version_row, _version_sql

__all__ = ["CHANNEL", "AsyncVersionReader", "VersionChangeListener"]

CHANNEL = "llmsr_versions_changed"  # the channel of migration 0002's trigger

log = logging.getLogger(__name__)


def conninfo(url: URL) -> str:
    """A libpq connection string for a SQLAlchemy PostgreSQL URL."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


class AsyncVersionReader:
    """Looks up subject versions over an async PostgreSQL pool, opened on first use."""

    def __init__(self, url: URL, *, max_size: int = 8) -> None:
        self._conninfo = conninfo(url)
        self._max_size = max_size
        self._pool: AsyncConnectionPool | None = None
        self._opening = asyncio.Lock()

    async def _get_pool(self) -> AsyncConnectionPool:
        if self._pool is None:
            async with self._opening:
                if self._pool is None:
                    pool = AsyncConnectionPool(
                        self._conninfo,
                        min_size=1,
                        max_size=self._max_size,
                        kwargs={"autocommit": True},
                        open=False,
                        # while the database is down, give up quickly: the caller falls back to
                        # the synchronous engine, which reconnects on demand
                        timeout=1.0,
                    )
                    await pool.open()
                    self._pool = pool
        return self._pool

    async def version(self, subject: str, number: int, *, deleted: bool) -> VersionRow | None:
        """Like ``repository.version``; a dropped connection is retried once on a fresh one."""
        params: dict[str, Any] = {"subject": subject, "number": number}
        sql = _version_sql("postgresql", number == -1, deleted)
        for attempt in (1, 2):
            pool = await self._get_pool()
            try:
                async with pool.connection() as conn:
                    cursor = await conn.execute(sql, params)
                    row = await cursor.fetchone()
                return _version_row(row) if row is not None else None
            except psycopg.OperationalError as exc:
                if attempt == 2:
                    log.warning("database error on async read: %s", exc)
                    raise StoreError(
                        f"Error in the backend data store: {type(exc).__name__}"
                    ) from exc
                await pool.check()  # drop the broken connections before trying again
            except Exception as exc:  # pool timeout and the like: the store is unavailable
                raise StoreError(f"Error in the backend data store: {type(exc).__name__}") from exc
        raise AssertionError("unreachable")

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()
            self._pool = None


class VersionChangeListener:
    """Calls ``on_change(subject)`` whenever any process commits a change to a subject's versions.

    ``subject`` is None when the change may concern any subject.

    The caller may trust what it cached only while ``fresh()`` is true: the ``LISTEN`` connection
    is up and no notification waits unread on its socket. While the connection is down (the
    database restarted, the network dropped) ``fresh()`` is false and the listener reconnects
    with a back-off; on every (re)connect and every loss it calls ``on_change``, since changes may
    have been missed in between. TCP keepalives bound how long a silently dead connection can
    pass for a live one.
    """

    def __init__(self, url: URL, on_change: Callable[[str | None], None]) -> None:
        self._conninfo = conninfo(url)
        self._on_change = on_change
        self._conn: psycopg.AsyncConnection[Any] | None = None
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Start listening in a task of the running event loop (idempotent)."""
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run())

    def fresh(self) -> bool:
        """Whether every committed change so far has been seen."""
        conn = self._conn
        if conn is None:
            return False
        try:
            readable, _, _ = select.select([conn.pgconn.socket], [], [], 0)
        except (OSError, ValueError, psycopg.OperationalError):
            return False
        # unread bytes on the socket are a notification not yet handled
        return not readable

    async def _run(self) -> None:
        delay = 0.1
        while True:
            try:
                conn = await psycopg.AsyncConnection.connect(
                    self._conninfo,
                    autocommit=True,
                    keepalives=1,
                    keepalives_idle=5,
                    keepalives_interval=2,
                    keepalives_count=3,
                )
                try:
                    await conn.execute(f"LISTEN {CHANNEL}")
                    self._on_change(None)
                    self._conn = conn
                    delay = 0.1
                    async for notification in conn.notifies():
                        self._on_change(notification.payload or None)
                finally:
                    self._conn = None
                    self._on_change(None)
                    await conn.close()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the database went away: read through until it is back
                log.warning("change listener lost its connection (%s); retry in %.1fs", exc, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5.0)

    async def close(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
