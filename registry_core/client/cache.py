"""Schemas by id, kept in memory for a while: an id's schema never changes.

The time to live does not guard against stale data (there is none): it bounds how long memory is
held for ids no longer used, and lets a schema that was hard-deleted disappear in the end. The
size bound evicts the least recently used id first.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from cachetools import TTLCache

from registry_core.models import SchemaRecord

__all__ = ["SchemaCache"]


class SchemaCache:
    """At most ``size`` schemas, each for ``ttl`` seconds; ``size=0`` keeps nothing.

    Thread-safe: a lock is held only around dictionary work, never across I/O, so the same class
    serves the async client (each client has its own instance).
    """

    def __init__(
        self, size: int, ttl: float, *, timer: Callable[[], float] = time.monotonic
    ) -> None:
        if size < 0 or ttl <= 0:
            raise ValueError(f"cache size must be >= 0 and ttl > 0, not size={size}, ttl={ttl}")
        self.size = size
        self._records: TTLCache[int, SchemaRecord] | None = (
            TTLCache(maxsize=size, ttl=ttl, timer=timer) if size else None
        )
        self._lock = threading.Lock()

    def get(self, schema_id: int) -> SchemaRecord | None:
        """The cached schema, or None when absent or expired."""
        if self._records is None:
            return None
        with self._lock:
            return self._records.get(schema_id)

    def put(self, record: SchemaRecord) -> None:
        if self._records is None:
            return
        with self._lock:
            self._records[record.id] = record

    def clear(self) -> None:
        if self._records is not None:
            with self._lock:
                self._records.clear()

    def __len__(self) -> int:
        if self._records is None:
            return 0
        with self._lock:
            self._records.expire()
            return len(self._records)
