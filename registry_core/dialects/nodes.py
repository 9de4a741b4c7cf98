"""Schema objects with their source locations, and the merge that flattens ``allOf``.

A ``Node`` is one schema object whose keywords each remember where they were written: after an
``allOf`` is flattened or a ``$ref`` with siblings is inlined, one node holds keywords from
several places, and an issue about any of them must still name the place in the source.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from registry_core.dialects.keywords import ANNOTATION_KEYWORDS, child_pointer

__all__ = ["Entry", "Node", "merge_nodes", "node_of"]

# Bounds that tighten when two schemas must both hold: the larger lower bound wins, the
# smaller upper bound wins.
_LOWER = frozenset(
    {"minimum", "exclusiveMinimum", "minLength", "minItems", "minProperties", "minContains"}
)
_UPPER = frozenset(
    {"maximum", "exclusiveMaximum", "maxLength", "maxItems", "maxProperties", "maxContains"}
)
# Identity and bookkeeping keywords: the first schema's copy stands for the merge.
_FIRST_WINS = ANNOTATION_KEYWORDS | {"$schema", "$id", "$anchor", "$defs", "definitions"}


@dataclass(frozen=True)
class Entry:
    """A keyword's value, the document it was read from and the pointer of its schema object.

    ``children`` overrides the pointers of map members (a merged ``properties`` whose members
    come from different branches).
    """

    value: Any
    doc: str
    base: str
    children: Mapping[str, str] = field(default_factory=dict)

    def pointer(self, keyword: str) -> str:
        """Where ``keyword`` itself is written."""
        return child_pointer(self.base, keyword)

    def child(self, keyword: str, token: str | int) -> str:
        """Where member ``token`` of ``keyword``'s value is written."""
        return self.children.get(str(token)) or child_pointer(self.base, keyword, token)


@dataclass(frozen=True)
class Node:
    """A schema object: its own pointer and its keywords' entries, in source order."""

    ptr: str
    doc: str
    entries: Mapping[str, Entry]

    def __contains__(self, keyword: object) -> bool:
        return keyword in self.entries

    def __iter__(self) -> Iterator[str]:
        return iter(self.entries)

    def get(self, keyword: str, default: Any = None) -> Any:
        """The value of ``keyword``, or ``default``."""
        entry = self.entries.get(keyword)
        return default if entry is None else entry.value

    def types(self) -> frozenset[str]:
        """The declared ``type`` names (empty when the node declares none)."""
        declared = self.get("type")
        if isinstance(declared, str):
            return frozenset({declared})
        if isinstance(declared, list):
            return frozenset(t for t in declared if isinstance(t, str))
        return frozenset()

    def without(self, *keywords: str) -> Node:
        """The node minus ``keywords``."""
        kept = {k: e for k, e in self.entries.items() if k not in keywords}
        return Node(ptr=self.ptr, doc=self.doc, entries=kept)


def node_of(schema: Mapping[str, Any], ptr: str, doc: str) -> Node:
    """The node for a schema object written at ``ptr`` of document ``doc``."""
    return Node(ptr=ptr, doc=doc, entries={k: Entry(v, doc, ptr) for k, v in schema.items()})


def merge_nodes(nodes: list[Node]) -> tuple[Node, list[tuple[str, str, str]]]:
    """One node that holds exactly when all ``nodes`` hold, or the conflicts that prevent it.

    Returns the merged node (pointer of the first) and the conflicts as
    ``(pointer, keyword, reason)``; a non-empty conflict list means the merge is not exact.
    """
    merged: dict[str, Entry] = {}
    conflicts: list[tuple[str, str, str]] = []
    for node in nodes:
        for keyword, entry in node.entries.items():
            if keyword not in merged:
                merged[keyword] = entry
                continue
            combined = _combine(keyword, merged[keyword], entry)
            if isinstance(combined, str):
                conflicts.append((entry.pointer(keyword), keyword, combined))
            else:
                merged[keyword] = combined
    conflicts += _closed_conflicts(nodes)
    return Node(ptr=nodes[0].ptr, doc=nodes[0].doc, entries=merged), conflicts


def _combine(keyword: str, first: Entry, second: Entry) -> Entry | str:
    """The entry both values come to, or the reason they cannot be combined."""
    a, b = first.value, second.value
    if keyword in _FIRST_WINS or a == b:
        return first
    if keyword == "required" and isinstance(a, list) and isinstance(b, list):
        return Entry([*a, *(r for r in b if r not in a)], first.doc, first.base)
    if keyword == "properties" and isinstance(a, dict) and isinstance(b, dict):
        return _combine_properties(first, second)
    if keyword == "type":
        common = _type_set(a) & _type_set(b)
        if "number" in common:
            common.discard("integer")
        if not common:
            return f"the branches' types {a!r} and {b!r} have nothing in common"
        ordered = [t for t in _type_list(a) if t in common]
        return Entry(ordered[0] if len(ordered) == 1 else ordered, first.doc, first.base)
    if keyword == "enum" and isinstance(a, list) and isinstance(b, list):
        both = [v for v in a if v in b]
        if not both:
            return "the branches' enums have no value in common"
        return Entry(both, first.doc, first.base)
    if _numeric(a) and _numeric(b) and keyword in _LOWER | _UPPER:
        tighter = max(a, b) if keyword in _LOWER else min(a, b)
        return first if tighter == a else second
    return f"the branches give '{keyword}' different values ({a!r} and {b!r})"


def _combine_properties(first: Entry, second: Entry) -> Entry | str:
    props = dict(first.value)
    children = {name: first.child("properties", name) for name in props}
    for name, schema in second.value.items():
        if name in props and props[name] != schema:
            return f"property '{name}' is defined differently in two branches"
        if name not in props:
            props[name] = schema
            children[name] = second.child("properties", name)
    return Entry(props, first.doc, first.base, children)


def _closed_conflicts(nodes: list[Node]) -> list[tuple[str, str, str]]:
    """A branch closed by ``additionalProperties`` rejects the other branches' properties."""
    found = []
    for node in nodes:
        if "additionalProperties" not in node or node.get("additionalProperties") is True:
            continue
        own = set(node.get("properties") or {})
        others = {n for other in nodes for n in (other.get("properties") or {})} - own
        if others:
            found.append(
                (
                    node.entries["additionalProperties"].pointer("additionalProperties"),
                    "additionalProperties",
                    f"this branch rejects the properties {sorted(others)} another branch adds",
                )
            )
    return found


def _type_set(value: Any) -> set[str]:
    return set(_type_list(value))


def _type_list(value: Any) -> list[str]:
    names = [value] if isinstance(value, str) else list(value) if isinstance(value, list) else []
    # "integer" is a kind of "number": intersecting the two leaves "integer".
    if "number" in names and "integer" not in names:
        names.append("integer")
    return names


def _numeric(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
