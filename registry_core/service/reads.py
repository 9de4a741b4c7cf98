"""Read use cases: schemas by id, subjects, versions, lookups, fields, audit."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, text

from registry_core.errors import (
    SchemaNotFound,
    StoreError,
    SubjectNotFound,
    VersionNotFound,
)
from registry_core.formats import fingerprint, format_for
from registry_core.models import (
    LATEST,
    MAX_SCHEMA_ID,
    FieldInfo,
    SchemaRecord,
    SchemaReference,
    SchemaType,
    SubjectVersion,
    parse_version,
)
from registry_core.service.base import (
    RegistryBase,
)
from registry_core.storage import repository
from registry_core.storage.repository import VersionRow

LATEST_TTL = 10.0  # seconds: a bound on staleness even if a notification were somehow missed
LATEST_CACHE_SIZE = 100_000  # subjects


class ReadsMixin(RegistryBase):
    # --- reads ---------------------------------------------------------------------------

    def get_schema(self, schema_id: int) -> SchemaRecord:
        """The schema with this global id; cached, since ids never change meaning."""
        cached: SchemaRecord | None = self._schema_cache.get(schema_id)
        if cached is not None:
            return cached
        if not 1 <= schema_id <= MAX_SCHEMA_ID:
            raise SchemaNotFound(f"Schema {schema_id} not found")
        record = self.db.read(lambda conn: repository.schema_by_id(conn, schema_id))
        if record is None:
            raise SchemaNotFound(f"Schema {schema_id} not found")
        self._schema_cache.put(schema_id, record)
        return record

    def get_schema_by_guid(self, guid: str) -> SchemaRecord:
        schema_id = self.db.read(lambda conn: repository.schema_by_guid(conn, guid.lower()))
        if schema_id is None:
            raise SchemaNotFound(f"Schema with guid {guid} not found")
        return self.get_schema(schema_id)

    def schema_usages(self, schema_id: int, *, deleted: bool = False) -> list[tuple[str, int]]:
        """(subject, version) pairs registered with this schema id."""
        self.get_schema(schema_id)
        return self.db.read(
            lambda conn: repository.subjects_of_schema(conn, schema_id, deleted=deleted)
        )

    def subjects(
        self, *, prefix: str | None = None, deleted: bool = False, deleted_only: bool = False
    ) -> list[str]:
        return self.db.read(
            lambda conn: repository.subject_names(
                conn, prefix=prefix, deleted=deleted, deleted_only=deleted_only
            )
        )

    def list_versions(
        self, subject: str, *, deleted: bool = False, deleted_only: bool = False
    ) -> list[int]:
        def work(conn: Connection) -> list[int]:
            rows = repository.versions(conn, subject, deleted=True)
            if not rows or (not deleted and not deleted_only and all(r.deleted for r in rows)):
                raise SubjectNotFound(subject)
            if deleted_only:
                return [r.version for r in rows if r.deleted]
            return [r.version for r in rows if deleted or not r.deleted]

        return self.db.read(work)

    def get_version(
        self, subject: str, version: int | str, *, deleted: bool = False
    ) -> SubjectVersion:
        """One version of a subject; ``latest`` or -1 for the newest live one."""
        number = parse_version(version)

        def work(conn: Connection) -> SubjectVersion:
            row = repository.version(conn, subject, number, deleted=deleted)
            if row is None:
                if repository.subject_id(conn, subject) is None or not repository.versions(
                    conn, subject, deleted=deleted
                ):
                    raise SubjectNotFound(subject)
                raise VersionNotFound(subject, version)
            return self._to_model(conn, row)

        return self.db.read(work)

    async def get_version_async(
        self, subject: str, version: int | str, *, deleted: bool = False
    ) -> SubjectVersion:
        """``get_version`` for async callers: on PostgreSQL no thread hop on the common path.

        ``latest`` is served from a per-process cache while the change listener is connected and
        has handled every notification, so it is never older than the last committed change
        this process could know of; entries also expire after ``LATEST_TTL`` seconds.
        """
        number = parse_version(version)
        if self.async_reader is None:
            return await asyncio.to_thread(self.get_version, subject, version, deleted=deleted)
        cacheable = number == LATEST and not deleted and self.version_listener is not None
        if cacheable:
            assert self.version_listener is not None
            self.version_listener.start()
            hit = self._latest_cache.get(subject)
            if (
                hit is not None
                and time.monotonic() - hit[1] < LATEST_TTL
                and self.version_listener.fresh()
            ):
                return hit[0]
        epoch = self._latest_epoch
        found = await self._read_version_async(subject, version, number, deleted)
        if cacheable and epoch == self._latest_epoch:
            assert self.version_listener is not None
            if self.version_listener.fresh():
                if len(self._latest_cache) >= LATEST_CACHE_SIZE:
                    self._latest_cache = {}
                self._latest_cache[subject] = (found, time.monotonic())
        return found

    async def _read_version_async(
        self, subject: str, version: int | str, number: int, deleted: bool
    ) -> SubjectVersion:
        assert self.async_reader is not None
        try:
            row = await self.async_reader.version(subject, number, deleted=deleted)
        except StoreError:
            # The async pool reconnects with a back-off after an outage; the synchronous engine
            # connects on demand, so it answers (or fails) for this request instead.
            row = None
        references = self._reference_cache.get(row.schema_id) if row is not None else None
        if row is None or references is None:
            # not found (which error?), pool trouble, or references not cached yet: the full
            # synchronous path, which is the one source of every error
            return await asyncio.to_thread(self.get_version, subject, version, deleted=deleted)
        return row.to_model(references)

    def list_schemas(
        self,
        *,
        prefix: str | None = None,
        deleted: bool = False,
        latest_only: bool = False,
    ) -> list[SubjectVersion]:
        def work(conn: Connection) -> list[SubjectVersion]:
            rows = repository.all_versions(conn, prefix=prefix, deleted=deleted)
            if latest_only:
                latest: dict[str, VersionRow] = {}
                for row in rows:
                    latest[row.subject] = row
                rows = list(latest.values())
            return [self._to_model(conn, r) for r in rows]

        return self.db.read(work)

    def referenced_by(self, subject: str, version: int | str) -> list[int]:
        found = self.get_version(subject, version)
        return self.db.read(lambda conn: repository.referrers(conn, subject, found.version))

    def fields(self, subject: str, version: int | str = LATEST) -> list[FieldInfo]:
        """The fields of a registered version, as JSON pointers into the data."""
        found = self.get_version(subject, version, deleted=True)

        def work(conn: Connection) -> list[FieldInfo]:
            row = repository.version(conn, subject, found.version, deleted=True)
            assert row is not None
            return format_for(row.schema_type).fields(self._parsed(conn, row))

        return self.db.read(work)

    def lookup(
        self,
        subject: str,
        schema: str,
        schema_type: SchemaType | str | None = SchemaType.AVRO,
        references: Sequence[SchemaReference] = (),
        *,
        normalize: bool | None = None,
        deleted: bool = False,
    ) -> SubjectVersion:
        """The version of ``subject`` registered with this schema (POST /subjects/{subject})."""
        kind = SchemaType.parse(schema_type)

        def work(conn: Connection) -> SubjectVersion:
            if repository.subject_id(conn, subject) is None:
                raise SubjectNotFound(subject)
            pinned = self._pin_references(conn, references)
            parsed = self._parse_new(conn, schema, kind, pinned)
            candidates = {
                fingerprint(kind, parsed.canonical, pinned),
                fingerprint(kind, parsed.normalized, pinned),
            }
            rows = repository.versions(conn, subject, deleted=deleted)
            if not rows and not deleted:
                raise SubjectNotFound(subject)
            for row in reversed(rows):
                if row.fingerprint in candidates:
                    return self._to_model(conn, row)
            raise SchemaNotFound(f"Schema not found under subject '{subject}'")

        return self.db.read(work)

    # --- audit ---------------------------------------------------------------------------

    def audit_events(
        self,
        *,
        subject: str | None = None,
        actor: str | None = None,
        action: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        after_id: int = 0,
        limit: int = 1000,
    ) -> list[dict[str, Any]]:
        """The audit trail, oldest first, filtered by subject, actor, action (a prefix when it
        ends in '.' or '*') and time; ``after_id`` pages through it."""
        return self.db.read(
            lambda conn: repository.audit_events(
                conn,
                subject=subject,
                actor=actor,
                action=action,
                since=since,
                until=until,
                after_id=after_id,
                limit=limit,
            )
        )

    def ping(self) -> bool:
        """Whether the database answers (for ``/health``)."""
        return bool(self.db.read(lambda conn: conn.execute(text("SELECT 1")).scalar()))
