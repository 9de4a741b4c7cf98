"""What a new version of a RAG-chunk schema means for an index built with the old one.

Each field change (from ``registry_core.diff``) is classified with the fields' annotations:

* ``x-embed: true`` marks a field whose value goes into the embedded text. A schema that marks
  none is taken as LlamaIndex's default, where every metadata key is embedded unless listed in
  ``excluded_embed_metadata_keys``, so all of its fields count as embedded.
* ``x-filterable: true`` marks a top-level field that stored queries filter on. A schema that
  marks none is taken as "any top-level field may be filtered on".

An embedded field added, removed, changed in type or switched in or out of the embedding means
re-embedding; any other change to stored values means updating metadata in place; a filterable
field removed, changed in type or made unfilterable breaks stored queries.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from registry_core.diff import ChangeKind, schema_diff
from registry_core.integrations.registered import load

if TYPE_CHECKING:
    from registry_core.service import Registry

__all__ = ["FieldPlan", "ReindexAction", "ReindexPlan", "reindex_plan"]


class ReindexAction(StrEnum):
    REEMBED = "reembed"
    UPDATE_METADATA = "update_metadata"
    NONE = "none"  # documentation only: stored nodes stay as they are


@dataclass(frozen=True, kw_only=True, slots=True)
class FieldPlan:
    """What one field change asks of the index."""

    path: str
    change: str  # a registry_core.diff ChangeKind, or embed_changed / filterable_changed
    action: ReindexAction
    breaks_queries: bool
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "change": self.change,
            "action": self.action.value,
            "breaks_queries": self.breaks_queries,
            "message": self.message,
        }


@dataclass(frozen=True, kw_only=True, slots=True)
class ReindexPlan:
    """Every field change from one version to another, with what the index must do about it."""

    subject: str
    from_version: int
    to_version: int
    from_schema_id: int
    to_schema_id: int
    fields: tuple[FieldPlan, ...]

    @property
    def needs_reembed(self) -> bool:
        return any(f.action is ReindexAction.REEMBED for f in self.fields)

    @property
    def needs_metadata_update(self) -> bool:
        return any(f.action is ReindexAction.UPDATE_METADATA for f in self.fields)

    @property
    def breaking(self) -> tuple[FieldPlan, ...]:
        """The changes that break stored queries."""
        return tuple(f for f in self.fields if f.breaks_queries)

    @property
    def summary(self) -> str:
        head = f"subject '{self.subject}' version {self.from_version} -> {self.to_version}: "
        if not self.fields:
            return head + "no field changes; the index stays as it is"
        parts = []
        for action, verb in (
            (ReindexAction.REEMBED, "re-embed"),
            (ReindexAction.UPDATE_METADATA, "update metadata in place"),
        ):
            chosen = [f for f in self.fields if f.action is action]
            if chosen:
                listed = "; ".join(f"{f.path} {f.message}" for f in chosen)
                parts.append(f"{verb} ({listed})")
        if self.breaking:
            listed = "; ".join(f"{f.path} {f.message}" for f in self.breaking)
            parts.append(f"BREAKING for stored queries ({listed})")
        if not parts:
            parts.append("documentation changes only; the index stays as it is")
        return head + ", ".join(parts)

    def __str__(self) -> str:
        return self.summary

    def to_dict(self) -> dict[str, Any]:
        return {
            "subject": self.subject,
            "from_version": self.from_version,
            "to_version": self.to_version,
            "from_schema_id": self.from_schema_id,
            "to_schema_id": self.to_schema_id,
            "needs_reembed": self.needs_reembed,
            "needs_metadata_update": self.needs_metadata_update,
            "breaking": bool(self.breaking),
            "fields": [f.to_dict() for f in self.fields],
            "summary": self.summary,
        }


def reindex_plan(
    registry: Registry, subject: str, from_version: int | str, to_version: int | str
) -> ReindexPlan:
    """Classify every field change between two versions for a vector index (see the module)."""
    old, new = load(registry, subject, from_version), load(registry, subject, to_version)
    old_embed, new_embed = old.flagged("x-embed"), new.flagged("x-embed")
    old_filter = old.flagged("x-filterable", top_level=True)
    new_filter = new.flagged("x-filterable", top_level=True)
    plans: list[FieldPlan] = []
    for change in schema_diff(old.parsed, new.parsed):
        embedded = old_embed.covers(change.path) or new_embed.covers(change.path)
        structural = change.kind in (ChangeKind.ADDED, ChangeKind.REMOVED, ChangeKind.TYPE_CHANGED)
        if change.kind is ChangeKind.DOC_CHANGED:
            action = ReindexAction.NONE
        elif structural and embedded:
            action = ReindexAction.REEMBED
        else:
            action = ReindexAction.UPDATE_METADATA
        breaks = change.path in old_filter and change.kind in (
            ChangeKind.REMOVED,
            ChangeKind.TYPE_CHANGED,
        )
        note = " (embedded)" if action is ReindexAction.REEMBED else ""
        note += " (filterable: stored queries on it break)" if breaks else ""
        plans.append(
            FieldPlan(
                path=change.path,
                change=change.kind.value,
                action=action,
                breaks_queries=breaks,
                message=change.message + note,
            )
        )
    both = set(old.annotations()) & set(new.annotations())
    for path in sorted(both, key=lambda p: p.split("/")):
        if old_embed.covers(path) != new_embed.covers(path):
            now = "now embedded" if new_embed.covers(path) else "no longer embedded"
            plans.append(
                FieldPlan(
                    path=path,
                    change="embed_changed",
                    action=ReindexAction.REEMBED,
                    breaks_queries=False,
                    message=f"{now} (x-embed)",
                )
            )
        if (path in old_filter) != (path in new_filter):
            dropped = path in old_filter
            plans.append(
                FieldPlan(
                    path=path,
                    change="filterable_changed",
                    action=ReindexAction.UPDATE_METADATA,
                    breaks_queries=dropped,
                    message="no longer filterable: stored queries filtering on it break"
                    if dropped
                    else "now filterable: index it as a filter field in the vector store",
                )
            )
    plans.sort(key=lambda p: p.path.split("/"))
    return ReindexPlan(
        subject=old.version.subject,
        from_version=old.version.version,
        to_version=new.version.version,
        from_schema_id=old.version.schema_id,
        to_schema_id=new.version.schema_id,
        fields=tuple(plans),
    )
