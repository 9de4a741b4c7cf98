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
from registry_core.validation.schema_view import SchemaView

__all__ = ["RecordValidator", "accepts_null", "json_view"]


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
    node = _branch(value, _deref(node, root), root)
    if isinstance(value, dict):
        props = node.get("properties", {}) if isinstance(node, dict) else {}
        extra = node.get("additionalProperties", True) if isinstance(node, dict) else True
        required = node.get("required", []) if isinstance(node, dict) else []
        if isinstance(required, list):  # a required key without a schema takes any value
            props = {**{k: True for k in required if isinstance(k, str)}, **props}
        out = {}
        for key, item in value.items():
            # an extra key's null cell is no key at all, unless its schema allows null
            sub = props[key] if key in props else extra if isinstance(extra, dict) else False
            if _is_null(item) and not accepts_null(_deref(sub, root), root):
                continue
            out[key] = json_view(item, _deref(sub, root), root)
        return out
    if isinstance(value, list | tuple):
        items = node.get("items", True) if isinstance(node, dict) else True
        sub = _deref(items, root) if isinstance(items, dict | bool) else True
        return [json_view(item, sub, root) for item in value]
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("latin-1")
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if hasattr(value, "item") and not isinstance(value, str):  # numpy scalars
        return json_view(value.item(), node, root)
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
