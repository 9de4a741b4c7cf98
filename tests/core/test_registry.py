"""The Registry use cases, on SQLite and on PostgreSQL (each test on a fresh database)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from registry_core import (
    CompatibilityLevel,
    IdMismatch,
    IncompatibleSchema,
    InvalidInput,
    InvalidSchema,
    InvalidVersion,
    Mode,
    OperationNotPermitted,
    ReferenceExists,
    Registry,
    SchemaNotFound,
    SchemaReference,
    SchemaTooLarge,
    SchemaType,
    SubjectConfigNotFound,
    SubjectNotFound,
    SubjectNotSoftDeleted,
    SubjectSoftDeleted,
    VersionNotFound,
    VersionNotSoftDeleted,
    VersionSoftDeleted,
)


def avro_record(*fields: dict[str, Any], name: str = "Event") -> str:
    return json.dumps({"type": "record", "name": name, "namespace": "llm", "fields": list(fields)})


V1 = avro_record({"name": "id", "type": "string"})
V2 = avro_record(
    {"name": "id", "type": "string"}, {"name": "lang", "type": "string", "default": "en"}
)
V3 = avro_record(
    {"name": "id", "type": "string"},
    {"name": "lang", "type": "string", "default": "en"},
    {"name": "tokens", "type": ["null", "int"], "default": None},
)
BREAKING = avro_record({"name": "id", "type": "string"}, {"name": "required_new", "type": "int"})


def test_register_same_schema_twice_returns_same_id_and_version(registry: Registry) -> None:
    first = registry.register("chat-value", V1)
    again = registry.register("chat-value", V1)
    assert first.created and not again.created
    assert again.version.schema_id == first.version.schema_id
    assert again.version.version == first.version.version == 1


def test_whitespace_differences_are_the_same_schema(registry: Registry) -> None:
    first = registry.register("chat-value", V1)
    pretty = json.dumps(json.loads(V1), indent=4)
    assert registry.register("chat-value", pretty).version.schema_id == first.version.schema_id


def test_same_schema_in_two_subjects_shares_one_global_id(registry: Registry) -> None:
    a = registry.register("a-value", V1)
    b = registry.register("b-value", V1)
    assert a.version.schema_id == b.version.schema_id
    assert a.version.guid == b.version.guid
    assert registry.schema_usages(a.version.schema_id) == [("a-value", 1), ("b-value", 1)]


def test_versions_count_up_and_get_semantic_versions(registry: Registry) -> None:
    registry.register("chat-value", V1)
    second = registry.register("chat-value", V2)
    third = registry.register("chat-value", V3)
    assert [second.version.version, third.version.version] == [2, 3]
    assert str(registry.get_version("chat-value", 1).semver) == "1.0.0"
    assert str(second.version.semver) == "1.1.0" and second.semver_bump == "minor"
    assert str(registry.get_version("chat-value", "latest").semver) == "1.2.0"


def test_documentation_only_change_is_a_patch(registry: Registry) -> None:
    registry.register("chat-value", V1)
    documented = avro_record({"name": "id", "type": "string", "doc": "Conversation id."})
    result = registry.register("chat-value", documented)
    assert result.semver_bump == "patch" and str(result.version.semver) == "1.0.1"


def test_breaking_change_is_refused_at_backward_with_located_reason(registry: Registry) -> None:
    registry.register("chat-value", V1)
    with pytest.raises(IncompatibleSchema) as caught:
        registry.register("chat-value", BREAKING)
    assert "required_new" in caught.value.message
    assert "/fields/1" in caught.value.message
    assert registry.list_versions("chat-value") == [1]


def test_breaking_change_under_none_is_a_major_bump(registry: Registry) -> None:
    registry.set_config("chat-value", compatibility="NONE")
    registry.register("chat-value", V1)
    result = registry.register("chat-value", BREAKING)
    assert result.semver_bump == "major" and str(result.version.semver) == "2.0.0"


@pytest.mark.parametrize(
    ("level", "compatible"),
    [
        ("NONE", True),
        ("BACKWARD", True),  # the new schema reads V2 data (lang has a default)
        ("BACKWARD_TRANSITIVE", True),
        ("FORWARD", True),
        ("FORWARD_TRANSITIVE", False),  # V1 readers cannot... see below
        ("FULL", True),
        ("FULL_TRANSITIVE", False),
    ],
)
def test_transitive_levels_compare_with_every_live_version(
    registry: Registry, level: str, compatible: bool
) -> None:
    # v1: {id:int}; v2: {id:long}; new: {id:long, lang="en"}.
    # Forward from v1: a v1 reader (id:int) cannot read long ids written by the new schema.
    registry.set_config("s", compatibility="NONE")
    registry.register("s", avro_record({"name": "id", "type": "int"}))
    registry.register("s", avro_record({"name": "id", "type": "long"}))
    registry.set_config("s", compatibility=level)
    candidate = avro_record(
        {"name": "id", "type": "long"}, {"name": "lang", "type": "string", "default": "en"}
    )
    report = registry.check_compatibility("s", candidate)
    assert report.is_compatible is compatible, report.messages
    expected = (1, 2) if level.endswith("TRANSITIVE") else (2,) if level != "NONE" else ()
    assert report.compared_versions == expected


def test_soft_deleted_versions_are_not_compared(registry: Registry) -> None:
    registry.register("s", V1)
    registry.set_config("s", compatibility="BACKWARD_TRANSITIVE")
    registry.register("s", V2)
    registry.delete_version("s", 1)
    # V2 without the 'id' field's predecessor still compatible; now remove V2 too
    registry.delete_version("s", 2)
    assert registry.register("s", BREAKING).version.version == 3


def test_version_numbers_are_not_reused_after_soft_delete(registry: Registry) -> None:
    registry.register("s", V1)
    registry.register("s", V2)
    registry.delete_version("s", 2)
    assert registry.register("s", V3).version.version == 3


def test_soft_then_permanent_delete_of_a_subject(registry: Registry) -> None:
    registry.register("s", V1)
    registry.register("s", V2)
    with pytest.raises(SubjectNotSoftDeleted):
        registry.delete_subject("s", permanent=True)
    assert registry.delete_subject("s") == [1, 2]
    with pytest.raises(SubjectSoftDeleted):
        registry.delete_subject("s")
    assert "s" not in registry.subjects()
    assert "s" in registry.subjects(deleted=True)
    assert registry.list_versions("s", deleted=True) == [1, 2]
    with pytest.raises(SubjectNotFound):
        registry.get_version("s", "latest")
    assert registry.delete_subject("s", permanent=True) == [1, 2]
    assert "s" not in registry.subjects(deleted=True)
    with pytest.raises(SubjectNotFound):
        registry.delete_subject("s")


def test_soft_deleted_schema_still_resolves_by_id(registry: Registry) -> None:
    schema_id = registry.register("s", V1).version.schema_id
    registry.delete_subject("s")
    assert registry.get_schema(schema_id).schema == json.dumps(
        json.loads(V1), separators=(",", ":")
    )
    assert registry.schema_usages(schema_id) == []
    assert registry.schema_usages(schema_id, deleted=True) == [("s", 1)]


def test_version_delete_errors(registry: Registry) -> None:
    registry.register("s", V1)
    with pytest.raises(VersionNotSoftDeleted):
        registry.delete_version("s", 1, permanent=True)
    registry.delete_version("s", 1)
    with pytest.raises(VersionSoftDeleted):
        registry.delete_version("s", 1)
    with pytest.raises(VersionNotFound):
        registry.delete_version("s", 7)
    assert registry.delete_version("s", 1, permanent=True) == 1


def test_get_version_errors_distinguish_subject_and_version(registry: Registry) -> None:
    registry.register("s", V1)
    with pytest.raises(SubjectNotFound):
        registry.get_version("nope", 1)
    with pytest.raises(VersionNotFound):
        registry.get_version("s", 9)
    with pytest.raises(InvalidVersion, match="not a valid version"):
        registry.get_version("s", "one")
    with pytest.raises(InvalidVersion):
        registry.get_version("s", 0)
    assert registry.get_version("s", -1).version == 1
    assert registry.get_version("s", "LATEST").version == 1


def test_lookup_finds_the_registered_version(registry: Registry) -> None:
    registry.register("s", V1)
    registry.register("s", V2)
    assert registry.lookup("s", V1).version == 1
    with pytest.raises(SchemaNotFound):
        registry.lookup("s", V3)
    with pytest.raises(SubjectNotFound):
        registry.lookup("other", V1)


def test_invalid_schemas_name_the_problem(registry: Registry) -> None:
    with pytest.raises(InvalidSchema, match="line 1 column"):
        registry.register("s", '{"type": "record", "name": ')
    with pytest.raises(InvalidSchema, match="Undefined type|not a valid Avro"):
        registry.register("s", '{"type": "strng"}')
    with pytest.raises(InvalidSchema, match="field 'n'"):
        registry.register("s", avro_record({"name": "n", "type": "int", "default": "x"}))
    with pytest.raises(InvalidSchema, match="/properties/age/type"):
        registry.register(
            "j", json.dumps({"type": "object", "properties": {"age": {"type": "numbr"}}}), "JSON"
        )
    with pytest.raises(InvalidSchema, match="schemaType 'PROTO'"):
        registry.register("s", V1, "PROTO")
    assert registry.subjects() == []


def test_schema_too_large_is_refused(db_url: str) -> None:
    small = Registry(db_url, max_schema_bytes=100)
    try:
        with pytest.raises(SchemaTooLarge, match="limit is 100 bytes"):
            small.register("s", avro_record(*({"name": f"f{i}", "type": "int"} for i in range(20))))
    finally:
        small.close()


def test_json_schema_subject_round_trip(registry: Registry) -> None:
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "properties": {"prompt": {"type": "string"}},
        "required": ["prompt"],
    }
    result = registry.register("prompt-value", json.dumps(schema), SchemaType.JSON)
    found = registry.get_schema(result.version.schema_id)
    assert found.schema_type is SchemaType.JSON
    assert json.loads(found.schema) == schema
    fields = registry.fields("prompt-value")
    assert [(f.path, f.type, f.required) for f in fields] == [("/prompt", "string", True)]


def test_avro_reference_across_subjects(registry: Registry) -> None:
    usage = json.dumps(
        {
            "type": "record",
            "name": "Usage",
            "namespace": "llm",
            "fields": [{"name": "prompt_tokens", "type": "int"}],
        }
    )
    registry.register("usage-value", usage)
    event = avro_record({"name": "usage", "type": "llm.Usage"})
    ref = SchemaReference(name="llm.Usage", subject="usage-value", version=1)
    with pytest.raises(InvalidSchema, match=r"llm\.Usage"):
        registry.register("event-value", event)
    result = registry.register("event-value", event, references=[ref])
    assert registry.get_version("event-value", 1).references == (ref,)
    assert registry.referenced_by("usage-value", 1) == [result.version.schema_id]
    with pytest.raises(ReferenceExists):
        registry.delete_version("usage-value", 1)
    with pytest.raises(InvalidSchema, match="does not exist"):
        registry.register(
            "x-value",
            event,
            references=[SchemaReference(name="llm.Usage", subject="usage-value", version=9)],
        )


def test_json_ref_across_subjects(registry: Registry) -> None:
    address = {"type": "object", "properties": {"city": {"type": "string"}}}
    registry.register("address", json.dumps(address), "JSON")
    person = {"type": "object", "properties": {"home": {"$ref": "address.json"}}}
    with pytest.raises(InvalidSchema, match="address.json"):
        registry.register("person-value", json.dumps(person), "JSON")
    ref = SchemaReference(name="address.json", subject="address", version=1)
    registry.register("person-value", json.dumps(person), "JSON", [ref])
    assert registry.referenced_by("address", 1)


def test_config_defaults_and_subject_override(registry: Registry) -> None:
    assert registry.get_config().compatibility is CompatibilityLevel.BACKWARD
    with pytest.raises(SubjectConfigNotFound):
        registry.get_config("s")
    assert registry.get_config("s", default_to_global=True).compatibility.value == "BACKWARD"
    registry.set_config("s", compatibility="full")
    assert registry.get_config("s").compatibility is CompatibilityLevel.FULL
    assert registry.delete_config("s").compatibility is CompatibilityLevel.FULL
    with pytest.raises(Exception, match="SIDEWAYS.*NONE, BACKWARD"):
        registry.set_config(None, compatibility="SIDEWAYS")


def test_readonly_mode_refuses_registration(registry: Registry) -> None:
    registry.set_mode("s", "READONLY")
    with pytest.raises(OperationNotPermitted, match="read-only"):
        registry.register("s", V1)
    registry.delete_mode("s")
    registry.register("s", V1)


def test_import_mode_keeps_given_ids_and_versions(registry: Registry) -> None:
    registry.set_mode(None, Mode.IMPORT)
    result = registry.register("s", V1, schema_id=100, version=5)
    assert (result.version.schema_id, result.version.version) == (100, 5)
    with pytest.raises(IdMismatch):
        registry.register("t", V2, schema_id=100)
    registry.set_mode(None, Mode.READWRITE)
    assert registry.register("u", V3).version.schema_id > 100
    with pytest.raises(OperationNotPermitted, match="IMPORT mode"):
        registry.register("u", V2, schema_id=555)


def test_import_mode_on_a_non_empty_registry_needs_force(registry: Registry) -> None:
    registry.register("s", V1)
    with pytest.raises(OperationNotPermitted, match="force"):
        registry.set_mode(None, "IMPORT")
    assert registry.set_mode(None, "IMPORT", force=True) is Mode.IMPORT


def test_every_write_is_in_the_audit_events(registry: Registry) -> None:
    registry.register("s", V1, actor="alice")
    registry.set_config("s", compatibility="FULL", actor="bob")
    registry.delete_subject("s", actor="carol")
    events = registry.audit_events(subject="s")
    assert [(e["actor"], e["action"]) for e in events] == [
        ("alice", "schema.registered"),
        ("bob", "config.set"),
        ("carol", "subject.deleted"),
    ]
    assert events[0]["version"] == 1 and events[0]["schema_id"] is not None
    assert events[1]["after"]["compatibility"] == "FULL"
    assert registry.audit_events(actor="bob")[0]["action"] == "config.set"


def test_failed_registration_writes_nothing(registry: Registry) -> None:
    registry.register("s", V1)
    before = registry.audit_events()
    with pytest.raises(IncompatibleSchema):
        registry.register("s", BREAKING)
    assert registry.audit_events() == before
    assert registry.list_versions("s") == [1]


def test_list_schemas_latest_only_and_prefix(registry: Registry) -> None:
    registry.register("llm.a", V1)
    registry.register("llm.a", V2)
    registry.register("other", V1)
    assert [(v.subject, v.version) for v in registry.list_schemas(prefix="llm.")] == [
        ("llm.a", 1),
        ("llm.a", 2),
    ]
    assert [(v.subject, v.version) for v in registry.list_schemas(latest_only=True)] == [
        ("llm.a", 2),
        ("other", 1),
    ]


def test_reordered_avro_keys_and_normalize_do_not_make_a_new_version(registry: Registry) -> None:
    first = registry.register("s", V2)
    document = json.loads(V2)
    reordered = json.dumps({key: document[key] for key in reversed(list(document))})
    assert registry.register("s", reordered).version.version == 1
    again = registry.register("s", V2, normalize=True)
    assert (again.created, again.version.schema_id) == (False, first.version.schema_id)
    assert registry.list_versions("s") == [1]


def test_schema_ids_outside_32_bits_are_not_found_or_refused(registry: Registry) -> None:
    with pytest.raises(SchemaNotFound):
        registry.get_schema(2**31)
    registry.set_mode(None, "IMPORT")
    with pytest.raises(InvalidInput, match="1 to 2147483647"):
        registry.register("s", V1, schema_id=2**31)
    with pytest.raises(InvalidInput):
        registry.register("s", V1, schema_id=-5)


def test_a_hard_deleted_schema_id_still_resolves_and_is_reused(registry: Registry) -> None:
    schema_id = registry.register("s", V1).version.schema_id
    registry.delete_subject("s")
    registry.delete_subject("s", permanent=True)
    assert registry.get_schema(schema_id).id == schema_id  # old data still decodes
    assert registry.register("t", V1).version.schema_id == schema_id


def test_lookup_and_reregister_with_a_latest_reference_find_the_pinned_version(
    registry: Registry,
) -> None:
    usage = json.dumps(
        {
            "type": "record",
            "name": "Usage",
            "namespace": "llm",
            "fields": [{"name": "prompt_tokens", "type": "int"}],
        }
    )
    registry.register("usage-value", usage)
    event = avro_record({"name": "usage", "type": "llm.Usage"})
    latest = [SchemaReference(name="llm.Usage", subject="usage-value", version=-1)]
    created = registry.register("event-value", event, references=latest)
    assert created.version.references[0].version == 1
    assert registry.lookup("event-value", event, references=latest).version == 1
    assert registry.register("event-value", event, references=latest).created is False
