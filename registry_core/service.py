"""The registry's use cases. Each runs in one transaction; every write appends an audit event.

``Registry`` is what the REST API, the CLI, Dagster and the dashboard all call.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, text

from registry_core import compatibility
from registry_core.errors import (
    IdMismatch,
    IncompatibleSchema,
    InvalidSchema,
    InvalidSubject,
    OperationNotPermitted,
    ReferenceExists,
    SchemaNotFound,
    SchemaTooLarge,
    SubjectConfigNotFound,
    SubjectModeNotFound,
    SubjectNotFound,
    SubjectNotSoftDeleted,
    SubjectSoftDeleted,
    VersionNotFound,
    VersionNotSoftDeleted,
    VersionSoftDeleted,
)
from registry_core.formats import ParsedSchema, ResolvedReference, fingerprint, format_for, guid_of
from registry_core.models import (
    FIRST_SEMVER,
    LATEST,
    CompatibilityLevel,
    CompatibilityPolicy,
    CompatibilityReport,
    FieldInfo,
    Mode,
    SchemaRecord,
    SchemaReference,
    SchemaType,
    SemVer,
    SemVerBump,
    SubjectConfig,
    SubjectVersion,
    parse_version,
)
from registry_core.storage import Database, repository
from registry_core.storage.database import upgrade
from registry_core.storage.repository import GLOBAL, VersionRow

__all__ = ["DEFAULT_MAX_SCHEMA_BYTES", "RegisterResult", "Registry"]

DEFAULT_MAX_SCHEMA_BYTES = 1024 * 1024
SYSTEM_ACTOR = "system"


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


class Registry:
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

    # --- lifecycle ---------------------------------------------------------------------

    def migrate(self) -> None:
        """Create or upgrade the tables (Alembic ``upgrade head``)."""
        upgrade(self.db)

    def close(self) -> None:
        self.db.dispose()

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
            nested = repository.references_of(conn, row.schema_id)
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
        references: Sequence[SchemaReference],
    ) -> ParsedSchema:
        if not isinstance(schema, str):
            raise InvalidSchema("Invalid schema: 'schema' must be a string holding the schema")
        if len(schema.encode("utf-8")) > self.max_schema_bytes:
            raise SchemaTooLarge(
                f"Schema too large: {len(schema.encode('utf-8'))} bytes, the limit is "
                f"{self.max_schema_bytes} bytes"
            )
        pinned = [
            r if r.version != LATEST else self._pin_latest(conn, r) for r in references
        ]
        return format_for(schema_type).parse(schema, self._resolve_references(conn, pinned))

    def _pin_latest(self, conn: Connection, ref: SchemaReference) -> SchemaReference:
        row = repository.version(conn, ref.subject, LATEST, deleted=False)
        if row is None:
            raise InvalidSchema(
                f"Invalid schema: reference '{ref.name}' points to subject '{ref.subject}', "
                "which has no versions"
            )
        return SchemaReference(name=ref.name, subject=ref.subject, version=row.version)

    def _parsed(self, conn: Connection, row: VersionRow) -> ParsedSchema:
        cached: ParsedSchema | None = self._parsed_cache.get(row.schema_id)
        if cached is None:
            refs = repository.references_of(conn, row.schema_id)
            cached = format_for(row.schema_type).parse(
                row.schema, self._resolve_references(conn, refs)
            )
            self._parsed_cache.put(row.schema_id, cached)
        return cached

    # --- reads ---------------------------------------------------------------------------

    def get_schema(self, schema_id: int) -> SchemaRecord:
        """The schema with this global id; cached, since ids never change meaning."""
        cached: SchemaRecord | None = self._schema_cache.get(schema_id)
        if cached is not None:
            return cached
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

    def _to_model(self, conn: Connection, row: VersionRow) -> SubjectVersion:
        return row.to_model(repository.references_of(conn, row.schema_id))

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
        kind = SchemaType.parse(schema_type) if not isinstance(schema_type, SchemaType) else schema_type

        def work(conn: Connection) -> SubjectVersion:
            if repository.subject_id(conn, subject) is None:
                raise SubjectNotFound(subject)
            parsed = self._parse_new(conn, schema, kind, references)
            candidates = {
                fingerprint(kind, parsed.canonical, references),
                fingerprint(kind, parsed.normalized, references),
            }
            rows = repository.versions(conn, subject, deleted=deleted)
            if not rows and not deleted:
                raise SubjectNotFound(subject)
            for row in reversed(rows):
                if row.fingerprint in candidates:
                    return self._to_model(conn, row)
            raise SchemaNotFound(f"Schema not found under subject '{subject}'")

        return self.db.read(work)

    # --- config and mode -----------------------------------------------------------------

    def _effective_config(self, conn: Connection, subject: str | None) -> SubjectConfig:
        if subject:
            found = repository.get_config(conn, subject)
            if found is not None:
                return found
        return repository.get_config(conn, GLOBAL) or SubjectConfig()

    def get_config(
        self, subject: str | None = None, *, default_to_global: bool = False
    ) -> SubjectConfig:
        def work(conn: Connection) -> SubjectConfig:
            if subject:
                found = repository.get_config(conn, subject)
                if found is not None:
                    return found
                if not default_to_global:
                    raise SubjectConfigNotFound(
                        f"Subject '{subject}' does not have subject-level compatibility "
                        "configured"
                    )
            return repository.get_config(conn, GLOBAL) or SubjectConfig()

        return self.db.read(work)

    def set_config(
        self,
        subject: str | None,
        *,
        compatibility: CompatibilityLevel | str | None = None,
        normalize: bool | None = None,
        policy: CompatibilityPolicy | str | None = None,
        actor: str = SYSTEM_ACTOR,
    ) -> SubjectConfig:
        """Set the compatibility level (and normalize, policy) globally or for one subject."""
        if subject:
            _check_subject(subject)
        level = CompatibilityLevel.parse(compatibility) if compatibility is not None else None
        chosen_policy = CompatibilityPolicy.parse(policy) if policy is not None else None
        scope = subject or GLOBAL

        def work(conn: Connection) -> SubjectConfig:
            before = repository.get_config(conn, scope)
            base = before or SubjectConfig()
            after = SubjectConfig(
                compatibility=level or base.compatibility,
                normalize=base.normalize if normalize is None else normalize,
                policy=chosen_policy or base.policy,
            )
            repository.put_config(conn, scope, after)
            repository.append_audit(
                conn,
                actor=actor,
                action="config.set",
                subject=subject,
                before=_config_dict(before),
                after=_config_dict(after),
            )
            return after

        return self.db.run(work)

    def delete_config(self, subject: str | None, *, actor: str = SYSTEM_ACTOR) -> SubjectConfig:
        """Remove a subject's config (or reset the global one); returns what was removed."""
        scope = subject or GLOBAL

        def work(conn: Connection) -> SubjectConfig:
            before = repository.get_config(conn, scope)
            if before is None:
                if subject:
                    if repository.subject_id(conn, subject) is None:
                        raise SubjectNotFound(subject)
                    raise SubjectConfigNotFound(
                        f"Subject '{subject}' does not have subject-level compatibility "
                        "configured"
                    )
                before = SubjectConfig()
            repository.delete_config(conn, scope)
            repository.append_audit(
                conn, actor=actor, action="config.deleted", subject=subject,
                before=_config_dict(before),
            )
            return before

        return self.db.run(work)

    def _effective_mode(self, conn: Connection, subject: str | None) -> Mode:
        if subject:
            found = repository.get_mode(conn, subject)
            if found is not None:
                return found
        return repository.get_mode(conn, GLOBAL) or Mode.READWRITE

    def get_mode(self, subject: str | None = None, *, default_to_global: bool = False) -> Mode:
        def work(conn: Connection) -> Mode:
            if subject:
                found = repository.get_mode(conn, subject)
                if found is not None:
                    return found
                if not default_to_global:
                    raise SubjectModeNotFound(f"Subject '{subject}' does not have a mode set")
            return repository.get_mode(conn, GLOBAL) or Mode.READWRITE

        return self.db.read(work)

    def set_mode(
        self,
        subject: str | None,
        mode: Mode | str,
        *,
        force: bool = False,
        actor: str = SYSTEM_ACTOR,
    ) -> Mode:
        """Set READWRITE, READONLY, READONLY_OVERRIDE or IMPORT globally or for one subject.

        IMPORT on a scope that already holds schemas needs ``force``, as in Confluent, because
        imported ids could collide with existing ones.
        """
        chosen = Mode.parse(mode)
        if subject:
            _check_subject(subject)
        scope = subject or GLOBAL

        def work(conn: Connection) -> Mode:
            if chosen is Mode.IMPORT and not force:
                occupied = (
                    bool(repository.versions(conn, subject, deleted=True))
                    if subject
                    else repository.any_versions(conn)
                )
                if occupied:
                    raise OperationNotPermitted(
                        f"Cannot import since found existing subjects in "
                        f"{'subject ' + repr(subject) if subject else 'the registry'}; "
                        "retry with force=true to import anyway"
                    )
            before = repository.get_mode(conn, scope)
            repository.put_mode(conn, scope, chosen)
            repository.append_audit(
                conn, actor=actor, action="mode.set", subject=subject,
                before=before.value if before else None, after=chosen.value,
            )
            return chosen

        return self.db.run(work)

    def delete_mode(self, subject: str | None, *, actor: str = SYSTEM_ACTOR) -> Mode:
        scope = subject or GLOBAL

        def work(conn: Connection) -> Mode:
            before = repository.get_mode(conn, scope)
            if before is None:
                if subject:
                    raise SubjectModeNotFound(f"Subject '{subject}' does not have a mode set")
                before = Mode.READWRITE
            repository.delete_mode(conn, scope)
            repository.append_audit(
                conn, actor=actor, action="mode.deleted", subject=subject, before=before.value
            )
            return before

        return self.db.run(work)

    # --- compatibility -------------------------------------------------------------------

    def check_compatibility(
        self,
        subject: str,
        schema: str,
        schema_type: SchemaType | str | None = SchemaType.AVRO,
        references: Sequence[SchemaReference] = (),
        *,
        version: int | str | None = None,
        level: CompatibilityLevel | str | None = None,
    ) -> CompatibilityReport:
        """Check a candidate schema against the subject without registering it.

        With ``version`` it is compared with that one version (as Confluent does, even for
        transitive levels); without, with every live version the level requires.
        """
        kind = SchemaType.parse(schema_type) if not isinstance(schema_type, SchemaType) else schema_type
        number = parse_version(version) if version is not None else None

        def work(conn: Connection) -> CompatibilityReport:
            config = self._effective_config(conn, subject)
            chosen = CompatibilityLevel.parse(level) if level is not None else config.compatibility
            parsed = self._parse_new(conn, schema, kind, references)
            rows = repository.versions(conn, subject, deleted=False)
            if number is not None:
                if number == LATEST and not rows:
                    return compatibility.check_against(parsed, [], chosen, config.policy)
                row = repository.version(conn, subject, number, deleted=False)
                if row is None:
                    if not rows:
                        raise SubjectNotFound(subject)
                    raise VersionNotFound(subject, version if version is not None else "")
                rows = [row]
                if chosen.transitive:
                    chosen = CompatibilityLevel(chosen.value.removesuffix("_TRANSITIVE"))
            existing = [(r.version, self._parsed(conn, r)) for r in rows]
            report = compatibility.check_against(parsed, existing, chosen, config.policy)
            if rows and report.is_compatible:
                bump = compatibility.semver_bump(
                    self._parsed(conn, rows[-1]), parsed, chosen, config.policy
                )
                return _with_bump(report, bump)
            if rows:
                return _with_bump(report, SemVerBump.MAJOR)
            return report

        return self.db.read(work)

    # --- writes --------------------------------------------------------------------------

    def register(
        self,
        subject: str,
        schema: str,
        schema_type: SchemaType | str | None = SchemaType.AVRO,
        references: Sequence[SchemaReference] = (),
        *,
        normalize: bool | None = None,
        schema_id: int | None = None,
        version: int | None = None,
        force: bool = False,
        actor: str = SYSTEM_ACTOR,
    ) -> RegisterResult:
        """Register ``schema`` under ``subject`` and return its global id and version.

        An identical schema already live in the subject returns the existing version before any
        compatibility check; otherwise the subject's compatibility level is enforced (except in
        IMPORT mode or with ``force``). ``schema_id`` and ``version`` are for IMPORT mode only.
        """
        _check_subject(subject)
        kind = SchemaType.parse(schema_type) if not isinstance(schema_type, SchemaType) else schema_type
        if version is not None and version != LATEST and not 1 <= version <= 2**31 - 1:
            parse_version(version)
        return self.db.run(
            lambda conn: self._register(
                conn, subject, schema, kind, tuple(references), normalize, schema_id,
                version, force, actor,
            )
        )

    def _register(
        self,
        conn: Connection,
        subject: str,
        schema: str,
        kind: SchemaType,
        references: tuple[SchemaReference, ...],
        normalize: bool | None,
        schema_id: int | None,
        version: int | None,
        force: bool,
        actor: str,
    ) -> RegisterResult:
        mode = self._effective_mode(conn, subject)
        if not mode.writable:
            raise OperationNotPermitted(f"Subject '{subject}' is in read-only mode ({mode.value})")
        importing = mode is Mode.IMPORT
        if schema_id is not None and not importing:
            raise OperationNotPermitted(
                "Schema ids can only be specified in IMPORT mode; set the mode of the subject "
                "or the registry to IMPORT first"
            )
        config = self._effective_config(conn, subject)
        use_normalized = config.normalize if normalize is None else normalize
        parsed = self._parse_new(conn, schema, kind, references)
        stored = parsed.text(normalize=use_normalized)
        pinned = tuple(
            r if r.version != LATEST else self._pin_latest(conn, r) for r in references
        )
        fp = fingerprint(kind, stored, pinned)

        subject_id = repository.lock_subject(conn, subject)
        live = repository.versions(conn, subject, deleted=False)
        for row in live:
            if row.fingerprint == fp and (schema_id is None or row.schema_id == schema_id):
                if version in (None, LATEST, row.version):
                    return RegisterResult(version=self._to_model(conn, row), created=False)
        if version == LATEST and live and live[-1].fingerprint == fp:
            return RegisterResult(version=self._to_model(conn, live[-1]), created=False)

        existing_id = repository.schema_id_by_fingerprint(conn, fp)
        if schema_id is not None:
            if existing_id is not None and existing_id != schema_id:
                raise IdMismatch(
                    f"Schema already registered with id {existing_id} instead of input id "
                    f"{schema_id}"
                )
            taken = repository.schema_by_id(conn, schema_id)
            if taken is not None and existing_id is None:
                raise IdMismatch(
                    f"Overwrite new schema with id {schema_id} is not permitted: the id is "
                    "taken by a different schema"
                )

        bump = None
        semver = FIRST_SEMVER
        if live:
            previous = self._parsed(conn, live[-1])
            if not (importing or force):
                report = compatibility.check_against(
                    parsed, [(r.version, self._parsed(conn, r)) for r in live],
                    config.compatibility, config.policy,
                )
                if not report.is_compatible:
                    raise IncompatibleSchema(
                        f"Schema being registered is incompatible with an earlier schema for "
                        f"subject '{subject}' ({config.compatibility.value}): "
                        + "; ".join(report.messages),
                        list(report.messages),
                    )
            bump = compatibility.semver_bump(previous, parsed, config.compatibility, config.policy)
            semver = SemVer.parse(live[-1].semver).bump(bump)
        new_id = repository.insert_schema(
            conn,
            fingerprint=fp,
            guid=guid_of(fp),
            schema_type=kind,
            schema=stored,
            references=pinned,
            schema_id=schema_id,
        )
        number = version if version not in (None, LATEST) else None
        if number is not None:
            if repository.version(conn, subject, number, deleted=True) is not None:
                raise OperationNotPermitted(
                    f"Version {number} of subject '{subject}' already exists"
                )
        else:
            number = repository.max_version(conn, subject_id) + 1
        repository.insert_version(
            conn, subject_id_=subject_id, version_=number, schema_id=new_id, semver=str(semver)
        )
        repository.append_audit(
            conn,
            actor=actor,
            action="schema.registered",
            subject=subject,
            version=number,
            schema_id=new_id,
            after={"schema_type": kind.value, "semver": str(semver), "fingerprint": fp},
        )
        row = repository.version(conn, subject, number, deleted=False)
        assert row is not None
        return RegisterResult(
            version=self._to_model(conn, row),
            created=True,
            semver_bump=bump.value if bump else None,
        )

    def _refuse_if_referenced(self, conn: Connection, subject: str, numbers: Sequence[int]) -> None:
        for number in numbers:
            users = repository.referrers(conn, subject, number)
            if users:
                raise ReferenceExists(
                    f"One or more references exist to the schema {{subject={subject}, "
                    f"version={number}}}: schema ids {users}"
                )

    def delete_subject(
        self, subject: str, *, permanent: bool = False, actor: str = SYSTEM_ACTOR
    ) -> list[int]:
        """Soft-delete every version (or, with ``permanent``, remove soft-deleted ones)."""

        def work(conn: Connection) -> list[int]:
            subject_id = repository.subject_id(conn, subject)
            rows = repository.versions(conn, subject, deleted=True) if subject_id else []
            if subject_id is None or not rows:
                raise SubjectNotFound(subject)
            live = [r.version for r in rows if not r.deleted]
            if permanent:
                if live:
                    raise SubjectNotSoftDeleted(
                        f"Subject '{subject}' was not deleted first before being permanently "
                        "deleted"
                    )
                numbers = [r.version for r in rows]
                self._refuse_if_referenced(conn, subject, numbers)
                repository.remove_versions(conn, subject_id, numbers)
                repository.remove_subject_if_empty(conn, subject_id, subject)
                action = "subject.deleted_permanently"
            else:
                if not live:
                    raise SubjectSoftDeleted(f"Subject '{subject}' was soft deleted")
                numbers = live
                self._refuse_if_referenced(conn, subject, numbers)
                repository.mark_deleted(conn, subject_id, numbers)
                action = "subject.deleted"
            repository.append_audit(
                conn, actor=actor, action=action, subject=subject, before={"versions": numbers}
            )
            return numbers

        return self.db.run(work)

    def delete_version(
        self,
        subject: str,
        version: int | str,
        *,
        permanent: bool = False,
        actor: str = SYSTEM_ACTOR,
    ) -> int:
        """Soft-delete one version (or, with ``permanent``, remove a soft-deleted one)."""
        number = parse_version(version)

        def work(conn: Connection) -> int:
            subject_id = repository.subject_id(conn, subject)
            if subject_id is None or not repository.versions(conn, subject, deleted=True):
                raise SubjectNotFound(subject)
            row = repository.version(conn, subject, number, deleted=permanent or number != LATEST)
            if row is None:
                raise VersionNotFound(subject, version)
            if permanent:
                if not row.deleted:
                    raise VersionNotSoftDeleted(
                        f"Subject '{subject}' Version {row.version} was not deleted first before "
                        "being permanently deleted"
                    )
                self._refuse_if_referenced(conn, subject, [row.version])
                repository.remove_versions(conn, subject_id, [row.version])
                repository.remove_subject_if_empty(conn, subject_id, subject)
                action = "version.deleted_permanently"
            else:
                if row.deleted:
                    raise VersionSoftDeleted(
                        f"Subject '{subject}' Version {row.version} was soft deleted. Set "
                        "permanent=true to delete permanently"
                    )
                self._refuse_if_referenced(conn, subject, [row.version])
                repository.mark_deleted(conn, subject_id, [row.version])
                action = "version.deleted"
            repository.append_audit(
                conn, actor=actor, action=action, subject=subject, version=row.version,
                schema_id=row.schema_id,
            )
            return row.version

        return self.db.run(work)

    # --- audit ---------------------------------------------------------------------------

    def audit_events(
        self,
        *,
        subject: str | None = None,
        actor: str | None = None,
        action: str | None = None,
        since: datetime | None = None,
        limit: int = 1000,
    ) -> list[dict[str, Any]]:
        """The audit trail, oldest first, filtered by subject, actor, action and time."""
        return self.db.read(
            lambda conn: repository.audit_events(
                conn, subject=subject, actor=actor, action=action, since=since, limit=limit
            )
        )

    def ping(self) -> bool:
        """Whether the database answers (for ``/health``)."""
        return bool(self.db.read(lambda conn: conn.execute(text("SELECT 1")).scalar()))


def _config_dict(config: SubjectConfig | None) -> dict[str, Any] | None:
    if config is None:
        return None
    return {
        "compatibility": config.compatibility.value,
        "normalize": config.normalize,
        "policy": config.policy.value,
    }


def _with_bump(report: CompatibilityReport, bump: SemVerBump) -> CompatibilityReport:
    return replace(report, semver_bump=bump)

