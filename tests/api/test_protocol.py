"""HTTP details of the Confluent protocol that the client hides, checked with plain httpx.

Each test talks to a real ``llmsr serve`` process (the ``server`` fixture, or one started here
with a different environment), on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from confluent_kafka.schema_registry import Schema, SchemaRegistryClient, SchemaRegistryError

from tests.servers import ServerProcess, start_server

CONFLUENT_JSON = "application/vnd.schemaregistry.v1+json"

PROMPT_V1 = {
    "type": "record",
    "name": "Prompt",
    "namespace": "llm",
    "fields": [{"name": "id", "type": "string"}, {"name": "text", "type": "string"}],
}
PROMPT_V2 = {
    **PROMPT_V1,
    "fields": [*PROMPT_V1["fields"], {"name": "language", "type": "string", "default": "en"}],
}
PROMPT_BREAKING = {  # "language" without a default, at /fields/2
    **PROMPT_V1,
    "fields": [*PROMPT_V1["fields"], {"name": "language", "type": "string"}],
}


@contextmanager
def running(db_url: str, log_dir: Path, env: dict[str, str]) -> Iterator[ServerProcess]:
    proc = start_server(db_url, log_dir, env=env)
    try:
        yield proc
    finally:
        proc.stop()


def post(
    server: ServerProcess,
    path: str,
    body: Any,
    *,
    content_type: str = CONFLUENT_JSON,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    return httpx.post(
        f"{server.url}{path}",
        content=json.dumps(body).encode(),
        headers={"Content-Type": content_type, **(headers or {})},
    )


def register(server: ServerProcess, subject: str, schema: Any, **extra: Any) -> int:
    text = schema if isinstance(schema, str) else json.dumps(schema)
    response = post(server, f"/subjects/{subject}/versions", {"schema": text, **extra})
    assert response.status_code == 200, response.text
    return int(response.json()["id"])


def assert_confluent_error(response: httpx.Response, status: int, code: int) -> str:
    """The response is ``{"error_code", "message"}`` in the registry's media type."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(CONFLUENT_JSON)
    body = response.json()
    assert set(body) == {"error_code", "message"}
    assert body["error_code"] == code, body
    assert isinstance(body["message"], str) and body["message"]
    return str(body["message"])


def test_query_booleans_are_case_insensitive(server: ServerProcess) -> None:
    register(server, "prompts-value", PROMPT_V1)
    register(server, "prompts-value", PROMPT_V2)
    url = server.url
    assert httpx.delete(f"{url}/subjects/prompts-value/versions/1").json() == 1

    # the Python client sends deleted=False / normalize=False (capitalised)
    for flag in ("TRUE", "True", "true"):
        assert httpx.get(f"{url}/subjects/prompts-value/versions?deleted={flag}").json() == [1, 2]
        found = httpx.get(f"{url}/subjects/prompts-value/versions/1?deleted={flag}")
        assert found.status_code == 200 and found.json()["version"] == 1
    for flag in ("FALSE", "False", "false"):
        assert httpx.get(f"{url}/subjects/prompts-value/versions?deleted={flag}").json() == [2]
        missing = httpx.get(f"{url}/subjects/prompts-value/versions/1?deleted={flag}")
        assert_confluent_error(missing, 404, 40402)
    # both spellings of deletedOnly (CSR reads camelCase, the Python client sends snake_case)
    assert httpx.get(f"{url}/subjects/prompts-value/versions?deletedOnly=TRUE").json() == [1]
    assert httpx.get(f"{url}/subjects/prompts-value/versions?deleted_only=True").json() == [1]

    lookup = post(
        server,
        "/subjects/prompts-value?normalize=False&deleted=False",
        {"schema": json.dumps(PROMPT_V2)},
    )
    assert lookup.status_code == 200 and lookup.json()["version"] == 2
    lookup_deleted = post(
        server,
        "/subjects/prompts-value?normalize=FALSE&deleted=TRUE",
        {"schema": json.dumps(PROMPT_V1)},
    )
    assert lookup_deleted.status_code == 200 and lookup_deleted.json()["version"] == 1
    again = post(
        server,
        "/subjects/prompts-value/versions?normalize=False",
        {"schema": json.dumps(PROMPT_V2)},
    )
    assert again.status_code == 200 and again.json()["version"] == 2

    breaks_v2 = {**PROMPT_V2, "fields": [*PROMPT_V2["fields"], {"name": "topic", "type": "string"}]}
    for flag, has_messages in (("TRUE", True), ("True", True), ("FALSE", False), ("False", False)):
        checked = post(
            server,
            f"/compatibility/subjects/prompts-value/versions/latest?verbose={flag}",
            {"schema": json.dumps(breaks_v2)},
        ).json()
        assert checked["is_compatible"] is False
        assert bool(checked.get("messages")) is has_messages, (flag, checked)

    hard = httpx.delete(f"{url}/subjects/prompts-value/versions/1?permanent=TRUE")
    assert hard.status_code == 200 and hard.json() == 1
    assert httpx.get(f"{url}/subjects/prompts-value/versions?deleted=True").json() == [2]


def test_register_accepts_the_confluent_json_and_octet_stream_content_types(
    server: ServerProcess,
) -> None:
    content_types = [
        CONFLUENT_JSON,
        "application/vnd.schemaregistry+json",
        "application/json",
        "application/json; charset=utf-8",
        "application/octet-stream",
    ]
    for index, content_type in enumerate(content_types):
        response = post(
            server,
            f"/subjects/prompts-{index}-value/versions",
            {"schema": json.dumps(PROMPT_V1)},
            content_type=content_type,
        )
        assert response.status_code == 200, (content_type, response.text)
        assert response.headers["content-type"].startswith(CONFLUENT_JSON)
        assert response.json()["version"] == 1
        lookup = post(
            server,
            f"/subjects/prompts-{index}-value",
            {"schema": json.dumps(PROMPT_V1)},
            content_type=content_type,
        )
        assert lookup.status_code == 200 and lookup.json()["version"] == 1
    assert len(httpx.get(f"{server.url}/subjects").json()) == len(content_types)


def test_a_text_plain_body_is_refused_with_415_naming_the_type(server: ServerProcess) -> None:
    body = {"schema": json.dumps(PROMPT_V1)}
    for path in ("/subjects/prompts-value/versions", "/subjects/prompts-value"):
        refused = post(server, path, body, content_type="text/plain")
        message = assert_confluent_error(refused, 415, 415)
        assert "text/plain" in message
    assert_confluent_error(httpx.get(f"{server.url}/subjects/prompts-value/versions"), 404, 40401)


def test_unknown_body_fields_metadata_and_rule_set_are_ignored(server: ServerProcess) -> None:
    extra = {
        "schemaType": "AVRO",
        "references": [],
        "metadata": {"properties": {"owner": "llm-platform", "pii": "false"}},
        "ruleSet": {"domainRules": [{"name": "checkLen", "kind": "CONDITION", "type": "CEL"}]},
        "someFutureField": {"nested": [1, 2, 3]},
    }
    headers = {"Confluent-Accept-Unknown-Properties": "true"}
    registered = post(
        server,
        "/subjects/prompts-value/versions",
        {"schema": json.dumps(PROMPT_V1), **extra},
        headers=headers,
    )
    assert registered.status_code == 200, registered.text
    schema_id = registered.json()["id"]

    found = post(server, "/subjects/prompts-value", {"schema": json.dumps(PROMPT_V1), **extra})
    assert found.status_code == 200, found.text
    assert (found.json()["id"], found.json()["version"]) == (schema_id, 1)
    checked = post(
        server,
        "/compatibility/subjects/prompts-value/versions/latest",
        {"schema": json.dumps(PROMPT_V2), **extra},
    )
    assert checked.status_code == 200 and checked.json()["is_compatible"] is True
    config = httpx.put(
        f"{server.url}/config/prompts-value",
        json={"compatibility": "FULL", "compatibilityGroup": "major", "defaultMetadata": {}},
    )
    assert config.status_code == 200 and config.json()["compatibility"] == "FULL"

    read = httpx.get(f"{server.url}/subjects/prompts-value/versions/1").json()
    assert json.loads(read["schema"]) == PROMPT_V1


def test_unknown_routes_and_wrong_methods_answer_in_the_confluent_error_shape(
    server: ServerProcess,
) -> None:
    url = server.url
    for path in ("/no/such/route", "/subjects/a/versions/1/nonsense", "/dek-registry/v1/keks"):
        response = httpx.get(f"{url}{path}")
        assert_confluent_error(response, 404, 404)
        assert response.json()["message"] == "HTTP 404 Not Found"

    for method, path in (
        ("PUT", "/subjects/prompts-value/versions"),
        ("DELETE", "/schemas/types"),
        ("POST", "/schemas/ids/1"),
        ("PATCH", "/config"),
    ):
        response = httpx.request(method, f"{url}{path}")
        assert_confluent_error(response, 405, 405)
        assert response.json()["message"] == "HTTP 405 Method Not Allowed"


def test_associations_lookup_is_a_confluent_shaped_404_so_clients_fall_back(
    server: ServerProcess,
) -> None:
    """confluent-kafka 2.16's default AssociatedNameStrategy calls this before every serde."""
    for association in ("value", "key"):
        response = httpx.get(
            f"{server.url}/associations/resources/-/llm.chat",
            params={"resourceType": "topic", "associationType": association},
        )
        assert_confluent_error(response, 404, 404)
        assert response.json()["message"] == "HTTP 404 Not Found"


def test_a_schema_or_body_over_llmsr_max_schema_bytes_is_refused_with_42209(
    db_url: str, tmp_path: Path
) -> None:
    with running(db_url, tmp_path, {"LLMSR_MAX_SCHEMA_BYTES": "2000"}) as small:
        register(small, "small-value", PROMPT_V1)  # well under the limit

        fields = [{"name": f"field_{i:03d}", "type": "string"} for i in range(100)]
        big = {"type": "record", "name": "Big", "fields": fields}
        assert len(json.dumps(big)) > 2000
        too_large = post(small, "/subjects/big-value/versions", {"schema": json.dumps(big)})
        assert "2000" in assert_confluent_error(too_large, 422, 42209)
        # the compatibility check refuses it the same way
        checked = post(
            small,
            "/compatibility/subjects/small-value/versions/latest",
            {"schema": json.dumps(big)},
        )
        assert_confluent_error(checked, 422, 42209)

        # a request body far over the limit is refused before it is parsed
        huge = {"schema": json.dumps(PROMPT_V1), "padding": "x" * 200_000}
        assert_confluent_error(post(small, "/subjects/big-value/versions", huge), 422, 42209)

        listed = httpx.get(f"{small.url}/subjects").json()
        assert listed == ["small-value"]


def test_a_missing_reference_is_refused_with_42201_naming_the_reference(
    server: ServerProcess,
) -> None:
    usage = {
        "type": "record",
        "name": "Usage",
        "namespace": "llm.common",
        "fields": [{"name": "tokens", "type": "int"}],
    }
    event = {
        "type": "record",
        "name": "Event",
        "namespace": "llm",
        "fields": [{"name": "usage", "type": "llm.common.Usage"}],
    }
    ref = {"name": "llm.common.Usage", "subject": "llm.common.Usage", "version": 1}
    missing_subject = post(
        server,
        "/subjects/events-value/versions",
        {"schema": json.dumps(event), "references": [ref]},
    )
    message = assert_confluent_error(missing_subject, 422, 42201)
    assert "llm.common.Usage" in message

    register(server, "llm.common.Usage", usage)
    missing_version = post(
        server,
        "/subjects/events-value/versions",
        {"schema": json.dumps(event), "references": [{**ref, "version": 5}]},
    )
    message = assert_confluent_error(missing_version, 422, 42201)
    assert "llm.common.Usage" in message and "5" in message

    assert register(server, "events-value", event, references=[ref]) > 0


def test_a_schema_is_fetched_by_its_guid(server: ServerProcess) -> None:
    avro_reply = post(server, "/subjects/prompts-value/versions", {"schema": json.dumps(PROMPT_V1)})
    json_schema = {"type": "object", "properties": {"text": {"type": "string"}}}
    json_reply = post(
        server,
        "/subjects/json-value/versions",
        {"schema": json.dumps(json_schema), "schemaType": "JSON"},
    )
    for reply, expected, schema_type in (
        (avro_reply, PROMPT_V1, None),
        (json_reply, json_schema, "JSON"),
    ):
        registered = reply.json()
        found = httpx.get(f"{server.url}/schemas/guids/{registered['guid']}")
        assert found.status_code == 200, found.text
        body = found.json()
        assert (body["id"], body["guid"]) == (registered["id"], registered["guid"])
        assert json.loads(body["schema"]) == expected
        assert body.get("schemaType") == schema_type
        by_id = httpx.get(f"{server.url}/schemas/ids/{registered['id']}").json()
        assert by_id["guid"] == registered["guid"]

    unknown = httpx.get(f"{server.url}/schemas/guids/00000000-0000-0000-0000-000000000000")
    assert_confluent_error(unknown, 404, 40403)


def test_verbose_compatibility_returns_messages_naming_the_field_and_its_json_pointer(
    server: ServerProcess,
) -> None:
    register(server, "prompts-value", PROMPT_V1)
    for path in (
        "/compatibility/subjects/prompts-value/versions/latest",
        "/compatibility/subjects/prompts-value/versions/1",
        "/compatibility/subjects/prompts-value/versions",
    ):
        verbose = post(server, f"{path}?verbose=true", {"schema": json.dumps(PROMPT_BREAKING)})
        assert verbose.status_code == 200, verbose.text
        body = verbose.json()
        assert body["is_compatible"] is False
        assert any("language" in m and "/fields/2" in m for m in body["messages"]), body
        # without verbose: no messages, as in Confluent
        quiet = post(server, path, {"schema": json.dumps(PROMPT_BREAKING)}).json()
        assert quiet["is_compatible"] is False and "messages" not in quiet
        fine = post(server, f"{path}?verbose=true", {"schema": json.dumps(PROMPT_V2)}).json()
        assert fine["is_compatible"] is True and fine.get("messages", []) == []

    old = {"type": "object", "properties": {"text": {"type": "string"}}}
    new = {"type": "object", "properties": {"text": {"type": "string"}, "n": {"type": "integer"}}}
    register(server, "json-value", old, schemaType="JSON")
    verbose = post(
        server,
        "/compatibility/subjects/json-value/versions/latest?verbose=true",
        {"schema": json.dumps(new), "schemaType": "JSON"},
    ).json()
    assert verbose["is_compatible"] is False
    assert any("/properties/n" in m and "'n'" in m for m in verbose["messages"]), verbose


def test_llmsr_incompatible_error_code_40901_switches_the_incompatible_error_code(
    db_url: str, tmp_path: Path
) -> None:
    with running(db_url, tmp_path, {"LLMSR_INCOMPATIBLE_ERROR_CODE": "40901"}) as newer:
        register(newer, "prompts-value", PROMPT_V1)
        refused = post(
            newer, "/subjects/prompts-value/versions", {"schema": json.dumps(PROMPT_BREAKING)}
        )
        assert "language" in assert_confluent_error(refused, 409, 40901)

        with SchemaRegistryClient({"url": newer.url}) as client:
            with pytest.raises(SchemaRegistryError) as exc:
                client.register_schema("prompts-value", Schema(json.dumps(PROMPT_BREAKING)))
            assert (exc.value.http_status_code, exc.value.error_code) == (409, 40901)
            # other errors keep their codes
            with pytest.raises(SchemaRegistryError) as exc:
                client.get_version("prompts-value", 9)
            assert (exc.value.http_status_code, exc.value.error_code) == (404, 40402)
            assert client.get_versions("prompts-value") == [1]


# --- known bugs ------------------------------------------------------------------------------


def test_schema_ids_beyond_the_database_integer_range_are_not_found(
    server: ServerProcess,
) -> None:
    register(server, "prompts-value", PROMPT_V1)
    # a consumer reading a corrupt frame asks for whatever 4 bytes it finds: up to 2^32-1
    for schema_id in (2**31, 2**32 - 1, 2**63):
        for suffix in ("", "/schema", "/subjects", "/versions"):
            response = httpx.get(f"{server.url}/schemas/ids/{schema_id}{suffix}")
            assert response.status_code == 404, (schema_id, suffix, response.text)
            assert response.json()["error_code"] in (404, 40403)


def test_an_import_id_beyond_the_32_bit_range_is_refused_with_422(server: ServerProcess) -> None:
    assert httpx.put(f"{server.url}/mode/imported-value", json={"mode": "IMPORT"}).json() == {
        "mode": "IMPORT"
    }
    response = post(
        server,
        "/subjects/imported-value/versions",
        {"schema": json.dumps(PROMPT_V1), "id": 2**31},
    )
    assert response.status_code == 422, response.text
    assert response.json()["error_code"] in (422, 42202)
