"""Shared state of the use cases: the database, caches of immutable schemas, parsing."""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection

from registry_core.errors import (
    InvalidSchema,
    InvalidSubject,
    SchemaTooLarge,
)
from registry_core.formats import ParsedSchema, ResolvedReference, format_for
from registry_core.lifecycle import Policy, effective_policy
from registry_core.models import (
    LATEST,
    SchemaReference,
    SchemaType,
    SemVer,
    SubjectConfig,
    SubjectVersion,
)
from registry_core.storage import Database, governance, repository
from registry_core.storage.database import upgrade

if TYPE_CHECKING:
    from registry_core.storage.async_reads import AsyncVersionReader, VersionChangeListener
from registry_core.storage.repository import VersionRow

__all__ = [
    "DEFAULT_MAX_SCHEMA_BYTES",
    "EVENT_TYPES",
    "SYSTEM_ACTOR",
    "RegisterResult",
    "RegistryBase",
]

DEFAULT_MAX_SCHEMA_BYTES = 1024 * 1024
SYSTEM_ACTOR = "system"


# The change event each audited action publishes through the outbox (``llmsr dispatch``).
EVENT_TYPES: dict[str, str] = {
    "schema.registered": "schema.registered",
    "version.deleted": "schema.deleted",
    "version.deleted_permanently": "schema.deleted",
    "version.deprecated": "schema.deprecated",
    "version.archived": "schema.archived",
    "version.reactivated": "schema.reactivated",
    "version.restored": "schema.restored",
    "subject.deleted": "subject.deleted",
    "subject.deleted_permanently": "subject.deleted",
    "config.set": "config.changed",
    "config.deleted": "config.changed",
    "mode.set": "config.changed",
    "mode.deleted": "config.changed",
    "policy.set": "config.changed",
    "policy.deleted": "config.changed",
    "proposal.created": "proposal.created",
    "proposal.submitted": "proposal.submitted",
    "proposal.discarded": "proposal.rejected",
    "proposal.approved": "proposal.approved",
    "proposal.rejected": "proposal.rejected",
    "user.added": "user.changed",
    "user.updated": "user.changed",
    "user.key_rotated": "user.changed",
    "sink.added": "config.changed",
    "sink.deleted": "config.changed",
    "dataset.registered": "dataset.changed",
    "dataset.updated": "dataset.changed",
}


@dataclass(frozen=True, kw_only=True, slots=True)
class RegisterResult:
    """What a registration produced; ``created`` is False when the schema was already there."""

    version: SubjectVersion
    created: bool
    semver_bump: str | None = None


class _LruCache:
    """A small thread-safe LRU for immutable values (schemas by id never change)."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._data: OrderedDict[Any, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Any) -> Any:
        with self._lock:
            value = self._data.get(key)
            if value is not None:
                self._data.move_to_end(key)
            return value

    def put(self, key: Any, value: Any) -> None:
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self._size:
                self._data.popitem(last=False)


def _check_subject(subject: str) -> str:
    if not subject or not subject.strip() or any(ord(c) < 0x20 for c in subject):
        raise InvalidSubject(
            f"Invalid subject {subject!r}: a subject must be non-empty and contain no control "
            "characters"
        )
    if len(subject) > 512:
        raise InvalidSubject(f"Invalid subject: {len(subject)} characters, the limit is 512")
    return subject


class RegistryBase:
    """A schema registry over one database (``LLMSR_DATABASE_URL`` by default).

    Args:
        url: SQLAlchemy URL; SQLite (embedded default) or ``postgresql+psycopg://...``.
        database: an existing ``Database`` to share instead of ``url``.
        max_schema_bytes: schemas larger than this are refused with 42209.
    """

    def __init__(
        self,
        url: str | None = None,
        *,
        database: Database | None = None,
        max_schema_bytes: int | None = None,
        pool_size: int = 10,
    ) -> None:
        self.db = database or Database(url, pool_size=pool_size)
        self.max_schema_bytes = max_schema_bytes or int(
            os.environ.get("LLMSR_MAX_SCHEMA_BYTES", DEFAULT_MAX_SCHEMA_BYTES)
        )
        self._schema_cache = _LruCache(10_000)  # id -> SchemaRecord
        self._parsed_cache = _LruCache(2_000)  # id -> ParsedSchema
        self._reference_cache = _LruCache(10_000)  # id -> tuple[SchemaReference, ...]
        self._engines = _LruCache(64)  # id -> validation Engine (compiled checks)
        self.async_reader: AsyncVersionReader | None = None
        self.version_listener: VersionChangeListener | None = None
        # subject -> (its latest live version, monotonic time cached); PostgreSQL only, and
        # trusted only while the listener has seen every change (see get_version_async)
        self._latest_cache: dict[str, tuple[SubjectVersion, float]] = {}
        self._latest_epoch = 0
        if self.db.dialect == "postgresql":
            # imported here: psycopg costs about 0.1 s to import, and SQLite never needs it
            from registry_core.storage.async_reads import (
                AsyncVersionReader,
                VersionChangeListener,
            )

            self.async_reader = AsyncVersionReader(self.db.url)
            self.version_listener = VersionChangeListener(self.db.url, self._versions_changed)
            # this process's own writes: forget at once, before the caller hears of the commit
            self.db.after_write.append(self._versions_changed)

    def _versions_changed(self, subject: str | None = None) -> None:
        """A subject's versions (any subject's, when None) may have changed."""
        self._latest_epoch += 1
        if subject is None:
            self._latest_cache = {}
        else:
            self._latest_cache.pop(subject, None)

    # --- lifecycle ---------------------------------------------------------------------

    def migrate(self) -> None:
        """Create or upgrade the tables (Alembic ``upgrade head``)."""
        upgrade(self.db)

    def close(self) -> None:
        self.db.dispose()

    async def aclose(self) -> None:
        """Close what the async read path opened (the event loop's pool and listener)."""
        if self.version_listener is not None:
            await self.version_listener.close()
        if self.async_reader is not None:
            await self.async_reader.close()

    def _record(
        self,
        conn: Connection,
        *,
        actor: str,
        action: str,
        subject: str | None = None,
        version: int | None = None,
        schema_id: int | None = None,
        before: Any = None,
        after: Any = None,
    ) -> None:
        """Append the audit event of a change and its outbox event, in the change's transaction."""
        repository.append_audit(
            conn,
            actor=actor,
            action=action,
            subject=subject,
            version=version,
            schema_id=schema_id,
            before=before,
            after=after,
        )
        data = {"action": action, "actor": actor, "version": version, "schemaId": schema_id}
        data.update({"before": before, "after": after})
        governance.append_event(conn, EVENT_TYPES.get(action, action), subject, data)

    def _config(self, conn: Connection, subject: str, policy: Policy | None) -> SubjectConfig:
        """The subject's own config, else its policy's level over the global config."""
        level = policy.compatibility if policy is not None else None
        return repository.effective_config(conn, subject, policy_level=level)

    def _governing_policy(self, conn: Connection, subject: str) -> Policy | None:
        return effective_policy(governance.policies(conn), subject)

    @staticmethod
    def _major_line(live: Sequence[VersionRow]) -> list[VersionRow]:
        """The live versions in the latest's major line (a policy's ``major_line`` rule)."""
        if not live:
            return []
        major = SemVer.parse(live[-1].semver).major
        return [r for r in live if SemVer.parse(r.semver).major == major]

    def _references(self, conn: Connection, schema_id: int) -> tuple[SchemaReference, ...]:
        """A schema's references; cached, since a schema id's references never change."""
        cached: tuple[SchemaReference, ...] | None = self._reference_cache.get(schema_id)
        if cached is None:
            cached = tuple(repository.references_of(conn, schema_id))
            self._reference_cache.put(schema_id, cached)
        return cached

    def _to_model(self, conn: Connection, row: VersionRow) -> SubjectVersion:
        return row.to_model(self._references(conn, row.schema_id))

    # --- parsing -------------------------------------------------------------------------

    def _resolve_references(
        self, conn: Connection, references: Sequence[SchemaReference], seen: tuple[str, ...] = ()
    ) -> list[ResolvedReference]:
        """References with their schema texts, dependencies first (what parsers need)."""
        resolved: list[ResolvedReference] = []
        for ref in references:
            row = repository.version(conn, ref.subject, ref.version, deleted=True)
            if row is None:
                raise InvalidSchema(
                    f"Invalid schema: reference '{ref.name}' points to subject '{ref.subject}' "
                    f"version {ref.version}, which does not exist"
                )
            key = f"{row.subject}:{row.version}"
            if key in seen:
                raise InvalidSchema(f"Invalid schema: circular reference through {key}")
            nested = self._references(conn, row.schema_id)
            for dep in self._resolve_references(conn, nested, (*seen, key)):
                if all(dep.name != r.name for r in resolved):
                    resolved.append(dep)
            resolved.append(
                ResolvedReference(
                    name=ref.name,
                    subject=row.subject,
                    version=row.version,
                    schema=row.schema,
                    schema_type=row.schema_type,
                )
            )
        return resolved

    def _parse_new(
        self,
        conn: Connection,
        schema: str,
        schema_type: SchemaType,
        pinned: Sequence[SchemaReference],
    ) -> ParsedSchema:
        """Parse a candidate schema; ``pinned`` are its references from ``_pin_references``."""
        if not isinstance(schema, str):
            raise InvalidSchema("Invalid schema: 'schema' must be a string holding the schema")
        if len(schema.encode("utf-8")) > self.max_schema_bytes:
            raise SchemaTooLarge(
                f"Schema too large: {len(schema.encode('utf-8'))} bytes, the limit is "
                f"{self.max_schema_bytes} bytes"
            )
        return format_for(schema_type).parse(schema, self._resolve_references(conn, pinned))

    def _pin_references(
        self, conn: Connection, references: Sequence[SchemaReference]
    ) -> tuple[SchemaReference, ...]:
        """References with ``latest`` (-1) replaced by the version it means now.

        A schema's identity (its fingerprint) is over pinned references, so every caller pins
        once, up front, and parses and fingerprints with the same list.
        """
        pinned = []
        for ref in references:
            if ref.version == LATEST:
                row = repository.version(conn, ref.subject, LATEST, deleted=False)
                if row is None:
                    raise InvalidSchema(
                        f"Invalid schema: reference '{ref.name}' points to subject "
                        f"'{ref.subject}', which has no versions"
                    )
                ref = SchemaReference(name=ref.name, subject=ref.subject, version=row.version)
            pinned.append(ref)
        return tuple(pinned)

    def _parsed(self, conn: Connection, row: VersionRow) -> ParsedSchema:
        cached: ParsedSchema | None = self._parsed_cache.get(row.schema_id)
        if cached is None:
            refs = self._references(conn, row.schema_id)
            cached = format_for(row.schema_type).parse(
                row.schema, self._resolve_references(conn, refs)
            )
            self._parsed_cache.put(row.schema_id, cached)
        return cached


def _config_dict(config: SubjectConfig | None) -> dict[str, Any] | None:
    if config is None:
        return None
    return {
        "compatibility": config.compatibility.value,
        "normalize": config.normalize,
        "policy": config.policy.value,
    }
