"""The Pydantic adapter: registering models (governance and compatibility apply), the CI
pre-flight, and model classes generated from registered versions whose verdict is exactly the
registry's (a property test against the validator behind ``Registry.validate``, and a table of
records through a real registry on SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import os
import typing
from typing import Any, Literal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from registry_core.errors import IncompatibleSchema, ReviewRequired
from registry_core.integrations.model_builder import build_model
from registry_core.integrations.pydantic import (
    check_model,
    model_from_schema,
    model_schema,
    register_model,
)
from registry_core.service import Registry
from registry_core.validation.exact import ExactValidator
from registry_core.validation.view import DRAFT_7, DRAFT_2020_12, SchemaView
from tests.core.test_validation_differential import JSON, fit, round2, schemas

SETTINGS = settings(
    max_examples=int(os.environ.get("LLMSR_HYPOTHESIS_EXAMPLES", "150")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


def accepts(model: type[BaseModel], value: Any) -> bool:
    try:
        model.model_validate(value)
    except ValidationError:
        return False
    return True


# --- the generated model's verdict is the registry's ------------------------------------------

KEYWORD_EXTRAS = st.sampled_from(
    [
        {"oneOf": [{"type": "integer"}, {"type": "number", "minimum": 2}]},
        {"allOf": [{"type": "string"}, {"maxLength": 2}]},
        {"not": {"type": "string"}},
        {"if": {"type": "integer"}, "then": {"minimum": 0}, "else": {"type": "string"}},
        {"type": "string", "pattern": "^a.$"},
        {"type": "string", "pattern": "\\d"},
        {"type": "number", "multipleOf": 0.5},
        {"type": "integer", "multipleOf": 3},
        {"type": "array", "uniqueItems": True},
        {"type": "array", "contains": {"const": 1}},
        {"type": "array", "prefixItems": [{"type": "string"}], "items": {"type": "integer"}},
        {"type": "object", "patternProperties": {"^x": {"type": "integer"}}},
        {"type": "object", "additionalProperties": {"type": "integer"}},
        {"type": "object", "propertyNames": {"maxLength": 1}},
        {"type": "object", "required": ["a"], "minProperties": 2},
        {"type": "object", "dependentRequired": {"a": ["b"]}},
        {"enum": [1, True, None, "a", [1], {"a": 1}]},
        {"const": 1.0},
        {"type": ["integer", "string"], "enum": [1, "a", 2.5]},
        {"anyOf": [{"type": "null"}, {"type": "string", "minLength": 1}]},
        {"type": "object", "properties": {"a": False}},
        False,
        True,
        {"minimum": 3},
        {"properties": {"a": {"type": "integer"}}, "required": ["a"]},
    ]
)


@st.composite
def rich_schemas(draw: Any) -> dict[str, Any]:
    """Objects mixing the shared generator's schemas with every keyword class the generator
    hands to the registry's validator, plus $defs, references and recursion."""
    properties = {
        "a": draw(schemas()),
        "b": draw(KEYWORD_EXTRAS),
        "c": draw(st.sampled_from([{"$ref": "#/$defs/node"}, {"$ref": "#/$defs/color"}, {}])),
    }
    schema: dict[str, Any] = {
        "type": "object",
        "properties": properties,
        "$defs": {
            "node": {
                "type": "object",
                "properties": {
                    "v": {"type": "integer"},
                    "next": {"anyOf": [{"$ref": "#/$defs/node"}, {"type": "null"}]},
                },
                "required": ["v"],
                "additionalProperties": False,
            },
            "color": {"enum": ["red", "green"]},
        },
    }
    required = draw(st.lists(st.sampled_from(["a", "b", "c"]), unique=True, max_size=2))
    if required:
        schema["required"] = required
    if draw(st.booleans()):
        schema["additionalProperties"] = draw(st.booleans())
    return schema


NODE = st.recursive(
    st.fixed_dictionaries({"v": st.integers(-2, 2) | st.just("x")}),
    lambda inner: st.fixed_dictionaries({"v": st.integers(-2, 2), "next": inner | st.none()}),
    max_leaves=3,
)


def rich_records(schema: dict[str, Any]) -> Any:
    props = schema["properties"]
    shaped = st.fixed_dictionaries(
        {},
        optional={
            "a": fit(props["a"]),
            "b": fit(props["b"]) if isinstance(props["b"], dict) else JSON,
            "c": NODE | st.sampled_from(["red", "blue"]) | JSON,
            "x1": st.integers(-2, 2),
            "d": JSON,
        },
    )
    return shaped | JSON


def same_verdicts(schema: Any, values: list[Any], draft: str = DRAFT_2020_12) -> None:
    view = SchemaView(document=schema, draft=draft)
    model, oracle = build_model(view, name="Generated"), ExactValidator(view)
    for value in values:
        assert accepts(model, value) == oracle.is_valid(value), (schema, value)


@SETTINGS
@given(st.data(), schemas())
def test_generated_model_agrees_with_the_registry_on_generated_schemas(
    data: Any, schema: dict[str, Any]
) -> None:
    same_verdicts(schema, [data.draw(fit(schema)) for _ in range(8)])


@SETTINGS
@given(st.data(), rich_schemas())
def test_generated_model_agrees_with_the_registry_on_every_keyword_class(
    data: Any, schema: dict[str, Any]
) -> None:
    same_verdicts(schema, [data.draw(rich_records(schema)) for _ in range(8)])


TARGETED = st.sampled_from(
    ["a1", "ab", "a\r", "1", "", [1, 1], [1, 1.0], [1, True], ["s", 1], {"x1": 1}, {"a": 1}]
) | st.sampled_from([{"a": 1, "b": 2}, {"xa": "s"}, {"ab": 1}, 1.5, 2.0, 3, 6, -1, None, True])


@SETTINGS
@given(st.data(), KEYWORD_EXTRAS)
def test_each_keyword_class_alone_agrees_with_the_registry(data: Any, schema: Any) -> None:
    shaped = fit(schema) if isinstance(schema, dict) else JSON
    same_verdicts(schema, [data.draw(shaped | TARGETED | JSON) for _ in range(12)])


@SETTINGS
@given(st.data(), schemas())
def test_generated_model_agrees_under_draft_7(data: Any, schema: dict[str, Any]) -> None:
    same_verdicts(schema, [data.draw(fit(schema)) for _ in range(6)], draft=DRAFT_7)


def test_draft_7_ignores_the_siblings_of_a_reference() -> None:
    schema = {
        "definitions": {"s": {"type": "string"}},
        "properties": {"a": {"$ref": "#/definitions/s", "maxLength": 1}},
    }
    same_verdicts(schema, [{"a": "abc"}, {"a": 1}], draft=DRAFT_7)
    same_verdicts(schema, [{"a": "abc"}, {"a": 1}], draft=DRAFT_2020_12)


def test_fractional_multiple_of_follows_the_registrys_reference_semantics() -> None:
    schema = {"properties": {"p": {"type": "number", "multipleOf": 0.1}, "s": {"pattern": "^.$"}}}
    same_verdicts(schema, [{"p": 0.3}, {"p": 0.35}, {"s": "\r"}, {"s": "ab"}])


def test_references_that_move_the_base_fall_back_to_the_whole_document() -> None:
    schema = {
        "type": "object",
        "properties": {"a": {"$id": "https://example.com/a", "type": "integer"}},
    }
    same_verdicts(schema, [{"a": 1}, {"a": "x"}, 3])
    model = build_model(SchemaView(document=schema, draft=DRAFT_2020_12), name="Scoped")
    assert "the whole document" in (model.__doc__ or "")


# --- what a generated class looks like -------------------------------------------------------

ARTICLE = {
    "$schema": DRAFT_2020_12,
    "title": "Article",
    "description": "A retrieved article.",
    "type": "object",
    "properties": {
        "title": {"type": "string", "minLength": 1, "maxLength": 80, "description": "Headline"},
        "score": {"type": "number", "minimum": 0, "exclusiveMaximum": 1},
        "rank": {"type": ["integer", "null"]},
        "lang": {"enum": ["en", "de"]},
        "kind": {"const": "article"},
        "tags": {"type": "array", "items": {"type": "string"}, "maxItems": 3},
        "author": {"$ref": "#/$defs/person"},
        "class": {"type": "string"},
        "my-field": {"type": "boolean"},
        "slug": {"type": "string", "pattern": "^[a-z-]+$"},
    },
    "required": ["title", "score", "author"],
    "additionalProperties": False,
    "$defs": {
        "person": {
            "type": "object",
            "properties": {"name": {"type": "string"}, "manager": {"$ref": "#/$defs/person"}},
            "required": ["name"],
        }
    },
}


@pytest.fixture
def article_subject(registry: Registry) -> Registry:
    registry.register("article-value", json.dumps(ARTICLE), "JSON")
    return registry


def test_model_from_schema_builds_nested_models_with_constraints(
    article_subject: Registry,
) -> None:
    model = model_from_schema(article_subject, "article-value")
    assert model.__name__ == "ArticleValue"
    assert model.model_config.get("extra") == "forbid"
    fields = model.model_fields
    assert fields["title"].is_required() and fields["title"].description == "Headline"
    assert not fields["rank"].is_required()
    assert fields["class_"].alias == "class" and fields["my_field"].alias == "my-field"
    person = fields["author"].annotation
    assert isinstance(person, type) and issubclass(person, BaseModel)
    assert person.__name__ == "Person"
    assert typing.get_args(fields["lang"].annotation) == ("en", "de")
    doc = model.__doc__ or ""
    assert "subject 'article-value' version 1" in doc and "A retrieved article." in doc
    assert "pattern at /properties/slug" in doc  # said, not silently approximated

    ok = model.model_validate(
        {
            "title": "Hi",
            "score": 0.5,
            "author": {"name": "Ann", "manager": {"name": "Bo"}},
            "class": "x",
            "my-field": True,
            "lang": "en",
        }
    )
    assert ok.author.manager.name == "Bo"  # type: ignore[attr-defined]
    assert ok.model_dump(exclude_unset=True)["my-field"] is True  # serialized by alias


@pytest.mark.parametrize(
    ("record", "why"),
    [
        ({"title": "", "score": 0.5, "author": {"name": "A"}}, "minLength"),
        ({"title": "x", "score": 1, "author": {"name": "A"}}, "exclusiveMaximum"),
        ({"title": "x", "score": 0.5, "author": {}}, "nested required"),
        ({"title": "x", "score": 0.5, "author": {"name": "A"}, "extra": 1}, "closed object"),
        ({"title": "x", "score": 0.5, "author": {"name": "A"}, "lang": "fr"}, "enum"),
        ({"title": "x", "score": 0.5, "author": {"name": "A"}, "kind": "other"}, "const"),
        ({"title": "x", "score": 0.5, "author": {"name": "A"}, "rank": "1"}, "strict integer"),
        ({"title": "x", "score": "0.5", "author": {"name": "A"}}, "strict number"),
        ({"title": "x", "score": 0.5, "author": {"name": "A"}, "tags": ["a"] * 4}, "maxItems"),
        ({"title": "x", "score": 0.5, "author": {"name": "A"}, "slug": "Not Ok"}, "pattern"),
        ({"title": "x", "score": 0.5, "author": {"name": "A", "manager": {"name": 1}}}, "deep"),
    ],
)
def test_generated_model_rejects_what_the_registry_rejects(
    article_subject: Registry, record: dict[str, Any], why: str
) -> None:
    model = model_from_schema(article_subject, "article-value")
    assert article_subject.validate([record], "article-value").report.valid == 0, why
    with pytest.raises(ValidationError):
        model.model_validate(record)


def test_generated_model_matches_registry_validate_on_an_avro_subject(registry: Registry) -> None:
    avro = {
        "type": "record",
        "name": "Chunk",
        "namespace": "rag",
        "fields": [
            {"name": "id", "type": "string"},
            {"name": "index", "type": "int"},
            {"name": "lang", "type": {"type": "enum", "name": "Lang", "symbols": ["EN", "DE"]}},
            {"name": "score", "type": ["null", "double"], "default": None},
            {"name": "parent", "type": ["null", "Chunk"], "default": None},
        ],
    }
    registry.register("chunk-value", json.dumps(avro))
    model = model_from_schema(registry, "chunk-value")
    assert model.__name__ == "ChunkValue"
    table = [
        {"id": "a", "index": 1, "lang": "EN"},
        {"id": "a", "index": 2**31, "lang": "EN"},
        {"id": "a", "index": 1, "lang": "FR"},
        {"id": "a", "index": 1, "lang": "EN", "score": None, "parent": None},
        {"id": "a", "index": 1, "lang": "EN", "parent": {"id": "b", "index": 0, "lang": "DE"}},
        {"id": "a", "index": 1, "lang": "EN", "parent": {"id": "b"}},
        {"id": "a", "index": 1, "lang": "EN", "other": 1},
        {"id": 1, "index": 1, "lang": "EN"},
    ]
    for record in table:
        expected = registry.validate([record], "chunk-value").report.valid == 1
        assert accepts(model, record) == expected, record


# --- registering models and the CI pre-flight -------------------------------------------------


class Answer(BaseModel):
    """An answer with its sources."""

    model_config = ConfigDict(extra="forbid")
    text: str = Field(description="The answer")
    confidence: float = Field(ge=0, le=1)


class AnswerV2(Answer):
    model_config = ConfigDict(extra="forbid", title="Answer")
    sources: list[str] = Field(default_factory=list)


class AnswerBroken(BaseModel):
    model_config = ConfigDict(extra="forbid", title="Answer")
    text: int
    confidence: float


def test_register_model_stores_the_models_draft_2020_12_schema(registry: Registry) -> None:
    result = register_model(registry, "answer-value", Answer, actor="ci")
    assert result.created and result.version.version == 1
    stored = json.loads(registry.get_version("answer-value", 1).schema)
    assert stored["$schema"] == DRAFT_2020_12
    assert stored["properties"]["confidence"]["maximum"] == 1
    assert register_model(registry, "answer-value", Answer).created is False  # same schema
    assert register_model(registry, "answer-value", AnswerV2).version.version == 2


def test_register_model_propagates_an_incompatible_change_with_its_report(
    registry: Registry,
) -> None:
    register_model(registry, "answer-value", Answer)
    with pytest.raises(IncompatibleSchema) as refused:
        register_model(registry, "answer-value", AnswerBroken)
    assert any("/text" in message for message in refused.value.messages)


def test_register_model_surfaces_review_with_the_proposal(registry: Registry) -> None:
    registry.add_user("ada", "admin")
    registry.add_user("walt", "writer", actor="ada")
    register_model(registry, "answer-value", Answer, actor="walt")
    registry.set_policy("answer-value", review_required=True, actor="ada")
    with pytest.raises(ReviewRequired) as pending:
        register_model(registry, "answer-value", AnswerV2, actor="walt")
    assert pending.value.message.startswith("AnswerV2 was not registered: ")
    assert registry.get_proposal(pending.value.proposal_id).subject == "answer-value"


def test_check_model_reports_compatibility_without_registering(registry: Registry) -> None:
    register_model(registry, "answer-value", Answer)
    fine = check_model(registry, "answer-value", AnswerV2)
    assert fine.ok and fine.export is None and fine.problems == []
    broken = check_model(registry, "answer-value", AnswerBroken)
    assert not broken.ok
    assert any(p.startswith("incompatible: ") and "/text" in p for p in broken.problems)
    assert "FAILS" in str(broken)
    assert registry.list_versions("answer-value") == [1]
    assert check_model(registry, "new-subject-value", Answer).ok  # nothing to break yet


class Bounded(BaseModel):
    name: str = Field(min_length=1, max_length=10)
    kind: Literal["a", "b"]


def test_check_model_with_a_provider_reports_the_dialects_errors_and_warnings(
    registry: Registry,
) -> None:
    report = check_model(registry, "bounded-value", Bounded, provider="openai")
    assert report.export is not None and report.export.dialect == "openai"
    # OpenAI strict mode has no minLength/maxLength: the export says so, before any API call
    assert any("maxLength" in p or "minLength" in p for p in report.problems), report.problems
    anthropic = check_model(registry, "bounded-value", Bounded, provider="anthropic")
    assert anthropic.export is not None and anthropic.export.dialect == "anthropic"


@pytest.mark.parametrize(
    ("provider", "dialect"),
    [("gemini", "gemini"), ("gemini-json", "gemini-json"), ("google", "gemini-json")],
)
def test_check_model_reaches_both_gemini_dialects(
    registry: Registry, provider: str, dialect: str
) -> None:
    report = check_model(registry, "bounded-value", Bounded, provider=provider)
    assert report.export is not None and report.export.dialect == dialect
    assert report.export.schema is not None
    kind = report.export.schema["properties"]["kind"]
    # responseSchema (the OpenAPI subset) writes types in upper case; responseJsonSchema does not
    assert kind["type"] == ("STRING" if dialect == "gemini" else "string")


def test_a_registered_model_round_trips_through_generation(registry: Registry) -> None:
    register_model(registry, "answer-value", AnswerV2)
    generated = model_from_schema(registry, "answer-value")
    for record in [
        {"text": "x", "confidence": 0.2},
        {"text": "x", "confidence": 2},
        {"text": "x", "confidence": 0.2, "sources": ["a"]},
        {"text": "x", "confidence": 0.2, "other": 1},
        {"text": 3, "confidence": 0.2},
    ]:
        assert accepts(generated, record) == accepts(AnswerV2, record), record


def test_record_helpers_are_importable() -> None:
    assert round2(1.234) == 1.23
    assert model_schema(Answer)["$schema"] == DRAFT_2020_12
