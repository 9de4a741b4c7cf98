"""The hottest read, ``latest`` version of a subject, without a thread hop (PostgreSQL only).

Every other query runs synchronously in a thread pool. For ``GET /subjects/{s}/versions/latest``
the hop into that pool and back cost more than the query itself, so this one lookup runs on the
event loop over psycopg's async pool, with the same SQL as the synchronous path.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import psycopg
from psycopg_pool import AsyncConnectionPool
from sqlalchemy.engine import URL

from registry_core.errors import StoreError
from registry_core.storage.repository import VersionRow, _version_row, _version_sql

__all__ = ["AsyncVersionReader"]

log = logging.getLogger(__name__)


class AsyncVersionReader:
    """Looks up subject versions over an async PostgreSQL pool, opened on first use."""

    def __init__(self, url: URL, *, max_size: int = 8) -> None:
        self._conninfo = url.set(drivername="postgresql").render_as_string(hide_password=False)
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
