"""The LangChain adapter against real langchain-core objects: prompt templates checked against a
registered prompt-input schema, structured-output schemas LangChain's own converters accept, and
a validating Runnable piped after a fake chat model, its runs tagged with the version used."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import jsonschema
import pytest
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage
from langchain_core.prompts import ChatPromptTemplate, MessagesPlaceholder, PromptTemplate
from langchain_core.tracers.run_collector import RunCollectorCallbackHandler
from langchain_core.utils.function_calling import convert_to_json_schema, convert_to_openai_tool

from registry_core.dialects import DIALECTS
from registry_core.errors import UnknownDialect
from registry_core.integrations import ResponseInvalid, StructuredOutputUnavailable
from registry_core.integrations.langchain import (
    ValidatingRunnable,
    as_structured_output,
    check_prompt_template,
    validating,
)
from registry_core.integrations.prompt_check import ProblemKind, TemplateCheck
from registry_core.integrations.providers import PROVIDER_ALIASES, PROVIDER_DIALECTS, dialect_for
from registry_core.responses import ResponseValidation
from registry_core.service import Registry
from registry_core.validation.exact import RULE_NOT_JSON

PROMPT_INPUT = {
    "type": "object",
    "properties": {
        "question": {"type": "string", "description": "What the user asked"},
        "audience": {"type": "string"},
        "user": {"type": "object", "properties": {"name": {"type": "string"}}},
        "documents": {
            "type": "array",
            "items": {"type": "object", "properties": {"title": {"type": "string"}}},
        },
        "history": {"type": "array", "items": {"type": "object"}},
        "price": {"type": "number"},
        "note": {"type": ["string", "null"]},
    },
    "required": ["question", "audience"],
}
ANSWER = {
    "title": "Answer",
    "description": "A short answer with its confidence.",
    "type": "object",
    "properties": {
        "answer": {"type": "string", "maxLength": 40},
        "confidence": {"type": "number"},
    },
    "required": ["answer", "confidence"],
    "additionalProperties": False,
}


@pytest.fixture
def reg(registry: Registry) -> Registry:
    registry.register("prompt-input", json.dumps(PROMPT_INPUT), "JSON")
    registry.register("answer-value", json.dumps(ANSWER), "JSON")
    return registry


def kinds(check: TemplateCheck) -> dict[str | None, set[ProblemKind]]:
    out: dict[str | None, set[ProblemKind]] = {}
    for problem in check.problems:
        out.setdefault(problem.variable, set()).add(problem.kind)
    return out


# --- prompt templates -----------------------------------------------------------------------


def test_a_matching_f_string_template_is_clean(reg: Registry) -> None:
    check = check_prompt_template(
        "For {audience}: {question} (price {price:.2f}, literal {{braces}})", reg, "prompt-input"
    )
    assert check.ok and check.problems == ()
    assert check.variables == ("audience", "price", "question")
    assert (check.subject, check.version) == ("prompt-input", 1)


def test_missing_variables_and_unused_required_properties_are_reported(reg: Registry) -> None:
    check = check_prompt_template("Answer {question} in {language}", reg, "prompt-input")
    assert not check.ok
    assert kinds(check) == {
        "language": {ProblemKind.MISSING_FROM_SCHEMA},
        "audience": {ProblemKind.UNUSED_REQUIRED},
    }
    missing = check.errors[0].message
    assert "'language'" in missing and "subject 'prompt-input' version 1" in missing
    assert "audience, documents, history" in missing  # says what would be valid
    assert [w.kind for w in check.warnings] == [ProblemKind.UNUSED_REQUIRED]


def test_wrong_types_are_errors_that_say_what_the_schema_has(reg: Registry) -> None:
    check = check_prompt_template(
        "{audience}: {question.text} costs {audience:.2f}, {user.name}", reg, "prompt-input"
    )
    problems = kinds(check)
    assert problems["question"] == {ProblemKind.WRONG_TYPE, ProblemKind.FRAMEWORK_REJECTS}
    assert ProblemKind.WRONG_TYPE in problems["audience"]  # a numeric format spec on a string
    assert problems["user"] == {ProblemKind.FRAMEWORK_REJECTS}  # an object: fine by the schema
    wrong = next(p for p in check.errors if p.variable == "question")
    assert "attribute access or indexing" in wrong.message and "is string" in wrong.message
    rejects = next(p for p in check.warnings if p.variable == "user")
    assert "jinja2" in rejects.message  # the way out


def test_jinja2_templates_are_read_from_their_syntax_tree(reg: Registry) -> None:
    good = check_prompt_template(
        "{{ question }} for {{ audience }} {% for d in documents %}{{ d.title }}{% endfor %}"
        "{{ user.name }}",
        reg,
        "prompt-input",
        template_format="jinja2",
    )
    assert good.ok and good.problems == ()
    bad = check_prompt_template(
        "{{ question.words }} {% for c in audience %}{{ c }}{% endfor %} {{ topic }}",
        reg,
        "prompt-input",
        template_format="jinja2",
    )
    assert kinds(bad) == {
        "question": {ProblemKind.WRONG_TYPE},
        "audience": {ProblemKind.WRONG_TYPE},
        "topic": {ProblemKind.MISSING_FROM_SCHEMA},
    }
    assert "a for loop" in next(p.message for p in bad.errors if p.variable == "audience")


def test_mustache_sections_look_names_up_in_their_items(reg: Registry) -> None:
    good = check_prompt_template(
        "{{question}} {{{audience}}} {{#documents}}{{title}}{{/documents}} {{^note}}none{{/note}}"
        " {{! a comment }} {{user.name}}",
        reg,
        "prompt-input",
        template_format="mustache",
    )
    assert good.ok and good.problems == (), good.problems
    bad = check_prompt_template(
        "{{question.first}} {{audience}} {{#documents}}{{author}}{{/documents}}",
        reg,
        "prompt-input",
        template_format="mustache",
    )
    assert kinds(bad) == {
        "question": {ProblemKind.WRONG_TYPE},
        "author": {ProblemKind.MISSING_FROM_SCHEMA},
    }


def test_template_syntax_errors_are_reported_not_raised(reg: Registry) -> None:
    check = check_prompt_template("{question", reg, "prompt-input")
    assert [p.kind for p in check.errors] == [ProblemKind.SYNTAX]
    unclosed = check_prompt_template(
        "{{#documents}}{{title}}", reg, "prompt-input", template_format="mustache"
    )
    assert "never closed" in unclosed.errors[0].message


def test_a_prompt_template_object_is_read_with_its_partials(reg: Registry) -> None:
    template = PromptTemplate.from_template(
        "{question} for {audience} in {tone}", partial_variables={"tone": "brief"}
    )
    check = check_prompt_template(template, reg, "prompt-input")
    assert check.ok and check.problems == ()
    jinja = PromptTemplate.from_template("{{ question }}", template_format="jinja2")
    assert kinds(check_prompt_template(jinja, reg, "prompt-input")) == {
        "audience": {ProblemKind.UNUSED_REQUIRED}
    }


def test_a_declared_variable_list_that_disagrees_with_the_text_is_a_warning(
    reg: Registry,
) -> None:
    # LangChain re-derives input_variables on construction; a constructed (or deserialised)
    # template can still carry a list that is not what runs
    template = PromptTemplate.model_construct(
        template="{question} {audience}",
        input_variables=["question", "audience", "context"],
        template_format="f-string",
        partial_variables={},
    )
    check = check_prompt_template(template, reg, "prompt-input")
    assert check.ok
    assert [p.kind for p in check.warnings] == [ProblemKind.DECLARED_MISMATCH]
    assert "'context'" in check.warnings[0].message


def test_chat_templates_are_walked_message_by_message(reg: Registry) -> None:
    chat = ChatPromptTemplate.from_messages(
        [
            ("system", "You answer for {audience}."),
            MessagesPlaceholder("history"),
            ("human", [{"type": "text", "text": "{question}"}]),
        ]
    )
    check = check_prompt_template(chat, reg, "prompt-input")
    assert check.ok and check.problems == ()
    assert check.variables == ("audience", "history", "question")


def test_a_messages_placeholder_must_be_an_array_property(reg: Registry) -> None:
    chat = ChatPromptTemplate.from_messages(
        [
            ("system", "For {audience}"),
            MessagesPlaceholder("question"),
            MessagesPlaceholder("context"),
            # optional: LangChain fills it with [] itself, so the schema need not have it...
            MessagesPlaceholder("scratchpad", optional=True),
            # ...but when the schema has it, it must be an array
            MessagesPlaceholder("note", optional=True),
        ]
    )
    check = check_prompt_template(chat, reg, "prompt-input")
    assert kinds(check) == {
        "question": {ProblemKind.WRONG_TYPE},
        "context": {ProblemKind.MISSING_FROM_SCHEMA},
        "note": {ProblemKind.WRONG_TYPE},
    }
    wrong = check.errors[0].message
    assert "MessagesPlaceholder" in wrong and "messages[1]" in wrong and "is string" in wrong


def test_an_avro_prompt_input_schema_works_too(registry: Registry) -> None:
    avro = {
        "type": "record",
        "name": "PromptInput",
        "fields": [
            {"name": "question", "type": "string"},
            {"name": "tags", "type": {"type": "array", "items": "string"}},
        ],
    }
    registry.register("avro-prompt", json.dumps(avro))
    check = check_prompt_template("{question} {tags.x}", registry, "avro-prompt")
    assert kinds(check) == {"tags": {ProblemKind.FRAMEWORK_REJECTS}}
    assert check.to_dict()["ok"] is True


# --- structured output ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("provider", "dialect"),
    [
        ("openai", "openai"),
        ("anthropic", "anthropic"),
        ("gemini", "gemini"),  # a dialect name is itself: responseSchema
        ("gemini-json", "gemini-json"),
        ("google", "gemini-json"),  # the alias: responseJsonSchema, what google-genai recommends
        ("vllm", "vllm-xgrammar"),
        ("vllm-guidance", "vllm-guidance"),
    ],
)
def test_structured_output_schemas_are_accepted_by_langchains_converters(
    reg: Registry, provider: str, dialect: str
) -> None:
    schema = as_structured_output(reg, "answer-value", provider)
    assert schema["title"] == "answer-value"  # LangChain names the schema by its title
    assert schema["description"] == "A short answer with its confidence."
    exported = reg.export("answer-value", dialect=dialect).schema
    assert exported is not None
    assert {k: v for k, v in schema.items() if k not in ("title", "description")} == {
        k: v for k, v in exported.items() if k not in ("title", "description")
    }
    tool = convert_to_openai_tool(schema, strict=True)
    assert tool["function"]["name"] == "answer-value"
    assert tool["function"]["strict"] is True
    assert set(tool["function"]["parameters"]["properties"]) == {"answer", "confidence"}
    assert convert_to_json_schema(schema)["title"] == "answer-value"


def test_gemini_means_the_response_schema_dialect_and_google_the_json_one(reg: Registry) -> None:
    response_schema = as_structured_output(reg, "answer-value", "gemini")
    assert response_schema["type"] == "OBJECT"  # the OpenAPI subset's upper-case types
    assert response_schema["properties"]["answer"] == {"type": "STRING", "maxLength": 40}
    json_schema = as_structured_output(reg, "answer-value", "google")
    assert json_schema["type"] == "object"


def test_exact_dialect_names_win_over_provider_aliases() -> None:
    for dialect in DIALECTS:
        assert dialect_for(dialect) == dialect
        assert dialect_for(f" {dialect.upper()} ") == dialect
        assert PROVIDER_DIALECTS[dialect] == dialect
    assert not set(PROVIDER_ALIASES) & set(DIALECTS)
    assert (dialect_for("google"), dialect_for("vllm")) == ("gemini-json", "vllm-xgrammar")


def test_structured_output_describes_an_undescribed_schema(reg: Registry) -> None:
    reg.register("bare-value", json.dumps({"type": "object", "properties": {}}), "JSON")
    schema = as_structured_output(reg, "bare-value", "openai")
    assert (
        schema["description"] == "A response matching subject 'bare-value' version 1 (schema id 3)"
    )


def test_structured_output_refuses_what_the_dialect_cannot_express(reg: Registry) -> None:
    reg.register(
        "odd-value",
        json.dumps({"type": "object", "properties": {"a": {"not": {"type": "string"}}}}),
        "JSON",
    )
    with pytest.raises(StructuredOutputUnavailable) as refused:
        as_structured_output(reg, "odd-value", "openai")
    assert "openai (openai dialect) cannot express subject 'odd-value' version 1" in str(
        refused.value
    )
    assert "/properties/a" in str(refused.value) and refused.value.errors


def test_an_unknown_provider_names_the_known_ones(reg: Registry) -> None:
    with pytest.raises(UnknownDialect) as refused:
        as_structured_output(reg, "answer-value", "cohere")
    message = str(refused.value)
    assert "'cohere' is neither a dialect (openai, anthropic, gemini, gemini-json" in message
    assert "nor a provider alias (google (gemini-json), vllm (vllm-xgrammar))" in message


# --- the validating runnable ----------------------------------------------------------------


def fake_model(*replies: AIMessage | str) -> GenericFakeChatModel:
    return GenericFakeChatModel(messages=iter(replies))


def test_model_output_is_validated_and_the_run_tagged_with_the_version(reg: Registry) -> None:
    chain = fake_model('Here you go:\n```json\n{"answer": "42", "confidence": 0.9}\n```') | (
        validating(reg, "answer-value")
    )
    collector = RunCollectorCallbackHandler()
    assert chain.invoke("q", config={"callbacks": [collector]}) == {
        "answer": "42",
        "confidence": 0.9,
    }
    step = next(r for r in collector.traced_runs[0].child_runs if r.name == "validate:answer-value")
    assert "schema_ref:2@1" in (step.tags or []) and "schema:answer-value" in (step.tags or [])
    metadata = step.extra["metadata"]
    assert (metadata["schema_ref"], metadata["schema_id"], metadata["schema_version"]) == (
        "2@1",
        2,
        1,
    )


def test_an_invalid_output_raises_with_the_repair_instruction(reg: Registry) -> None:
    chain = fake_model('{"answer": "' + "x" * 50 + '"}') | validating(reg, "answer-value")
    with pytest.raises(ResponseInvalid) as failed:
        chain.invoke("q")
    error = failed.value
    assert error.validation.schema_id == 2 and not error.validation.valid
    assert error.repair_instruction and "/answer" in error.repair_instruction
    assert "confidence" in error.repair_instruction
    assert "subject 'answer-value' version 1" in str(error)


def test_on_invalid_return_hands_back_the_verdict(reg: Registry) -> None:
    runnable = validating(reg, "answer-value", on_invalid="return")
    chain = fake_model("I cannot answer that.") | runnable
    verdict = chain.invoke("q")
    assert isinstance(verdict, ResponseValidation)
    assert not verdict.valid and verdict.errors[0].rule == RULE_NOT_JSON
    assert (verdict.subject, verdict.version, verdict.schema_id) == ("answer-value", 1, 2)


def test_tool_call_arguments_and_plain_values_are_validated(reg: Registry) -> None:
    call = AIMessage(
        content="",
        tool_calls=[{"name": "answer", "args": {"answer": "a", "confidence": 1}, "id": "c1"}],
    )
    assert (fake_model(call) | validating(reg, "answer-value")).invoke("q")["answer"] == "a"
    runnable = validating(reg, "answer-value")
    assert runnable.invoke({"answer": "b", "confidence": 0}) == {"answer": "b", "confidence": 0}
    raw: dict[str, Any] = {
        "raw": AIMessage(content="{}"),
        "parsed": {"answer": "c", "confidence": 1},
    }
    assert runnable.invoke(raw)["answer"] == "c"  # with_structured_output(include_raw=True)


def test_streaming_and_async_runs_validate_the_whole_reply(reg: Registry) -> None:
    chain = fake_model('{"answer": "streamed", "confidence": 0.5}') | validating(
        reg, "answer-value"
    )
    assert list(chain.stream("q")) == [{"answer": "streamed", "confidence": 0.5}]
    again = fake_model('{"answer": "async", "confidence": 0.5}') | validating(reg, "answer-value")
    assert asyncio.run(again.ainvoke("q"))["answer"] == "async"


def test_latest_is_pinned_when_the_runnable_is_built(reg: Registry) -> None:
    runnable = validating(reg, "answer-value")
    looser = {**ANSWER, "required": ["answer"]}
    reg.register("answer-value", json.dumps(looser), "JSON")
    assert isinstance(runnable, ValidatingRunnable) and runnable.schema_ref == "2@1"
    with pytest.raises(ResponseInvalid):
        runnable.invoke({"answer": "no confidence"})
    assert validating(reg, "answer-value").invoke({"answer": "ok"}) == {"answer": "ok"}


def test_on_invalid_must_be_raise_or_return(reg: Registry) -> None:
    with pytest.raises(ValueError, match="'raise' or 'return'"):
        validating(reg, "answer-value", on_invalid="ignore")  # type: ignore[arg-type]


def test_a_wrong_reply_dialect_fails_when_the_chain_is_built(reg: Registry) -> None:
    with pytest.raises(ValueError, match="not both"):
        validating(reg, "answer-value", dialect="openai", provider="openai")
    with pytest.raises(ValueError, match="needs the dialect or provider"):
        validating(reg, "answer-value", profile="2024-08")
    with pytest.raises(UnknownDialect, match="cohere"):
        validating(reg, "answer-value", provider="cohere")
    with pytest.raises(UnknownDialect, match="unknown dialect 'google'"):
        validating(reg, "answer-value", dialect="google")  # an alias is not a dialect
    with pytest.raises(UnknownDialect, match="unknown profile '1999-01'"):
        validating(reg, "answer-value", provider="openai", profile="1999-01")
    runnable = validating(reg, "answer-value", provider="google")
    assert (runnable.dialect, runnable.profile) == ("gemini-json", None)
    assert validating(reg, "answer-value", dialect=" OpenAI ").dialect == "openai"


# --- structured output and validation together ----------------------------------------------

NOTE = {
    "type": "object",
    "properties": {
        "summary": {"type": "string"},
        "tags": {"type": "array", "items": {"type": "string"}},
        "priority": {"type": "integer", "minimum": 1},
    },
    "required": ["summary"],
    "additionalProperties": False,
}
LABELS = {"type": "array", "items": {"type": "string"}}


def exported_body(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema a provider enforces (LangChain's title and description aside)."""
    return {k: v for k, v in schema.items() if k not in ("title", "description")}


@pytest.mark.parametrize(
    ("subject", "schema", "reply", "restored"),
    [
        (
            "note-value",
            NOTE,
            {"summary": "short", "tags": None, "priority": None},
            {"summary": "short"},
        ),
        ("labels-value", LABELS, {"value": ["a", "b"]}, ["a", "b"]),
    ],
    ids=["optional-properties", "array-root"],
)
def test_replies_in_the_exported_shape_pass_the_validating_step(
    registry: Registry,
    subject: str,
    schema: dict[str, Any],
    reply: dict[str, Any],
    restored: Any,
) -> None:
    registry.register(subject, json.dumps(schema), "JSON")
    structured = as_structured_output(registry, subject, "openai")
    # the fake model answers as OpenAI strict mode would: exactly the exported schema
    jsonschema.validate(reply, exported_body(structured))
    text = json.dumps(reply)
    chain = fake_model(text) | validating(registry, subject, provider="openai")
    assert chain.invoke("q") == restored
    # read as the registered schema instead, the same reply fails: the dialect is what fixes it
    verdict = (fake_model(text) | validating(registry, subject, on_invalid="return")).invoke("q")
    assert isinstance(verdict, ResponseValidation) and not verdict.valid


def test_a_restored_reply_is_still_checked_against_the_registered_schema(
    registry: Registry,
) -> None:
    registry.register("note-value", json.dumps(NOTE), "JSON")
    reply = {"summary": "short", "tags": None, "priority": 0}  # below the registered minimum
    chain = fake_model(json.dumps(reply)) | validating(registry, "note-value", dialect="openai")
    with pytest.raises(ResponseInvalid) as failed:
        chain.invoke("q")
    assert [(e.path, e.rule) for e in failed.value.validation.errors] == [("/priority", "minimum")]
    assert failed.value.value == {"summary": "short", "priority": 0}
