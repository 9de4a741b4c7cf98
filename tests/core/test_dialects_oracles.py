"""The providers' own SDK helpers as oracles for the exports.

- OpenAI: ``to_strict_json_schema`` (what the SDK sends for a Pydantic model) and its inner
  ``_ensure_strict_json_schema``: an export must already be strict, so a fixed point of it.
- Anthropic: ``transform_schema``, whose ``{keyword: value}`` description hints the export
  copies for the keywords strict mode does not take.
- Gemini: ``types.Schema`` (its fields, ``extra='forbid'``) accepts every responseSchema
  export, and ``Schema.from_json_schema`` converts as the export does (Optional included:
  ``anyOf [T, null]`` is T with ``nullable``).
"""

from __future__ import annotations

import copy
from typing import Any, Literal

import pytest
from anthropic.lib._parse._transform import transform_schema
from google.genai import types as genai
from openai.lib._pydantic import _ensure_strict_json_schema, to_strict_json_schema
from pydantic import BaseModel, Field, ValidationError

from registry_core.dialects import export_schema
from tests.core.test_dialects_cells_constraints import TABLE as CONSTRAINTS
from tests.core.test_dialects_cells_shape import PYDANTIC_OPTIONAL
from tests.core.test_dialects_cells_shape import TABLE as SHAPES
from tests.core.test_dialects_table import root_object

ROWS = SHAPES.rows + CONSTRAINTS.rows

# -- OpenAI --------------------------------------------------------------------------------


class Address(BaseModel):
    city: str
    zip: str | None = None


class Person(BaseModel):
    """A person."""

    name: str = Field(description="full name")
    age: int | None = None
    kind: Literal["a", "b"]
    tags: list[str]
    home: Address
    billing: Address = Field(description="where invoices go")  # a $ref with a sibling
    work: Address | None = None


class Tree(BaseModel):
    label: str
    children: list[Tree]


@pytest.mark.parametrize("model", [Address, Person, Tree])
def test_openai_export_of_a_pydantic_schema_is_what_the_sdk_sends(model: type[BaseModel]) -> None:
    # Optional fields are "X | None = None": already nullable, so no rewrite the SDK lacks.
    result = export_schema(model.model_json_schema(), "openai")

    assert result.errors == () and result.warnings == ()
    assert result.schema == to_strict_json_schema(model)


OPENAI_EXPORTS = [
    pytest.param(schema, id=name)
    for name, schema, _, _ in ROWS
    if export_schema(schema, "openai").ok
]


@pytest.mark.parametrize("schema", OPENAI_EXPORTS)
def test_every_openai_export_is_already_strict_for_the_sdk(schema: Any) -> None:
    exported = export_schema(schema, "openai").schema
    assert exported is not None
    again = copy.deepcopy(exported)

    assert _ensure_strict_json_schema(again, path=(), root=again) == exported


# -- Anthropic -----------------------------------------------------------------------------

DESCRIBED_LIKE_THE_SDK = [
    {"type": "integer", "minimum": 1, "maximum": 10, "description": "A number"},
    {"type": "string", "minLength": 1, "maxLength": 5},
    {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1, "multipleOf": 0.25},
    {"type": "array", "items": {"type": "string"}, "minItems": 1, "maxItems": 3},
    {"type": "array", "items": {"type": "string"}, "minItems": 2},
    {"type": "string", "format": "uri"},
    {"type": "string", "format": "color"},
    {"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]},
    {"oneOf": [{"type": "string"}, {"type": "integer", "maximum": 3}]},
]


@pytest.mark.parametrize("sub", DESCRIBED_LIKE_THE_SDK)
def test_anthropic_export_matches_the_sdks_transform_schema(sub: dict[str, Any]) -> None:
    result = export_schema(root_object(sub), "anthropic")

    assert result.schema is not None
    assert result.schema["properties"]["p"] == transform_schema(copy.deepcopy(sub))


# -- Gemini --------------------------------------------------------------------------------

GEMINI_EXPORTS = [
    pytest.param(schema, id=name)
    for name, schema, _, _ in ROWS
    if export_schema(schema, "gemini").ok
]


@pytest.mark.parametrize("schema", GEMINI_EXPORTS)
def test_every_gemini_export_is_a_valid_sdk_schema(schema: Any) -> None:
    exported = export_schema(schema, "gemini").schema

    genai.Schema.model_validate(exported)


def test_the_sdk_schema_refuses_json_schema_only_keywords() -> None:
    # The oracle above means something only if the SDK refuses what the export rewrites.
    for raw in ({"type": "STRING", "const": "x"}, {"$ref": "#/a"}, {"exclusiveMinimum": 1}):
        with pytest.raises(ValidationError):
            genai.Schema.model_validate(raw)
    with pytest.raises((ValueError, AttributeError)):  # its Type enum chokes on a type array
        genai.Schema.model_validate({"type": ["STRING", "NULL"]})


CONVERTED_LIKE_THE_SDK = [
    {"type": ["string", "null"], "enum": ["x", "y"]},
    {"type": "integer", "minimum": 0, "maximum": 9},
    {"type": "array", "items": {"type": "number"}, "minItems": 1, "maxItems": 4},
    {"anyOf": [{"type": "string"}, {"type": "boolean"}]},
    {"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]},
    # Optional: one branch and null become that branch with nullable (python-genai issue 625
    # reports an anyOf holding a NULL branch as rejected).
    {"anyOf": [{"type": "string"}, {"type": "null"}]},
    {"anyOf": [{"type": "null"}, {"type": "integer", "minimum": 0}]},
    {"anyOf": [{"type": "string", "enum": ["x", "y"]}, {"type": "null"}]},
    {"anyOf": [{"type": "array", "items": {"type": "string"}}, {"type": "null"}]},
    {
        "anyOf": [
            {"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]},
            {"type": "null"},
        ]
    },
]


@pytest.mark.parametrize("sub", CONVERTED_LIKE_THE_SDK)
def test_gemini_export_converts_as_the_sdks_from_json_schema(sub: dict[str, Any]) -> None:
    result = export_schema(root_object(sub), "gemini")
    assert result.schema is not None
    exported = _without_property_ordering(result.schema["properties"]["p"])

    converted = genai.Schema.from_json_schema(
        json_schema=genai.JSONSchema.model_validate(sub), raise_error_on_unsupported_field=True
    )

    assert exported == converted.model_dump(mode="json", by_alias=True, exclude_none=True)


class Described(BaseModel):
    x: str | None = Field(None, description="the x")


def test_the_optional_row_is_what_pydantic_emits() -> None:
    assert Described.model_json_schema()["properties"]["x"] == PYDANTIC_OPTIONAL


def test_a_described_optional_converts_as_the_sdk_does_and_keeps_its_description() -> None:
    result = export_schema(Described.model_json_schema(), "gemini")
    assert result.errors == () and result.schema is not None

    converted = _sdk(PYDANTIC_OPTIONAL)

    # The SDK unwraps the union into its branch and so loses the field's description.
    assert converted == {"type": "STRING", "nullable": True}
    assert result.schema["properties"]["x"] == {**converted, "description": "the x"}


class Home(BaseModel):
    """A home."""

    city: str
    zip: str | None = None


class Owner(BaseModel):
    name: str
    home: Home | None = Field(None, description="where they live")
    tags: list[str] | None = None
    age: int | None = None


def test_a_pydantic_model_with_optional_fields_converts_as_the_sdk_does() -> None:
    # Optional[Home] is anyOf [{$ref: Home}, null]: the reference is inlined, then nullable.
    result = export_schema(Owner.model_json_schema(), "gemini")
    assert result.errors == () and result.warnings == ()

    converted = _sdk(Owner.model_json_schema())

    assert result.schema is not None
    assert result.schema["properties"]["home"]["description"] == "where they live"
    exported = _without(_without_property_ordering(result.schema), "description")
    # The SDK keeps titles (the export strips them) and the model's docstring (the export
    # keeps the field's description, which says more).
    assert exported == _without(converted, "title", "description")


def _sdk(schema: dict[str, Any]) -> Any:
    converted = genai.Schema.from_json_schema(
        json_schema=genai.JSONSchema.model_validate(schema), raise_error_on_unsupported_field=True
    )
    return converted.model_dump(mode="json", by_alias=True, exclude_none=True)


def _without(schema: Any, *keys: str) -> Any:
    """``schema`` less ``keys`` in every schema object (not in ``properties`` maps)."""
    if isinstance(schema, dict):
        return {
            k: (
                {n: _without(v, *keys) for n, v in value.items()}
                if k == "properties"
                else _without(value, *keys)
            )
            for k, value in schema.items()
            if k not in keys
        }
    if isinstance(schema, list):
        return [_without(v, *keys) for v in schema]
    return schema


def _without_property_ordering(schema: Any) -> Any:
    """The export less ``propertyOrdering``, which only it adds."""
    if isinstance(schema, dict):
        return {
            k: _without_property_ordering(v) for k, v in schema.items() if k != "propertyOrdering"
        }
    if isinstance(schema, list):
        return [_without_property_ordering(v) for v in schema]
    return schema
