"""Turn a walked export into the provider's schema: references, recursion, the root's shape.

``RefMarker``s become ``{"$ref": "#/$defs/name"}`` (with the definitions reachable from the
root under ``$defs``) or inlined copies, as the profile wants; cycles the profile forbids are
errors at the ``$ref`` that closes them; a root the provider cannot take is wrapped. Inlining
counts what it copies and stops, with an error, past ``MAX_INLINED_NODES``.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from registry_core.dialects.output import Edge, Emitted, RefMarker
from registry_core.dialects.walker import MAX_INLINED_NODES, Walk

__all__ = ["WRAPPED", "finalize"]

# The one property of the object an export wraps a non-object root in.
WRAPPED = "value"


class _Stop(Exception):
    """Inlining copied more than ``MAX_INLINED_NODES`` objects (the error is recorded)."""


def finalize(walk: Walk, root: Any) -> Any:
    """The exported schema assembled from the walk, or None when inlining stopped at the copy
    limit (errors go to ``walk.log``)."""
    used: list[str] = []
    root_referenced = False

    def resolve(value: Any, stack: tuple[str, ...], at: str) -> Any:
        """``value`` with its markers resolved; ``at`` is the pointer of the innermost $ref
        being inlined ("" outside one), where every object made counts as a copy."""
        nonlocal root_referenced
        if isinstance(value, list):
            return [resolve(v, stack, at) for v in value]
        if not isinstance(value, dict):
            return value
        if at and not walk.count_copy(at):
            raise _Stop
        marker = value.get("$ref")
        if isinstance(marker, RefMarker) and marker.inline:
            if marker.name in stack:
                _recursion_error(walk, marker.ptr, marker.name)
                return Emitted(marker.ptr)
            return resolve(walk.defs[marker.name], (*stack, marker.name), marker.ptr)
        out = Emitted(value.src if isinstance(value, Emitted) else "")
        for key, item in value.items():
            if isinstance(item, RefMarker):
                root_referenced = root_referenced or item.name == "#"
                if item.name != "#" and item.name not in used:
                    used.append(item.name)
                out[key] = "#" if item.name == "#" else f"#/$defs/{item.name}"
            else:
                out[key] = resolve(item, stack, at)
        return out

    definitions: dict[str, Any] = {}
    try:
        if walk.copies > MAX_INLINED_NODES:
            raise _Stop  # the walk stopped copying already
        schema = resolve(root, ("#",), "")
        for name in used:  # grows while it is read: a definition may use further ones
            definitions[name] = resolve(walk.defs[name], (name,), "")
    except _Stop:
        schema = None
    _check_cycles(walk, [e for e in walk.edges if not e.inline])
    if schema is None:
        return None
    assert isinstance(schema, dict)  # Walk.run exports the root as an object
    if definitions:
        schema["$defs"] = definitions
    if walk.profile.root_rewrite == "wrap_non_object_root" and _needs_wrapping(schema):
        walk.root_wrapped = True
        schema = _wrap(walk, schema, root_referenced)
    return schema


def _needs_wrapping(schema: dict[str, Any]) -> bool:
    return schema.get("type") != "object" or "anyOf" in schema


def _wrap(walk: Walk, schema: dict[str, Any], root_referenced: bool) -> Emitted:
    """``{"value": schema}`` as an object root; references to the old root follow it."""
    definitions = schema.pop("$defs", {})
    inner: Any = schema
    if root_referenced:  # "#" would now mean the wrapper: the old root becomes a definition
        name = "root"
        while name in definitions:
            name += "_"
        definitions[name] = schema
        definitions = {k: _retarget(v, f"#/$defs/{name}") for k, v in definitions.items()}
        inner = Emitted("", {"$ref": f"#/$defs/{name}"})
    walk.log.warn(
        "",
        "anyOf" if "anyOf" in schema else "type",
        f"{walk.profile.title} needs an object root that is not anyOf, so the schema was "
        f'wrapped as {{"{WRAPPED}": <schema>}}; read the model\'s output["{WRAPPED}"]',
        lossy=False,
    )
    wrapper = Emitted(
        "",
        {
            "type": "object",
            "properties": {WRAPPED: inner},
            "required": [WRAPPED],
            "additionalProperties": False,
        },
    )
    if definitions:
        wrapper["$defs"] = definitions
    return wrapper


def _retarget(value: Any, new: str) -> Any:
    """``value`` with references to the root (``"#"``) pointing at ``new``."""
    if isinstance(value, list):
        return [_retarget(v, new) for v in value]
    if isinstance(value, dict):
        out = Emitted(value.src if isinstance(value, Emitted) else "")
        for key, item in value.items():
            out[key] = new if key == "$ref" and item == "#" else _retarget(item, new)
        return out
    return value


def _check_cycles(walk: Walk, edges: list[Edge]) -> None:
    """Errors at the references that close cycles the profile forbids."""
    mode = walk.profile.recursion
    if mode == "allowed":
        return
    graph: dict[str, list[Edge]] = defaultdict(list)
    for edge in edges:
        # A cycle through an optional property can end, which is all gemini-json asks.
        if mode == "error" or not edge.optional:
            graph[edge.source].append(edge)
    state: dict[str, int] = {}  # 1 on the current path, 2 done

    def visit(name: str) -> None:
        state[name] = 1
        for edge in graph[name]:
            if state.get(edge.target) == 1:
                _recursion_error(walk, edge.ptr, edge.target)
            elif edge.target not in state:
                visit(edge.target)
        state[name] = 2

    visit("#")


def _recursion_error(walk: Walk, ptr: str, name: str) -> None:
    what = "the root" if name == "#" else f"definition '{name}'"
    if walk.profile.recursion == "optional_only":
        fix = (
            "it allows a cycle only through an optional property; make one property on it optional"
        )
    else:
        fix = "it takes no recursive schemas; unroll the recursion to a fixed depth"
    walk.error(ptr, "$ref", f"this reference to {what} makes the schema recursive, and {fix}")
