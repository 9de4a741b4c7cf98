"""Our Avro checker gives the same verdict as Apache Avro's own (``avro.compatibility``)."""

from __future__ import annotations

import json
from typing import Any

import avro.schema
from avro.compatibility import ReaderWriterCompatibilityChecker, SchemaCompatibilityType
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from registry_core.formats.avro_compat import check_compatibility

PRIMITIVES = ["null", "boolean", "int", "long", "float", "double", "bytes", "string"]
DEFAULTS: dict[str, Any] = {
    "null": None,
    "boolean": False,
    "int": 0,
    "long": 0,
    "float": 0.5,
    "double": 1.5,
    "bytes": "",
    "string": "",
}
FIELD_NAMES = ["id", "text", "role", "tokens", "score"]
SYMBOLS = ["SYSTEM", "USER", "ASSISTANT", "TOOL"]


def types(name: str) -> st.SearchStrategy[Any]:
    """Avro types whose named parts are named after ``name`` so both sides can match."""
    leaf = st.sampled_from(PRIMITIVES)
    enum = st.builds(
        lambda symbols, default: {
            "type": "enum",
            "name": f"E_{name}",
            "symbols": symbols,
            **({"default": symbols[0]} if default else {}),
        },
        st.lists(st.sampled_from(SYMBOLS), min_size=1, max_size=4, unique=True),
        st.booleans(),
    )
    fixed = st.builds(
        lambda size: {"type": "fixed", "name": f"F_{name}", "size": size}, st.sampled_from([8, 16])
    )
    union = st.lists(
        st.sampled_from(["null", "int", "long", "string", "double"]),
        min_size=1,
        max_size=3,
        unique=True,
    )
    array = st.builds(lambda items: {"type": "array", "items": items}, leaf)
    mapping = st.builds(lambda values: {"type": "map", "values": values}, leaf)
    return st.one_of(leaf, enum, fixed, union, array, mapping)


def _default_for(kind: Any) -> Any:
    if isinstance(kind, str):
        return DEFAULTS[kind]
    if isinstance(kind, list):
        return DEFAULTS[kind[0]]
    if kind["type"] == "enum":
        return kind["symbols"][0]
    if kind["type"] == "fixed":
        return "\u0000" * kind["size"]
    return [] if kind["type"] == "array" else {}


@st.composite
def records(draw: st.DrawFn) -> dict[str, Any]:
    names = draw(st.lists(st.sampled_from(FIELD_NAMES), min_size=0, max_size=4, unique=True))
    fields = []
    for name in names:
        kind = draw(types(name))
        field: dict[str, Any] = {"name": name, "type": kind}
        if draw(st.booleans()):
            field["default"] = _default_for(kind)
        fields.append(field)
    record_name = draw(st.sampled_from(["Event", "Event", "Other"]))
    return {"type": "record", "name": record_name, "fields": fields}


def _oracle(reader: dict[str, Any], writer: dict[str, Any]) -> bool:
    result = ReaderWriterCompatibilityChecker().get_compatibility(
        reader=avro.schema.parse(json.dumps(reader)), writer=avro.schema.parse(json.dumps(writer))
    )
    return result.compatibility is SchemaCompatibilityType.compatible


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(reader=records(), writer=records())
def test_verdict_matches_apache_avro_on_generated_pairs(
    reader: dict[str, Any], writer: dict[str, Any]
) -> None:
    ours = check_compatibility(
        avro.schema.parse(json.dumps(reader)), avro.schema.parse(json.dumps(writer))
    )
    assert (not ours) == _oracle(reader, writer), [str(i) for i in ours]


@settings(max_examples=100, deadline=None)
@given(schema=records())
def test_every_schema_is_compatible_with_itself(schema: dict[str, Any]) -> None:
    parsed = avro.schema.parse(json.dumps(schema))
    assert check_compatibility(parsed, parsed) == []
