"""A named corpus of schema changes with their compatibility verdicts.

Each ``SchemaPair`` is one edit from ``old`` to ``new``:

- ``backward`` is the verdict with reader=new, writer=old (can the new schema read old data?);
- ``forward`` is the verdict with reader=old, writer=new (can old readers read new data?);
- ``lenient_backward``, where set, is the backward verdict under Confluent's LENIENT policy.

FULL compatibility is ``backward and forward``. The Avro verdicts are checked against the Apache
Avro reference checker by ``test_avro_pairs_oracle.py``; the JSON Schema verdicts follow
Confluent's ``SchemaDiff`` rules and are checked by ``test_jsonschema_compat.py``. Unit tests
and API tests both draw from here, so a pair means the same everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class SchemaPair:
    name: str
    schema_type: str  # "JSON" or "AVRO"
    old: dict[str, Any] | str | bool
    new: dict[str, Any] | str | bool
    backward: bool
    forward: bool
    lenient_backward: bool | None = None


def _json(
    name: str,
    old: dict[str, Any] | bool,
    new: dict[str, Any] | bool,
    *,
    backward: bool,
    forward: bool,
    lenient_backward: bool | None = None,
) -> SchemaPair:
    return SchemaPair(name, "JSON", old, new, backward, forward, lenient_backward)


def _avro(
    name: str, old: dict[str, Any], new: dict[str, Any], *, backward: bool, forward: bool
) -> SchemaPair:
    return SchemaPair(name, "AVRO", old, new, backward, forward)


def obj(
    properties: dict[str, Any],
    *,
    required: list[str] | None = None,
    closed: bool = False,
    **extra: Any,
) -> dict[str, Any]:
    """A JSON Schema object; ``closed`` sets ``additionalProperties: false``."""
    schema: dict[str, Any] = {"type": "object", "properties": properties, **extra}
    if required:
        schema["required"] = required
    if closed:
        schema["additionalProperties"] = False
    return schema


STRING = {"type": "string"}
INTEGER = {"type": "integer"}
NUMBER = {"type": "number"}
ROLES = ["system", "user", "assistant"]


def chat_message(role: dict[str, Any] | None = None, **more: Any) -> dict[str, Any]:
    """A chat message: role + content (the LLM registry's most registered schema)."""
    return obj({"role": role or {"enum": ROLES}, "content": STRING, **more}, required=["role"])


def inference_event(prompt_tokens: dict[str, Any], **more: Any) -> dict[str, Any]:
    """An inference event with token usage."""
    usage = obj({"prompt_tokens": prompt_tokens, "completion_tokens": INTEGER, **more})
    return obj({"model": STRING, "usage": usage}, required=["model"])


# --- JSON Schema: types ---------------------------------------------------------------------------

TYPE_NUMBER_TO_INTEGER = _json(
    "TYPE_NUMBER_TO_INTEGER",
    obj({"latency_ms": NUMBER}),
    obj({"latency_ms": INTEGER}),
    backward=False,
    forward=True,
)
TYPE_INTEGER_TO_NUMBER = _json(
    "TYPE_INTEGER_TO_NUMBER",
    obj({"latency_ms": INTEGER}),
    obj({"latency_ms": NUMBER}),
    backward=True,
    forward=False,
)
TYPE_STRING_TO_INTEGER = _json(
    "TYPE_STRING_TO_INTEGER",
    obj({"seed": STRING}),
    obj({"seed": INTEGER}),
    backward=False,
    forward=False,
)
TYPE_ARRAY_WIDENED = _json(
    "TYPE_ARRAY_WIDENED",
    obj({"stop": STRING}),
    obj({"stop": {"type": ["string", "null"]}}),
    backward=True,
    forward=False,
)
TYPE_ANY_TO_STRING = _json(
    "TYPE_ANY_TO_STRING",
    obj({"arguments": {}}),
    obj({"arguments": STRING}),
    backward=False,
    forward=True,
)
TRUE_SCHEMA_TO_OBJECT = _json("TRUE_SCHEMA_TO_OBJECT", True, obj({}), backward=False, forward=True)
DESCRIPTION_CHANGED = _json(
    "DESCRIPTION_CHANGED",
    obj({"content": {"type": "string", "description": "the text"}}),
    obj({"content": {"type": "string", "description": "the message text", "title": "Content"}}),
    backward=True,
    forward=True,
)

# --- JSON Schema: required properties and content models ------------------------------------------

REQUIRED_ADDED = _json(
    "REQUIRED_ADDED",
    chat_message(),
    {**chat_message(), "required": ["role", "content"]},
    backward=False,
    forward=True,
    lenient_backward=False,
)
REQUIRED_REMOVED = _json(
    "REQUIRED_REMOVED",
    {**chat_message(), "required": ["role", "content"]},
    chat_message(),
    backward=True,
    forward=False,
)
REQUIRED_WITH_DEFAULT_MADE_REQUIRED = _json(
    "REQUIRED_WITH_DEFAULT_MADE_REQUIRED",
    obj({"temperature": {"type": "number", "default": 1.0}}),
    obj({"temperature": {"type": "number", "default": 1.0}}, required=["temperature"]),
    backward=True,
    forward=True,
)
REQUIRED_WITH_DEFAULT_ADDED_TO_CLOSED = _json(
    "REQUIRED_WITH_DEFAULT_ADDED_TO_CLOSED",
    obj({"prompt": STRING}, required=["prompt"], closed=True),
    obj(
        {"prompt": STRING, "temperature": {"type": "number", "default": 1.0}},
        required=["prompt", "temperature"],
        closed=True,
    ),
    backward=True,
    forward=False,
    lenient_backward=True,
)
REQUIRED_ADDED_TO_CLOSED_NO_DEFAULT = _json(
    "REQUIRED_ADDED_TO_CLOSED_NO_DEFAULT",
    obj({"prompt": STRING}, closed=True),
    obj({"prompt": STRING, "model": STRING}, required=["model"], closed=True),
    backward=False,
    forward=False,
    lenient_backward=False,
)
OPTIONAL_ADDED_TO_CLOSED = _json(
    "OPTIONAL_ADDED_TO_CLOSED",
    obj({"prompt": STRING}, closed=True),
    obj({"prompt": STRING, "system": STRING}, closed=True),
    backward=True,
    forward=False,
    lenient_backward=True,
)
OPTIONAL_ADDED_TO_OPEN = _json(
    "OPTIONAL_ADDED_TO_OPEN",
    chat_message(),
    chat_message(name=STRING),
    backward=False,
    forward=True,
    lenient_backward=True,
)
REQUIRED_ADDED_TO_OPEN_NO_DEFAULT = _json(
    "REQUIRED_ADDED_TO_OPEN_NO_DEFAULT",
    chat_message(),
    {**chat_message(name=STRING), "required": ["role", "name"]},
    backward=False,
    forward=True,
    lenient_backward=False,
)
REQUIRED_WITH_DEFAULT_ADDED_TO_OPEN = _json(
    "REQUIRED_WITH_DEFAULT_ADDED_TO_OPEN",
    chat_message(),
    {**chat_message(name={"type": "string", "default": "anon"}), "required": ["role", "name"]},
    backward=False,
    forward=True,
    lenient_backward=True,
)
EMPTY_SCHEMA_PROPERTY_ADDED_TO_OPEN = _json(
    "EMPTY_SCHEMA_PROPERTY_ADDED_TO_OPEN",
    chat_message(),
    chat_message(metadata={}),
    backward=True,
    forward=True,
)
PROPERTY_REMOVED_FROM_OPEN = _json(
    "PROPERTY_REMOVED_FROM_OPEN",
    chat_message(name=STRING),
    chat_message(),
    backward=True,
    forward=False,
    lenient_backward=True,
)
PROPERTY_REMOVED_FROM_CLOSED = _json(
    "PROPERTY_REMOVED_FROM_CLOSED",
    obj({"prompt": STRING, "system": STRING}, closed=True),
    obj({"prompt": STRING}, closed=True),
    backward=False,
    forward=True,
    lenient_backward=True,
)
PROPERTY_REMOVED_COVERED_BY_ADDITIONAL = _json(
    "PROPERTY_REMOVED_COVERED_BY_ADDITIONAL",
    obj({"model": STRING, "provider": STRING}, additionalProperties=STRING),
    obj({"model": STRING}, additionalProperties=STRING),
    backward=True,
    forward=True,
)
PROPERTY_REMOVED_NOT_COVERED_BY_ADDITIONAL = _json(
    "PROPERTY_REMOVED_NOT_COVERED_BY_ADDITIONAL",
    obj({"model": STRING, "max_tokens": INTEGER}, additionalProperties=STRING),
    obj({"model": STRING}, additionalProperties=STRING),
    backward=False,
    forward=False,
    lenient_backward=True,
)
ADDITIONAL_PROPERTIES_CLOSED = _json(
    "ADDITIONAL_PROPERTIES_CLOSED",
    chat_message(),
    {**chat_message(), "additionalProperties": False},
    backward=False,
    forward=True,
    lenient_backward=True,
)
ADDITIONAL_PROPERTIES_OPENED = _json(
    "ADDITIONAL_PROPERTIES_OPENED",
    {**chat_message(), "additionalProperties": False},
    chat_message(),
    backward=True,
    forward=False,
    lenient_backward=True,
)
ADDITIONAL_PROPERTIES_NARROWED = _json(
    "ADDITIONAL_PROPERTIES_NARROWED",
    obj({}, additionalProperties={"type": ["string", "integer"]}),
    obj({}, additionalProperties=STRING),
    backward=False,
    forward=True,
    lenient_backward=True,
)
PATTERN_PROPERTIES_ADDED = _json(
    "PATTERN_PROPERTIES_ADDED",
    obj({"model": STRING}),
    obj({"model": STRING}, patternProperties={"^x-": STRING}),
    backward=False,
    forward=True,
    lenient_backward=True,
)
DEPENDENT_REQUIRED_ADDED = _json(
    "DEPENDENT_REQUIRED_ADDED",
    obj({"tool_calls": {"type": "array"}, "tool_choice": STRING}),
    obj(
        {"tool_calls": {"type": "array"}, "tool_choice": STRING},
        dependentRequired={"tool_choice": ["tool_calls"]},
    ),
    backward=False,
    forward=True,
)
DEPENDENCIES_ADDED_DRAFT7 = _json(
    "DEPENDENCIES_ADDED_DRAFT7",
    obj({"logprobs": {"type": "boolean"}, "top_logprobs": INTEGER}),
    obj(
        {"logprobs": {"type": "boolean"}, "top_logprobs": INTEGER},
        dependencies={"top_logprobs": ["logprobs"]},
    ),
    backward=False,
    forward=True,
)
MAX_PROPERTIES_ADDED = _json(
    "MAX_PROPERTIES_ADDED",
    obj({}, additionalProperties=STRING),
    obj({}, additionalProperties=STRING, maxProperties=16),
    backward=False,
    forward=True,
)

# --- JSON Schema: strings, numbers, enums ---------------------------------------------------------

MAX_LENGTH_ADDED = _json(
    "MAX_LENGTH_ADDED",
    chat_message(),
    chat_message(content={"type": "string", "maxLength": 32768}),
    backward=False,
    forward=True,
)
MAX_LENGTH_DECREASED = _json(
    "MAX_LENGTH_DECREASED",
    chat_message(content={"type": "string", "maxLength": 32768}),
    chat_message(content={"type": "string", "maxLength": 4096}),
    backward=False,
    forward=True,
)
MAX_LENGTH_INCREASED = _json(
    "MAX_LENGTH_INCREASED",
    chat_message(content={"type": "string", "maxLength": 4096}),
    chat_message(content={"type": "string", "maxLength": 32768}),
    backward=True,
    forward=False,
)
MIN_LENGTH_INCREASED = _json(
    "MIN_LENGTH_INCREASED",
    chat_message(content={"type": "string", "minLength": 0}),
    chat_message(content={"type": "string", "minLength": 1}),
    backward=False,
    forward=True,
)
MINIMUM_ADDED = _json(
    "MINIMUM_ADDED",
    inference_event(INTEGER),
    inference_event({"type": "integer", "minimum": 0}),
    backward=False,
    forward=True,
)
MINIMUM_RELAXED = _json(
    "MINIMUM_RELAXED",
    inference_event({"type": "integer", "minimum": 1}),
    inference_event({"type": "integer", "minimum": 0}),
    backward=True,
    forward=False,
)
MAXIMUM_INCREASED = _json(
    "MAXIMUM_INCREASED",
    obj({"temperature": {"type": "number", "minimum": 0, "maximum": 1}}),
    obj({"temperature": {"type": "number", "minimum": 0, "maximum": 2}}),
    backward=True,
    forward=False,
)
MAXIMUM_TO_EXCLUSIVE_MAXIMUM = _json(
    "MAXIMUM_TO_EXCLUSIVE_MAXIMUM",
    obj({"top_p": {"type": "number", "maximum": 1}}),
    obj({"top_p": {"type": "number", "exclusiveMaximum": 1}}),
    backward=False,
    forward=True,
)
EXCLUSIVE_MINIMUM_ADDED = _json(
    "EXCLUSIVE_MINIMUM_ADDED",
    obj({"score": NUMBER}),
    obj({"score": {"type": "number", "exclusiveMinimum": 0}}),
    backward=False,
    forward=True,
)
MULTIPLE_OF_ADDED = _json(
    "MULTIPLE_OF_ADDED",
    obj({"cost_usd": NUMBER}),
    obj({"cost_usd": {"type": "number", "multipleOf": 0.01}}),
    backward=False,
    forward=True,
)
MULTIPLE_OF_EXPANDED = _json(
    "MULTIPLE_OF_EXPANDED",
    obj({"batch_size": {"type": "integer", "multipleOf": 2}}),
    obj({"batch_size": {"type": "integer", "multipleOf": 4}}),
    backward=False,
    forward=True,
)
MULTIPLE_OF_REDUCED = _json(
    "MULTIPLE_OF_REDUCED",
    obj({"batch_size": {"type": "integer", "multipleOf": 4}}),
    obj({"batch_size": {"type": "integer", "multipleOf": 2}}),
    backward=True,
    forward=False,
)
MULTIPLE_OF_CHANGED = _json(
    "MULTIPLE_OF_CHANGED",
    obj({"batch_size": {"type": "integer", "multipleOf": 2}}),
    obj({"batch_size": {"type": "integer", "multipleOf": 3}}),
    backward=False,
    forward=False,
)
MULTIPLE_OF_DECIMAL_REDUCED = _json(
    "MULTIPLE_OF_DECIMAL_REDUCED",
    obj({"cost_usd": {"type": "number", "multipleOf": 0.1}}),
    obj({"cost_usd": {"type": "number", "multipleOf": 0.01}}),
    backward=True,
    forward=False,
)
ENUM_VALUE_REMOVED = _json(
    "ENUM_VALUE_REMOVED",
    chat_message({"enum": [*ROLES, "tool"]}),
    chat_message({"enum": ROLES}),
    backward=False,
    forward=True,
)
ENUM_VALUE_ADDED = _json(
    "ENUM_VALUE_ADDED",
    chat_message({"enum": ROLES}),
    chat_message({"enum": [*ROLES, "tool"]}),
    backward=True,
    forward=False,
)
ENUM_INTRODUCED = _json(
    "ENUM_INTRODUCED",
    chat_message(STRING),
    chat_message({"type": "string", "enum": ROLES}),
    backward=False,
    forward=True,
)
CONST_ADDED = _json(
    "CONST_ADDED",
    obj({"object": STRING}),
    obj({"object": {"const": "chat.completion"}}),
    backward=False,
    forward=True,
)
CONST_CHANGED = _json(
    "CONST_CHANGED",
    obj({"object": {"const": "text_completion"}}),
    obj({"object": {"const": "chat.completion"}}),
    backward=False,
    forward=False,
)
PATTERN_ADDED = _json(
    "PATTERN_ADDED",
    obj({"model": STRING}),
    obj({"model": {"type": "string", "pattern": "^[a-z0-9-]+$"}}),
    backward=False,
    forward=True,
)
PATTERN_CHANGED = _json(
    "PATTERN_CHANGED",
    obj({"id": {"type": "string", "pattern": "^chatcmpl-"}}),
    obj({"id": {"type": "string", "pattern": "^cmpl-"}}),
    backward=False,
    forward=False,
)

# --- JSON Schema: arrays --------------------------------------------------------------------------

ITEMS_TYPE_NARROWED = _json(
    "ITEMS_TYPE_NARROWED",
    obj({"embedding": {"type": "array", "items": NUMBER}}),
    obj({"embedding": {"type": "array", "items": INTEGER}}),
    backward=False,
    forward=True,
)
UNIQUE_ITEMS_ADDED = _json(
    "UNIQUE_ITEMS_ADDED",
    obj({"stop": {"type": "array", "items": STRING}}),
    obj({"stop": {"type": "array", "items": STRING, "uniqueItems": True}}),
    backward=False,
    forward=True,
)
MAX_ITEMS_DECREASED = _json(
    "MAX_ITEMS_DECREASED",
    obj({"stop": {"type": "array", "items": STRING, "maxItems": 4}}),
    obj({"stop": {"type": "array", "items": STRING, "maxItems": 2}}),
    backward=False,
    forward=True,
)
MIN_ITEMS_ADDED = _json(
    "MIN_ITEMS_ADDED",
    obj({"messages": {"type": "array", "items": chat_message()}}),
    obj({"messages": {"type": "array", "items": chat_message(), "minItems": 1}}),
    backward=False,
    forward=True,
)
LIST_TO_TUPLE = _json(
    "LIST_TO_TUPLE",
    obj({"pair": {"type": "array", "items": STRING}}),
    obj({"pair": {"type": "array", "prefixItems": [STRING, STRING]}}),
    backward=False,
    forward=False,
)
TUPLE_ITEM_ADDED_TO_CLOSED = _json(
    "TUPLE_ITEM_ADDED_TO_CLOSED",
    {"type": "array", "items": [STRING], "additionalItems": False},
    {"type": "array", "items": [STRING, NUMBER], "additionalItems": False},
    backward=True,
    forward=False,
)
TUPLE_ITEM_ADDED_TO_OPEN = _json(
    "TUPLE_ITEM_ADDED_TO_OPEN",
    {"type": "array", "prefixItems": [STRING]},
    {"type": "array", "prefixItems": [STRING, NUMBER]},
    backward=False,
    forward=True,
)

# --- JSON Schema: combinators ---------------------------------------------------------------------

_TEXT_PART = obj({"type": {"const": "text"}, "text": STRING}, required=["type", "text"])
_IMAGE_PART = obj({"type": {"const": "image_url"}, "image_url": STRING}, required=["type"])
_AUDIO_PART = obj({"type": {"const": "input_audio"}, "data": STRING}, required=["type"])

ANY_OF_BRANCH_ADDED = _json(
    "ANY_OF_BRANCH_ADDED",
    {"anyOf": [_TEXT_PART, _IMAGE_PART]},
    {"anyOf": [_TEXT_PART, _IMAGE_PART, _AUDIO_PART]},
    backward=True,
    forward=False,
)
ANY_OF_BRANCH_REMOVED = _json(
    "ANY_OF_BRANCH_REMOVED",
    {"anyOf": [_TEXT_PART, _IMAGE_PART, _AUDIO_PART]},
    {"anyOf": [_TEXT_PART, _IMAGE_PART]},
    backward=False,
    forward=True,
)
ANY_OF_REORDERED = _json(
    "ANY_OF_REORDERED",
    {"anyOf": [STRING, {"type": "array", "items": _TEXT_PART}]},
    {"anyOf": [{"type": "array", "items": _TEXT_PART}, STRING]},
    backward=True,
    forward=True,
)
ONE_OF_TO_ANY_OF = _json(
    "ONE_OF_TO_ANY_OF",
    {"oneOf": [_TEXT_PART, _IMAGE_PART]},
    {"anyOf": [_TEXT_PART, _IMAGE_PART]},
    backward=True,
    forward=False,
)
ALL_OF_TO_ANY_OF = _json(
    "ALL_OF_TO_ANY_OF",
    {"allOf": [_TEXT_PART]},
    {"anyOf": [_TEXT_PART, _IMAGE_PART]},
    backward=True,
    forward=False,
)
ALL_OF_SUBSCHEMA_ADDED = _json(
    "ALL_OF_SUBSCHEMA_ADDED",
    {"allOf": [chat_message()]},
    {"allOf": [chat_message(), {"required": ["content"]}]},
    backward=False,
    forward=True,
)
NULLABLE_ADDED = _json(
    "NULLABLE_ADDED",
    obj({"finish_reason": STRING}),
    obj({"finish_reason": {"anyOf": [STRING, {"type": "null"}]}}),
    backward=True,
    forward=False,
)
NULLABLE_REMOVED = _json(
    "NULLABLE_REMOVED",
    obj({"finish_reason": {"anyOf": [STRING, {"type": "null"}]}}),
    obj({"finish_reason": STRING}),
    backward=False,
    forward=True,
)
NOT_ADDED = _json(
    "NOT_ADDED",
    obj({"content": STRING}),
    obj({"content": {"type": "string", "not": {"const": ""}}}),
    backward=False,
    forward=True,
)

# --- JSON Schema: references ----------------------------------------------------------------------

_PAIR_DEFS = {
    "response": obj({"text": STRING, "score": NUMBER}, required=["text"]),
}
DEFINITIONS_TO_DEFS = _json(
    "DEFINITIONS_TO_DEFS",
    {
        "definitions": _PAIR_DEFS,
        **obj(
            {
                "prompt": STRING,
                "chosen": {"$ref": "#/definitions/response"},
                "rejected": {"$ref": "#/definitions/response"},
            }
        ),
    },
    {
        "$defs": _PAIR_DEFS,
        **obj(
            {
                "prompt": STRING,
                "chosen": {"$ref": "#/$defs/response"},
                "rejected": {"$ref": "#/$defs/response"},
            }
        ),
    },
    backward=True,
    forward=True,
)
REF_TARGET_NARROWED = _json(
    "REF_TARGET_NARROWED",
    {
        "$defs": {"usage": obj({"prompt_tokens": NUMBER})},
        **obj({"usage": {"$ref": "#/$defs/usage"}}),
    },
    {
        "$defs": {"usage": obj({"prompt_tokens": INTEGER})},
        **obj({"usage": {"$ref": "#/$defs/usage"}}),
    },
    backward=False,
    forward=True,
)


def _tree(value: dict[str, Any]) -> dict[str, Any]:
    """A recursive schema: a conversation tree whose replies are trees again."""
    node = obj(
        {"text": STRING, "score": value, "replies": {"type": "array", "items": {"$ref": "#"}}}
    )
    return node


RECURSIVE_TREE_UNCHANGED = _json(
    "RECURSIVE_TREE_UNCHANGED", _tree(NUMBER), _tree(NUMBER), backward=True, forward=True
)
RECURSIVE_TREE_WIDENED = _json(
    "RECURSIVE_TREE_WIDENED", _tree(INTEGER), _tree(NUMBER), backward=True, forward=False
)

JSON_PAIRS: list[SchemaPair] = [
    value
    for value in list(globals().values())
    if isinstance(value, SchemaPair) and value.schema_type == "JSON"
]

# --- Avro -----------------------------------------------------------------------------------------


def record(name: str, fields: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {"type": "record", "name": name, "namespace": "llm.events", "fields": fields, **extra}


def field(name: str, schema: Any, **extra: Any) -> dict[str, Any]:
    return {"name": name, "type": schema, **extra}


_ROLE_ENUM = {"type": "enum", "name": "Role", "symbols": ["system", "user", "assistant"]}
_ROLE_ENUM_WITH_TOOL = {**_ROLE_ENUM, "symbols": ["system", "user", "assistant", "tool"]}


def _msg(role: Any = _ROLE_ENUM, *more: dict[str, Any]) -> dict[str, Any]:
    return record("ChatMessage", [field("role", role), field("content", "string"), *more])


INT_TO_LONG = _avro(
    "INT_TO_LONG",
    record("Usage", [field("prompt_tokens", "int")]),
    record("Usage", [field("prompt_tokens", "long")]),
    backward=True,
    forward=False,
)
LONG_TO_INT = _avro(
    "LONG_TO_INT",
    record("Usage", [field("prompt_tokens", "long")]),
    record("Usage", [field("prompt_tokens", "int")]),
    backward=False,
    forward=True,
)
INT_TO_DOUBLE = _avro(
    "INT_TO_DOUBLE",
    record("Latency", [field("ms", "int")]),
    record("Latency", [field("ms", "double")]),
    backward=True,
    forward=False,
)
FLOAT_TO_DOUBLE = _avro(
    "FLOAT_TO_DOUBLE",
    record("Sampling", [field("temperature", "float")]),
    record("Sampling", [field("temperature", "double")]),
    backward=True,
    forward=False,
)
STRING_TO_INT = _avro(
    "STRING_TO_INT",
    record("Sampling", [field("seed", "string")]),
    record("Sampling", [field("seed", "int")]),
    backward=False,
    forward=False,
)
STRING_TO_BYTES = _avro(
    "STRING_TO_BYTES",
    record("Completion", [field("text", "string")]),
    record("Completion", [field("text", "bytes")]),
    backward=True,
    forward=True,
)
ADD_FIELD_WITH_DEFAULT = _avro(
    "ADD_FIELD_WITH_DEFAULT",
    _msg(),
    _msg(_ROLE_ENUM, field("name", ["null", "string"], default=None)),
    backward=True,
    forward=True,
)
ADD_FIELD_NO_DEFAULT = _avro(
    "ADD_FIELD_NO_DEFAULT",
    _msg(),
    _msg(_ROLE_ENUM, field("name", "string")),
    backward=False,
    forward=True,
)
REMOVE_FIELD_WITH_DEFAULT = _avro(
    "REMOVE_FIELD_WITH_DEFAULT",
    _msg(_ROLE_ENUM, field("name", ["null", "string"], default=None)),
    _msg(),
    backward=True,
    forward=True,
)
REMOVE_FIELD_NO_DEFAULT = _avro(
    "REMOVE_FIELD_NO_DEFAULT",
    _msg(_ROLE_ENUM, field("name", "string")),
    _msg(),
    backward=True,
    forward=False,
)
ENUM_SYMBOL_ADDED = _avro(
    "ENUM_SYMBOL_ADDED", _msg(_ROLE_ENUM), _msg(_ROLE_ENUM_WITH_TOOL), backward=True, forward=False
)
ENUM_SYMBOL_REMOVED = _avro(
    "ENUM_SYMBOL_REMOVED",
    _msg(_ROLE_ENUM_WITH_TOOL),
    _msg(_ROLE_ENUM),
    backward=False,
    forward=True,
)
ENUM_SYMBOL_REMOVED_WITH_DEFAULT = _avro(
    "ENUM_SYMBOL_REMOVED_WITH_DEFAULT",
    _msg({**_ROLE_ENUM_WITH_TOOL, "default": "user"}),
    _msg({**_ROLE_ENUM, "default": "user"}),
    backward=True,
    forward=True,
)
UNION_BRANCH_ADDED = _avro(
    "UNION_BRANCH_ADDED",
    record("ToolResult", [field("output", ["null", "string"])]),
    record("ToolResult", [field("output", ["null", "string", "long"])]),
    backward=True,
    forward=False,
)
UNION_BRANCH_REMOVED = _avro(
    "UNION_BRANCH_REMOVED",
    record("ToolResult", [field("output", ["null", "string", "long"])]),
    record("ToolResult", [field("output", ["null", "string"])]),
    backward=False,
    forward=True,
)
NULLABLE_TO_REQUIRED = _avro(
    "NULLABLE_TO_REQUIRED",
    record("Completion", [field("finish_reason", ["null", "string"])]),
    record("Completion", [field("finish_reason", "string")]),
    backward=False,
    forward=True,
)
REQUIRED_TO_NULLABLE = _avro(
    "REQUIRED_TO_NULLABLE",
    record("Completion", [field("finish_reason", "string")]),
    record("Completion", [field("finish_reason", ["null", "string"])]),
    backward=True,
    forward=False,
)
FIXED_SIZE_CHANGED = _avro(
    "FIXED_SIZE_CHANGED",
    record("Request", [field("id", {"type": "fixed", "name": "RequestId", "size": 16})]),
    record("Request", [field("id", {"type": "fixed", "name": "RequestId", "size": 8})]),
    backward=False,
    forward=False,
)
RECORD_RENAMED_WITH_ALIAS = _avro(
    "RECORD_RENAMED_WITH_ALIAS",
    record("Completion", [field("text", "string")]),
    record("ChatCompletion", [field("text", "string")], aliases=["llm.events.Completion"]),
    backward=True,
    forward=False,
)
RECORD_RENAMED_NO_ALIAS = _avro(
    "RECORD_RENAMED_NO_ALIAS",
    record("Completion", [field("text", "string")]),
    record("ChatCompletion", [field("text", "string")]),
    backward=False,
    forward=False,
)
FIELD_RENAMED_WITH_ALIAS = _avro(
    "FIELD_RENAMED_WITH_ALIAS",
    record("Usage", [field("input_tokens", "long")]),
    record("Usage", [field("prompt_tokens", "long", aliases=["input_tokens"])]),
    backward=True,
    forward=False,
)
NAMESPACE_ONLY_CHANGE = _avro(
    "NAMESPACE_ONLY_CHANGE",
    record("Usage", [field("prompt_tokens", "long")]),
    {**record("Usage", [field("prompt_tokens", "long")]), "namespace": "llm.events.v2"},
    backward=True,
    forward=True,
)
ARRAY_ITEM_PROMOTED = _avro(
    "ARRAY_ITEM_PROMOTED",
    record("Embedding", [field("vector", {"type": "array", "items": "float"})]),
    record("Embedding", [field("vector", {"type": "array", "items": "double"})]),
    backward=True,
    forward=False,
)
MAP_VALUE_NARROWED = _avro(
    "MAP_VALUE_NARROWED",
    record("Logprobs", [field("top", {"type": "map", "values": "double"})]),
    record("Logprobs", [field("top", {"type": "map", "values": "float"})]),
    backward=False,
    forward=True,
)
NESTED_FIELD_ADDED_WITH_DEFAULT = _avro(
    "NESTED_FIELD_ADDED_WITH_DEFAULT",
    record(
        "InferenceEvent",
        [
            field("model", "string"),
            field("usage", record("Usage", [field("prompt_tokens", "long")])),
        ],
    ),
    record(
        "InferenceEvent",
        [
            field("model", "string"),
            field(
                "usage",
                record(
                    "Usage",
                    [field("prompt_tokens", "long"), field("cached_tokens", "long", default=0)],
                ),
            ),
        ],
    ),
    backward=True,
    forward=True,
)
_TIMESTAMP = {"type": "long", "logicalType": "timestamp-millis"}
LOGICAL_TYPE_ADDED = _avro(
    "LOGICAL_TYPE_ADDED",
    record("InferenceEvent", [field("created", "long")]),
    record(
        "InferenceEvent", [field("created", {"type": "long", "logicalType": "timestamp-millis"})]
    ),
    backward=True,
    forward=True,
)
DOC_CHANGED = _avro(
    "DOC_CHANGED",
    record("Usage", [field("prompt_tokens", "long")]),
    record("Usage", [field("prompt_tokens", "long", doc="tokens in the prompt")], doc="usage"),
    backward=True,
    forward=True,
)

AVRO_PAIRS: list[SchemaPair] = [
    value
    for value in list(globals().values())
    if isinstance(value, SchemaPair) and value.schema_type == "AVRO"
]
