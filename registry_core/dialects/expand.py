"""Keywords merged into a node before its own are exported: a flattened ``allOf``, an inlined
``$ref`` with siblings (or at a root the profile reshapes, or wherever a rewrite asks for it).

Each merge copies a target's keywords in place, so every copy is recorded as
``(pointer of the $ref, target)``: ``Walk`` keeps the copies it is walking inside, refuses to
copy the same target at the same ``$ref`` again (that could only go on forever) and counts what
it copies (``Walk.count_copy``), so definitions that refer to each other several times cannot
make an export grow exponentially.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from registry_core.dialects.nodes import Node, merge_nodes, node_of

if TYPE_CHECKING:
    from registry_core.dialects.walker import Walk

__all__ = ["Copy", "expand"]

# A target copied in place: the pointer of the $ref, and the target's (document, pointer).
Copy = tuple[str, tuple[str, str]]


def expand(walk: Walk, node: Node, *, inline_ref: bool) -> tuple[Node, list[Copy]] | None:
    """The node with a flattened ``allOf`` and an inlined ``$ref`` with siblings, when the
    profile asks for them (``inline_ref`` forces the latter), and the targets copied; None
    (after recording errors) when that cannot be done exactly."""
    copies: list[Copy] = []
    if "allOf" in node:
        rule = walk.profile.rule("allOf").resolve("allOf", node, walk.profile.drops)
        if rule.action == "flatten_all_of":
            flat = _flatten(walk, node, frozenset(), copies)
            if flat is None:
                return None
            node = flat
    if "$ref" in node:
        rule = walk.profile.rule("$ref").resolve("$ref", node, walk.profile.drops)
        siblings = [k for k in node if k != "$ref" and not walk.profile.drops(k)]
        # A provider that reshapes the root must see what the root is, not a reference
        # (an Avro subject's root is a $ref to its record).
        at_root = node.ptr == "" and node.doc == "" and walk.profile.root_rewrite is not None
        if (rule.action == "inline_refs" and siblings) or at_root or inline_ref:
            inlined = _inline(walk, node, copies)
            if inlined is None:
                return None
            node = inlined
    return node, copies


# Why a follow stopped when the export copied too much (Walk.count_copy reported it).
_STOPPED = "the export stopped copying"


def _flatten(
    walk: Walk, node: Node, seen: frozenset[tuple[str, str]], copies: list[Copy]
) -> Node | None:
    entry = node.entries["allOf"]
    parts, conflicts = [node.without("allOf")], []
    for i, branch in enumerate(entry.value if isinstance(entry.value, list) else []):
        ptr = entry.child("allOf", i)
        part: Node | str = (
            node_of(branch, ptr, entry.doc) if isinstance(branch, dict) else "not an object"
        )
        visited = set(seen)
        while isinstance(part, Node) and "$ref" in part:
            part = _follow(walk, part, visited, copies)
        if isinstance(part, Node) and "allOf" in part:
            flat = _flatten(walk, part, frozenset(visited), copies)
            part = flat or "its allOf cannot be flattened"
        if isinstance(part, str):
            conflicts.append((ptr, "allOf", part))
        else:
            parts.append(part)
    merged, clashes = merge_nodes(parts)
    for ptr, keyword, reason in conflicts + clashes:
        if reason != _STOPPED:
            walk.error(ptr, keyword, f"allOf cannot be flattened exactly: {reason}")
    return None if conflicts or clashes else merged


def _follow(
    walk: Walk, node: Node, visited: set[tuple[str, str]], copies: list[Copy]
) -> Node | str:
    """The node with its ``$ref`` replaced by the target's keywords (``visited`` grows)."""
    entry = node.entries["$ref"]
    target = walk.locator.resolve(str(entry.value), entry.doc)
    if isinstance(target, str):
        return f"unresolvable reference: {target}"
    ptr = entry.pointer("$ref")
    if target.key in visited or (ptr, target.key) in walk.copying:
        return "it refers back to itself"
    if not isinstance(target.schema, dict):
        return "its target is not a schema object"
    if not walk.count_copy(ptr):
        return _STOPPED
    visited.add(target.key)
    copies.append((ptr, target.key))
    body = node_of(target.schema, target.ptr, target.doc)
    merged, clashes = merge_nodes([node.without("$ref"), body])
    return "; ".join(c[2] for c in clashes) if clashes else merged


def _inline(walk: Walk, node: Node, copies: list[Copy]) -> Node | None:
    """The node with its ``$ref`` replaced by the target, itself expanded."""
    entry = node.entries["$ref"]
    target = walk.locator.resolve(str(entry.value), entry.doc)
    ptr = entry.pointer("$ref")
    if isinstance(target, str):
        walk.log.error(ptr, "$ref", f"unresolvable reference: {target}")
        return None
    if (ptr, target.key) in walk.copying or not isinstance(target.schema, dict):
        walk.error(
            ptr,
            "$ref",
            "this $ref is inlined (it has sibling keywords, or a rewrite copies its target in "
            "place), but it refers back to itself; move the siblings into the referenced "
            "definition, or unroll the recursion to a fixed depth",
        )
        return None
    if not walk.count_copy(ptr):
        return None
    copies.append((ptr, target.key))
    # The target's own expansion sees this copy, so a chain back to it stops.
    walk.copying.append((ptr, target.key))
    try:
        body = expand(walk, node_of(target.schema, target.ptr, target.doc), inline_ref=False)
    finally:
        walk.copying.pop()
    if body is None:
        return None
    copies.extend(body[1])
    merged, clashes = merge_nodes([node.without("$ref"), body[0]])
    for where, keyword, reason in clashes:
        walk.error(where, keyword, f"a $ref with siblings cannot be inlined exactly: {reason}")
    return None if clashes else merged
