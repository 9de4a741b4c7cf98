"""Distinct, realistic Avro schemas for LLM telemetry records, for seeding the benchmark.

Each subject holds one record type (an inference event, an evaluation result, a guardrail
verdict...) in its own namespace. Version 1 has 9 fields (``event_id`` and ``timestamp`` first,
the rest drawn from a pool of telemetry fields); every later version adds one optional field
(``["null", T]`` with default ``null``), so each version is BACKWARD compatible with the one
before and the registry's default compatibility check passes. With 10 versions a subject's
records have 9 to 18 fields (13.5 on average). Everything is deterministic in the subject index,
so a run can be repeated exactly.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

__all__ = ["SchemaSpec", "iter_subjects", "plan", "subject_schemas"]

BASE_FIELDS = 9
VERSIONS_PER_SUBJECT = 10

# (record name, subject stem) of the record kinds an LLM platform typically streams
KINDS = (
    ("InferenceEvent", "inference-event"),
    ("ChatCompletion", "chat-completion"),
    ("EmbeddingRequest", "embedding-request"),
    ("EvalResult", "eval-result"),
    ("GuardrailVerdict", "guardrail-verdict"),
    ("UserFeedback", "user-feedback"),
    ("ToolInvocation", "tool-invocation"),
    ("RetrievalHit", "retrieval-hit"),
    ("TrainingSample", "training-sample"),
    ("UsageCharge", "usage-charge"),
)
TEAMS = ("search", "assist", "support", "ads", "risk", "docs", "voice", "code", "mail", "data")


def _enum(name: str, symbols: list[str], default: str) -> dict[str, Any]:
    return {"type": "enum", "name": name, "symbols": symbols, "default": default}


def _ts() -> dict[str, Any]:
    return {"type": "long", "logicalType": "timestamp-millis"}


def _uuid() -> dict[str, Any]:
    return {"type": "string", "logicalType": "uuid"}


def _messages() -> dict[str, Any]:
    role = _enum("Role", ["SYSTEM", "USER", "ASSISTANT", "TOOL"], "USER")
    message = {
        "type": "record",
        "name": "Message",
        "fields": [
            {"name": "role", "type": role},
            {"name": "content", "type": "string"},
            {"name": "content_chars", "type": "int", "default": 0},
        ],
    }
    return {"type": "array", "items": message}


def _tool_calls() -> dict[str, Any]:
    call = {
        "type": "record",
        "name": "ToolCall",
        "fields": [
            {"name": "name", "type": "string"},
            {"name": "arguments_bytes", "type": "int"},
            {"name": "duration_ms", "type": "int"},
            {"name": "succeeded", "type": "boolean", "default": True},
        ],
    }
    return {"type": "array", "items": call}


# name -> (type factory, doc); a factory so named types are fresh dicts in every schema
POOL: dict[str, tuple[Callable[[], Any], str]] = {
    "model": (lambda: "string", "Model name as sent to the provider, e.g. gpt-4o-mini."),
    "provider": (
        lambda: _enum(
            "Provider",
            ["OPENAI", "ANTHROPIC", "GOOGLE", "MISTRAL", "META", "LOCAL", "OTHER"],
            "OTHER",
        ),
        "Who served the request.",
    ),
    "request_type": (
        lambda: _enum("RequestType", ["CHAT", "COMPLETION", "EMBEDDING"], "CHAT"),
        "API family of the call.",
    ),
    "user_id": (lambda: "string", "Pseudonymous end-user id."),
    "session_id": (_uuid, "Conversation or session the event belongs to."),
    "trace_id": (lambda: "string", "W3C trace id of the calling request."),
    "latency_ms": (lambda: "int", "Wall-clock latency of the whole call."),
    "time_to_first_token_ms": (lambda: "int", "Latency until the first streamed token."),
    "status_code": (lambda: "int", "HTTP status returned by the provider."),
    "temperature": (lambda: "double", "Sampling temperature, 0 to 2."),
    "top_p": (lambda: "double", "Nucleus sampling mass, (0, 1]."),
    "max_tokens": (lambda: "int", "Upper bound on generated tokens."),
    "prompt_tokens": (lambda: "int", "Tokens in the prompt."),
    "completion_tokens": (lambda: "int", "Tokens generated."),
    "total_tokens": (lambda: "long", "prompt_tokens + completion_tokens."),
    "cost_usd": (lambda: "double", "Billed cost in US dollars."),
    "cache_hit": (lambda: "boolean", "Whether a prompt or semantic cache answered."),
    "streamed": (lambda: "boolean", "Whether the response was streamed."),
    "finish_reason": (
        lambda: _enum(
            "FinishReason", ["STOP", "LENGTH", "TOOL_CALLS", "CONTENT_FILTER", "ERROR"], "STOP"
        ),
        "Why generation stopped.",
    ),
    "region": (lambda: "string", "Cloud region that served the call."),
    "deployment": (lambda: "string", "Deployment or endpoint name."),
    "prompt_template_id": (lambda: "string", "Id of the prompt template used."),
    "prompt_template_version": (lambda: "int", "Version of the prompt template."),
    "messages": (_messages, "The conversation sent to the model."),
    "tool_calls": (_tool_calls, "Tools the model called while answering."),
    "tags": (lambda: {"type": "map", "values": "string"}, "Free-form labels."),
    "safety_flags": (lambda: {"type": "array", "items": "string"}, "Moderation categories hit."),
    "error_message": (lambda: "string", "Provider error text, if the call failed."),
    "retry_count": (lambda: "int", "Retries before this attempt."),
    "embedding_dim": (lambda: "int", "Dimension of returned embeddings."),
    "eval_score": (lambda: "double", "Score from the evaluator, 0 to 1."),
    "feedback_rating": (lambda: "int", "Thumbs or 1-5 rating from the user."),
    "api_key_fingerprint": (lambda: "bytes", "SHA-256 prefix of the API key used."),
}


@dataclass(frozen=True, slots=True)
class SchemaSpec:
    """One schema to register: its subject, version number (1-based) and Avro text."""

    subject: str
    version: int
    schema: str


def _subject_name(index: int, prefix: str) -> tuple[str, str, str]:
    record, stem = KINDS[index % len(KINDS)]
    team = TEAMS[(index // len(KINDS)) % len(TEAMS)]
    subject = f"{prefix}{team}.{stem}-{index:05d}-value"
    namespace = f"ai.acme.{prefix.strip('.').replace('-', '_') or 'llm'}.{team}.s{index:05d}"
    return subject, record, namespace


def subject_schemas(index: int, versions: int, prefix: str = "") -> list[SchemaSpec]:
    """The ``versions`` successive schemas of subject number ``index``."""
    subject, record, namespace = _subject_name(index, prefix)
    rng = random.Random(index)
    names = list(POOL)
    rng.shuffle(names)
    base = names[: BASE_FIELDS - 2]
    extra = names[BASE_FIELDS - 2 :]
    fields: list[dict[str, Any]] = [
        {"name": "event_id", "type": _uuid(), "doc": "Unique id of the event."},
        {"name": "timestamp", "type": _ts(), "doc": "When the event happened (UTC)."},
    ]
    for name in base:
        factory, doc = POOL[name]
        fields.append({"name": name, "type": factory(), "doc": doc})
    specs = []
    for version in range(1, versions + 1):
        if version > 1:
            pool_name = extra[(version - 2) % len(extra)]
            lap = (version - 2) // len(extra)  # past the pool, reuse names with a suffix
            name = pool_name if lap == 0 else f"{pool_name}_{lap}"
            factory, doc = POOL[pool_name]
            field_type = factory()
            if lap and isinstance(field_type, dict) and "items" in field_type:
                field_type = {"type": field_type["type"], "items": "string"}  # no type redefined
            elif lap and isinstance(field_type, dict) and field_type.get("type") == "enum":
                field_type = "string"
            fields.append({"name": name, "type": ["null", field_type], "default": None, "doc": doc})
        schema = {
            "type": "record",
            "name": record,
            "namespace": namespace,
            "doc": f"{record} records of the {subject} stream (schema version {version}).",
            "fields": [dict(f) for f in fields],
        }
        specs.append(SchemaSpec(subject, version, json.dumps(schema, separators=(",", ":"))))
    return specs


def plan(count: int, prefix: str = "", per_subject: int = VERSIONS_PER_SUBJECT) -> list[SchemaSpec]:
    """``count`` distinct schemas over ``ceil(count / per_subject)`` subjects.

    Ordered version by version (every subject's v1, then every v2...), so concurrent writers
    working down the list mostly touch different subjects, and each subject's versions still
    arrive in order.
    """
    subjects = max(1, -(-count // per_subject))
    by_subject = [
        subject_schemas(i, count // subjects + (1 if i < count % subjects else 0), prefix)
        for i in range(subjects)
    ]
    ordered: list[SchemaSpec] = []
    for version in range(max(len(s) for s in by_subject)):
        ordered.extend(s[version] for s in by_subject if version < len(s))
    return ordered


def iter_subjects(specs: list[SchemaSpec]) -> Iterator[str]:
    """The distinct subjects of ``specs``, in first-seen order."""
    seen: set[str] = set()
    for spec in specs:
        if spec.subject not in seen:
            seen.add(spec.subject)
            yield spec.subject
