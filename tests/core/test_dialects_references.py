"""Exporting schemas with references: bundled resources, $defs, anchors, allOf, recursion."""

from __future__ import annotations

from registry_core.dialects import export_schema
from tests.core.test_dialects_table import closed, pointers

# -- references ----------------------------------------------------------------------------

ADDRESS = {
    "$id": "https://example.com/schemas/address.json",
    "type": "object",
    "properties": {
        "zip": {"type": "string", "pattern": "^[0-9]{5}$"},
        "street": {"$ref": "#/$defs/Street"},
    },
    "required": ["zip", "street"],
    "additionalProperties": False,
    "$defs": {"Street": {"type": "string"}},
}
USES_ADDRESS = closed(
    {
        "home": {"$ref": "address.json"},
        "work": {"$ref": "address.json"},
        "street": {"$ref": "address.json#/$defs/Street"},
    }
)


def test_referenced_documents_are_bundled_into_defs() -> None:
    result = export_schema(USES_ADDRESS, "vllm-guidance", resources=[("address.json", ADDRESS)])

    assert result.ok
    schema = result.schema
    assert schema is not None
    assert schema["properties"] == {
        "home": {"$ref": "#/$defs/address"},
        "work": {"$ref": "#/$defs/address"},
        "street": {"$ref": "#/$defs/address_Street"},
    }
    assert schema["$defs"] == {
        "address": {
            "type": "object",
            "properties": {
                "zip": {"type": "string", "pattern": "^[0-9]{5}$"},
                "street": {"$ref": "#/$defs/address_Street"},  # its own reference followed too
            },
            "required": ["zip", "street"],
            "additionalProperties": False,
        },
        "address_Street": {"type": "string"},
    }


def test_referenced_documents_are_inlined_where_the_dialect_inlines() -> None:
    result = export_schema(USES_ADDRESS, "ollama", resources=[("address.json", ADDRESS)])

    assert result.schema is not None
    assert "$defs" not in result.schema
    assert result.schema["properties"]["street"] == {"type": "string"}
    assert result.schema["properties"]["home"]["properties"]["zip"] == {
        "type": "string",
        "pattern": "^[0-9]{5}$",
    }


def test_an_issue_inside_a_referenced_document_names_that_document() -> None:
    numeric_zip = {**ADDRESS, "properties": {**ADDRESS["properties"], "zip": {"enum": [10115]}}}
    result = export_schema(USES_ADDRESS, "gemini", resources=[("address.json", numeric_zip)])

    assert pointers(result.errors) == [("address.json#/properties/zip/enum", "enum")]


def test_a_reference_resolves_by_the_resources_id_too() -> None:
    schema = closed({"home": {"$ref": "https://example.com/schemas/address.json"}})
    result = export_schema(schema, "openai", resources=[("address.json", ADDRESS)])

    assert result.ok and result.schema is not None
    assert result.schema["properties"]["home"] == {"$ref": "#/$defs/address"}


def test_an_unresolvable_reference_is_an_error_naming_the_passed_documents() -> None:
    result = export_schema(closed({"a": {"$ref": "missing.json"}}), "openai")

    (error,) = result.errors
    assert (error.path, error.keyword) == ("/properties/a/$ref", "$ref")
    assert "missing.json" in error.message and "resources: none" in error.message


def test_draft_7_definitions_and_anchors_become_defs_references() -> None:
    schema = closed(
        {"a": {"$ref": "#/definitions/A"}, "b": {"$ref": "#bee"}},
        definitions={"A": {"type": "string"}, "B": {"$anchor": "bee", "type": "integer"}},
    )

    result = export_schema(schema, "openai")

    assert result.schema is not None
    assert result.schema["properties"] == {
        "a": {"$ref": "#/$defs/A"},
        "b": {"$ref": "#/$defs/B"},
    }
    assert result.schema["$defs"] == {"A": {"type": "string"}, "B": {"type": "integer"}}
    assert "definitions" not in result.schema


def test_unused_definitions_are_left_out() -> None:
    schema = closed({"a": {"type": "string"}}, **{"$defs": {"Unused": {"not": {}}}})

    result = export_schema(schema, "openai")

    assert result.ok and result.schema is not None and "$defs" not in result.schema


def test_an_allof_of_references_flattens_into_one_object() -> None:
    schema = {
        "allOf": [{"$ref": "#/$defs/Named"}, {"$ref": "#/$defs/Aged"}],
        "$defs": {
            "Named": {
                "type": "object",
                "properties": {"name": {"type": "string"}},
                "required": ["name"],
            },
            "Aged": {
                "type": "object",
                "properties": {"age": {"type": "integer"}},
                "required": ["age"],
            },
        },
    }

    result = export_schema(schema, "openai")

    assert result.schema == closed({"name": {"type": "string"}, "age": {"type": "integer"}})


def test_an_allof_whose_closed_branch_rejects_the_others_properties_is_an_error() -> None:
    schema = {
        "allOf": [closed({"a": {"type": "string"}}), {"properties": {"b": {"type": "string"}}}]
    }

    result = export_schema(schema, "vllm-xgrammar")

    assert pointers(result.errors) == [("/allOf/0/additionalProperties", "additionalProperties")]


def test_a_recursive_ref_with_siblings_is_refused_not_inlined_forever() -> None:
    node = {
        "type": "object",
        "properties": {"next": {"$ref": "#/$defs/N", "description": "the next one"}},
        "additionalProperties": False,
    }
    schema = closed({"n": {"$ref": "#/$defs/N"}}, **{"$defs": {"N": node}})

    result = export_schema(schema, "openai")

    assert pointers(result.errors) == [("/$defs/N/properties/next/$ref", "$ref")]
    assert export_schema(schema, "vllm-xgrammar").ok  # where $ref may have siblings


def test_a_ref_with_only_dollar_siblings_stays_a_reference_in_gemini_json() -> None:
    schema = closed(
        {"a": {"$ref": "#/$defs/A", "$comment": "why"}}, **{"$defs": {"A": {"type": "string"}}}
    )

    result = export_schema(schema, "gemini-json")

    assert result.schema is not None
    assert result.schema["properties"]["a"] == {"$ref": "#/$defs/A"}
    assert result.schema["$defs"] == {"A": {"type": "string"}}
