"""Datasets and lineage: what a dataset is, how lineage nodes are named, the graph around one.

A lineage node is a string ``kind:name``:

- ``schema:<subject>@<version>``: a registered version;
- ``dataset:<name>``: a dataset of the catalog;
- ``asset:<asset key>``: a Dagster asset output (``asset:chat_sft/valid_records``);
- ``report:<kind>:<dataset>``: what runs found (``report:drift:chat_sft``,
  ``report:benchmark:mmlu_mini``).

Every run records its edges with its run id, so the graph is also a history.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from registry_core.errors import InvalidInput
from registry_core.models import Choice

__all__ = [
    "PIN_LATEST",
    "PIN_LATEST_APPROVED",
    "Dataset",
    "DatasetKind",
    "LineageGraph",
    "asset_node",
    "dataset_node",
    "node_kind",
    "report_node",
    "schema_node",
    "validate_pin",
]

PIN_LATEST = "latest"
PIN_LATEST_APPROVED = "latest-approved"
NODE_KINDS = ("schema", "dataset", "asset", "report")


class DatasetKind(Choice):
    TRAINING = "training"
    EVALUATION = "evaluation"
    TELEMETRY = "telemetry"

    @classmethod
    def label(cls) -> str:
        return "dataset kind"


def validate_pin(pin: str | int) -> str:
    """A version pin as stored: a positive version number, ``latest`` or ``latest-approved``."""
    text = str(pin).strip().lower()
    if text in (PIN_LATEST, PIN_LATEST_APPROVED):
        return text
    if text.isdigit() and int(text) > 0:
        return str(int(text))
    raise InvalidInput(
        f"Invalid version pin {pin!r}: a version number, 'latest' or 'latest-approved'"
    )


@dataclass(frozen=True)
class Dataset:
    name: str
    kind: DatasetKind
    subject: str
    version_pin: str
    location: str
    owner: str | None = None
    settings: dict[str, Any] = field(default_factory=dict)
    created_at: datetime | None = None
    updated_at: datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind.value,
            "subject": self.subject,
            "versionPin": self.version_pin,
            "location": self.location,
            "owner": self.owner,
            "settings": self.settings,
            "createdAt": self.created_at.isoformat() if self.created_at else None,
            "updatedAt": self.updated_at.isoformat() if self.updated_at else None,
        }


def schema_node(subject: str, version: int) -> str:
    return f"schema:{subject}@{version}"


def dataset_node(name: str) -> str:
    return f"dataset:{name}"


def asset_node(key: str) -> str:
    return f"asset:{key}"


def report_node(kind: str, dataset: str) -> str:
    return f"report:{kind}:{dataset}"


def node_kind(node: str) -> str:
    """The kind of a node name; an unknown kind or a missing name is refused."""
    kind, sep, name = node.partition(":")
    if not sep or not name or kind not in NODE_KINDS:
        raise InvalidInput(
            f"Invalid lineage node {node!r}: 'kind:name' with kind one of {', '.join(NODE_KINDS)}"
        )
    return kind


@dataclass
class LineageGraph:
    """The nodes within ``depth`` edges of ``center`` (both directions) and the edges between
    them; each edge with the runs that recorded it, newest last."""

    center: str
    depth: int
    nodes: list[str]
    edges: list[dict[str, Any]]

    def to_dict(self) -> dict[str, Any]:
        return {
            "center": self.center,
            "depth": self.depth,
            "nodes": [{"id": n, "kind": n.partition(":")[0]} for n in self.nodes],
            "edges": self.edges,
        }
