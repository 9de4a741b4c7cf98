"""Queries of governance: policies, proposals, users and keys, the event outbox and deliveries.

Like ``repository``, each function runs on a connection inside the caller's transaction.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from sqlalchemy import Connection, Table, and_, delete, func, insert, or_, select, update

from registry_core.lifecycle import LifecycleState, Policy, Proposal, Role, User
from registry_core.models import CompatibilityLevel
from registry_core.storage.tables import (
    ApiKeyRow,
    DeliveryRow,
    DriftReportRow,
    EventSinkRow,
    OutboxEventRow,
    PolicyRow,
    ProposalRow,
    UserRow,
    utcnow,
)

PO = cast(Table, PolicyRow.__table__)
PR = cast(Table, ProposalRow.__table__)
US = cast(Table, UserRow.__table__)
AK = cast(Table, ApiKeyRow.__table__)
EV = cast(Table, OutboxEventRow.__table__)
SK = cast(Table, EventSinkRow.__table__)
DL = cast(Table, DeliveryRow.__table__)


def _aware(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; everything we store is UTC."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


# --- policies ----------------------------------------------------------------------------------


def _policy(row: Any) -> Policy:
    return Policy(
        scope=row.scope,
        is_prefix=bool(row.is_prefix),
        review_required=bool(row.review_required),
        owners=tuple(json.loads(row.owners)),
        reviewers=tuple(json.loads(row.reviewers)),
        compatibility=CompatibilityLevel(row.compatibility) if row.compatibility else None,
        major_line=bool(row.major_line),
        updated_at=_aware(row.updated_at),
        updated_by=row.updated_by,
    )


def policies(conn: Connection) -> list[Policy]:
    rows = conn.execute(select(PO).order_by(PO.c.is_prefix, PO.c.scope))
    return [_policy(r) for r in rows]


def policy(conn: Connection, scope: str, is_prefix: bool) -> Policy | None:
    row = conn.execute(select(PO).where(PO.c.scope == scope, PO.c.is_prefix.is_(is_prefix))).first()
    return _policy(row) if row is not None else None


def upsert_policy(conn: Connection, value: Policy, actor: str) -> None:
    values = {
        "review_required": value.review_required,
        "owners": json.dumps(list(value.owners)),
        "reviewers": json.dumps(list(value.reviewers)),
        "compatibility": value.compatibility.value if value.compatibility else None,
        "major_line": value.major_line,
        "updated_at": utcnow(),
        "updated_by": actor,
    }
    where = and_(PO.c.scope == value.scope, PO.c.is_prefix.is_(value.is_prefix))
    if conn.execute(update(PO).where(where).values(**values)).rowcount == 0:
        conn.execute(insert(PO).values(scope=value.scope, is_prefix=value.is_prefix, **values))


def delete_policy(conn: Connection, scope: str, is_prefix: bool) -> bool:
    where = and_(PO.c.scope == scope, PO.c.is_prefix.is_(is_prefix))
    return bool(conn.execute(delete(PO).where(where)).rowcount)


# --- users and API keys ------------------------------------------------------------------------


def _user(row: Any) -> User:
    return User(
        name=row.name,
        role=Role(row.role),
        disabled=bool(row.disabled),
        created_at=_aware(row.created_at),
    )


def user_count(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(US)).scalar() or 0)


def users(conn: Connection) -> list[User]:
    return [_user(r) for r in conn.execute(select(US).order_by(US.c.name))]


def user(conn: Connection, name: str) -> tuple[int, User] | None:
    row = conn.execute(select(US).where(US.c.name == name)).first()
    return (int(row.id), _user(row)) if row is not None else None


def insert_user(conn: Connection, name: str, role: Role, created_by: str) -> int:
    result = conn.execute(
        insert(US)
        .values(
            name=name, role=role.value, disabled=False, created_at=utcnow(), created_by=created_by
        )
        .returning(US.c.id)
    )
    return int(result.scalar_one())


def update_user(
    conn: Connection, user_id: int, *, role: Role | None = None, disabled: bool | None = None
) -> None:
    values: dict[str, Any] = {}
    if role is not None:
        values["role"] = role.value
    if disabled is not None:
        values["disabled"] = disabled
    if values:
        conn.execute(update(US).where(US.c.id == user_id).values(**values))


def insert_key(conn: Connection, user_id: int, key_id: str, key_hash: str) -> None:
    conn.execute(
        insert(AK).values(key_id=key_id, user_id=user_id, key_hash=key_hash, created_at=utcnow())
    )


def revoke_keys(conn: Connection, user_id: int) -> int:
    return int(
        conn.execute(
            update(AK)
            .where(AK.c.user_id == user_id, AK.c.revoked_at.is_(None))
            .values(revoked_at=utcnow())
        ).rowcount
    )


def key(conn: Connection, key_id: str) -> tuple[str, User] | None:
    """The hash of an active key and its user, or None if the key is unknown or revoked."""
    row = conn.execute(
        select(AK.c.key_hash, US)
        .join(US, US.c.id == AK.c.user_id)
        .where(AK.c.key_id == key_id, AK.c.revoked_at.is_(None))
    ).first()
    return (row.key_hash, _user(row)) if row is not None else None


# --- proposals ---------------------------------------------------------------------------------


def _proposal(row: Any) -> Proposal:
    return Proposal(
        id=int(row.id),
        subject=row.subject,
        schema_type=row.schema_type,
        schema=row.schema_text,
        references=tuple(json.loads(row.references)),
        author=row.author,
        note=row.note,
        state=LifecycleState(row.state),
        created_at=cast(datetime, _aware(row.created_at)),
        base_version=row.base_version,
        report=json.loads(row.report),
        decided_by=row.decided_by,
        decided_at=_aware(row.decided_at),
        comment=row.comment,
        version=row.version,
        schema_id=row.schema_id,
    )


def insert_proposal(
    conn: Connection,
    *,
    subject: str,
    schema_type: str,
    schema: str,
    references: Sequence[dict[str, Any]],
    fingerprint: str,
    author: str,
    note: str | None,
    state: LifecycleState,
    base_version: int | None,
    report: dict[str, Any],
) -> int:
    result = conn.execute(
        insert(PR)
        .values(
            subject=subject,
            schema_type=schema_type,
            schema_text=schema,
            references=json.dumps(list(references)),
            fingerprint=fingerprint,
            author=author,
            note=note,
            state=state.value,
            created_at=utcnow(),
            base_version=base_version,
            report=json.dumps(report, sort_keys=True),
        )
        .returning(PR.c.id)
    )
    return int(result.scalar_one())


def proposal(conn: Connection, proposal_id: int, *, lock: bool = False) -> Proposal | None:
    query = select(PR).where(PR.c.id == proposal_id)
    if lock:
        query = query.with_for_update()
    row = conn.execute(query).first()
    return _proposal(row) if row is not None else None


def proposals(
    conn: Connection,
    *,
    states: Sequence[LifecycleState] = (),
    subject: str | None = None,
    author: str | None = None,
    limit: int = 500,
) -> list[Proposal]:
    query = select(PR).order_by(PR.c.id.desc()).limit(limit)
    if states:
        query = query.where(PR.c.state.in_([s.value for s in states]))
    if subject is not None:
        query = query.where(PR.c.subject == subject)
    if author is not None:
        query = query.where(PR.c.author == author)
    return [_proposal(r) for r in conn.execute(query)]


def open_proposal(conn: Connection, subject: str, fingerprint: str) -> Proposal | None:
    """A DRAFT or IN_REVIEW proposal of this very schema for this subject, if any."""
    row = conn.execute(
        select(PR)
        .where(
            PR.c.subject == subject,
            PR.c.fingerprint == fingerprint,
            PR.c.state.in_([LifecycleState.DRAFT.value, LifecycleState.IN_REVIEW.value]),
        )
        .order_by(PR.c.id)
        .limit(1)
    ).first()
    return _proposal(row) if row is not None else None


def update_proposal(conn: Connection, proposal_id: int, **values: Any) -> None:
    if "state" in values:
        values["state"] = LifecycleState(values["state"]).value
    if "report" in values:
        values["report"] = json.dumps(values["report"], sort_keys=True)
    conn.execute(update(PR).where(PR.c.id == proposal_id).values(**values))


# --- the outbox --------------------------------------------------------------------------------


def append_event(conn: Connection, type_: str, subject: str | None, data: dict[str, Any]) -> str:
    """Write one change event into the outbox (in the caller's transaction); return its id."""
    event_id = str(uuid.uuid4())
    conn.execute(
        insert(EV).values(
            event_id=event_id,
            type=type_,
            subject=subject,
            data=json.dumps(data, sort_keys=True, default=str),
            created_at=utcnow(),
        )
    )
    return event_id


def events(
    conn: Connection, *, after: int = 0, type_: str | None = None, limit: int = 500
) -> list[dict[str, Any]]:
    query = select(EV).where(EV.c.id > after).order_by(EV.c.id).limit(limit)
    if type_ is not None:
        query = query.where(EV.c.type == type_)
    return [_event(r) for r in conn.execute(query)]


def _event(row: Any) -> dict[str, Any]:
    return {
        "seq": int(row.id),
        "id": row.event_id,
        "type": row.type,
        "subject": row.subject,
        "data": json.loads(row.data),
        "time": _aware(row.created_at),
    }


def max_event_seq(conn: Connection) -> int:
    return int(conn.execute(select(func.max(EV.c.id))).scalar() or 0)


# --- sinks and deliveries ----------------------------------------------------------------------


def _sink(row: Any) -> dict[str, Any]:
    return {
        "id": int(row.id),
        "name": row.name,
        "kind": row.kind,
        "url": row.url,
        "secret": row.secret,
        "exchange": row.exchange,
        "eventTypes": json.loads(row.event_types),
        "active": bool(row.active),
        "cursor": int(row.cursor),
        "createdAt": _aware(row.created_at),
    }


def sinks(conn: Connection, *, lock: bool = False) -> list[dict[str, Any]]:
    query = select(SK).order_by(SK.c.id)
    if lock:
        query = query.with_for_update()
    return [_sink(r) for r in conn.execute(query)]


def sink(conn: Connection, name: str) -> dict[str, Any] | None:
    row = conn.execute(select(SK).where(SK.c.name == name)).first()
    return _sink(row) if row is not None else None


def insert_sink(
    conn: Connection,
    *,
    name: str,
    kind: str,
    url: str,
    secret: str | None,
    exchange: str | None,
    event_types: Sequence[str],
    cursor: int,
) -> int:
    result = conn.execute(
        insert(SK)
        .values(
            name=name,
            kind=kind,
            url=url,
            secret=secret,
            exchange=exchange,
            event_types=json.dumps(list(event_types)),
            active=True,
            cursor=cursor,
            created_at=utcnow(),
        )
        .returning(SK.c.id)
    )
    return int(result.scalar_one())


def delete_sink(conn: Connection, name: str) -> bool:
    found = sink(conn, name)
    if found is None:
        return False
    conn.execute(delete(DL).where(DL.c.sink_id == found["id"]))
    conn.execute(delete(SK).where(SK.c.id == found["id"]))
    return True


def fan_out(conn: Connection, sink_row: dict[str, Any], matches: Any, batch: int = 1000) -> int:
    """Create the deliveries of the events after the sink's cursor that it wants; move it on."""
    rows = conn.execute(
        select(EV.c.id, EV.c.type)
        .where(EV.c.id > sink_row["cursor"])
        .order_by(EV.c.id)
        .limit(batch)
    ).all()
    if not rows:
        return 0
    now = utcnow()
    wanted = [
        {
            "sink_id": sink_row["id"],
            "event_pk": int(r.id),
            "state": "pending",
            "attempts": 0,
            "next_attempt_at": now,
        }
        for r in rows
        if matches(r.type)
    ]
    if wanted:
        conn.execute(insert(DL), wanted)
    conn.execute(update(SK).where(SK.c.id == sink_row["id"]).values(cursor=int(rows[-1].id)))
    return len(wanted)


def claim_due(
    conn: Connection, *, limit: int, lease: timedelta, now: datetime
) -> list[dict[str, Any]]:
    """Lease up to ``limit`` due deliveries (pending, due, not leased by a live dispatcher)."""
    query = (
        select(DL.c.id)
        .where(
            DL.c.state == "pending",
            DL.c.next_attempt_at <= now,
            or_(DL.c.lease_until.is_(None), DL.c.lease_until < now),
        )
        .order_by(DL.c.id)
        .limit(limit)
    )
    if conn.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    ids = [int(r[0]) for r in conn.execute(query)]
    if not ids:
        return []
    conn.execute(update(DL).where(DL.c.id.in_(ids)).values(lease_until=now + lease))
    return deliveries(conn, ids=ids)


def deliveries(
    conn: Connection,
    *,
    ids: Sequence[int] | None = None,
    state: str | None = None,
    sink_name: str | None = None,
    limit: int = 500,
) -> list[dict[str, Any]]:
    query = (
        select(
            DL,
            SK.c.name.label("sink_name"),
            EV.c.event_id,
            EV.c.type,
            EV.c.subject,
            EV.c.data,
            EV.c.created_at.label("event_time"),
        )
        .join(SK, SK.c.id == DL.c.sink_id)
        .join(EV, EV.c.id == DL.c.event_pk)
        .order_by(DL.c.id)
        .limit(limit)
    )
    if ids is not None:
        query = query.where(DL.c.id.in_(list(ids)))
    if state is not None:
        query = query.where(DL.c.state == state)
    if sink_name is not None:
        query = query.where(SK.c.name == sink_name)
    return [
        {
            "id": int(r.id),
            "sink": r.sink_name,
            "sinkId": int(r.sink_id),
            "state": r.state,
            "attempts": int(r.attempts),
            "nextAttemptAt": _aware(r.next_attempt_at),
            "lastError": r.last_error,
            "deliveredAt": _aware(r.delivered_at),
            "event": {
                "id": r.event_id,
                "type": r.type,
                "subject": r.subject,
                "data": json.loads(r.data),
                "time": _aware(r.event_time),
            },
        }
        for r in conn.execute(query)
    ]


def mark_delivered(conn: Connection, delivery_id: int) -> None:
    conn.execute(
        update(DL)
        .where(DL.c.id == delivery_id)
        .values(
            state="delivered",
            attempts=DL.c.attempts + 1,
            delivered_at=utcnow(),
            lease_until=None,
            last_error=None,
        )
    )


def mark_failed(
    conn: Connection, delivery_id: int, *, error: str, next_attempt_at: datetime | None
) -> None:
    """Record a failed attempt: due again at ``next_attempt_at``, or dead when that is None."""
    values: dict[str, Any] = {
        "attempts": DL.c.attempts + 1,
        "last_error": error[:2000],
        "lease_until": None,
    }
    if next_attempt_at is None:
        values["state"] = "dead"
    else:
        values["next_attempt_at"] = next_attempt_at
    conn.execute(update(DL).where(DL.c.id == delivery_id).values(**values))


def requeue(conn: Connection, delivery_id: int) -> bool:
    """Make a dead delivery pending again, due now, with its attempts reset."""
    return bool(
        conn.execute(
            update(DL)
            .where(DL.c.id == delivery_id, DL.c.state == "dead")
            .values(state="pending", attempts=0, next_attempt_at=utcnow(), lease_until=None)
        ).rowcount
    )


def delivery_counts(conn: Connection) -> dict[str, dict[str, int]]:
    rows = conn.execute(
        select(SK.c.name, DL.c.state, func.count())
        .join(SK, SK.c.id == DL.c.sink_id)
        .group_by(SK.c.name, DL.c.state)
    )
    out: dict[str, dict[str, int]] = {}
    for name, state, count in rows:
        out.setdefault(str(name), {})[str(state)] = int(cast(Any, count))
    return out


# --- drift reports -----------------------------------------------------------------------------

DR = cast(Table, DriftReportRow.__table__)


def insert_drift_report(
    conn: Connection,
    *,
    subject: str | None,
    dataset: str | None,
    drift_detected: bool,
    report: dict[str, Any],
) -> int:
    result = conn.execute(
        insert(DR)
        .values(
            subject=subject,
            dataset=dataset,
            created_at=utcnow(),
            drift_detected=drift_detected,
            report=json.dumps(report, default=str),
        )
        .returning(DR.c.id)
    )
    return int(result.scalar_one())


def drift_reports(
    conn: Connection, *, subject: str | None, dataset: str | None, limit: int
) -> list[dict[str, Any]]:
    query = select(DR).order_by(DR.c.id.desc()).limit(limit)
    if subject is not None:
        query = query.where(DR.c.subject == subject)
    if dataset is not None:
        query = query.where(DR.c.dataset == dataset)
    return [
        {
            "id": int(r.id),
            "subject": r.subject,
            "dataset": r.dataset,
            "createdAt": _aware(r.created_at),
            "driftDetected": bool(r.drift_detected),
            "report": json.loads(r.report),
        }
        for r in conn.execute(query)
    ]
