"""The closed set of rewrites a profile can name, each implemented once.

Keyword rewrites turn one keyword into what the dialect takes (``oneOf`` → ``anyOf``, a type
array → ``nullable``, ...). Node rewrites reshape every object (close it, require every
property, fix the key order). A rewrite that loses meaning says so with a lossy warning.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from registry_core.dialects.keywords import child_pointer
from registry_core.dialects.nodes import Entry, Node
from registry_core.dialects.output import Emitted, State
from registry_core.dialects.rules import KEYWORD_REWRITES, NODE_REWRITES, Rule

if TYPE_CHECKING:
    from registry_core.dialects.walker import Walk

__all__ = ["KEYWORD_REWRITERS", "NODE_REWRITERS", "accepts_null", "is_object"]

KeywordRewriter = Callable[["Walk", Node, str, Entry, Emitted, State, Rule], None]
NodeRewriter = Callable[["Walk", Node, Emitted], None]


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
    """A pattern anchored at both ends, as llama.cpp demands, matching what the search did."""
    pattern = entry.value
    if not isinstance(pattern, str):
        walk.error(entry.pointer(keyword), keyword, "'pattern' must be a string")
        return
    starts = pattern.startswith("^")
    ends = pattern.endswith("$") and not pattern.endswith("\\$")
    if starts and ends:
        out["pattern"] = pattern
        return
    # JSON Schema searches: an unanchored side may have anything before or after it.
    core = pattern[1 if starts else 0 : len(pattern) - 1 if ends else len(pattern)]
    out["pattern"] = f"^{'' if starts else '.*'}({core}){'' if ends else '.*'}$"


def tuple_items_to_prefix_items(
    walk: Walk, node: Node, keyword: str, entry: Entry, out: Emitted, state: State, rule: Rule
) -> None:
    """Draft 7's ``additionalItems`` beside an ``items`` array as 2020-12's ``items``."""
    if isinstance(node.get("items"), list):  # beside a single items schema it means nothing
        out["items"] = walk.value(keyword, entry, node, state)


KEYWORD_REWRITERS: dict[str, KeywordRewriter] = {
    "one_of_to_any_of": one_of_to_any_of,
    "const_to_enum": const_to_enum,
    "type_array_to_nullable": type_array_to_nullable,
    "upper_case_types": upper_case_types,
    "inline_refs": inline_refs,
    "flatten_all_of": flatten_all_of,
    "ints_only": ints_only,
    "pattern_anchor": pattern_anchor,
    "tuple_items_to_prefix_items": tuple_items_to_prefix_items,
}


def close_objects(walk: Walk, node: Node, out: Emitted) -> None:
    """``additionalProperties: false`` on every object that left it open (it only narrows)."""
    if not is_object(out) or "additionalProperties" in node:
        return  # the keyword's own rule decided an explicit value
    out["additionalProperties"] = False
    if not out.get("properties") and "patternProperties" not in node:
        walk.log.warn(
            node.ptr,
            "additionalProperties",
            f"{walk.profile.title} closes every object and this one declares no properties, "
            "so the model can only produce {}",
            lossy=False,
        )


def require_all_make_optional_nullable(walk: Walk, node: Node, out: Emitted) -> None:
    """Every property required; an optional one also accepts null (absent ≠ null: lossy)."""
    properties = out.get("properties")
    if not isinstance(properties, dict) or not properties:
        return
    required = node.get("required") or []
    entry = node.entries["properties"]
    for name, schema in properties.items():
        if name in required or accepts_null(schema):
            continue
        properties[name] = _with_null(schema)
        walk.log.warn(
            entry.child("properties", name),
            "required",
            f"optional property '{name}' became required and nullable ({walk.profile.title} "
            "requires every property): the model sends null where the source leaves it out, so "
            "drop null properties before validating against the source schema",
            lossy=True,
        )
    out["required"] = list(properties)


def add_property_ordering(walk: Walk, node: Node, out: Emitted) -> None:
    """``propertyOrdering`` in schema order: Gemini otherwise orders keys as it likes."""
    properties = out.get("properties")
    if isinstance(properties, dict) and properties:
        out["propertyOrdering"] = list(properties)


NODE_REWRITERS: dict[str, NodeRewriter] = {
    "close_objects": close_objects,
    "require_all_make_optional_nullable": require_all_make_optional_nullable,
    "add_property_ordering": add_property_ordering,
}
assert set(KEYWORD_REWRITERS) == KEYWORD_REWRITES and set(NODE_REWRITERS) == NODE_REWRITES


def is_object(schema: Any) -> bool:
    """Whether an exported schema describes objects (``type`` object, or properties)."""
    if not isinstance(schema, dict):
        return False
    declared = schema.get("type")
    names = declared if isinstance(declared, list) else [declared]
    return any(isinstance(t, str) and t.lower() == "object" for t in names) or (
        "properties" in schema
    )


def accepts_null(schema: Any) -> bool:
    """Whether an exported schema already accepts null."""
    if schema is True or not isinstance(schema, dict):
        return schema is True
    declared = schema.get("type")
    typed_null = declared == "null" or (isinstance(declared, list) and "null" in declared)
    if "enum" in schema:
        return None in schema["enum"] and (typed_null or "type" not in schema)
    if "const" in schema:
        return schema["const"] is None
    if typed_null:
        return True
    return any(accepts_null(branch) for branch in schema.get("anyOf", ()))


def _with_null(schema: Any) -> Any:
    """``schema`` that also accepts null: a type array when it has one type, else anyOf."""
    src = schema.src if isinstance(schema, Emitted) else ""
    if isinstance(schema, dict) and not {"$ref", "anyOf", "const"} & set(schema):
        declared = schema.get("type")
        if isinstance(declared, str | list):
            widened = Emitted(src, schema)
            widened["type"] = [*(declared if isinstance(declared, list) else [declared]), "null"]
            if isinstance(schema.get("enum"), list):
                widened["enum"] = [*schema["enum"], None]
            return widened
    if isinstance(schema, dict) and "anyOf" in schema and set(schema) <= {"anyOf", "description"}:
        widened = Emitted(src, schema)
        widened["anyOf"] = [
            *schema["anyOf"],
            Emitted(child_pointer(src, "anyOf"), {"type": "null"}),
        ]
        return widened
    return Emitted(src, {"anyOf": [schema, {"type": "null"}]})
