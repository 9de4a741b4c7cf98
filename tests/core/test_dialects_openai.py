"""OpenAI strict mode: required and nullable properties, the root, limits, the schema name."""

from __future__ import annotations

from typing import Any

import pytest

from registry_core.dialects import export_schema
from tests.core.test_dialects_table import closed, pointers

# -- OpenAI: required, nullable, the root, limits, the name --------------------------------


def test_optional_properties_become_nullable_each_with_a_warning() -> None:
    schema = {
        "type": "object",
        "properties": {
            "name": {"type": "string"},
            "nick": {"type": "string", "enum": ["a", "b"]},
            "home": {"$ref": "#/$defs/Place"},
            "note": {"type": ["string", "null"]},  # already accepts null: nothing lost
        },
        "required": ["name"],
        "$defs": {"Place": closed({"city": {"type": "string"}})},
    }

    result = export_schema(schema, "openai")

    assert result.schema is not None and result.lossy
    assert result.schema["required"] == ["name", "nick", "home", "note"]
    assert result.schema["properties"]["nick"] == {
        "type": ["string", "null"],
        "enum": ["a", "b", None],
    }
    assert result.schema["properties"]["home"] == {
        "anyOf": [{"$ref": "#/$defs/Place"}, {"type": "null"}]
    }
    assert pointers(result.warnings) == [
        ("/properties/nick", "required"),
        ("/properties/home", "required"),
    ]
    assert "null" in result.warnings[0].message and "'nick'" in result.warnings[0].message


def test_an_avro_style_root_reference_is_exported_as_the_record_itself() -> None:
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$ref": "#/$defs/com.acme.User",
        "$defs": {"com.acme.User": closed({"id": {"type": "integer"}})},
    }

    result = export_schema(schema, "openai")

    assert result.warnings == ()
    assert result.schema == closed({"id": {"type": "integer"}})


def test_a_wrapped_root_that_refers_to_itself_moves_into_defs() -> None:
    tree = {"type": "array", "items": closed({"kids": {"$ref": "#"}})}

    result = export_schema(tree, "openai")

    assert result.schema == {
        "type": "object",
        "properties": {"value": {"$ref": "#/$defs/root"}},
        "required": ["value"],
        "additionalProperties": False,
        "$defs": {"root": {"type": "array", "items": closed({"kids": {"$ref": "#/$defs/root"}})}},
    }
    assert pointers(result.warnings) == [("", "type")]


def many_properties(count: int) -> dict[str, Any]:
    return closed({f"p{i}": {"type": "string"} for i in range(count)})


def test_openai_allows_5000_properties_and_refuses_one_more() -> None:
    assert export_schema(many_properties(5000), "openai").ok
    result = export_schema(many_properties(5001), "openai")
    assert pointers(result.errors) == [("", "properties")]
    assert "5,000" in result.errors[0].message


def test_the_older_openai_profile_keeps_its_older_limit() -> None:
    assert export_schema(many_properties(100), "openai", profile="2024-08").ok
    assert not export_schema(many_properties(101), "openai", profile="2024-08").ok


def nested(levels: int) -> dict[str, Any]:
    schema: dict[str, Any] = closed({"leaf": {"type": "string"}})
    for _ in range(levels - 1):
        schema = closed({"child": schema})
    return schema


def test_openai_allows_10_levels_of_objects_and_refuses_11() -> None:
    assert export_schema(nested(10), "openai").ok
    result = export_schema(nested(11), "openai")
    assert pointers(result.errors) == [("/properties/child" * 10, "properties")]


def test_openai_enum_limits() -> None:
    values = [f"v{i}" for i in range(1001)]
    result = export_schema(closed({"e": {"type": "string", "enum": values}}), "openai")
    assert pointers(result.errors) == [("/properties/e", "enum")]
    assert "1,000" in result.errors[0].message

    long_values = [f"{i:03d}" + "x" * 57 for i in range(251)]  # 251 values, 15,060 characters
    result = export_schema(closed({"e": {"type": "string", "enum": long_values}}), "openai")
    assert pointers(result.errors) == [("/properties/e", "enum")]
    assert "15,000" in result.errors[0].message
    assert export_schema(closed({"e": {"type": "string", "enum": long_values[:250]}}), "openai").ok


def test_openai_total_characters_limit() -> None:
    names = {f"{i}" + "n" * 40_000: {"type": "string"} for i in range(3)}

    result = export_schema(closed(names), "openai")

    assert pointers(result.errors) == [("", "properties")]
    assert "120,000" in result.errors[0].message


@pytest.mark.parametrize(
    ("name", "ok"), [("invoice_v2-x", True), ("has space", False), ("x" * 65, False)]
)
def test_openai_schema_names_are_checked(name: str, ok: bool) -> None:
    result = export_schema(closed({"a": {"type": "string"}}), "openai", name=name)

    assert result.ok is ok
    if not ok:
        assert pointers(result.errors) == [("", "name")]


def test_other_dialects_take_any_name() -> None:
    assert export_schema(closed({"a": {"type": "string"}}), "gemini", name="has space").ok
