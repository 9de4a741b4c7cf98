"""Field-by-field diffs of two schema versions, as a reviewer of a change proposal reads them."""

from __future__ import annotations

import json
from typing import Any

from registry_core.diff import ChangeKind, field_diff, schema_diff
from registry_core.formats import ParsedSchema, format_for
from registry_core.models import FieldInfo, SchemaType

ADDED, REMOVED = ChangeKind.ADDED, ChangeKind.REMOVED
TYPE, REQUIRED = ChangeKind.TYPE_CHANGED, ChangeKind.REQUIRED_CHANGED
CONSTRAINT, DOC = ChangeKind.CONSTRAINT_CHANGED, ChangeKind.DOC_CHANGED


def avro(*fields: dict[str, Any]) -> ParsedSchema:
    record = {"type": "record", "name": "Prompt", "namespace": "llm", "fields": list(fields)}
    return format_for(SchemaType.AVRO).parse(json.dumps(record), [])


def jsonschema(properties: dict[str, Any], required: tuple[str, ...] = ()) -> ParsedSchema:
    document = {"type": "object", "properties": properties, "required": list(required)}
    return format_for(SchemaType.JSON).parse(json.dumps(document), [])


def changes(old: ParsedSchema | None, new: ParsedSchema) -> list[tuple[Any, ...]]:
    return [(c.kind, c.path, c.before, c.after) for c in schema_diff(old, new)]


def messages(old: ParsedSchema | None, new: ParsedSchema) -> list[str]:
    return [str(c) for c in schema_diff(old, new)]


ID = {"name": "id", "type": "string"}
ROLE = {"type": "enum", "name": "Role", "symbols": ["USER", "ASSISTANT"]}
ROLE_WITH_SYSTEM = {**ROLE, "symbols": ["USER", "ASSISTANT", "SYSTEM"]}


def chat(role: dict[str, Any]) -> ParsedSchema:
    message = {"type": "record", "name": "Message", "fields": [{"name": "role", "type": role}]}
    return avro(ID, {"name": "messages", "type": {"type": "array", "items": message}})


def test_identical_schemas_have_no_changes() -> None:
    mixed = {"n": {"enum": [1, True], "description": "one or yes"}}
    assert schema_diff(chat(ROLE), chat(ROLE)) == []
    assert schema_diff(jsonschema(mixed), jsonschema(mixed)) == []


def test_without_old_version_every_field_is_added() -> None:
    kinds_and_paths = [(c.kind, c.path) for c in schema_diff(None, chat(ROLE))]
    assert kinds_and_paths == [(ADDED, "/id"), (ADDED, "/messages"), (ADDED, "/messages/*/role")]


def test_avro_optional_field_added() -> None:
    lang = {"name": "lang", "type": ["null", "string"], "default": None}
    after = {
        "type": "null|string",
        "required": False,
        "doc": None,
        "constraints": {"default": None},
    }
    assert changes(avro(ID), avro(ID, lang)) == [(ADDED, "/lang", None, after)]
    assert messages(avro(ID), avro(ID, lang)) == [
        "added at /lang: field added (optional, null|string)"
    ]


def test_avro_field_removed() -> None:
    tokens = {"name": "tokens", "type": "int"}
    assert messages(avro(ID, tokens), avro(ID)) == [
        "removed at /tokens: field removed (was required, int)"
    ]


def test_avro_int_to_long_is_a_type_change() -> None:
    old, new = avro({"name": "tokens", "type": "int"}), avro({"name": "tokens", "type": "long"})
    assert changes(old, new) == [(TYPE, "/tokens", "int", "long")]
    assert messages(old, new) == ["type_changed at /tokens: type changed from int to long"]


def test_avro_string_made_nullable_changes_type_required_and_default() -> None:
    nullable = {"name": "id", "type": ["null", "string"], "default": None}
    assert changes(avro(ID), avro(nullable)) == [
        (TYPE, "/id", "string", "null|string"),
        (REQUIRED, "/id", True, False),
        (CONSTRAINT, "/id", None, None),  # a null default appeared
    ]
    assert messages(avro(ID), avro(nullable))[1:] == [
        "required_changed at /id: field became optional (was required)",
        "constraint_changed at /id: default added: null",
    ]


def test_avro_default_removed_makes_field_required() -> None:
    old, new = avro({**ID, "default": "en"}), avro(ID)
    assert changes(old, new) == [(REQUIRED, "/id", False, True), (CONSTRAINT, "/id", "en", None)]
    assert messages(old, new)[1] == 'constraint_changed at /id: default removed (was "en")'


def test_avro_enum_symbol_added_in_array_of_records() -> None:
    old, new = ROLE["symbols"], ROLE_WITH_SYSTEM["symbols"]
    assert changes(chat(ROLE), chat(ROLE_WITH_SYSTEM)) == [
        (CONSTRAINT, "/messages/*/role", old, new)
    ]
    assert schema_diff(chat(ROLE), chat(ROLE_WITH_SYSTEM))[0].message == (
        'symbols changed from ["USER", "ASSISTANT"] to ["USER", "ASSISTANT", "SYSTEM"] '
        '(added "SYSTEM")'
    )


def test_avro_fixed_size_changed() -> None:
    def digest(size: int) -> ParsedSchema:
        return avro({"name": "digest", "type": {"type": "fixed", "name": "D", "size": size}})

    assert changes(digest(16), digest(32)) == [(CONSTRAINT, "/digest", 16, 32)]
    assert messages(digest(16), digest(32)) == [
        "constraint_changed at /digest: size changed from 16 to 32"
    ]


def test_avro_doc_changed() -> None:
    old, new = avro({**ID, "doc": "Prompt id"}), avro({**ID, "doc": "Prompt UUID"})
    assert changes(old, new) == [(DOC, "/id", "Prompt id", "Prompt UUID")]
    assert changes(avro(ID), new) == [(DOC, "/id", None, "Prompt UUID")]


def test_avro_constraints_are_listed_through_optional_unions() -> None:
    decimal = {"type": "bytes", "logicalType": "decimal", "precision": 10, "scale": 2}
    schema = avro({"name": "cost", "type": ["null", decimal], "default": None})
    (cost,) = format_for(SchemaType.AVRO).fields(schema)
    assert cost.constraints == {
        "default": None,
        "logicalType": "decimal",
        "precision": 10,
        "scale": 2,
    }


def test_json_optional_property_added() -> None:
    old = jsonschema({"id": {"type": "string"}})
    new = jsonschema({"id": {"type": "string"}, "lang": {"type": "string", "maxLength": 8}})
    after = {"type": "string", "required": False, "doc": None, "constraints": {"maxLength": 8}}
    assert changes(old, new) == [(ADDED, "/lang", None, after)]
    assert messages(old, new) == ["added at /lang: field added (optional, string)"]


def test_json_property_removed() -> None:
    old = jsonschema({"id": {"type": "string"}, "n": {"type": "integer"}}, required=("n",))
    assert messages(old, jsonschema({"id": {"type": "string"}})) == [
        "removed at /n: field removed (was required, integer)"
    ]


def test_json_string_made_nullable_is_a_type_change() -> None:
    old = jsonschema({"id": {"type": "string"}})
    new = jsonschema({"id": {"type": ["null", "string"]}})
    assert changes(old, new) == [(TYPE, "/id", "string", "null|string")]


def test_json_required_list_change() -> None:
    props = {"id": {"type": "string"}}
    assert changes(jsonschema(props), jsonschema(props, required=("id",))) == [
        (REQUIRED, "/id", False, True)
    ]
    assert messages(jsonschema(props, required=("id",)), jsonschema(props)) == [
        "required_changed at /id: field became optional (was required)"
    ]


def test_json_constraints_tightened_widened_and_added() -> None:
    old = jsonschema(
        {
            "text": {"type": "string", "maxLength": 100},
            "tier": {"enum": ["free"]},
            "n": {"type": "integer"},
        }
    )
    new = jsonschema(
        {
            "text": {"type": "string", "maxLength": 50},
            "tier": {"enum": ["free", "pro"]},
            "n": {"type": "integer", "minimum": 0},
        }
    )
    assert changes(old, new) == [
        (CONSTRAINT, "/n", None, 0),
        (CONSTRAINT, "/text", 100, 50),
        (CONSTRAINT, "/tier", ["free"], ["free", "pro"]),
    ]
    assert [c.message for c in schema_diff(old, new)] == [
        "minimum added: 0",
        "maxLength changed from 100 to 50",
        'enum changed from ["free"] to ["free", "pro"] (added "pro")',
    ]


def test_json_true_and_one_are_different_values() -> None:
    old, new = jsonschema({"n": {"default": 1}}), jsonschema({"n": {"default": True}})
    assert changes(old, new) == [(CONSTRAINT, "/n", 1, True)]
    assert schema_diff(jsonschema({"n": {"default": 1}}), jsonschema({"n": {"default": 1.0}})) == []


def test_json_doc_changed() -> None:
    old = jsonschema({"id": {"type": "string", "description": "Prompt id"}})
    assert messages(old, jsonschema({"id": {"type": "string"}})) == [
        "doc_changed at /id: doc removed"
    ]


def test_json_nested_array_item_property_changed() -> None:
    def chat_json(roles: list[str]) -> ParsedSchema:
        item = {"type": "object", "properties": {"role": {"enum": roles}}, "required": ["role"]}
        return jsonschema({"messages": {"type": "array", "items": item}})

    assert changes(chat_json(["user", "assistant"]), chat_json(["user"])) == [
        (CONSTRAINT, "/messages/*/role", ["user", "assistant"], ["user"])
    ]
    assert str(schema_diff(chat_json(["user", "assistant"]), chat_json(["user"]))[0]).endswith(
        '(removed "assistant")'
    )


def test_json_additional_properties_is_a_constraint_only_when_boolean() -> None:
    schema = jsonschema(
        {
            "a": {"type": "object", "additionalProperties": False},
            "b": {"type": "object", "additionalProperties": {"type": "string"}},
        }
    )
    assert [f.constraints for f in format_for(SchemaType.JSON).fields(schema)] == [
        {"additionalProperties": False},
        {},
    ]


def test_changes_are_ordered_by_path_parents_first_then_kind() -> None:
    old = [
        FieldInfo(path="/a", type="object", required=True),
        FieldInfo(path="/a-b", type="int", required=True),
    ]
    new = [
        FieldInfo(path="/a-b", type="long", required=False, doc="x", constraints={"minimum": 0}),
        FieldInfo(path="/a/b", type="int", required=True),
    ]
    assert [(c.path, c.kind) for c in field_diff(old, new)] == [
        ("/a", REMOVED),
        ("/a/b", ADDED),
        ("/a-b", TYPE),
        ("/a-b", REQUIRED),
        ("/a-b", CONSTRAINT),
        ("/a-b", DOC),
    ]


def test_change_to_dict_is_json_data() -> None:
    change = schema_diff(chat(ROLE), chat(ROLE_WITH_SYSTEM))[0]
    data = change.to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["kind"] == "constraint_changed" and data["path"] == "/messages/*/role"
    data["after"].append("TOOL")
    assert change.after == ["USER", "ASSISTANT", "SYSTEM"]
