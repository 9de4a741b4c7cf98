"""Exporting schemas to LLM dialects: the public API, and issues with their pointers.

The keyword x dialect table is in test_dialects_cells_*.py; references in
test_dialects_references.py; OpenAI's rewrites and limits in test_dialects_openai.py.
"""

from __future__ import annotations

import json

import pytest

import registry_core.dialects as dialects
from registry_core.dialects import DIALECTS, ExportIssue, ExportResult, export_schema
from registry_core.errors import UnknownDialect
from tests.core.test_dialects_table import closed, pointers

# -- the public surface --------------------------------------------------------------------


def test_all_lists_every_public_name() -> None:
    public = {
        name
        for name, value in vars(dialects).items()
        if not name.startswith("_")
        and getattr(value, "__module__", "").startswith(dialects.__name__)
    }
    assert public - {"annotations"} <= set(dialects.__all__)
    assert all(hasattr(dialects, name) for name in dialects.__all__)


def test_dialects_are_the_seven_targets_in_order() -> None:
    assert DIALECTS == (
        "openai",
        "anthropic",
        "gemini",
        "gemini-json",
        "ollama",
        "vllm-xgrammar",
        "vllm-guidance",
    )


def test_result_to_dict_has_exactly_the_documented_keys_and_is_json() -> None:
    result = export_schema({"type": "object", "properties": {"a": {"type": "string"}}}, "openai")

    data = result.to_dict()

    assert list(data) == ["dialect", "profile", "schema", "warnings", "errors", "lossy"]
    assert data["warnings"] == [
        {"path": "/properties/a", "keyword": "required", "message": result.warnings[0].message}
    ]
    assert json.loads(json.dumps(data)) == data
    assert (result.dialect, result.profile, result.ok, result.lossy) == (
        "openai",
        "openai/2025-11",
        True,
        True,
    )


def test_results_are_frozen_and_keyword_only() -> None:
    issue = ExportIssue(path="", keyword="type", message="m")
    with pytest.raises(AttributeError):
        issue.path = "/x"  # type: ignore[misc]
    with pytest.raises(TypeError):
        ExportIssue("", "type", "m")  # type: ignore[misc]
    result = ExportResult(
        dialect="openai",
        profile="openai/2025-11",
        schema=None,
        warnings=(),
        errors=(issue,),
        lossy=False,
    )
    assert not result.ok
    assert result.to_dict()["errors"] == [{"path": "", "keyword": "type", "message": "m"}]


def test_unknown_dialect_is_refused_with_the_valid_names() -> None:
    with pytest.raises(UnknownDialect) as caught:
        export_schema({"type": "string"}, "llama")

    assert (caught.value.error_code, caught.value.http_status) == (42211, 422)
    assert all(name in str(caught.value) for name in DIALECTS)


def test_unknown_profile_is_refused_with_the_dialects_profiles() -> None:
    with pytest.raises(UnknownDialect, match=r"openai/2025-11 \(default\), openai/2024-08"):
        export_schema({"type": "string"}, "openai", profile="2023-01")


def test_a_profile_is_chosen_by_full_or_short_id() -> None:
    schema = closed({"n": {"type": "integer", "minimum": 0}})

    assert export_schema(schema, "openai").profile == "openai/2025-11"
    old = export_schema(schema, "openai", profile="2024-08")
    assert old.profile == export_schema(schema, "openai", profile="openai/2024-08").profile
    # the older profile refuses what it cannot vouch for
    assert pointers(old.errors) == [("/properties/n/minimum", "minimum")]


def test_the_input_schema_is_not_modified() -> None:
    schema = {"oneOf": [{"const": 1}], "$defs": {"A": {"type": "string"}}}
    before = json.dumps(schema)
    for dialect in DIALECTS:
        export_schema(schema, dialect)
    assert json.dumps(schema) == before


# -- every issue, with its pointer ---------------------------------------------------------

SEVERAL_BAD = closed(
    {
        "tags": {"type": "array", "items": {"type": "string"}, "uniqueItems": True},
        "choice": {"anyOf": [{"not": {"type": "string"}}, {"type": "integer"}]},
        "ref": {"$ref": "#/$defs/Map"},
    },
    **{"$defs": {"Map": {"type": "object", "patternProperties": {"^x": {"type": "string"}}}}},
)


def test_every_bad_place_is_reported_not_just_the_first() -> None:
    result = export_schema(SEVERAL_BAD, "openai")

    assert result.schema is None
    assert pointers(result.errors) == [
        ("/properties/tags/uniqueItems", "uniqueItems"),
        ("/properties/choice/anyOf/0/not", "not"),
        ("/$defs/Map/patternProperties", "patternProperties"),
    ]


def test_errors_name_the_dialect_the_keyword_and_what_to_do() -> None:
    (error,) = export_schema(closed({"n": {"type": "integer", "enum": [1, 2]}}), "gemini").errors

    assert error.message.startswith("Gemini responseSchema: 'enum' cannot be expressed")
    assert "string" in error.message and "gemini-json" in error.message


def test_unknown_keywords_are_refused_in_every_dialect() -> None:
    for dialect in DIALECTS:
        (error,) = export_schema(closed({"a": {"type": "string", "x-unit": "cm"}}), dialect).errors
        assert (error.path, error.keyword) == ("/properties/a/x-unit", "x-unit")
        assert "not a JSON Schema keyword" in error.message


def test_a_described_keyword_says_where_it_went() -> None:
    result = export_schema(closed({"n": {"type": "integer", "multipleOf": 5}}), "anthropic")

    (warning,) = result.warnings
    assert warning.path == "/properties/n/multipleOf"
    assert "multipleOf: 5" in warning.message and "description" in warning.message
    assert result.lossy


@pytest.mark.parametrize(
    ("dialect", "pointer"),
    [
        ("vllm-xgrammar", "/$defs/Item/properties/n/multipleOf"),
        ("ollama", "/$defs/Item/properties/n/multipleOf"),  # inlined, still named at its source
        ("gemini", "/$defs/Item/properties/n/enum"),  # responseSchema enums are strings only
    ],
)
def test_a_bad_keyword_deep_inside_items_any_of_and_defs_names_its_source(
    dialect: str, pointer: str
) -> None:
    item = closed(
        {"n": {"type": "integer", "multipleOf": 2}}
        if "gemini" not in dialect
        else {"n": {"type": "integer", "enum": [1, 2]}}
    )
    schema = closed(
        {
            "list": {
                "type": "array",
                "items": {"anyOf": [{"$ref": "#/$defs/Item"}, {"type": "null"}]},
            }
        },
        **{"$defs": {"Item": item}},
    )

    result = export_schema(schema, dialect)

    assert pointers(result.errors) == [(pointer, pointer.rsplit("/", 1)[1])]


def test_an_inlined_definition_used_twice_reports_its_issue_once() -> None:
    schema = closed(
        {"a": {"$ref": "#/$defs/S"}, "b": {"$ref": "#/$defs/S"}},
        **{"$defs": {"S": {"type": "integer", "enum": [1, 2]}}},
    )

    assert pointers(export_schema(schema, "gemini").errors) == [("/$defs/S/enum", "enum")]


def test_an_exclusive_integer_bound_tightens_an_inclusive_one_only_when_tighter() -> None:
    sub = {"type": "integer", "minimum": 5, "exclusiveMinimum": 3, "exclusiveMaximum": 7}

    result = export_schema(closed({"n": sub}), "gemini")

    assert result.schema is not None
    assert result.schema["properties"]["n"] == {"type": "INTEGER", "minimum": 5, "maximum": 6}


def test_a_schema_without_a_type_is_refused_where_every_schema_needs_one() -> None:
    schema = closed({"anything": {}})

    assert pointers(export_schema(schema, "openai").errors) == [("/properties/anything", "type")]
    assert export_schema(schema, "vllm-xgrammar").ok


def test_a_false_subschema_is_refused_and_a_true_one_accepts_anything() -> None:
    assert pointers(export_schema(closed({"never": False}), "ollama").errors) == [
        ("/properties/never", "false")
    ]
    assert export_schema(closed({"any": True}), "ollama").schema == closed({"any": {}})
    assert not export_schema(False, "ollama").ok
