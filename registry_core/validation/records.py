"""Validate single records: JSON lines or Python objects, fast path first, exact verdict last."""

from __future__ import annotations

import datetime as dt
import decimal
import json
import math
from typing import Any

import orjson

from registry_core.validation.exact import RULE_NOT_JSON, ExactValidator, Issue
from registry_core.validation.fast import compile_fast
from registry_core.validation.view import SchemaView

__all__ = ["JsonView", "RecordValidator", "accepts_null", "json_view"]


class RecordValidator:
    """The verdict on one record: None when valid, else every issue found."""

    def __init__(self, view: SchemaView) -> None:
        self.view = view
        self.exact = ExactValidator(view)
        self.fast = compile_fast(view)

    def check_line(self, line: bytes) -> tuple[Any, list[Issue] | None]:
        """``(parsed or None, issues or None)`` for one JSON text; a valid line is not parsed."""
        if self.fast is not None and self.fast.check(line):
            return None, None
        try:
            value = orjson.loads(line)
        except orjson.JSONDecodeError:
            try:  # orjson refuses integers beyond 64 bits; the standard parser takes them
                value = json.loads(line)
            except (ValueError, RecursionError) as exc:
                return None, [Issue("", RULE_NOT_JSON, f"not JSON: {exc}")]
        issues = self.exact.issues(value)
        return value, issues or None

    def check_object(self, value: Any) -> list[Issue] | None:
        if self.fast is not None and self.fast.check_object(value):
            return None
        return self.exact.issues(value) or None


def accepts_null(node: Any, root: Any, depth: int = 0) -> bool:
    """Whether null is a valid value of ``node`` (so a null cell is a JSON null, not absent)."""
    if node is True or node == {} or depth > 16:
        return True
    if not isinstance(node, dict):
        return False
    if "$ref" in node and isinstance(node["$ref"], str) and node["$ref"].startswith("#/"):
        target: Any = root
        for part in node["$ref"][2:].split("/"):
            target = (
                target.get(part.replace("~1", "/").replace("~0", "~"), {})
                if isinstance(target, dict)
                else {}
            )
        return accepts_null(target, root, depth + 1)
    if "const" in node:
        return node["const"] is None
    if "enum" in node:
        return None in node["enum"]
    for keyword in ("anyOf", "oneOf"):
        if keyword in node:
            return any(accepts_null(n, root, depth + 1) for n in node[keyword])
    kind = node.get("type")
    if kind is None:
        return True
    return kind == "null" or (isinstance(kind, list) and "null" in kind)


def json_view(value: Any, node: Any, root: Any) -> Any:
    """A record read from columnar data (Arrow, pandas, Avro) as the JSON document it stands
    for: a null field is an absent key unless the field's schema accepts null, timestamps and
    dates are ISO 8601 strings, bytes are ISO-8859-1 strings (Avro's JSON encoding), decimals
    are numbers, NaN is absent."""
    return JsonView(root).convert(value, node)


class JsonView:
    """``json_view`` with the schema walk memoized, for converting many rows of one schema."""

    def __init__(self, root: Any) -> None:
        self.root = root
        self._nodes: dict[tuple[int, str], Any] = {}  # (id(node), JSON kind) -> chosen node
        self._nullable: dict[int, bool] = {}
        self._plans: dict[int, dict[str, tuple[Any, bool]]] = {}

    def _node(self, node: Any, value: Any) -> Any:
        kind = "o" if isinstance(value, dict) else "a" if isinstance(value, list | tuple) else "v"
        key = (id(node), kind)
        found = self._nodes.get(key)
        if found is None:
            found = _branch(value, _deref(node, self.root), self.root)
            self._nodes[key] = found
        return found

    def _accepts_null(self, node: Any) -> bool:
        found = self._nullable.get(id(node))
        if found is None:
            found = accepts_null(_deref(node, self.root), self.root)
            self._nullable[id(node)] = found
        return found

    def _plan(self, node: Any) -> dict[str, tuple[Any, bool]]:
        """Per object node, each key's ``(schema, keeps a null)``, filled as keys turn up."""
        plan = self._plans.get(id(node))
        if plan is None:
            plan = self._plans[id(node)] = {}
        return plan

    def _key(self, node: Any, key: str) -> tuple[Any, bool]:
        if isinstance(node, dict):
            props = node.get("properties", {})
            extra = node.get("additionalProperties", True)
            required = node.get("required", [])
        else:
            props, extra, required = {}, True, []
        if key in props:
            sub = props[key]
        elif isinstance(required, list) and key in required:
            sub = True  # a required key without a schema takes any value
        else:  # an extra key's null cell is no key at all, unless its schema allows null
            sub = extra if isinstance(extra, dict) else False
        return sub, self._accepts_null(sub)

    def convert(self, value: Any, node: Any) -> Any:
        node = self._node(node, value)
        if isinstance(value, dict):
            plan = self._plan(node)
            out = {}
            for key, item in value.items():
                kind = type(item)
                # plain scalars stand for themselves whatever the schema says: no lookup
                if kind is str or kind is int or kind is bool or (kind is float and item == item):
                    out[key] = item
                    continue
                entry = plan.get(key)
                if entry is None:
                    entry = plan[key] = self._key(node, key)
                if _is_null(item):
                    if entry[1]:
                        out[key] = None
                    continue
                out[key] = self.convert(item, entry[0])
            return out
        if isinstance(value, list | tuple):
            items = node.get("items", True) if isinstance(node, dict) else True
            sub = items if isinstance(items, dict | bool) else True
            return [
                item
                if (kind := type(item)) is str
                or kind is int
                or kind is bool
                or (kind is float and item == item)
                else self.convert(item, sub)
                for item in value
            ]
        if value is None or isinstance(value, str | bool | int):
            return value
        if isinstance(value, float):
            return None if math.isnan(value) else value
        if isinstance(value, dt.datetime | dt.date | dt.time):
            return value.isoformat()
        if isinstance(value, bytes):
            return value.decode("latin-1")
        if isinstance(value, decimal.Decimal):
            return int(value) if value == value.to_integral_value() else float(value)
        if isinstance(value, dt.timedelta):
            return value.total_seconds()
        if hasattr(value, "item"):  # numpy scalars
            return self.convert(value.item(), node)
        return value


def _branch(value: Any, node: Any, root: Any) -> Any:
    """For an anyOf / oneOf node, the branch that describes a value of this JSON type."""
    if not isinstance(node, dict):
        return node
    branches = node.get("anyOf") or node.get("oneOf")
    if not isinstance(branches, list):
        return node
    wanted = (
        "object"
        if isinstance(value, dict)
        else "array"
        if isinstance(value, list | tuple)
        else None
    )
    for branch in branches:
        branch = _deref(branch, root)
        kind = branch.get("type") if isinstance(branch, dict) else None
        if wanted is not None and (kind == wanted or (isinstance(kind, list) and wanted in kind)):
            return branch
    return node


def _is_null(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _deref(node: Any, root: Any) -> Any:
    for _ in range(16):
        if not (isinstance(node, dict) and isinstance(node.get("$ref"), str)):
            return node
        ref = node["$ref"]
        if not ref.startswith("#/"):
            return node
        target: Any = root
        for part in ref[2:].split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            target = target.get(part, {}) if isinstance(target, dict) else {}
        node = target
    return node
