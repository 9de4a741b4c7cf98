"""Reading a JSON Schema document, once for every adapter: JSON pointers, local ``$ref``s, the
JSON type of a value, and the ``x-*`` flags that mark fields.

Escaping a pointer token is the exporter's ``registry_core.dialects.keywords.escape`` (and
``child_pointer``); this module holds the way back.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = [
    "Flagged",
    "flagged",
    "json_type",
    "last_token",
    "local_target",
    "resolve",
    "type_keyword",
    "unescape",
]

_MAX_REF_HOPS = 64  # a chain of $ref longer than this is a cycle of pure references


def unescape(token: str) -> str:
    """One JSON pointer token as the key it names: ``~1`` → ``/``, ``~0`` → ``~`` (RFC 6901)."""
    return token.replace("~1", "/").replace("~0", "~")


def last_token(pointer: str) -> str:
    """The key a JSON pointer ends on (``#/$defs/a~1b`` → ``a/b``); ``""`` for the root."""
    return unescape(pointer.rsplit("/", 1)[-1]) if "/" in pointer else ""


def local_target(ref: str, document: Any) -> Any:
    """What a local reference (``#`` and a JSON pointer) points at in ``document``.

    None when it points at nothing, or is not a local JSON pointer (another document, or a
    plain-name fragment such as ``#node``, which names an anchor): a schema is never ``null``.
    """
    if ref != "#" and not ref.startswith("#/"):
        return None
    node = document
    for part in ref[1:].split("/")[1:]:
        key = unescape(part)
        if isinstance(node, dict) and key in node:
            node = node[key]
        elif isinstance(node, list) and key.isascii() and key.isdigit() and int(key) < len(node):
            node = node[int(key)]
        else:
            return None
    return node


def resolve(node: Any, document: Any) -> Any:
    """``node`` with local ``$ref``s (``#/...``) followed; anything else as it is.

    A reference that leads nowhere leaves the node with that ``$ref`` as it is.
    """
    for _ in range(_MAX_REF_HOPS):
        ref = node.get("$ref") if isinstance(node, dict) else None
        target = local_target(ref, document) if isinstance(ref, str) else None
        if target is None:
            return node
        node = target
    return node


def type_keyword(node: Mapping[str, Any]) -> set[str] | None:
    """The types a node's ``type`` keyword names (a name or a list of them); None without one."""
    kind = node.get("type")
    if isinstance(kind, str):
        return {kind}
    if isinstance(kind, list):
        return {k for k in kind if isinstance(k, str)}
    return None


def json_type(value: Any) -> str:
    """The JSON type of a JSON value: ``null``, ``boolean``, ``integer`` (a Python int),
    ``number`` (a float), ``string``, ``array`` or ``object``."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list | tuple) else "object"


@dataclass(frozen=True, kw_only=True, slots=True)
class Flagged:
    """The fields that carry an ``x-*`` flag, under the rule "a schema that marks none of its
    fields means all of them".

    ``paths`` are field paths (JSON-pointer-like, ``*`` for array items, as
    ``RegisteredSchema.annotations`` writes them); ``marked`` is False when the schema marks no
    field at all, and ``paths`` then holds every field.
    """

    paths: frozenset[str]
    marked: bool

    def __contains__(self, path: object) -> bool:
        return path in self.paths

    def covers(self, path: str) -> bool:
        """Whether the field or one of its ancestors is flagged (a parent's value holds it)."""
        parts = path.split("/")
        return any("/".join(parts[:end]) in self.paths for end in range(2, len(parts) + 1))


def flagged(
    annotations: Mapping[str, Mapping[str, Any]], key: str, *, top_level: bool = False
) -> Flagged:
    """The fields marked ``key: true`` among ``annotations`` (field path -> its ``x-*`` keys);
    every field when none carries ``key`` at all. ``top_level`` keeps only the root's
    properties."""
    fields = {p: a for p, a in annotations.items() if not top_level or p.count("/") == 1}
    if not any(key in a for a in fields.values()):
        return Flagged(paths=frozenset(fields), marked=False)
    return Flagged(paths=frozenset(p for p, a in fields.items() if a.get(key) is True), marked=True)
