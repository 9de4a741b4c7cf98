"""Differential property tests: our engine's verdict equals the ``jsonschema`` reference
validator's for every generated schema and record, on every path (JSON lines, Python records,
Arrow tables through the vectorized checks)."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from registry_core.validation import Engine, SchemaView
from registry_core.validation.engine import _judge_lines
from registry_core.validation.records import json_view
from registry_core.validation.view import DRAFT_2020_12

KEYS = ["a", "b", "c"]
SETTINGS = settings(
    max_examples=int(__import__("os").environ.get("LLMSR_HYPOTHESIS_EXAMPLES", "150")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


def _maybe(draw: Any, schema: dict[str, Any], key: str, values: Any) -> None:
    if draw(st.booleans()):
        schema[key] = draw(values)


@st.composite
def scalar_schemas(draw: Any) -> dict[str, Any]:
    kind = draw(
        st.sampled_from(
            ["string", "integer", "number", "boolean", "null", "enum", "const", "any", "union"]
        )
    )
    schema: dict[str, Any] = {}
    if kind == "string":
        schema["type"] = draw(st.sampled_from(["string", ["string", "null"]]))
        _maybe(draw, schema, "minLength", st.integers(0, 3))
        _maybe(draw, schema, "maxLength", st.integers(0, 6))
        _maybe(draw, schema, "pattern", st.sampled_from(["^a", "b$", "[0-9]", "^[a-c]*$", "x|y"]))
    elif kind in ("integer", "number"):
        schema["type"] = draw(st.sampled_from([kind, [kind, "null"]]))
        bound = st.one_of(st.integers(-5, 5), st.floats(-5, 5, allow_nan=False).map(round2))
        for keyword in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
            _maybe(draw, schema, keyword, bound)
        _maybe(draw, schema, "multipleOf", st.sampled_from([2, 3, 0.5]))
    elif kind == "boolean":
        schema["type"] = "boolean"
    elif kind == "null":
        schema["type"] = "null"
    elif kind == "enum":
        schema["enum"] = draw(
            st.lists(
                st.one_of(st.sampled_from(["x", "y", "z"]), st.integers(-2, 2), st.none()),
                min_size=1,
                max_size=4,
                unique=True,
            )
        )
    elif kind == "const":
        schema["const"] = draw(st.one_of(st.sampled_from(["x", "y"]), st.integers(-2, 2)))
    elif kind == "union":  # outside the fast and columnar subsets: the exact path
        schema["anyOf"] = [{"type": "string", "maxLength": 2}, {"type": "integer"}]
    return schema


def round2(value: float) -> float:
    return round(value, 2)


@st.composite
def object_schemas(draw: Any, children: Any) -> dict[str, Any]:
    names = draw(st.lists(st.sampled_from(KEYS), unique=True, max_size=3))
    properties = {name: draw(children) for name in names}
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    required = draw(st.lists(st.sampled_from(KEYS), unique=True, max_size=2))
    if required:
        schema["required"] = required
    _maybe(draw, schema, "additionalProperties", st.booleans())
    return schema


@st.composite
def array_schemas(draw: Any, children: Any) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "array", "items": draw(children)}
    _maybe(draw, schema, "minItems", st.integers(0, 2))
    _maybe(draw, schema, "maxItems", st.integers(1, 3))
    _maybe(draw, schema, "uniqueItems", st.just(True))
    return schema


def schemas() -> Any:
    return st.recursive(
        scalar_schemas(),
        lambda children: st.one_of(object_schemas(children), array_schemas(children)),
        max_leaves=6,
    )


JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-6, 6)
    | st.floats(-6, 6, allow_nan=False).map(round2)
    | st.sampled_from(["", "a", "ab", "b", "x", "y", "a1", "ccc", "abcdefg"]),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.sampled_from([*KEYS, "d"]), children, max_size=4)
    ),
    max_leaves=8,
)


def reference(schema: dict[str, Any]) -> Any:
    return jsonschema.Draft202012Validator(schema)


def engine(schema: dict[str, Any]) -> Engine:
    return Engine(SchemaView(document=schema, draft=DRAFT_2020_12))


def fit(schema: Any) -> Any:
    """Values shaped like ``schema`` (often valid, often just off), mixed with arbitrary JSON."""
    if not isinstance(schema, dict) or not schema:
        return JSON
    if "enum" in schema:
        return st.sampled_from(schema["enum"]) | JSON
    if "const" in schema:
        return st.just(schema["const"]) | JSON
    if "anyOf" in schema:
        return st.one_of([fit(branch) for branch in schema["anyOf"]])
    kinds = schema.get("type", [])
    kinds = [kinds] if isinstance(kinds, str) else kinds
    options = []
    for kind in kinds:
        if kind == "string":
            options.append(st.text("abcxy01é", max_size=7))
        elif kind == "integer":
            options.append(st.integers(-6, 6))
        elif kind == "number":
            options.append(st.integers(-6, 6) | st.floats(-6, 6, allow_nan=False).map(round2))
        elif kind == "boolean":
            options.append(st.booleans())
        elif kind == "null":
            options.append(st.none())
        elif kind == "array":
            options.append(st.lists(fit(schema.get("items", {})), max_size=3))
        elif kind == "object":
            properties = schema.get("properties", {})
            required = [k for k in schema.get("required", []) if k in properties]
            options.append(
                st.fixed_dictionaries(
                    {k: fit(properties[k]) for k in required},
                    optional={
                        **{k: fit(v) for k, v in properties.items() if k not in required},
                        "d": JSON,
                    },
                )
            )
    return st.one_of(*options, JSON) if options else JSON


def records(schema: dict[str, Any]) -> Any:
    """Records made to fit the schema, and arbitrary JSON: both verdicts get exercised."""
    return fit(schema)


@SETTINGS
@given(st.data(), schemas())
def test_records_and_lines_agree_with_the_reference(data: Any, schema: dict[str, Any]) -> None:
    checker, ref = engine(schema), reference(schema)
    lines, verdicts = [], []
    for _ in range(8):
        value = data.draw(records(schema))
        expected = ref.is_valid(value)
        assert (checker.records.check_object(value) is None) == expected, (schema, value)
        line = json.dumps(value).encode()
        _, issues = checker.records.check_line(line)
        assert (issues is None) == expected, (schema, value)
        if not expected:
            assert issues and all(i.rule and i.message for i in issues)
        lines.append(line)
        verdicts.append(expected)
    # the batch path of a file chunk (patterns hoisted out of the typed decode) agrees too
    count, failures = _judge_lines(checker.records, b"\n".join(lines))
    assert count == len(lines)
    assert sorted(f[0] for f in failures) == [i for i, ok in enumerate(verdicts) if not ok], (
        schema,
        lines,
    )


@st.composite
def table_cases(draw: Any) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    schema = draw(object_schemas(schemas()))
    rows = draw(st.lists(records(schema), min_size=1, max_size=12))
    rows = [r for r in rows if isinstance(r, dict)]
    assume(rows)
    return schema, rows


@SETTINGS
@given(table_cases())
def test_tables_agree_with_the_reference_row_by_row(
    case: tuple[dict[str, Any], list[dict[str, Any]]],
) -> None:
    schema, rows = case
    try:
        table = pa.Table.from_pylist(rows)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, OverflowError):
        assume(False)  # values Arrow cannot put in one column type: not a table
        return
    ref = reference(schema)
    failures = dict(engine(schema).check_table(table))
    for position, row in enumerate(table.to_pylist()):
        document = json_view(row, schema, schema)  # what the cells mean as JSON
        expected = ref.is_valid(document)
        assert (position not in failures) == expected, (schema, row, document)


@pytest.mark.parametrize(
    ("schema", "value"),
    [
        ({"type": "integer"}, 1.0),  # an integral float is an integer
        ({"type": "integer", "maximum": 2**70}, 2**65),  # beyond 64 bits
        ({"type": "string", "maxLength": 2}, "éé"),  # code points, not bytes
        ({"enum": [1, "1"]}, True),  # booleans are not integers
        ({"type": "number", "multipleOf": 0.1}, 0.3),
    ],
)
def test_edge_values_agree_with_the_reference(schema: dict[str, Any], value: Any) -> None:
    expected = reference(schema).is_valid(value)
    checker = engine(schema)
    assert (checker.records.check_object(value) is None) == expected
    assert (checker.records.check_line(json.dumps(value).encode())[1] is None) == expected
