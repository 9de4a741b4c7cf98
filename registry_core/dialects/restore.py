"""``restore_reply``: undo, on a model's reply, the export rewrites that reshape valid data.

Two rewrites make a reply that is valid under the export differ from what the source schema
describes, so validating it against the source would fail for the export's sake:

- ``wrap_non_object_root`` (OpenAI, Anthropic) sends a non-object root as
  ``{"value": <schema>}``: the reply's ``value`` is the answer;
- ``require_all_make_optional_nullable`` (OpenAI strict) makes every optional property
  required and nullable: the model sends null where the source leaves the key out.

Everything else a profile does (``oneOf`` as ``anyOf``, ``const`` as ``enum``, constraints moved
into descriptions, ...) keeps the shape of valid data, so there is nothing to undo; the reply
is then checked against the source schema as it is.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

from registry_core.dialects.bundle import Locator
from registry_core.dialects.export import run_export
from registry_core.dialects.finalize import WRAPPED
from registry_core.dialects.profiles import Profile, get_profile

__all__ = ["restore_reply"]

Located = tuple[Any, str]  # a schema and the document ("" or a resource URL) it is written in

# The export of a schema, kept for the next reply to the same schema object: exporting costs
# 0.1-0.4 ms, validating a reply about 0.02 ms. Keyed by identity (the registry hands out the
# same cached document for a version); the entry holds the document and resources themselves,
# so an id cannot be reused while it is cached. Documents are taken as immutable.
_EXPORTS: OrderedDict[tuple[int, int, str], tuple[Any, Any, Any]] = OrderedDict()
_EXPORTS_SIZE = 128
_EXPORTS_LOCK = threading.Lock()


def _export_walk(document: Any, chosen: Profile, resources: Sequence[tuple[str, Any]]) -> Any:
    key = (id(document), id(resources), chosen.id)
    with _EXPORTS_LOCK:
        hit = _EXPORTS.get(key)
        if hit is not None and hit[0] is document and hit[1] is resources:
            _EXPORTS.move_to_end(key)
            return hit[2]
    walk, _ = run_export(document, chosen, resources)
    with _EXPORTS_LOCK:
        _EXPORTS[key] = (document, resources, walk)
        while len(_EXPORTS) > _EXPORTS_SIZE:
            _EXPORTS.popitem(last=False)
    return walk


def restore_reply(
    value: Any,
    document: dict[str, Any] | bool,
    dialect: str,
    *,
    profile: str | None = None,
    resources: Sequence[tuple[str, Any]] = (),
) -> Any:
    """``value``, a model's reply under the export of ``document`` to ``dialect``, as the
    source schema describes it, so it can be validated against ``document``.

    Unwraps ``{"value": ...}`` where the export wrapped a non-object root, and drops a null
    property the export made required and nullable: one the source leaves optional and whose
    schema rejects null. Nothing else is changed: a null the source allows, or on a required
    property, stays (the validator reports the latter); where a value could be one of several
    object schemas (an ``anyOf`` with two object branches) it is left alone. A reply that does
    not fit (not a dict, a wrapper with other keys, too deep) comes back as it is. The input is
    not modified; the result may share parts with it.

    Args:
        value: the reply, parsed from JSON.
        document: the source schema the export was made from.
        dialect: the dialect the reply was produced under (one of ``DIALECTS``).
        profile: the profile of the export (None: the dialect's default).
        resources: the documents the schema's ``$ref``s point at, as for ``export_schema``.

    Raises:
        UnknownDialect: the dialect or profile does not exist.
    """
    chosen = get_profile(dialect, profile)
    wraps = chosen.root_rewrite == "wrap_non_object_root"
    nulls = "require_all_make_optional_nullable" in chosen.node_rewrites
    if not (wraps or nulls):
        return value
    try:
        walk = _export_walk(document, chosen, resources)
        if walk.log.errors:  # nothing was exported, so no reply was shaped by an export
            return value
        restored = value
        if walk.root_wrapped:
            if not (isinstance(value, dict) and list(value) == [WRAPPED]):
                return value
            restored = value[WRAPPED]
        if nulls:
            restored = _restore(walk.locator, restored, [(document, "")])
    except RecursionError:  # a reply (or schema) nested too deeply: the validator says so
        return value
    return restored


def _restore(locator: Locator, value: Any, schemas: list[Located]) -> Any:
    """``value`` without the nulls the export added, where all of ``schemas`` apply to it."""
    kind = "object" if isinstance(value, dict) else "array" if isinstance(value, list) else None
    if kind is None or not schemas:
        return value
    parts: list[tuple[dict[str, Any], str]] = []
    seen: set[tuple[str, str]] = set()
    for schema, doc in schemas:
        found = _conjuncts(locator, schema, doc, kind, seen)
        if found is None:
            return value
        parts += found
    if isinstance(value, dict):
        return _restore_object(locator, value, parts)
    return [_restore(locator, item, _items_at(parts, i)) for i, item in enumerate(value)]


def _restore_object(
    locator: Locator, value: dict[str, Any], parts: list[tuple[dict[str, Any], str]]
) -> dict[str, Any]:
    required = {
        r for schema, _ in parts for r in _list(schema.get("required")) if isinstance(r, str)
    }
    out: dict[str, Any] = {}
    for key, item in value.items():
        declared = [
            (schema["properties"][key], doc)
            for schema, doc in parts
            if isinstance(schema.get("properties"), dict) and key in schema["properties"]
        ]
        optional = declared and key not in required
        if item is None and optional and not _all_accept_null(locator, declared):
            continue  # optional, and null only because the export made it nullable
        out[key] = _restore(locator, item, declared or _additional(parts, key))
    return out


def _additional(parts: list[tuple[dict[str, Any], str]], key: str) -> list[Located]:
    """The ``additionalProperties`` schemas that apply to an undeclared ``key``."""
    return [
        (schema["additionalProperties"], doc)
        for schema, doc in parts
        if isinstance(schema.get("additionalProperties"), dict)
        and "patternProperties" not in schema
    ]


def _items_at(parts: list[tuple[dict[str, Any], str]], index: int) -> list[Located]:
    """The schemas that apply to item ``index`` of an array (``prefixItems``, then ``items``;
    draft 7's ``items`` array, then ``additionalItems``)."""
    found: list[Located] = []
    for schema, doc in parts:
        items = schema.get("items")
        prefix, rest = (
            (items, schema.get("additionalItems"))
            if isinstance(items, list)
            else (_list(schema.get("prefixItems")), items)
        )
        chosen = prefix[index] if index < len(prefix) else rest
        if isinstance(chosen, dict):
            found.append((chosen, doc))
    return found


def _conjuncts(
    locator: Locator, schema: Any, doc: str, kind: str, seen: set[tuple[str, str]]
) -> list[tuple[dict[str, Any], str]] | None:
    """Every schema object that holds for a value of ``kind`` where ``schema`` applies: the
    schema, its ``$ref``'s target and its ``allOf`` members (each target once), and the one
    ``anyOf``/``oneOf`` branch that can hold such a value; None when several branches can."""
    if not isinstance(schema, dict):
        return []
    found = [(schema, doc)]
    nested: list[Located] = [(member, doc) for member in _list(schema.get("allOf"))]
    ref = schema.get("$ref")
    if isinstance(ref, str):
        target = locator.resolve(ref, doc)
        if not isinstance(target, str) and target.key not in seen:
            seen.add(target.key)
            nested.append((target.schema, target.doc))
    for keyword in ("anyOf", "oneOf"):
        fitting = [b for b in _list(schema.get(keyword)) if _may_hold(locator, b, doc, kind)]
        if len(fitting) > 1:
            return None
        nested += [(branch, doc) for branch in fitting]
    for sub, sub_doc in nested:
        more = _conjuncts(locator, sub, sub_doc, kind, seen)
        if more is None:
            return None
        found += more
    return found


def _may_hold(locator: Locator, schema: Any, doc: str, kind: str) -> bool:
    """Whether a value of ``kind`` may meet ``schema``, judged by the types it and its
    ``$ref`` chain declare (a schema that declares none may)."""
    seen: set[tuple[str, str]] = set()
    while isinstance(schema, dict):
        declared = schema.get("type")
        names = [declared] if isinstance(declared, str) else _list(declared)
        if names and kind not in names:
            return False
        ref = schema.get("$ref")
        target = locator.resolve(ref, doc) if isinstance(ref, str) else "no reference"
        if isinstance(target, str) or target.key in seen:
            return True
        seen.add(target.key)
        schema, doc = target.schema, target.doc
    return schema is not False


def _all_accept_null(locator: Locator, schemas: list[Located]) -> bool:
    return all(_accepts_null(locator, schema, doc, set()) for schema, doc in schemas)


def _accepts_null(locator: Locator, schema: Any, doc: str, seen: set[tuple[str, str]]) -> bool:
    """Whether null meets ``schema`` (True when unsure: the null is then kept)."""
    if not isinstance(schema, dict):
        return schema is not False
    declared = schema.get("type")
    if (isinstance(declared, str) and declared != "null") or (
        isinstance(declared, list) and "null" not in declared
    ):
        return False
    if isinstance(schema.get("enum"), list) and None not in schema["enum"]:
        return False
    if "const" in schema and schema["const"] is not None:
        return False
    if not all(_accepts_null(locator, m, doc, seen) for m in _list(schema.get("allOf"))):
        return False
    for keyword in ("anyOf", "oneOf"):  # oneOf as anyOf: unsure whether only one branch holds
        branches = _list(schema.get(keyword))
        if branches and not any(_accepts_null(locator, b, doc, seen) for b in branches):
            return False
    ref = schema.get("$ref")
    target = locator.resolve(ref, doc) if isinstance(ref, str) else None
    if target is None or isinstance(target, str) or target.key in seen:
        return True
    seen.add(target.key)
    return _accepts_null(locator, target.schema, target.doc, seen)


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []
