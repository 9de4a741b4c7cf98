"""A small demo registry: LLM subjects with several compatible versions each, plus the
built-in starter subjects (``registry_core.starters``) and a few chat fine-tuning records that
exercise one of them."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from typing import Any

from registry_core.errors import AlreadyExists
from registry_core.models import SchemaType
from registry_core.service import Registry, ValidationResult
from registry_core.starters import install_starters

__all__ = ["DEMO_CHAT_SFT_RECORDS", "DEMO_SUBJECTS", "seed_demo", "validate_demo_records"]

_MESSAGE = {
    "type": "object",
    "additionalProperties": False,
    "required": ["role", "content"],
    "properties": {
        "role": {"enum": ["system", "user", "assistant", "tool"]},
        "content": {"type": "string", "maxLength": 32768},
    },
}


def _chat_request(version: int) -> dict[str, Any]:
    properties: dict[str, Any] = {
        "model": {"type": "string", "minLength": 1, "maxLength": 64},
        "messages": {"type": "array", "minItems": 1, "items": _MESSAGE},
    }
    if version >= 2:
        properties["temperature"] = {"type": "number", "minimum": 0, "maximum": 2}
    if version >= 3:
        properties["max_tokens"] = {
            "type": "integer",
            "minimum": 1,
            "description": "Upper bound on generated tokens.",
        }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "ChatCompletionRequest",
        "type": "object",
        "additionalProperties": False,
        "required": ["model", "messages"],
        "properties": properties,
    }


def _inference_event(version: int) -> dict[str, Any]:
    fields: list[dict[str, Any]] = [
        {"name": "event_id", "type": "string"},
        {"name": "model", "type": "string"},
        {
            "name": "provider",
            "type": {
                "type": "enum",
                "name": "Provider",
                "symbols": ["OPENAI", "ANTHROPIC", "GOOGLE", "LOCAL", "OTHER"],
                "default": "OTHER",
            },
        },
        {"name": "latency_ms", "type": "int" if version < 3 else "long"},
        {"name": "prompt_tokens", "type": "int"},
        {"name": "completion_tokens", "type": "int"},
    ]
    if version >= 2:
        fields.append(
            {
                "name": "cost_usd",
                "type": ["null", "double"],
                "default": None,
                "doc": "Billed cost of the call, when known.",
            }
        )
    return {
        "type": "record",
        "name": "InferenceEvent",
        "namespace": "ai.llmsr.telemetry",
        "fields": fields,
    }


def _preference_pair(version: int) -> dict[str, Any]:
    properties: dict[str, Any] = {
        "prompt": {"type": "string", "minLength": 1},
        "chosen": {"type": "string"},
        "rejected": {"type": "string"},
    }
    if version >= 2:
        properties["annotator"] = {"type": "string", "description": "Who labelled the pair."}
    return {
        "type": "object",
        "additionalProperties": False,
        "required": ["prompt", "chosen", "rejected"],
        "properties": properties,
    }


def _rag_chunk(version: int) -> dict[str, Any]:
    fields: list[dict[str, Any]] = [
        {"name": "chunk_id", "type": "string"},
        {"name": "document_id", "type": "string"},
        {"name": "text", "type": "string", "doc": "The chunk's text, embedded for retrieval."},
    ]
    if version >= 2:
        fields.append({"name": "source_url", "type": ["null", "string"], "default": None})
    if version >= 3:  # proposed in the demo, waiting for review
        fields.append({"name": "section", "type": ["null", "string"], "default": None})
    return {"type": "record", "name": "RagChunk", "namespace": "ai.llmsr.rag", "fields": fields}


def _chat_finetune(version: int) -> dict[str, Any]:
    """An OpenAI-style chat fine-tuning record: messages with roles, an optional weight."""
    message: dict[str, Any] = {
        "type": "object",
        "additionalProperties": False,
        "required": ["role", "content"],
        "properties": {
            "role": {"enum": ["system", "user", "assistant", "tool"]},
            "content": {"type": "string", "minLength": 1, "maxLength": 32768},
            "weight": {"enum": [0, 1]},
        },
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "ChatFineTuningRecord",
        "type": "object",
        "additionalProperties": False,
        "required": ["messages"],
        "properties": {"messages": {"type": "array", "minItems": 2, "items": message}},
    }


def _eval_item(version: int) -> dict[str, Any]:
    """A multiple-choice evaluation item (MMLU style): the answer is an index into choices."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "EvaluationItem",
        "type": "object",
        "additionalProperties": False,
        "required": ["id", "question", "choices", "answer", "split"],
        "properties": {
            "id": {"type": "string", "pattern": "^[a-z0-9_-]+$"},
            "question": {"type": "string", "minLength": 1},
            "choices": {
                "type": "array",
                "minItems": 2,
                "maxItems": 8,
                "items": {"type": "string", "minLength": 1},
            },
            "answer": {"type": "integer", "minimum": 0},
            "split": {"enum": ["dev", "test"]},
            "topic": {"type": "string"},
        },
    }


DEMO_SUBJECTS: dict[str, tuple[SchemaType, Callable[[int], dict[str, Any]], int]] = {
    "llm.chat-completion-request-value": (SchemaType.JSON, _chat_request, 3),
    "llm.inference-event-value": (SchemaType.AVRO, _inference_event, 3),
    "llm.preference-pair-value": (SchemaType.JSON, _preference_pair, 2),
    "llm.rag-chunk-value": (SchemaType.AVRO, _rag_chunk, 2),
    "llm.chat-finetune-value": (SchemaType.JSON, _chat_finetune, 1),
    "llm.eval-item-value": (SchemaType.JSON, _eval_item, 1),
}


_WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather for a city.",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}, "unit": {"enum": ["c", "f"]}},
            "required": ["city"],
        },
    },
}

# Lines of a chat fine-tuning file for the ``llm.chat_sft`` starter: three valid, the last one
# invalid (a weight on a user message: only assistant messages carry one).
DEMO_CHAT_SFT_RECORDS: list[dict[str, Any]] = [
    {
        "messages": [
            {"role": "system", "content": "You are a concise support agent for Acme Cloud."},
            {"role": "user", "content": "How do I rotate an API key?"},
            {
                "role": "assistant",
                "content": "Open Settings > API keys, choose Rotate, then update your clients.",
            },
        ]
    },
    {
        "messages": [
            {"role": "user", "content": "What's the weather in Lisbon?"},
            {
                "role": "assistant",
                "tool_calls": [
                    {
                        "id": "call_7Qx1",
                        "type": "function",
                        "function": {"name": "get_weather", "arguments": '{"city": "Lisbon"}'},
                    }
                ],
            },
            {"role": "tool", "tool_call_id": "call_7Qx1", "content": '{"temp_c": 21}'},
            {"role": "assistant", "content": "It is 21 °C in Lisbon right now."},
        ],
        "tools": [_WEATHER_TOOL],
        "parallel_tool_calls": False,
    },
    {
        "messages": [
            {"role": "developer", "content": "Answer in French."},
            {"role": "user", "content": "Say hello."},
            {"role": "assistant", "content": "Hello!", "weight": 0},
            {"role": "user", "content": "In French, please."},
            {"role": "assistant", "content": "Bonjour !", "weight": 1},
        ]
    },
    {
        "messages": [
            {"role": "user", "content": "Summarise our refund policy.", "weight": 1},
            {"role": "assistant", "content": "Refunds within 30 days, no questions asked."},
        ]
    },
]


def validate_demo_records(registry: Registry) -> ValidationResult:
    """Validate ``DEMO_CHAT_SFT_RECORDS`` against the ``llm.chat_sft`` starter (3 valid, 1
    quarantined at ``/messages/0/weight``); ``seed_demo`` must have run."""
    return registry.validate(DEMO_CHAT_SFT_RECORDS, "llm.chat_sft")


def seed_demo(registry: Registry, *, actor: str = "demo") -> list[tuple[str, int, int]]:
    """Register every demo version, a little governance and the starter subjects (idempotent):
    the ``llm.rag-`` namespace requires review and has a proposal waiting; inference-event v1
    is deprecated. Returns (subject, version, id) triples."""
    out = []
    for subject, (schema_type, build, versions) in DEMO_SUBJECTS.items():
        for version in range(1, versions + 1):
            result = registry.register(
                subject, json.dumps(build(version)), schema_type, actor=actor
            )
            out.append((subject, result.version.version, result.version.schema_id))
    if registry.policy_for("llm.rag-chunk-value") is None:
        registry.set_policy(
            "llm.rag-", prefix=True, review_required=True, owners=["data-platform"], actor=actor
        )
    with contextlib.suppress(AlreadyExists):  # approved since: v3 is registered
        registry.propose(
            "llm.rag-chunk-value",
            json.dumps(_rag_chunk(3)),
            SchemaType.AVRO,
            note="Keep the section heading so answers can cite it.",
            actor="demo-author",
        )
    if registry.get_version("llm.inference-event-value", 1).state == "ACTIVE":
        registry.set_version_state("llm.inference-event-value", 1, "DEPRECATED", actor=actor)
    for installed in install_starters(registry, actor=actor):
        if installed.version is not None and installed.schema_id is not None:
            out.append((installed.subject, installed.version, installed.schema_id))
    return out
