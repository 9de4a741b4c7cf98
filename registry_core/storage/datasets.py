"""Queries of datasets, lineage edges and dataset reports, in the caller's transaction."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Connection, Table, insert, or_, select, update

from registry_core.lineage import Dataset, DatasetKind
from registry_core.storage.governance import _aware
from registry_core.storage.tables import DatasetReportRow, DatasetRow, LineageEdgeRow, utcnow

DS = cast(Table, DatasetRow.__table__)
LE = cast(Table, LineageEdgeRow.__table__)
RP = cast(Table, DatasetReportRow.__table__)


def _dataset(row: Any) -> Dataset:
    return Dataset(
        name=row.name,
        kind=DatasetKind(row.kind),
        subject=row.subject,
        version_pin=row.version_pin,
        location=row.location,
        owner=row.owner,
        settings=json.loads(row.settings or "{}"),
        created_at=_aware(row.created_at),
        updated_at=_aware(row.updated_at),
    )


def get_dataset(conn: Connection, name: str, *, for_update: bool = False) -> Dataset | None:
    query = select(DS).where(DS.c.name == name)
    if for_update and conn.dialect.name == "postgresql":
        query = query.with_for_update()
    row = conn.execute(query).first()
    return _dataset(row) if row is not None else None


def put_dataset(conn: Connection, dataset: Dataset) -> None:
    """Insert or replace the dataset ``dataset.name`` (the caller has locked or read it)."""
    values = {
        "kind": dataset.kind.value,
        "subject": dataset.subject,
        "version_pin": dataset.version_pin,
        "location": dataset.location,
        "owner": dataset.owner,
        "settings": json.dumps(dataset.settings, sort_keys=True, default=str),
        "updated_at": utcnow(),
    }
    done = conn.execute(update(DS).where(DS.c.name == dataset.name).values(**values))
    if done.rowcount == 0:
        conn.execute(insert(DS).values(name=dataset.name, created_at=utcnow(), **values))


def list_datasets(
    conn: Connection, *, subject: str | None = None, kind: str | None = None
) -> list[Dataset]:
    query = select(DS).order_by(DS.c.name)
    if subject is not None:
        query = query.where(DS.c.subject == subject)
    if kind is not None:
        query = query.where(DS.c.kind == kind)
    return [_dataset(r) for r in conn.execute(query)]


def add_edges(conn: Connection, edges: Sequence[tuple[str, str]], run_id: str | None) -> None:
    if edges:
        now = utcnow()
        conn.execute(
            insert(LE),
            [{"source": s, "target": t, "run_id": run_id, "created_at": now} for s, t in edges],
        )


def edges_touching(conn: Connection, nodes: Iterable[str]) -> list[Any]:
    """Every recorded edge with an end among ``nodes``, oldest first."""
    names = list(nodes)
    if not names:
        return []
    query = (
        select(LE.c.source, LE.c.target, LE.c.run_id, LE.c.created_at)
        .where(or_(LE.c.source.in_(names), LE.c.target.in_(names)))
        .order_by(LE.c.id)
    )
    return list(conn.execute(query))


def add_report(
    conn: Connection,
    *,
    dataset: str,
    kind: str,
    passed: bool,
    summary: dict[str, Any],
    run_id: str | None,
    partition: str | None,
) -> int:
    result = conn.execute(
        insert(RP)
        .values(
            dataset=dataset,
            kind=kind,
            run_id=run_id,
            partition=partition,
            passed=passed,
            summary=json.dumps(summary, sort_keys=True, default=str),
            created_at=utcnow(),
        )
        .returning(RP.c.id)
    )
    return int(result.scalar_one())


def reports(
    conn: Connection,
    *,
    dataset: str | None,
    kind: str | None,
    since: datetime | None,
    limit: int,
) -> list[dict[str, Any]]:
    query = select(RP).order_by(RP.c.id.desc()).limit(limit)
    if dataset is not None:
        query = query.where(RP.c.dataset == dataset)
    if kind is not None:
        query = query.where(RP.c.kind == kind)
    if since is not None:
        query = query.where(RP.c.created_at >= since)
    return [
        {
            "id": int(r.id),
            "dataset": r.dataset,
            "kind": r.kind,
            "runId": r.run_id,
            "partition": r.partition,
            "passed": bool(r.passed),
            "summary": json.loads(r.summary),
            "createdAt": _aware(r.created_at),
        }
        for r in conn.execute(query)
    ]
