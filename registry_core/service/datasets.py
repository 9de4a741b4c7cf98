"""Datasets, lineage and dataset reports: what orchestration (Dagster) records in the registry
for the dashboard and for the sensors that revalidate datasets when their schema changes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from registry_core.errors import DatasetNotFound, InvalidInput, VersionNotFound
from registry_core.lifecycle import LifecycleState, Role
from registry_core.lineage import (
    PIN_LATEST,
    PIN_LATEST_APPROVED,
    Dataset,
    DatasetKind,
    LineageGraph,
    node_kind,
    validate_pin,
)
from registry_core.models import SubjectVersion
from registry_core.service.governance import GovernanceMixin, Identity
from registry_core.service.reads import ReadsMixin
from registry_core.storage import datasets as store
from registry_core.storage import governance

__all__ = ["REPORT_KINDS", "DatasetsMixin"]

REPORT_KINDS = ("validation", "benchmark", "run_failure")
MAX_DEPTH = 6


class DatasetsMixin(ReadsMixin, GovernanceMixin):
    # --- datasets --------------------------------------------------------------------------

    def register_dataset(
        self,
        name: str,
        *,
        kind: DatasetKind | str,
        subject: str,
        version: str | int = PIN_LATEST_APPROVED,
        location: str,
        owner: str | None = None,
        settings: dict[str, Any] | None = None,
        actor: Identity | None = None,
    ) -> Dataset:
        """Create or update a dataset (idempotent: an unchanged declaration writes nothing).
        The subject must exist; a pinned version must exist under it."""
        name = name.strip()
        if not name or len(name) > 255 or any(c in name for c in ":/ ") or not name.isprintable():
            raise InvalidInput(
                f"Invalid dataset name {name!r}: 1-255 printable characters, no ':', '/' or space"
            )
        if not location.strip():
            raise InvalidInput(f"Dataset '{name}': location must not be empty")
        wanted = Dataset(
            name=name,
            kind=DatasetKind.parse(kind),
            subject=subject,
            version_pin=validate_pin(version),
            location=location,
            owner=owner,
            settings=dict(settings or {}),
        )
        user = self._require(actor, Role.WRITER, "registering a dataset")
        self.list_versions(subject)  # the subject must exist (SubjectNotFound otherwise)
        if wanted.version_pin.isdigit():
            self.get_version(subject, int(wanted.version_pin))

        def work(conn: Connection) -> Dataset:
            before = store.get_dataset(conn, name, for_update=True)
            if before is not None and _same(before, wanted):
                return before
            store.put_dataset(conn, wanted)
            self._record(
                conn,
                actor=user.name,
                action="dataset.registered" if before is None else "dataset.updated",
                subject=subject,
                before=before.to_dict() if before is not None else None,
                after=wanted.to_dict(),
            )
            found = store.get_dataset(conn, name)
            assert found is not None
            return found

        return self.db.run(work)

    def dataset(self, name: str) -> Dataset:
        found = self.db.read(lambda conn: store.get_dataset(conn, name))
        if found is None:
            raise DatasetNotFound(f"Dataset '{name}' not found")
        return found

    def datasets(
        self, *, subject: str | None = None, kind: DatasetKind | str | None = None
    ) -> list[Dataset]:
        chosen = DatasetKind.parse(kind).value if kind is not None else None
        return self.db.read(lambda conn: store.list_datasets(conn, subject=subject, kind=chosen))

    def resolve_pin(self, subject: str, pin: str | int) -> SubjectVersion:
        """The version a pin names now: a number as is, ``latest`` the newest live version,
        ``latest-approved`` the newest one in force (ACTIVE: not deprecated or archived)."""
        text = validate_pin(pin)
        if text == PIN_LATEST:
            return self.get_version(subject, "latest")
        if text != PIN_LATEST_APPROVED:
            return self.get_version(subject, int(text))
        for number in sorted(self.list_versions(subject), reverse=True):
            found = self.get_version(subject, number)
            if found.state == LifecycleState.ACTIVE:
                return found
        raise VersionNotFound(subject, PIN_LATEST_APPROVED)  # none is ACTIVE

    # --- lineage ---------------------------------------------------------------------------

    def record_lineage(self, edges: Sequence[tuple[str, str]], *, run_id: str | None) -> None:
        """Record the edges one run saw (``source -> target`` node names, see
        ``registry_core.lineage``)."""
        for source, target in edges:
            node_kind(source)
            node_kind(target)
        self.db.run(lambda conn: store.add_edges(conn, list(edges), run_id))

    def lineage(self, node: str, *, depth: int = 2) -> LineageGraph:
        """The graph within ``depth`` edges of ``node``, upstream and downstream."""
        node_kind(node)
        if not 1 <= depth <= MAX_DEPTH:
            raise InvalidInput(f"Invalid depth {depth}: 1 to {MAX_DEPTH}")

        def work(conn: Connection) -> LineageGraph:
            seen = {node}
            frontier = {node}
            edges: dict[tuple[str, str], dict[str, Any]] = {}
            for _ in range(depth):
                found = store.edges_touching(conn, frontier)
                frontier = set()
                for row in found:
                    key = (row.source, row.target)
                    edge = edges.setdefault(
                        key, {"source": row.source, "target": row.target, "runs": []}
                    )
                    if row.run_id and row.run_id not in edge["runs"]:
                        edge["runs"].append(row.run_id)
                    edge["lastSeen"] = governance._aware(row.created_at)
                    for end in key:
                        if end not in seen:
                            seen.add(end)
                            frontier.add(end)
                if not frontier:
                    break
            inside = [e for e in edges.values() if e["source"] in seen and e["target"] in seen]
            return LineageGraph(node, depth, sorted(seen), inside)

        return self.db.read(work)

    # --- reports ---------------------------------------------------------------------------

    def record_dataset_report(
        self,
        dataset: str,
        kind: str,
        *,
        passed: bool,
        summary: dict[str, Any],
        run_id: str | None = None,
        partition: str | None = None,
    ) -> int:
        """Store what a run found about a dataset (``validation``, ``benchmark`` or
        ``run_failure``); returns the report's id."""
        if kind not in REPORT_KINDS:
            raise InvalidInput(
                f"Invalid report kind {kind!r}; use one of {', '.join(REPORT_KINDS)}"
            )
        return self.db.run(
            lambda conn: store.add_report(
                conn,
                dataset=dataset,
                kind=kind,
                passed=passed,
                summary=summary,
                run_id=run_id,
                partition=partition,
            )
        )

    def dataset_reports(
        self,
        *,
        dataset: str | None = None,
        kind: str | None = None,
        since: datetime | None = None,
        limit: int = 100,
    ) -> list[dict[str, Any]]:
        """Stored dataset reports, newest first."""
        return self.db.read(
            lambda conn: store.reports(conn, dataset=dataset, kind=kind, since=since, limit=limit)
        )


def _same(a: Dataset, b: Dataset) -> bool:
    return (a.kind, a.subject, a.version_pin, a.location, a.owner, a.settings) == (
        b.kind,
        b.subject,
        b.version_pin,
        b.location,
        b.owner,
        b.settings,
    )
