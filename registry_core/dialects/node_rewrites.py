"""Node rewrites: what a profile does to every schema object once its keywords are exported
(close it, require every property, fix the key order). A rewrite that loses meaning says so with
a lossy warning.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from registry_core.dialects.keywords import child_pointer
from registry_core.dialects.nodes import Node
from registry_core.dialects.output import Emitted
from registry_core.dialects.rules import NODE_REWRITES

if TYPE_CHECKING:
    from registry_core.dialects.walker import Walk

__all__ = ["NODE_REWRITERS", "accepts_null", "is_object"]

NodeRewriter = Callable[["Walk", Node, Emitted], None]


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
assert set(NODE_REWRITERS) == NODE_REWRITES


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
