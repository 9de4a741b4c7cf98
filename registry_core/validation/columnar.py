"""A JSON Schema compiled into Polars expressions over a table: which rows may be invalid.

Each supported keyword becomes a vectorized check (types against the column's Arrow type,
required, null, enum, const, bounds, multipleOf of integers, pattern, lengths, item counts,
nested structs and lists, additionalProperties). A construct the expressions cannot state
exactly (anyOf, uniqueItems, a fractional multipleOf, a regex Polars' engine rejects...) marks
every row that has a value there as a suspect instead. Suspects then go to the exact validator,
which decides and explains, so a verdict is never wrong: rows not flagged are valid, and a
flagged row is invalid only if the exact validator says so.

Cells are read as the JSON document they stand for (``records.json_view``): a null field is an
absent key unless its schema accepts null; NaN is null; timestamps and binary are strings.
"""

from __future__ import annotations

import logging
from typing import Any

import polars as pl

from registry_core.validation.records import accepts_null
from registry_core.validation.view import ANNOTATIONS, FILTERED_KEYWORDS, SchemaView

__all__ = ["ColumnarChecker"]

log = logging.getLogger(__name__)

_ANNOTATIONS = ANNOTATIONS
_HANDLED = FILTERED_KEYWORDS
_STRING_RULES = ("minLength", "maxLength", "pattern")
_NUMBER_RULES = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf")
FALSE = pl.lit(False)


def _json_type(dtype: pl.DataType) -> str | None:
    """The JSON type of this column's values as ``json_view`` presents them."""
    if dtype.is_integer():
        return "integer"
    if dtype.is_float() or isinstance(dtype, pl.Decimal):
        return "number"
    if dtype == pl.Boolean:
        return "boolean"
    if dtype in (pl.String, pl.Categorical) or isinstance(dtype, pl.Enum):
        return "string"
    if (dtype.is_temporal() and not isinstance(dtype, pl.Duration)) or dtype == pl.Binary:
        return "string*"  # a string Polars does not hold as text: string rules are suspects
    if isinstance(dtype, pl.Struct):
        return "object"
    if isinstance(dtype, pl.List | pl.Array):
        return "array"
    if dtype == pl.Null:
        return "null"
    return None


class ColumnarChecker:
    """``suspects(df)``: a boolean Series, True for rows the exact validator must judge."""

    def __init__(self, view: SchemaView) -> None:
        self.root = view.document
        self._plans: dict[tuple[tuple[str, str], ...], pl.Expr] = {}
        self._patterns: dict[str, bool] = {}

    def suspects(self, df: pl.DataFrame) -> pl.Series:
        key = tuple((name, str(dtype)) for name, dtype in df.schema.items())
        expr = self._plans.get(key)
        if expr is None:
            expr = self._plan(df.schema).fill_null(True).alias("suspect")
            self._plans[key] = expr
        if df.width == 0:
            return pl.Series("suspect", [True] * df.height)
        # with_columns broadcasts a literal (a missing required column) to every row
        try:
            return df.with_columns(expr).get_column("suspect")
        except pl.exceptions.PolarsError as exc:  # never a wrong verdict: all rows go exact
            log.warning("vectorized checks failed (%s); validating every row exactly", exc)
            self._plans[key] = pl.lit(True).alias("suspect")
            return pl.Series("suspect", [True] * df.height)

    def _plan(self, schema: pl.Schema) -> pl.Expr:
        root = self._deref(self.root, ())
        if root is None or not _object_only(root):
            return pl.lit(True)  # not a table of objects: every row to the exact validator
        return self._object(root, None, {name: dtype for name, dtype in schema.items()}, ())

    # --- nodes -----------------------------------------------------------------------------

    def _deref(self, node: Any, seen: tuple[str, ...]) -> Any:
        while isinstance(node, dict) and "$ref" in node:
            ref = node["$ref"]
            if set(node) - _ANNOTATIONS != {"$ref"} or not isinstance(ref, str):
                return None
            if not ref.startswith("#/") or ref in seen:
                return None
            seen = (*seen, ref)
            target: Any = self.root
            for part in ref[2:].split("/"):
                part = part.replace("~1", "/").replace("~0", "~")
                if not isinstance(target, dict) or part not in target:
                    return None
                target = target[part]
            node = target
        return node

    def _value(
        self, node: Any, expr: pl.Expr, dtype: pl.DataType, seen: tuple[str, ...]
    ) -> pl.Expr:
        """Rows where a present value at ``expr`` may violate ``node``."""
        present = _present(expr, dtype)
        node = self._deref(node, seen)
        if node is True or node == {}:
            return FALSE
        if node is None or node is False or not isinstance(node, dict):
            return present
        if set(node) - _ANNOTATIONS - _HANDLED or ("$id" in node and node is not self.root):
            return present
        kind = _json_type(dtype)
        if kind is None:
            return present
        if kind == "null":
            return FALSE
        if "const" in node or "enum" in node:
            values = [node["const"]] if "const" in node else list(node["enum"])
            return self._enum(values, node, expr, dtype, kind, present)
        allowed = _types(node)
        if allowed is not None and not _type_ok(kind, allowed):
            if kind == "number" and "integer" in allowed and dtype.is_float():
                fractional = expr.is_finite() & (expr != expr.floor())
                return present & (fractional | self._number(node, expr, dtype, present))
            return present
        if kind == "integer" or kind == "number":
            return self._number(node, expr, dtype, present)
        if kind == "string":
            return self._string(node, expr.cast(pl.String), present)
        if kind == "string*":
            return present if any(k in node for k in _STRING_RULES) else FALSE
        if kind == "object":
            assert isinstance(dtype, pl.Struct)
            fields = {f.name: f.dtype for f in dtype.fields}
            return present & self._object(node, expr, fields, seen)
        if kind == "array":
            return present & self._array(node, expr, dtype, seen)
        return FALSE  # boolean: nothing beyond its type

    def _enum(
        self,
        values: list[Any],
        node: dict[str, Any],
        expr: pl.Expr,
        dtype: pl.DataType,
        kind: str,
        present: pl.Expr,
    ) -> pl.Expr:
        if set(node) - _ANNOTATIONS - {"type", "enum", "const"}:
            return present
        if kind == "string":
            strings: list[Any] = [v for v in values if isinstance(v, str)]
            wanted = strings
            if len(wanted) + sum(v is None for v in values) != len(values):
                return present  # mixed-type enums: the exact validator
            return present & ~expr.cast(pl.String).is_in(_values(wanted, pl.String))
        if kind in ("integer", "number"):
            wanted = [v for v in values if isinstance(v, int) and not isinstance(v, bool)]
            if len(wanted) + sum(v is None for v in values) != len(values) or not wanted:
                return present
            if dtype.is_float():
                return present & ~expr.is_in(_values([float(v) for v in wanted], pl.Float64))
            if any(not -(2**63) <= v < 2**63 for v in wanted) or dtype == pl.UInt64:
                return present
            return present & ~expr.cast(pl.Int64).is_in(_values(wanted, pl.Int64))
        if kind == "boolean":
            wanted = [v for v in values if isinstance(v, bool)]
            if len(wanted) + sum(v is None for v in values) != len(values) or not wanted:
                return present
            return present & ~expr.is_in(_values(wanted, pl.Boolean))
        return present

    def _number(
        self, node: dict[str, Any], expr: pl.Expr, dtype: pl.DataType, present: pl.Expr
    ) -> pl.Expr:
        checks = []
        for keyword in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
            bound = node.get(keyword)
            if bound is None:
                continue
            if isinstance(bound, bool) or not isinstance(bound, int | float):
                return present  # draft 4's boolean exclusive bounds
            if keyword == "minimum":
                checks.append(expr < bound)
            elif keyword == "maximum":
                checks.append(expr > bound)
            elif keyword == "exclusiveMinimum":
                checks.append(expr <= bound)
            else:
                checks.append(expr >= bound)
        multiple = node.get("multipleOf")
        if multiple is not None:
            if dtype.is_integer() and isinstance(multiple, int) and not isinstance(multiple, bool):
                checks.append(expr % multiple != 0)
            else:
                return present  # floating-point multiples: the exact validator
        if not checks:
            return FALSE
        return present & pl.any_horizontal(checks)

    def _string(self, node: dict[str, Any], expr: pl.Expr, present: pl.Expr) -> pl.Expr:
        checks = []
        if "minLength" in node:
            checks.append(expr.str.len_chars() < node["minLength"])
        if "maxLength" in node:
            checks.append(expr.str.len_chars() > node["maxLength"])
        pattern = node.get("pattern")
        if pattern is not None:
            if not isinstance(pattern, str) or not self._regex_ok(pattern):
                return present
            checks.append(~expr.str.contains(pattern))
        if not checks:
            return FALSE
        return present & pl.any_horizontal(checks)

    def _regex_ok(self, pattern: str) -> bool:
        """Whether Polars' regex engine takes the pattern (no look-around or backreferences)."""
        known = self._patterns.get(pattern)
        if known is None:
            try:
                pl.select(pl.lit("").str.contains(pattern))
                known = True
            except Exception:
                known = False
            self._patterns[pattern] = known
        return known

    def _object(
        self,
        node: dict[str, Any],
        expr: pl.Expr | None,
        fields: dict[str, Any],
        seen: tuple[str, ...],
    ) -> pl.Expr:
        properties = node.get("properties", {})
        required = node.get("required", [])
        extra = node.get("additionalProperties", True)
        if not isinstance(properties, dict) or not isinstance(required, list):
            return pl.lit(True)
        if extra is False and set(required) - set(properties):
            return pl.lit(True)  # a required key that is also forbidden: the exact validator
        checks = []
        for name in dict.fromkeys([*properties, *required]):
            sub = properties.get(name, True)
            if name not in fields:
                if name in required:
                    checks.append(pl.lit(True))  # the column or field is missing
                continue
            child = pl.col(name) if expr is None else expr.struct.field(name)
            dtype = fields[name]
            if name in required and not accepts_null(self._deref(sub, seen) or {}, self.root):
                checks.append(~_present(child, dtype))  # null counts as absent
            checks.append(self._value(sub, child, dtype, seen))
        for name, dtype in fields.items():
            if name in properties:
                continue
            child = pl.col(name) if expr is None else expr.struct.field(name)
            if extra is False:
                checks.append(_present(child, dtype))
            elif extra is not True and extra != {}:
                checks.append(self._value(extra, child, dtype, seen))
        return pl.any_horizontal(checks) if checks else FALSE

    def _array(
        self, node: dict[str, Any], expr: pl.Expr, dtype: pl.DataType, seen: tuple[str, ...]
    ) -> pl.Expr:
        checks = []
        length = expr.list.len() if isinstance(dtype, pl.List) else expr.arr.len()
        if "minItems" in node:
            checks.append(length < node["minItems"])
        if "maxItems" in node:
            checks.append(length > node["maxItems"])
        items = node.get("items", True)
        if isinstance(items, list):
            return pl.lit(True)  # tuple-form items: the exact validator
        inner = dtype.inner  # type: ignore[attr-defined]
        assert inner is not None
        item = self._deref(items, seen)
        element = pl.element()
        item_check = self._value(items, element, inner, seen)
        if item is not None and not accepts_null(item, self.root):
            item_check = item_check | element.is_null()  # a null inside an array is null
        values = expr if isinstance(dtype, pl.List) else expr.arr.to_list()
        checks.append(values.list.eval(item_check).list.any())
        return pl.any_horizontal(checks)


def _values(values: list[Any], dtype: Any) -> pl.Expr:
    """A set of values for ``is_in``, as one list literal of the column's type."""
    return pl.lit(pl.Series(values, dtype=dtype).implode())


def _present(expr: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    if dtype.is_float():
        return expr.is_not_null() & ~expr.is_nan()
    return expr.is_not_null()


def _types(node: dict[str, Any]) -> set[str] | None:
    kind = node.get("type")
    if kind is None:
        return None
    return {kind} if isinstance(kind, str) else set(kind)


def _type_ok(kind: str, allowed: set[str]) -> bool:
    if kind == "string*":
        return "string" in allowed
    if kind == "integer":
        return bool(allowed & {"integer", "number"})
    return kind in allowed


def _object_only(node: Any) -> bool:
    if not isinstance(node, dict) or set(node) - _ANNOTATIONS - _HANDLED:
        return False
    kind = node.get("type")
    return kind in (None, "object") and ("properties" in node or "required" in node)
