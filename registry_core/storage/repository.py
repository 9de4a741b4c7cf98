"""The queries the service runs, one function each, on a connection inside its transaction."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Connection, Table, and_, delete, func, insert, select, text, update
from sqlalchemy.dialects import postgresql, sqlite

from registry_core.models import (
    CompatibilityLevel,
    CompatibilityPolicy,
    Mode,
    SchemaRecord,
    SchemaReference,
    SchemaType,
    SemVer,
    SubjectConfig,
    SubjectVersion,
)
from registry_core.storage.tables import (
    AuditEventRow,
    ConfigRow,
    ModeRow,
    SchemaReferenceRow,
    SchemaRow,
    SubjectRow,
    SubjectVersionRow,
    utcnow,
)

GLOBAL = ""  # the scope of global config and mode rows

S = cast(Table, SchemaRow.__table__)
R = cast(Table, SchemaReferenceRow.__table__)
SJ = cast(Table, SubjectRow.__table__)
SV = cast(Table, SubjectVersionRow.__table__)
CF = cast(Table, ConfigRow.__table__)
MD = cast(Table, ModeRow.__table__)
AU = cast(Table, AuditEventRow.__table__)


@dataclass(frozen=True, kw_only=True, slots=True)
class VersionRow:
    """A subject version joined with its schema, as stored."""

    subject: str
    version: int
    schema_id: int
    fingerprint: str
    guid: str
    schema_type: SchemaType
    schema: str
    semver: str
    deleted: bool
    created_at: datetime | None
    state: str = "ACTIVE"

    def to_model(self, references: Sequence[SchemaReference]) -> SubjectVersion:
        return SubjectVersion(
            subject=self.subject,
            version=self.version,
            schema_id=self.schema_id,
            guid=self.guid,
            schema_type=self.schema_type,
            schema=self.schema,
            references=tuple(references),
            semver=SemVer.parse(self.semver),
            deleted=self.deleted,
            created_at=self.created_at,
            state=self.state,
        )


_VERSION_COLUMNS = (
    SJ.c.name,
    SV.c.version,
    SV.c.schema_id,
    S.c.fingerprint,
    S.c.guid,
    S.c.schema_type,
    S.c.schema_text,
    SV.c.semver,
    SV.c.deleted,
    SV.c.created_at,
    SV.c.state,
)


def _version_row(row: Any) -> VersionRow:
    return VersionRow(
        subject=row[0],
        version=row[1],
        schema_id=row[2],
        fingerprint=row[3],
        guid=row[4],
        schema_type=SchemaType(row[5]),
        schema=row[6],
        semver=row[7],
        deleted=bool(row[8]),
        created_at=row[9],
        state=row[10],
    )


def _versions_query() -> Any:
    return select(*_VERSION_COLUMNS).select_from(
        SV.join(SJ, SJ.c.id == SV.c.subject_id).join(S, S.c.id == SV.c.schema_id)
    )


def _insert_ignoring_conflict(
    conn: Connection, table: Any, values: dict[str, Any], key: str
) -> None:
    dialect = conn.dialect.name
    if dialect == "postgresql":
        stmt: Any = (
            postgresql.insert(table).values(**values).on_conflict_do_nothing(index_elements=[key])
        )
    elif dialect == "sqlite":
        stmt = sqlite.insert(table).values(**values).on_conflict_do_nothing(index_elements=[key])
    else:  # pragma: no cover - only the two supported databases
        stmt = insert(table).values(**values)
    conn.execute(stmt)


# --- schemas -------------------------------------------------------------------------------


def schema_by_id(conn: Connection, schema_id: int) -> SchemaRecord | None:
    row = conn.execute(
        select(S.c.id, S.c.guid, S.c.schema_type, S.c.schema_text).where(S.c.id == schema_id)
    ).first()
    if row is None:
        return None
    return SchemaRecord(
        id=row[0],
        guid=row[1],
        schema_type=SchemaType(row[2]),
        schema=row[3],
        references=tuple(references_of(conn, row[0])),
    )


def schema_by_guid(conn: Connection, guid: str) -> int | None:
    return conn.execute(select(S.c.id).where(S.c.guid == guid)).scalar()


def schema_id_by_fingerprint(conn: Connection, fingerprint: str) -> int | None:
    return conn.execute(select(S.c.id).where(S.c.fingerprint == fingerprint)).scalar()


def references_of(conn: Connection, schema_id: int) -> list[SchemaReference]:
    rows = conn.execute(
        select(R.c.name, R.c.subject, R.c.version)
        .where(R.c.schema_id == schema_id)
        .order_by(R.c.position)
    )
    return [SchemaReference(name=r[0], subject=r[1], version=r[2]) for r in rows]


def insert_schema(
    conn: Connection,
    *,
    fingerprint: str,
    guid: str,
    schema_type: SchemaType,
    schema: str,
    references: Sequence[SchemaReference],
    schema_id: int | None = None,
) -> int:
    """Insert a schema unless its fingerprint exists; return its id either way."""
    values: dict[str, Any] = {
        "fingerprint": fingerprint,
        "guid": guid,
        "schema_type": schema_type.value,
        "schema_text": schema,
        "created_at": utcnow(),
    }
    if schema_id is not None:
        values["id"] = schema_id
    _insert_ignoring_conflict(conn, S, values, "fingerprint")
    new_id = schema_id_by_fingerprint(conn, fingerprint)
    assert new_id is not None
    if (
        references
        and not conn.execute(select(R.c.schema_id).where(R.c.schema_id == new_id)).first()
    ):
        conn.execute(
            insert(R),
            [
                {
                    "schema_id": new_id,
                    "position": i,
                    "name": r.name,
                    "subject": r.subject,
                    "version": r.version,
                }
                for i, r in enumerate(references)
            ],
        )
    if schema_id is not None and conn.dialect.name == "postgresql":
        # explicit ids (IMPORT mode) must not be handed out again by the identity sequence
        conn.execute(
            text(
                "SELECT setval(pg_get_serial_sequence('schemas', 'id'), "
                "GREATEST((SELECT max(id) FROM schemas), 1))"
            )
        )
    return new_id


def subjects_of_schema(conn: Connection, schema_id: int, *, deleted: bool) -> list[tuple[str, int]]:
    query = (
        select(SJ.c.name, SV.c.version)
        .select_from(SV.join(SJ, SJ.c.id == SV.c.subject_id))
        .where(SV.c.schema_id == schema_id)
        .order_by(SJ.c.name, SV.c.version)
    )
    if not deleted:
        query = query.where(SV.c.deleted.is_(False))
    return [(r[0], r[1]) for r in conn.execute(query)]


# --- subjects and versions -----------------------------------------------------------------


def lock_subject(conn: Connection, subject: str) -> int:
    """Create the subject row if needed and lock it for this transaction; return its id."""
    _insert_ignoring_conflict(conn, SJ, {"name": subject, "created_at": utcnow()}, "name")
    subject_id = conn.execute(
        select(SJ.c.id).where(SJ.c.name == subject).with_for_update()
    ).scalar()
    assert subject_id is not None
    return int(subject_id)


def subject_id(conn: Connection, subject: str) -> int | None:
    return conn.execute(select(SJ.c.id).where(SJ.c.name == subject)).scalar()


def versions(conn: Connection, subject: str, *, deleted: bool = False) -> list[VersionRow]:
    """The subject's versions, oldest first; soft-deleted ones only when ``deleted``."""
    query = _versions_query().where(SJ.c.name == subject).order_by(SV.c.version)
    if not deleted:
        query = query.where(SV.c.deleted.is_(False))
    return [_version_row(r) for r in conn.execute(query)]


# The version lookup is the hottest query (``GET /subjects/{s}/versions/latest``): it runs as
# prepared driver SQL, skipping SQLAlchemy's statement building and cache-key work (about two
# thirds of its cost when built per call).
_VERSION_SQL = """
SELECT sj.name, sv.version, sv.schema_id, s.fingerprint, s.guid, s.schema_type, s.schema_text,
       sv.semver, sv.deleted, sv.created_at, sv.state
FROM subject_versions sv
JOIN subjects sj ON sj.id = sv.subject_id
JOIN schemas s ON s.id = sv.schema_id
WHERE sj.name = :subject {version_filter} {live_filter}
ORDER BY sv.version DESC
LIMIT 1
"""
_PYFORMAT = re.compile(r":(\w+)")
_version_sql_cache: dict[tuple[str, bool, bool], str] = {}


def _version_sql(dialect: str, latest: bool, deleted: bool) -> str:
    key = (dialect, latest, deleted)
    sql = _version_sql_cache.get(key)
    if sql is None:
        sql = _VERSION_SQL.format(
            # an archived version leaves latest but stays readable by number and by id
            version_filter="AND sv.state <> 'ARCHIVED'" if latest else "AND sv.version = :number",
            live_filter="" if deleted else "AND sv.deleted = false",
        )
        if dialect == "postgresql":  # psycopg takes %(name)s, sqlite3 takes :name
            sql = _PYFORMAT.sub(r"%(\1)s", sql)
        _version_sql_cache[key] = sql
    return sql


def version(conn: Connection, subject: str, number: int, *, deleted: bool) -> VersionRow | None:
    """One version, or the latest (``number == -1``) live one (or any, with ``deleted``)."""
    latest = number == -1
    sql = _version_sql(conn.dialect.name, latest, deleted)
    params: dict[str, Any] = (
        {"subject": subject} if latest else {"subject": subject, "number": number}
    )
    row = conn.exec_driver_sql(sql, params).first()
    if row is None:
        return None
    found = _version_row(row)
    if isinstance(found.created_at, str):  # raw SQLite rows carry ISO text
        found = replace(found, created_at=datetime.fromisoformat(found.created_at))
    return found


def set_version_state(conn: Connection, subject_id_: int, number: int, state: str) -> None:
    conn.execute(
        update(SV).where(SV.c.subject_id == subject_id_, SV.c.version == number).values(state=state)
    )


def max_version(conn: Connection, subject_id_: int) -> int:
    value = conn.execute(
        select(func.max(SV.c.version)).where(SV.c.subject_id == subject_id_)
    ).scalar()
    return int(value or 0)


def insert_version(
    conn: Connection, *, subject_id_: int, version_: int, schema_id: int, semver: str
) -> datetime:
    """Insert a live version; return its creation time."""
    created_at = utcnow()
    conn.execute(
        insert(SV).values(
            subject_id=subject_id_,
            version=version_,
            schema_id=schema_id,
            semver=semver,
            deleted=False,
            created_at=created_at,
        )
    )
    return created_at


def mark_deleted(conn: Connection, subject_id_: int, numbers: Sequence[int]) -> None:
    conn.execute(
        update(SV)
        .where(and_(SV.c.subject_id == subject_id_, SV.c.version.in_(list(numbers))))
        .values(deleted=True)
    )


def remove_versions(conn: Connection, subject_id_: int, numbers: Sequence[int]) -> None:
    conn.execute(
        delete(SV).where(and_(SV.c.subject_id == subject_id_, SV.c.version.in_(list(numbers))))
    )


def remove_subject_if_empty(conn: Connection, subject_id_: int, name: str) -> None:
    left = conn.execute(select(func.count()).where(SV.c.subject_id == subject_id_)).scalar()
    if not left:
        conn.execute(delete(SJ).where(SJ.c.id == subject_id_))
        conn.execute(delete(CF).where(CF.c.scope == name))
        conn.execute(delete(MD).where(MD.c.scope == name))


def subject_names(
    conn: Connection, *, prefix: str | None, deleted: bool, deleted_only: bool
) -> list[str]:
    live = func.sum(func.cast(SV.c.deleted.is_(False), type_=SV.c.version.type))
    query = (
        select(SJ.c.name, live.label("live"))
        .select_from(SJ.join(SV, SV.c.subject_id == SJ.c.id))
        .group_by(SJ.c.name)
        .order_by(SJ.c.name)
    )
    if prefix:
        query = query.where(SJ.c.name.startswith(prefix, autoescape=True))
    names: list[str] = []
    for row in conn.execute(query):
        name, has_live = str(row[0]), bool(row[1])
        if deleted_only:
            if not has_live:
                names.append(name)
        elif has_live or deleted:
            names.append(name)
    return names


def all_versions(conn: Connection, *, prefix: str | None, deleted: bool) -> list[VersionRow]:
    query = _versions_query().order_by(SJ.c.name, SV.c.version)
    if prefix:
        query = query.where(SJ.c.name.startswith(prefix, autoescape=True))
    if not deleted:
        query = query.where(SV.c.deleted.is_(False))
    return [_version_row(r) for r in conn.execute(query)]


def referrers(conn: Connection, subject: str, number: int) -> list[int]:
    """Ids of schemas that reference ``subject`` version ``number`` and are still registered."""
    query = (
        select(R.c.schema_id)
        .distinct()
        .where(and_(R.c.subject == subject, R.c.version == number))
        .where(
            select(SV.c.id)
            .where(and_(SV.c.schema_id == R.c.schema_id, SV.c.deleted.is_(False)))
            .exists()
        )
        .order_by(R.c.schema_id)
    )
    return [r[0] for r in conn.execute(query)]


# --- config and mode -----------------------------------------------------------------------


def effective_config(
    conn: Connection, subject: str | None, *, policy_level: CompatibilityLevel | None = None
) -> SubjectConfig:
    """The subject's config, else the global one, else the default: one query.

    ``policy_level`` (a subject policy's level) wins over the global level, not over the
    subject's own config.
    """
    scopes = [subject, GLOBAL] if subject else [GLOBAL]
    rows = {
        row[0]: row[1:]
        for row in conn.execute(
            select(CF.c.scope, CF.c.compatibility, CF.c.normalize, CF.c.policy).where(
                CF.c.scope.in_(scopes)
            )
        )
    }
    own = rows.get(subject) if subject else None
    row = own or rows.get(GLOBAL)
    config = SubjectConfig()
    if row is not None:
        config = SubjectConfig(
            compatibility=CompatibilityLevel(row[0] or CompatibilityLevel.BACKWARD.value),
            normalize=bool(row[1]),
            policy=CompatibilityPolicy(row[2] or CompatibilityPolicy.DEFAULT.value),
        )
    if policy_level is not None and (own is None or own[0] is None):
        config = replace(config, compatibility=policy_level)
    return config


def effective_mode(conn: Connection, subject: str | None) -> Mode:
    """The subject's mode, else the global one, else READWRITE: one query."""
    scopes = [subject, GLOBAL] if subject else [GLOBAL]
    query = select(MD.c.scope, MD.c.mode).where(MD.c.scope.in_(scopes))
    rows: dict[str, str] = {str(r[0]): str(r[1]) for r in conn.execute(query)}
    value = rows.get(subject or GLOBAL) or rows.get(GLOBAL)
    return Mode(value) if value else Mode.READWRITE


def get_config(conn: Connection, scope: str) -> SubjectConfig | None:
    row = conn.execute(
        select(CF.c.compatibility, CF.c.normalize, CF.c.policy).where(CF.c.scope == scope)
    ).first()
    if row is None:
        return None
    return SubjectConfig(
        compatibility=CompatibilityLevel(row[0] or CompatibilityLevel.BACKWARD.value),
        normalize=bool(row[1]),
        policy=CompatibilityPolicy(row[2] or CompatibilityPolicy.DEFAULT.value),
    )


def put_config(conn: Connection, scope: str, config: SubjectConfig) -> None:
    conn.execute(delete(CF).where(CF.c.scope == scope))
    conn.execute(
        insert(CF).values(
            scope=scope,
            compatibility=config.compatibility.value,
            normalize=config.normalize,
            policy=config.policy.value,
            updated_at=utcnow(),
        )
    )


def delete_config(conn: Connection, scope: str) -> None:
    conn.execute(delete(CF).where(CF.c.scope == scope))


def get_mode(conn: Connection, scope: str) -> Mode | None:
    value = conn.execute(select(MD.c.mode).where(MD.c.scope == scope)).scalar()
    return Mode(value) if value else None


def put_mode(conn: Connection, scope: str, mode: Mode) -> None:
    conn.execute(delete(MD).where(MD.c.scope == scope))
    conn.execute(insert(MD).values(scope=scope, mode=mode.value, updated_at=utcnow()))


def delete_mode(conn: Connection, scope: str) -> None:
    conn.execute(delete(MD).where(MD.c.scope == scope))


def any_versions(conn: Connection) -> bool:
    return conn.execute(select(SV.c.id).limit(1)).first() is not None


# --- audit ---------------------------------------------------------------------------------


def append_audit(
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
    """Append one audit event; there is deliberately no function to change or remove one."""
    conn.execute(
        insert(AU).values(
            at=utcnow(),
            actor=actor,
            action=action,
            subject=subject,
            version=version,
            schema_id=schema_id,
            before=None if before is None else json.dumps(before, sort_keys=True),
            after=None if after is None else json.dumps(after, sort_keys=True),
        )
    )


def audit_events(
    conn: Connection,
    *,
    subject: str | None = None,
    actor: str | None = None,
    action: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    after_id: int = 0,
    limit: int = 1000,
) -> list[dict[str, Any]]:
    """Audit events oldest first; ``action`` ending in '.' or '*' matches a prefix."""
    query = select(AU).where(AU.c.id > after_id).order_by(AU.c.id)
    if subject is not None:
        query = query.where(AU.c.subject == subject)
    if actor is not None:
        query = query.where(AU.c.actor == actor)
    if action is not None:
        if action.endswith(("*", ".")):
            query = query.where(AU.c.action.startswith(action.rstrip("*"), autoescape=True))
        else:
            query = query.where(AU.c.action == action)
    if since is not None:
        query = query.where(AU.c.at >= since)
    if until is not None:
        query = query.where(AU.c.at < until)
    rows = conn.execute(query.limit(limit)).mappings()
    out = []
    for row in rows:
        event = dict(row)
        for key in ("before", "after"):
            event[key] = json.loads(event[key]) if event[key] else None
        if isinstance(event["at"], datetime) and event["at"].tzinfo is None:
            event["at"] = event["at"].replace(tzinfo=UTC)
        out.append(event)
    return out
