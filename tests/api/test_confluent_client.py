"""The real ``confluent_kafka`` Schema Registry client and serdes against a running server.

Every test drives ``confluent_kafka.schema_registry`` (2.16.x) against the ``server`` fixture, so
each one runs on SQLite and on PostgreSQL. The client caches aggressively (ids, versions,
lookups), so reads that must reach the server use ``fresh(server)``, a client with empty caches.
Only what the client cannot express (explicit ids in IMPORT mode) goes over plain httpx.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from confluent_kafka.schema_registry import (
    Schema,
    SchemaReference,
    SchemaRegistryClient,
    SchemaRegistryError,
)
from confluent_kafka.schema_registry.avro import AvroDeserializer, AvroSerializer
from confluent_kafka.schema_registry.json_schema import JSONDeserializer, JSONSerializer
from confluent_kafka.serialization import MessageField, SerializationContext

from tests.servers import ServerProcess

CONFLUENT_JSON = "application/vnd.schemaregistry.v1+json"


def avro(document: Any, references: list[SchemaReference] | None = None) -> Schema:
    return Schema(json.dumps(document), "AVRO", references or [])


def record(name: str, *fields: dict[str, Any], namespace: str = "llm") -> dict[str, Any]:
    return {"type": "record", "name": name, "namespace": namespace, "fields": list(fields)}


PROMPT_V1 = record("Prompt", {"name": "id", "type": "string"}, {"name": "text", "type": "string"})
# adds a field WITH a default: backward compatible
PROMPT_V2 = record(
    "Prompt",
    {"name": "id", "type": "string"},
    {"name": "text", "type": "string"},
    {"name": "language", "type": "string", "default": "en"},
)
# adds a field WITHOUT a default: new readers cannot read old data (breaks BACKWARD)
PROMPT_BREAKING = record(
    "Prompt",
    {"name": "id", "type": "string"},
    {"name": "text", "type": "string"},
    {"name": "language", "type": "string"},
)

CHAT_TURN = record(
    "ChatTurn",
    {"name": "id", "type": "string"},
    {
        "name": "usage",
        "type": record(
            "Usage",
            {"name": "prompt_tokens", "type": "int"},
            {"name": "completion_tokens", "type": "long"},
        ),
    },
    {
        "name": "role",
        "type": {"type": "enum", "name": "Role", "symbols": ["SYSTEM", "USER", "ASSISTANT"]},
    },
    {"name": "model", "type": ["null", "string"], "default": None},
    {"name": "tags", "type": {"type": "array", "items": "string"}},
)


@pytest.fixture
def client(server: ServerProcess) -> Iterator[SchemaRegistryClient]:
    with SchemaRegistryClient({"url": server.url}) as sr:
        yield sr


def fresh(server: ServerProcess) -> SchemaRegistryClient:
    """A client with empty caches, so every read below really reaches the server."""
    return SchemaRegistryClient({"url": server.url})


def assert_error(exc: pytest.ExceptionInfo[SchemaRegistryError], status: int, code: int) -> None:
    assert (exc.value.http_status_code, exc.value.error_code) == (status, code), str(exc.value)


def wire_id(payload: bytes) -> int:
    """The schema id of a Confluent-framed message: magic byte 0, then a 4-byte big-endian id."""
    magic, schema_id = struct.unpack(">bI", payload[:5])
    assert magic == 0
    return int(schema_id)


# --- registration and identity --------------------------------------------------------------


def test_registering_the_same_schema_twice_returns_the_same_id(
    server: ServerProcess, client: SchemaRegistryClient
) -> None:
    first = client.register_schema("prompts-value", avro(PROMPT_V1))
    assert client.register_schema("prompts-value", avro(PROMPT_V1)) == first
    # a client with no cache asks the server again, differently formatted: still the same
    again = fresh(server).register_schema_full_response(
        "prompts-value", Schema(json.dumps(PROMPT_V1, indent=2), "AVRO")
    )
    assert (again.schema_id, again.version) == (first, 1)
    assert fresh(server).get_versions("prompts-value") == [1]


def test_register_schema_full_response_returns_id_version_guid_and_subject(
    client: SchemaRegistryClient,
) -> None:
    v1 = client.register_schema_full_response("prompts-value", avro(PROMPT_V1))
    v2 = client.register_schema_full_response("prompts-value", avro(PROMPT_V2))
    assert v1.subject == v2.subject == "prompts-value"
    assert (v1.version, v2.version) == (1, 2)
    assert isinstance(v1.schema_id, int) and isinstance(v2.schema_id, int)
    assert v2.schema_id != v1.schema_id
    assert v1.guid and v2.guid and v1.guid != v2.guid
    assert json.loads(client.get_schema_by_guid(v2.guid).schema_str) == PROMPT_V2


def test_the_same_schema_in_two_subjects_gets_the_same_id_and_version_1_in_each(
    server: ServerProcess, client: SchemaRegistryClient
) -> None:
    a = client.register_schema_full_response("chat-requests-value", avro(PROMPT_V1))
    b = client.register_schema_full_response("chat-replays-value", avro(PROMPT_V1))
    assert a.schema_id == b.schema_id
    assert (a.version, b.version) == (1, 1)
    reader = fresh(server)
    assert sorted(reader.get_subjects_by_schema_id(a.schema_id)) == [
        "chat-replays-value",
        "chat-requests-value",
    ]
    usages = {(v.subject, v.version) for v in reader.get_schema_versions(a.schema_id)}
    assert usages == {("chat-replays-value", 1), ("chat-requests-value", 1)}


def test_registered_schemas_read_back_by_id_version_latest_lookup_and_listing(
    server: ServerProcess, client: SchemaRegistryClient
) -> None:
    id1 = client.register_schema("prompts-value", avro(PROMPT_V1))
    id2 = client.register_schema("prompts-value", avro(PROMPT_V2))
    client.register_schema("responses-value", Schema('"string"', "AVRO"))
    reader = fresh(server)

    by_id = reader.get_schema(id1)
    assert json.loads(by_id.schema_str) == PROMPT_V1
    assert by_id.schema_type == "AVRO"

    latest = reader.get_latest_version("prompts-value")
    assert (latest.subject, latest.version, latest.schema_id) == ("prompts-value", 2, id2)
    assert json.loads(latest.schema.schema_str) == PROMPT_V2

    first = reader.get_version("prompts-value", 1)
    assert (first.version, first.schema_id) == (1, id1)

    found = reader.lookup_schema("prompts-value", avro(PROMPT_V1))
    assert (found.subject, found.version, found.schema_id) == ("prompts-value", 1, id1)

    assert reader.get_subjects() == ["prompts-value", "responses-value"]
    assert reader.get_versions("prompts-value") == [1, 2]
    assert set(reader.get_schema_types()) >= {"AVRO", "JSON"}


# --- compatibility ---------------------------------------------------------------------------


def test_compatibility_level_is_set_and_read_per_subject_and_globally(
    server: ServerProcess, client: SchemaRegistryClient
) -> None:
    assert client.get_compatibility() == "BACKWARD"
    client.set_compatibility(level="FULL")
    assert fresh(server).get_compatibility() == "FULL"

    client.set_compatibility("prompts-value", "NONE")
    assert fresh(server).get_compatibility("prompts-value") == "NONE"
    assert fresh(server).get_compatibility() == "FULL"

    # a subject without its own level answers 40408 (Confluent, without defaultToGlobal)
    with pytest.raises(SchemaRegistryError) as exc:
        fresh(server).get_compatibility("responses-value")
    assert_error(exc, 404, 40408)

    # the subject-level NONE overrides the global FULL: a breaking change registers
    client.register_schema("prompts-value", avro(PROMPT_V1))
    client.register_schema("prompts-value", avro(PROMPT_BREAKING))
    # ... while a subject that inherits FULL refuses it
    client.register_schema("replays-value", avro(PROMPT_V1))
    with pytest.raises(SchemaRegistryError) as exc:
        client.register_schema("replays-value", avro(PROMPT_BREAKING))
    assert_error(exc, 409, 409)


def test_test_compatibility_is_false_for_a_field_without_default_and_true_with_one(
    client: SchemaRegistryClient,
) -> None:
    client.register_schema("prompts-value", avro(PROMPT_V1))
    assert client.test_compatibility("prompts-value", avro(PROMPT_BREAKING)) is False
    assert client.test_compatibility("prompts-value", avro(PROMPT_V2)) is True
    assert client.test_compatibility("prompts-value", avro(PROMPT_V2), version=1) is True
    assert client.test_compatibility_all_versions("prompts-value", avro(PROMPT_BREAKING)) is False
    assert client.test_compatibility_all_versions("prompts-value", avro(PROMPT_V2)) is True
    # a subject with no versions accepts anything against "latest"
    assert client.test_compatibility("brand-new-value", avro(PROMPT_BREAKING)) is True


def test_test_compatibility_all_versions_checks_every_version_under_a_transitive_level(
    client: SchemaRegistryClient,
) -> None:
    client.register_schema("prompts-value", avro(PROMPT_V1))
    client.register_schema("prompts-value", avro(PROMPT_V2))  # language has a default
    client.set_compatibility("prompts-value", "BACKWARD_TRANSITIVE")
    # PROMPT_BREAKING reads v2 data (it carries language) but not v1 data (no language)
    assert client.test_compatibility("prompts-value", avro(PROMPT_BREAKING)) is True
    assert client.test_compatibility_all_versions("prompts-value", avro(PROMPT_BREAKING)) is False
    with pytest.raises(SchemaRegistryError) as exc:
        client.register_schema("prompts-value", avro(PROMPT_BREAKING))
    assert_error(exc, 409, 409)
    client.set_compatibility("prompts-value", "BACKWARD")
    assert client.test_compatibility_all_versions("prompts-value", avro(PROMPT_BREAKING)) is True


def test_registering_an_incompatible_schema_raises_409_naming_the_field(
    server: ServerProcess, client: SchemaRegistryClient
) -> None:
    client.register_schema("prompts-value", avro(PROMPT_V1))
    with pytest.raises(SchemaRegistryError) as exc:
        client.register_schema("prompts-value", avro(PROMPT_BREAKING))
    assert_error(exc, 409, 409)
    assert "language" in exc.value.error_message
    assert fresh(server).get_versions("prompts-value") == [1]


# --- modes -----------------------------------------------------------------------------------


def test_readonly_mode_refuses_registration_with_42205_until_it_is_lifted(
    server: ServerProcess, client: SchemaRegistryClient
) -> None:
    assert client.get_global_mode() == "READWRITE"
    assert client.update_mode("prompts-value", "READONLY") == "READONLY"
    assert fresh(server).get_mode("prompts-value") == "READONLY"
    with pytest.raises(SchemaRegistryError) as exc:
        client.register_schema("prompts-value", avro(PROMPT_V1))
    assert_error(exc, 422, 42205)
    client.register_schema("responses-value", avro(PROMPT_V1))  # other subjects stay writable

    client.delete_mode("prompts-value")
    client.register_schema("prompts-value", avro(PROMPT_V1))

    assert client.update_global_mode("READONLY") == "READONLY"
    assert fresh(server).get_global_mode() == "READONLY"
    with pytest.raises(SchemaRegistryError) as exc:
        client.register_schema("new-value", avro(PROMPT_V1))
    assert_error(exc, 422, 42205)
    client.update_global_mode("READWRITE")
    client.register_schema("new-value", avro(PROMPT_V1))

    with pytest.raises(SchemaRegistryError) as exc:
        client.update_global_mode("READ_SOMETIMES")
    assert_error(exc, 422, 42204)


def test_import_mode_keeps_the_ids_given_by_the_migration(
    server: ServerProcess, client: SchemaRegistryClient
) -> None:
    """The client cannot send an id, so the migration tool's POST goes over httpx."""

    def post(subject: str, body: dict[str, Any]) -> httpx.Response:
        return httpx.post(
            f"{server.url}/subjects/{subject}/versions",
            json=body,
            headers={"Content-Type": CONFLUENT_JSON},
        )

    # an id outside IMPORT is refused
    refused = post("imported-value", {"schema": json.dumps(PROMPT_V1), "id": 100})
    assert (refused.status_code, refused.json()["error_code"]) == (422, 42205)

    assert client.update_mode("imported-value", "IMPORT") == "IMPORT"
    assert fresh(server).get_mode("imported-value") == "IMPORT"
    done = post("imported-value", {"schema": json.dumps(PROMPT_V1), "id": 100})
    assert done.status_code == 200, done.text
    assert done.json()["id"] == 100
    # IMPORT skips the compatibility check: a breaking version is imported as is
    breaking = post("imported-value", {"schema": json.dumps(PROMPT_BREAKING), "id": 107})
    assert breaking.status_code == 200, breaking.text

    reader = fresh(server)
    assert json.loads(reader.get_schema(100).schema_str) == PROMPT_V1
    assert reader.get_version("imported-value", 2).schema_id == 107

    # IMPORT on a subject that already holds schemas needs force
    client.register_schema("live-value", avro(PROMPT_V1))
    with pytest.raises(SchemaRegistryError) as exc:
        client.update_mode("live-value", "IMPORT")
    assert_error(exc, 422, 42205)
    assert client.update_mode("live-value", "IMPORT", force=True) == "IMPORT"

    # back to normal: new ids never collide with the imported ones
    client.update_mode("imported-value", "READWRITE")
    new_id = client.register_schema("after-import-value", avro(PROMPT_V2))
    assert new_id not in (100, 107)


# --- deletion --------------------------------------------------------------------------------


def test_a_soft_deleted_version_is_hidden_but_its_data_still_decodes(
    server: ServerProcess, client: SchemaRegistryClient
) -> None:
    ctx = SerializationContext("prompts", MessageField.VALUE)
    payload = AvroSerializer(client, json.dumps(PROMPT_V1))({"id": "p1", "text": "hi"}, ctx)
    old_id = wire_id(payload)
    new_id = client.register_schema("prompts-value", avro(PROMPT_V2))

    assert client.delete_version("prompts-value", 1) == 1
    reader = fresh(server)
    assert reader.get_versions("prompts-value") == [2]
    assert reader.get_versions("prompts-value", deleted=True) == [1, 2]
    with pytest.raises(SchemaRegistryError) as exc:
        reader.get_version("prompts-value", 1)
    assert_error(exc, 404, 40402)
    deleted = reader.get_version("prompts-value", 1, deleted=True)
    assert (deleted.version, deleted.schema_id) == (1, old_id)

    # deleting it again: 40406; the schema id still resolves, so old messages decode
    with pytest.raises(SchemaRegistryError) as exc:
        fresh(server).delete_version("prompts-value", 1)
    assert_error(exc, 404, 40406)
    assert json.loads(fresh(server).get_schema(old_id).schema_str) == PROMPT_V1
    assert AvroDeserializer(fresh(server))(payload, ctx) == {"id": "p1", "text": "hi"}

    # a soft-deleted version number is never reused
    client.delete_version("prompts-value", 2)
    again = fresh(server).register_schema_full_response("prompts-value", avro(PROMPT_V2))
    assert (again.schema_id, again.version) == (new_id, 3)


def test_a_subject_is_soft_deleted_before_it_can_be_hard_deleted(
    server: ServerProcess, client: SchemaRegistryClient
) -> None:
    ctx = SerializationContext("prompts", MessageField.VALUE)
    payload = AvroSerializer(client, json.dumps(PROMPT_V1))({"id": "p1", "text": "hi"}, ctx)
    client.register_schema("prompts-value", avro(PROMPT_V2))

    # hard delete first: refused with 40405 (subject) and 40407 (version)
    with pytest.raises(SchemaRegistryError) as exc:
        client.delete_subject("prompts-value", permanent=True)
    assert_error(exc, 404, 40405)
    with pytest.raises(SchemaRegistryError) as exc:
        client.delete_version("prompts-value", 2, permanent=True)
    assert_error(exc, 404, 40407)

    assert client.delete_subject("prompts-value") == [1, 2]
    reader = fresh(server)
    assert reader.get_subjects() == []
    assert reader.get_subjects(deleted=True) == ["prompts-value"]
    with pytest.raises(SchemaRegistryError) as exc:
        reader.get_versions("prompts-value")
    assert_error(exc, 404, 40401)
    with pytest.raises(SchemaRegistryError) as exc:
        fresh(server).delete_subject("prompts-value")
    assert_error(exc, 404, 40404)
    # still decodable after the soft delete
    assert AvroDeserializer(fresh(server))(payload, ctx) == {"id": "p1", "text": "hi"}
    assert fresh(server).lookup_schema("prompts-value", avro(PROMPT_V1), deleted=True).version == 1

    assert client.delete_subject("prompts-value", permanent=True) == [1, 2]
    assert fresh(server).get_subjects(deleted=True) == []
    with pytest.raises(SchemaRegistryError) as exc:
        fresh(server).delete_subject("prompts-value", permanent=True)
    assert_error(exc, 404, 40401)
    # ids are never reused, and stay resolvable after a hard delete (README)
    assert AvroDeserializer(fresh(server))(payload, ctx) == {"id": "p1", "text": "hi"}
    # after a hard delete the subject starts again at version 1
    assert (
        fresh(server).register_schema_full_response("prompts-value", avro(PROMPT_V2)).version == 1
    )


# --- errors ----------------------------------------------------------------------------------


def test_missing_subjects_versions_and_ids_raise_40401_40402_and_40403(
    server: ServerProcess, client: SchemaRegistryClient
) -> None:
    schema_id = client.register_schema("prompts-value", avro(PROMPT_V1))
    cases = [
        (lambda c: c.get_latest_version("no-such-subject"), 404, 40401),
        (lambda c: c.get_version("no-such-subject", 1), 404, 40401),
        (lambda c: c.get_versions("no-such-subject"), 404, 40401),
        (lambda c: c.lookup_schema("no-such-subject", avro(PROMPT_V1)), 404, 40401),
        (lambda c: c.delete_subject("no-such-subject"), 404, 40401),
        (lambda c: c.get_version("prompts-value", 7), 404, 40402),
        (lambda c: c.delete_version("prompts-value", 7), 404, 40402),
        (lambda c: c.get_schema(schema_id + 1000), 404, 40403),
        (lambda c: c.get_subjects_by_schema_id(schema_id + 1000), 404, 40403),
        (lambda c: c.lookup_schema("prompts-value", avro(PROMPT_V2)), 404, 40403),
    ]
    for call, status, code in cases:
        with pytest.raises(SchemaRegistryError) as exc:
            call(fresh(server))
        assert_error(exc, status, code)


def test_invalid_schemas_versions_and_levels_raise_42201_42202_and_42203(
    client: SchemaRegistryClient,
) -> None:
    client.register_schema("prompts-value", avro(PROMPT_V1))
    invalid = [
        Schema('{"type": "record", "name": "Broken"', "AVRO"),  # not JSON
        Schema('{"type": "record", "name": "NoFields"}', "AVRO"),  # not Avro
        avro(record("Bad", {"name": "n", "type": "int", "default": "one"})),  # bad default
        Schema('{"type": 12}', "JSON"),  # not JSON Schema
    ]
    for schema in invalid:
        with pytest.raises(SchemaRegistryError) as exc:
            client.register_schema("broken-value", schema)
        assert_error(exc, 422, 42201)
    with pytest.raises(SchemaRegistryError) as exc:
        client.test_compatibility("prompts-value", Schema("{", "AVRO"))
    assert_error(exc, 422, 42201)

    # the client passes version strings through unchecked; the server answers 42202
    for version in ("one", "0", "2147483648"):
        with pytest.raises(SchemaRegistryError) as exc:
            client.get_version("prompts-value", version)  # type: ignore[arg-type]
        assert_error(exc, 422, 42202)

    with pytest.raises(SchemaRegistryError) as exc:
        client.set_compatibility("prompts-value", "SIDEWAYS")
    assert_error(exc, 422, 42203)
    with pytest.raises(SchemaRegistryError) as exc:
        client.set_compatibility(level="SIDEWAYS")
    assert_error(exc, 422, 42203)


# --- serializers -----------------------------------------------------------------------------


def test_avro_serializer_round_trips_nested_record_enum_union_and_array(
    server: ServerProcess, client: SchemaRegistryClient
) -> None:
    ctx = SerializationContext("llm.chat", MessageField.VALUE)
    serialize = AvroSerializer(client, json.dumps(CHAT_TURN))  # auto.register.schemas default
    turns = [
        {
            "id": "t1",
            "usage": {"prompt_tokens": 12, "completion_tokens": 40},
            "role": "USER",
            "model": None,
            "tags": [],
        },
        {
            "id": "t2",
            "usage": {"prompt_tokens": 52, "completion_tokens": 2**40},
            "role": "ASSISTANT",
            "model": "gpt-x",
            "tags": ["eval", "prod"],
        },
    ]
    payloads = [serialize(turn, ctx) for turn in turns]

    # auto-registered under the topic's subject; the wire carries magic 0 and that id
    registered = fresh(server).get_latest_version("llm.chat-value")
    assert registered.version == 1
    assert {wire_id(p) for p in payloads} == {registered.schema_id}
    assert payloads[0][:5] == b"\x00" + registered.schema_id.to_bytes(4, "big")

    # a deserializer given no schema fetches the writer schema by id
    deserialize = AvroDeserializer(fresh(server))
    assert [deserialize(p, ctx) for p in payloads] == turns


def test_json_serializer_round_trips_draft_07_and_2020_12_schemas(
    server: ServerProcess, client: SchemaRegistryClient
) -> None:
    draft7 = {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "title": "Prompt",
        "type": "object",
        "properties": {
            "text": {"type": "string"},
            "max_tokens": {"type": "integer", "minimum": 1},
            "stop": {"type": ["array", "null"], "items": {"type": "string"}},
        },
        "required": ["text"],
    }
    draft2020 = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Conversation",
        "$defs": {
            "message": {
                "type": "object",
                "properties": {
                    "role": {"enum": ["system", "user", "assistant"]},
                    "content": {"type": "string"},
                },
                "required": ["role", "content"],
            }
        },
        "type": "object",
        "properties": {
            "messages": {"type": "array", "items": {"$ref": "#/$defs/message"}},
            "pair": {"type": "array", "prefixItems": [{"type": "string"}, {"type": "number"}]},
        },
        "required": ["messages"],
    }
    cases = [
        ("prompts", draft7, {"text": "hello", "max_tokens": 16, "stop": ["\n"]}),
        (
            "conversations",
            draft2020,
            {"messages": [{"role": "user", "content": "hi"}], "pair": ["temperature", 0.2]},
        ),
    ]
    for topic, schema, value in cases:
        ctx = SerializationContext(topic, MessageField.VALUE)
        payload = JSONSerializer(json.dumps(schema), client)(value, ctx)
        registered = fresh(server).get_latest_version(f"{topic}-value")
        assert registered.schema.schema_type == "JSON"
        assert json.loads(registered.schema.schema_str) == schema
        assert wire_id(payload) == registered.schema_id
        assert json.loads(payload[5:]) == value
        # no schema given: fetched by the id in the message
        assert JSONDeserializer(None, schema_registry_client=fresh(server))(payload, ctx) == value


def test_json_serializer_round_trips_a_schema_referencing_another_subject(
    server: ServerProcess, client: SchemaRegistryClient
) -> None:
    usage = {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "$id": "https://schemas.example.com/llm/usage.json",
        "type": "object",
        "properties": {"prompt_tokens": {"type": "integer"}},
        "required": ["prompt_tokens"],
    }
    event = {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "type": "object",
        "properties": {"usage": {"$ref": "https://schemas.example.com/llm/usage.json"}},
        "required": ["usage"],
    }
    client.register_schema("llm/usage.json", Schema(json.dumps(usage), "JSON"))
    refs = [SchemaReference("https://schemas.example.com/llm/usage.json", "llm/usage.json", 1)]
    event_schema = Schema(json.dumps(event), "JSON", refs)
    event_id = client.register_schema("inference-json-value", event_schema)

    ctx = SerializationContext("inference-json", MessageField.VALUE)
    payload = JSONSerializer(event_schema, client)({"usage": {"prompt_tokens": 5}}, ctx)
    assert wire_id(payload) == event_id
    deserialize = JSONDeserializer(None, schema_registry_client=fresh(server))
    assert deserialize(payload, ctx) == {"usage": {"prompt_tokens": 5}}
    assert fresh(server).get_referenced_by("llm/usage.json", 1) == [event_id]


# --- subjects with '/' -----------------------------------------------------------------------


def test_a_subject_containing_a_slash_registers_and_reads_back(
    server: ServerProcess, client: SchemaRegistryClient
) -> None:
    subject = "team/llm.chat-value"
    v1 = client.register_schema_full_response(subject, avro(PROMPT_V1))
    assert (v1.subject, v1.version) == (subject, 1)
    client.set_compatibility(subject, "FULL")
    reader = fresh(server)
    assert reader.get_subjects() == [subject]
    assert reader.get_versions(subject) == [1]
    assert reader.get_latest_version(subject).schema_id == v1.schema_id
    assert reader.get_version(subject, 1).subject == subject
    assert reader.lookup_schema(subject, avro(PROMPT_V1)).version == 1
    assert reader.get_compatibility(subject) == "FULL"
    assert reader.test_compatibility(subject, avro(PROMPT_BREAKING)) is False
    assert reader.get_subjects_by_schema_id(v1.schema_id) == [subject]

    # a serializer whose subject name strategy yields the slashed subject
    ctx = SerializationContext("chat", MessageField.VALUE)
    serialize = AvroSerializer(
        client,
        json.dumps(PROMPT_V2),
        conf={"subject.name.strategy": lambda _ctx, _name: subject},
    )
    payload = serialize({"id": "a", "text": "b", "language": "fr"}, ctx)
    assert wire_id(payload) == fresh(server).get_latest_version(subject).schema_id
    assert fresh(server).get_versions(subject) == [1, 2]

    assert reader.delete_subject(subject) == [1, 2]
    assert reader.delete_subject(subject, permanent=True) == [1, 2]
    assert fresh(server).get_subjects(deleted=True) == []


# --- references ------------------------------------------------------------------------------

USAGE = record(
    "Usage",
    {"name": "prompt_tokens", "type": "int"},
    {"name": "completion_tokens", "type": "int"},
    namespace="llm.common",
)
INFERENCE_EVENT = record(
    "InferenceEvent",
    {"name": "request_id", "type": "string"},
    {"name": "usage", "type": "llm.common.Usage"},
    {"name": "previous", "type": ["null", "llm.common.Usage"], "default": None},
)


def test_an_avro_record_referencing_another_subjects_type_registers_and_serialises(
    server: ServerProcess, client: SchemaRegistryClient
) -> None:
    usage = client.register_schema_full_response("llm.common.Usage", avro(USAGE))
    refs = [SchemaReference("llm.common.Usage", "llm.common.Usage", usage.version)]
    event = client.register_schema_full_response("inference-value", avro(INFERENCE_EVENT, refs))

    # without the reference the named type is unknown
    with pytest.raises(SchemaRegistryError) as exc:
        client.register_schema("unresolved-value", avro(INFERENCE_EVENT))
    assert_error(exc, 422, 42201)

    reader = fresh(server)
    latest = reader.get_latest_version("inference-value")
    assert latest.schema_id == event.schema_id
    assert [(r.name, r.subject, r.version) for r in latest.schema.references] == [
        ("llm.common.Usage", "llm.common.Usage", 1)
    ]
    assert [r.subject for r in reader.get_schema(event.schema_id).references] == [
        "llm.common.Usage"
    ]
    assert reader.lookup_schema("inference-value", avro(INFERENCE_EVENT, refs)).version == 1
    assert reader.get_referenced_by("llm.common.Usage", 1) == [event.schema_id]

    # a referenced version cannot be deleted
    with pytest.raises(SchemaRegistryError) as exc:
        reader.delete_version("llm.common.Usage", 1)
    assert_error(exc, 422, 42206)

    ctx = SerializationContext("inference", MessageField.VALUE)
    value = {
        "request_id": "r-1",
        "usage": {"prompt_tokens": 3, "completion_tokens": 9},
        "previous": {"prompt_tokens": 1, "completion_tokens": 2},
    }
    for conf in (None, {"auto.register.schemas": False, "use.latest.version": True}):
        serialize = AvroSerializer(client, avro(INFERENCE_EVENT, refs), conf=conf)
        payload = serialize(value, ctx)
        assert wire_id(payload) == event.schema_id
        # the deserializer resolves the reference from the registry by itself
        assert AvroDeserializer(fresh(server))(payload, ctx) == value


# --- identity ----------------------------------------------------------------------------------


def test_an_avro_schema_with_reordered_json_keys_is_the_same_schema(
    server: ServerProcess, client: SchemaRegistryClient
) -> None:
    first = client.register_schema_full_response("prompts-value", avro(PROMPT_V1))
    reordered = {
        "fields": [{"type": f["type"], "name": f["name"]} for f in PROMPT_V1["fields"]],
        "namespace": PROMPT_V1["namespace"],
        "name": PROMPT_V1["name"],
        "type": "record",
    }
    reader = fresh(server)
    assert reader.lookup_schema("prompts-value", avro(reordered)).version == 1
    # a fresh client: the first one answers from its cache after the lookup
    again = fresh(server).register_schema_full_response("prompts-value", avro(reordered))
    assert (again.schema_id, again.version) == (first.schema_id, 1)
    assert fresh(server).get_versions("prompts-value") == [1]
