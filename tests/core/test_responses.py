"""Model output against a registered schema: finding the JSON in a reply, every problem with its
path, the repair instruction, and the counters behind ``/metrics``."""

from __future__ import annotations

import json

import pytest
from prometheus_client import REGISTRY
from pydantic import BaseModel

from registry_core import Registry, SubjectNotFound, UnknownDialect, VersionNotFound
from registry_core.responses import extract_json, repair_instruction
from registry_core.validation.exact import Issue

TRIAGE = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "properties": {
        "category": {"enum": ["bug", "feature", "question"]},
        "priority": {"type": "integer", "minimum": 1, "maximum": 5},
        "summary": {"type": "string", "maxLength": 80},
        "tags": {"type": "array", "items": {"type": "string"}},
    },
    "required": ["category", "priority", "summary"],
    "additionalProperties": False,
}
GOOD = {"category": "bug", "priority": 2, "summary": "Crash on start", "tags": ["ios"]}


@pytest.mark.parametrize(
    ("text", "source"),
    [
        (json.dumps(GOOD), "json"),
        ("  \n" + json.dumps(GOOD, indent=2) + "\n", "json"),
        ("Here is the triage:\n```json\n" + json.dumps(GOOD) + "\n```\nAnything else?", "fenced"),
        ("```\n" + json.dumps(GOOD) + "\n```", "fenced"),
        # an unlabelled fence of prose before the labelled JSON one: the JSON one wins
        ("```text\nnot it\n```\n```json\n" + json.dumps(GOOD) + "\n```", "fenced"),
        ("Sure! " + json.dumps(GOOD) + " Let me know.", "embedded"),
        # a small array in the prose before the answer: the longest value is the answer
        ("As noted in [1], the result is " + json.dumps(GOOD), "embedded"),
        (json.dumps(GOOD).encode(), "json"),
    ],
)
def test_the_json_is_found_wherever_the_model_put_it(text: str | bytes, source: str) -> None:
    found = extract_json(text)
    assert (found.found, found.value, found.source) == (True, GOOD, source)


def test_a_parsed_value_or_a_pydantic_model_is_taken_as_it_is() -> None:
    class Triage(BaseModel):
        category: str
        priority: int
        summary: str
        tags: list[str]

    assert extract_json(GOOD).source == "object"
    assert extract_json(Triage(**GOOD)).value == GOOD


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "the output is empty"),
        ("I cannot help with that.", "line 1 column 1: Expecting value"),
        # cut off at the token limit: the nested {"x": 1} is a fragment, not the answer
        ('{"category": "bug", "meta": {"x": 1}, "summary": "Cra', "incomplete"),
        ('```json\n{"category": "bug",, }\n```', "in the fenced block, line 1 column 20"),
        # cut off after earlier JSON: neither the [1] nor the nested object is the answer
        ('See [1]. Answer: {"a": {"b": 1}, "c": "tru', "incomplete"),
        ('{"score": NaN}', "NaN is not JSON"),
        ("Result: " + "[" * 100_000, "nested too deeply"),
        ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
        (b"\xff\xfe", "not UTF-8"),
    ],
)
def test_no_json_says_why_and_where(text: str | bytes, problem: str) -> None:
    found = extract_json(text)
    assert found.found is False and found.value is None
    assert found.problem is not None and problem in found.problem


def test_repair_instruction_lists_each_problem_with_its_path_and_caps_the_list() -> None:
    assert repair_instruction([]) is None
    issues = [Issue(path=f"/items/{n}", rule="type", message="not a string") for n in range(12)]
    text = repair_instruction(issues)
    assert text is not None
    assert text.startswith("Your previous reply did not match the required JSON schema")
    assert "- at /items/0 (type): not a string" in text
    assert "/items/10" not in text and "and 2 more problems" in text


def _counter(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_validate_response_reports_every_problem_and_counts_outcomes(registry: Registry) -> None:
    registry.register("triage-response", json.dumps(TRIAGE), "JSON")
    labels = {"subject": "triage-response", "version": "1"}
    before = {
        outcome: _counter("llmsr_response_validations_total", **labels, outcome=outcome)
        for outcome in ("valid", "invalid", "no_json")
    }
    ok = registry.validate_response("```json\n" + json.dumps(GOOD) + "\n```", "triage-response")
    assert ok.valid and ok.errors == () and ok.repair_instruction is None
    assert (ok.version, ok.source, ok.value) == (1, "fenced", GOOD)

    reply = 'Result: {"category": "outage", "priority": 9, "summary": "x", "owner": "me"}'
    bad = registry.validate_response(reply, "triage-response", 1)
    assert not bad.valid and bad.source == "embedded"
    assert sorted((e.path, e.rule) for e in bad.errors) == [
        ("", "additional_properties"),
        ("/category", "enum"),
        ("/priority", "maximum"),
    ]
    assert bad.repair_instruction is not None
    assert "- at /priority (maximum)" in bad.repair_instruction
    assert bad.to_dict()["errors"][0].keys() == {"path", "rule", "message"}

    cut = registry.validate_response('{"category": "bug", "prio', "triage-response")
    assert not cut.valid and [e.rule for e in cut.errors] == ["not_json"]
    assert cut.repair_instruction is not None and "complete" in cut.repair_instruction

    after = {
        outcome: _counter("llmsr_response_validations_total", **labels, outcome=outcome)
        for outcome in before
    }
    assert {k: after[k] - before[k] for k in after} == {"valid": 1, "invalid": 1, "no_json": 1}
    assert _counter("llmsr_response_validation_errors_total", **labels, rule="enum") >= 1


def test_validate_response_checks_the_canonical_schema_of_an_avro_subject(
    registry: Registry,
) -> None:
    avro = {
        "type": "record",
        "name": "Answer",
        "fields": [
            {"name": "text", "type": "string"},
            {"name": "confidence", "type": ["null", "double"], "default": None},
        ],
    }
    registry.register("answer-value", json.dumps(avro), "AVRO")
    assert registry.validate_response('{"text": "42"}', "answer-value").valid
    wrong = registry.validate_response('{"text": 42, "confidence": "high"}', "answer-value")
    assert sorted(e.path for e in wrong.errors) == ["/confidence", "/text"]


def test_validate_response_names_an_unknown_subject_or_version(registry: Registry) -> None:
    with pytest.raises(SubjectNotFound):
        registry.validate_response("{}", "nope")
    registry.register("triage-response", json.dumps(TRIAGE), "JSON")
    with pytest.raises(VersionNotFound):
        registry.validate_response("{}", "triage-response", 7)


def test_a_reply_is_judged_as_written_null_is_not_absent(registry: Registry) -> None:
    """Tables read a null cell as an absent one; a model's reply is read as it is."""
    registry.register("triage-response", json.dumps(TRIAGE), "JSON")
    extra_null = registry.validate_response({**GOOD, "owner": None}, "triage-response")
    assert [(e.path, e.rule) for e in extra_null.errors] == [("", "additional_properties")]
    null_summary = registry.validate_response({**GOOD, "summary": None}, "triage-response")
    assert [(e.path, e.rule) for e in null_summary.errors] == [("/summary", "type")]
    assert "is a required property" not in (null_summary.repair_instruction or "")


def test_a_parsed_value_nested_too_deeply_is_an_issue_not_a_crash(registry: Registry) -> None:
    registry.register("anything", json.dumps({"type": "array", "items": {"$ref": "#"}}), "JSON")
    deep: list[object] = []
    for _ in range(50_000):
        deep = [deep]
    verdict = registry.validate_response(deep, "anything")
    assert not verdict.valid and verdict.errors[0].rule == "too_deep"
    assert "nested too deeply" in verdict.errors[0].message


def test_a_reply_in_the_exported_shape_is_read_back_before_it_is_checked(
    registry: Registry,
) -> None:
    """OpenAI strict makes optional properties required and nullable, and wraps a non-object
    root in {"value": ...}: a reply that follows the export is valid once read back."""
    registry.register("triage-response", json.dumps(TRIAGE), "JSON")
    strict_reply = {**GOOD, "tags": None}  # the export made the optional tags nullable
    assert not registry.validate_response(strict_reply, "triage-response").valid
    restored = registry.validate_response(strict_reply, "triage-response", dialect="openai")
    assert restored.valid and restored.value == {k: v for k, v in GOOD.items() if k != "tags"}
    # a null the export did not add is still an error
    bad = registry.validate_response({**GOOD, "summary": None}, "triage-response", dialect="OpenAI")
    assert [(e.path, e.rule) for e in bad.errors] == [("/summary", "type")]

    labels = {"type": "array", "items": {"type": "string"}, "minItems": 1}
    registry.register("labels", json.dumps(labels), "JSON")
    for dialect in ("openai", "anthropic"):
        wrapped = registry.validate_response('{"value": ["a", "b"]}', "labels", dialect=dialect)
        assert wrapped.valid and wrapped.value == ["a", "b"], dialect
    assert registry.validate_response('["a"]', "labels", dialect="gemini-json").valid
    with pytest.raises(UnknownDialect):
        registry.validate_response("[]", "labels", dialect="cohere")
