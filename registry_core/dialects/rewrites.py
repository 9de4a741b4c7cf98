"""The closed set of rewrites a profile can name, each implemented once.

Keyword rewrites turn one keyword into what the dialect takes (``oneOf`` → ``anyOf``, a type
array or a union with null → ``nullable``, ...); node rewrites are in ``node_rewrites``. A
rewrite that loses meaning says so with a lossy warning.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from registry_core.dialects.nodes import Entry, Node, node_of
from registry_core.dialects.output import Emitted, State
from registry_core.dialects.patterns import anchored
from registry_core.dialects.rules import (
    KEYWORD_REWRITES,
    NULL_BRANCH,
    Rule,
    null_union_branch,
)

if TYPE_CHECKING:
    from registry_core.dialects.walker import Walk

__all__ = ["KEYWORD_REWRITERS"]

KeywordRewriter = Callable[["Walk", Node, str, Entry, Emitted, State, Rule], None]


def one_of_to_any_of(
    walk: Walk, node: Node, keyword: str, entry: Entry, out: Emitted, state: State, rule: Rule
) -> None:
    """``oneOf`` (exactly one branch) as ``anyOf`` (at least one): lossy when branches overlap."""
    walk.log.warn(
        entry.pointer(keyword),
        keyword,
        f"{walk.profile.title} takes no oneOf, so it became anyOf: a value that matches several "
        "branches passes the export but not the source schema",
        lossy=True,
    )
    walk.redispatch("anyOf", keyword, entry, node, out, state)


def const_to_enum(
    walk: Walk, node: Node, keyword: str, entry: Entry, out: Emitted, state: State, rule: Rule
) -> None:
    """``const: v`` as ``enum: [v]`` (lossless), then the profile's rule for ``enum``."""
    walk.redispatch("enum", keyword, Entry([entry.value], entry.doc, entry.base), node, out, state)


def type_array_to_nullable(
    walk: Walk, node: Node, keyword: str, entry: Entry, out: Emitted, state: State, rule: Rule
) -> None:
    """``type: [T, "null"]`` as ``type: T, nullable: true`` (OpenAPI 3.0 has no type arrays)."""
    declared = entry.value
    if not isinstance(declared, list):
        out["type"] = declared
        return
    others = [t for t in declared if t != "null"]
    if len(others) > 1:
        walk.error(
            entry.pointer(keyword),
            keyword,
            f"one type per schema, not {declared}; write anyOf with one branch per type",
        )
        return
    out["type"] = others[0] if others else "null"
    if "null" in declared and others:
        out["nullable"] = True
        if isinstance(out.get("enum"), list):  # null is now said by nullable, not by the enum
            out["enum"] = [v for v in out["enum"] if v is not None]


def any_of_null_to_nullable(
    walk: Walk, node: Node, keyword: str, entry: Entry, out: Emitted, state: State, rule: Rule
) -> None:
    """``anyOf``/``oneOf`` ``[T, {"type": "null"}]`` as T with ``nullable: true``, as the
    google-genai SDK's ``Schema.from_json_schema`` converts Pydantic's ``X | None``.

    The union's annotations stay (its ``description`` wins over T's own) and T's keywords join
    them; a ``$ref`` T is inlined, since a reference takes nothing beside it.
    """
    index = null_union_branch(entry.value)
    assert index is not None  # the rule's null_union condition held
    ptr = entry.child(keyword, index)
    branch = walk.node(node_of(entry.value[index], ptr, entry.doc), state, inline_ref=True)
    if "anyOf" in branch:  # T referred to a union: null joins its branches
        if out:
            walk.error(
                entry.pointer(keyword),
                keyword,
                f"{keyword} [X, null] would become X with nullable, but X is an anyOf, which "
                "must be the sole keyword of its schema; move the other keywords into every "
                "branch of X, or export to gemini-json",
            )
            return
        null = walk.schema(NULL_BRANCH, entry.child(keyword, 1 - index), entry.doc, state)
        out["anyOf"] = [*branch["anyOf"], null]
        return
    for key, value in branch.items():
        out.setdefault(key, value)
    if keyword == "oneOf" and _may_be_null(branch):
        walk.log.warn(
            entry.pointer(keyword),
            keyword,
            "oneOf [X, null] became X with nullable, but X accepts null too, so the source "
            "rejects null (it matches both branches) while the export accepts it",
            lossy=True,
        )
    out["nullable"] = True


def _may_be_null(exported: dict[str, Any]) -> bool:
    """Whether an exported OpenAPI-style schema may accept null."""
    declared = exported.get("type")
    if exported.get("nullable") is True or str(declared).lower() == "null":
        return True
    return declared is None and "enum" not in exported


def upper_case_types(
    walk: Walk, node: Node, keyword: str, entry: Entry, out: Emitted, state: State, rule: Rule
) -> None:
    """Type names in upper case (``STRING``, ``OBJECT``), as Gemini's OpenAPI subset spells them."""
    declared = out.get("type", entry.value)
    if isinstance(declared, str):
        out["type"] = declared.upper()
    elif isinstance(declared, list):
        out["type"] = [t.upper() if isinstance(t, str) else t for t in declared]


def inline_refs(
    walk: Walk, node: Node, keyword: str, entry: Entry, out: Emitted, state: State, rule: Rule
) -> None:
    """A ``$ref`` copied in place of itself when the export is finalized (``$defs`` vanish)."""
    if keyword == "$ref":
        marker = walk.reference(entry, state, inline=True)
        if marker is not None:
            out["$ref"] = marker


def flatten_all_of(
    walk: Walk, node: Node, keyword: str, entry: Entry, out: Emitted, state: State, rule: Rule
) -> None:
    """Nothing left to do: ``Walk`` merged the branches into the node before its keywords."""


def ints_only(
    walk: Walk, node: Node, keyword: str, entry: Entry, out: Emitted, state: State, rule: Rule
) -> None:
    """An exclusive bound of an integer as the inclusive bound next to it (``> 3`` is ``>= 4``)."""
    bound = entry.value
    if not isinstance(bound, int | float) or isinstance(bound, bool):
        walk.error(entry.pointer(keyword), keyword, f"'{keyword}' must be a number")
        return
    if keyword == "exclusiveMinimum":
        low = math.floor(bound) + 1
        out["minimum"] = max(low, out["minimum"]) if "minimum" in out else low
    else:
        high = math.ceil(bound) - 1
        out["maximum"] = min(high, out["maximum"]) if "maximum" in out else high


def pattern_anchor(
    walk: Walk, node: Node, keyword: str, entry: Entry, out: Emitted, state: State, rule: Rule
) -> None:
    """A pattern anchored at both ends, as llama.cpp demands, matching what the search did
    (each branch of a top-level alternation on its own: ``^a|b$`` is ``^(a.*|.*b)$``)."""
    pattern = entry.value
    if not isinstance(pattern, str):
        walk.error(entry.pointer(keyword), keyword, "'pattern' must be a string")
        return
    whole = anchored(pattern)
    if whole is None:
        walk.error(
            entry.pointer(keyword),
            keyword,
            f"the pattern {pattern!r} has a group or a character class that is not closed "
            "(or a ')' that closes nothing); fix the regular expression",
        )
        return
    out["pattern"] = whole


def tuple_items_to_prefix_items(
    walk: Walk, node: Node, keyword: str, entry: Entry, out: Emitted, state: State, rule: Rule
) -> None:
    """Draft 7's ``additionalItems`` beside an ``items`` array as 2020-12's ``items``."""
    if isinstance(node.get("items"), list):  # beside a single items schema it means nothing
        out["items"] = walk.value(keyword, entry, node, state)


KEYWORD_REWRITERS: dict[str, KeywordRewriter] = {
    "one_of_to_any_of": one_of_to_any_of,
    "const_to_enum": const_to_enum,
    "any_of_null_to_nullable": any_of_null_to_nullable,
    "type_array_to_nullable": type_array_to_nullable,
    "upper_case_types": upper_case_types,
    "inline_refs": inline_refs,
    "flatten_all_of": flatten_all_of,
    "ints_only": ints_only,
    "pattern_anchor": pattern_anchor,
    "tuple_items_to_prefix_items": tuple_items_to_prefix_items,
}


assert set(KEYWORD_REWRITERS) == KEYWORD_REWRITES
