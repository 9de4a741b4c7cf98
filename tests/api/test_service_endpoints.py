"""Operational endpoints: OpenAPI document, health, Prometheus metrics, the fields extension."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from registry_core.api.app import by_id_query_is_cacheable, create_app
from registry_core.service import Registry

CT = {"Content-Type": "application/vnd.schemaregistry.v1+json"}
CONFLUENT_PATHS = [
    "/schemas/types",
    "/schemas/ids/{schema_id}",
    "/schemas/ids/{schema_id}/schema",
    "/schemas/ids/{schema_id}/subjects",
    "/schemas/ids/{schema_id}/versions",
    "/schemas/guids/{guid}",
    "/schemas",
    "/subjects",
    "/subjects/{subject}",
    "/subjects/{subject}/versions",
    "/subjects/{subject}/versions/{version}",
    "/subjects/{subject}/versions/{version}/schema",
    "/subjects/{subject}/versions/{version}/referencedby",
    "/compatibility/subjects/{subject}/versions",
    "/compatibility/subjects/{subject}/versions/{version}",
    "/config",
    "/config/{subject}",
    "/mode",
    "/mode/{subject}",
    "/contexts",
]


@pytest.fixture
def api(registry: Registry) -> Iterator[TestClient]:
    with TestClient(create_app(registry)) as client:
        yield client


def test_openapi_document_lists_every_confluent_endpoint(api: TestClient) -> None:
    paths = api.get("/openapi.json").json()["paths"]
    missing = [p for p in CONFLUENT_PATHS if p not in paths]
    assert not missing
    register = paths["/subjects/{subject}/versions"]["post"]
    assert "schema" in json.dumps(register["requestBody"])


def test_health_reports_the_database(api: TestClient) -> None:
    answer = api.get("/health")
    assert answer.status_code == 200
    assert answer.json() == {"status": "ok", "database": "ok"}


def test_metrics_count_requests_by_route_template(api: TestClient) -> None:
    schema = json.dumps({"type": "record", "name": "E", "fields": [{"name": "a", "type": "int"}]})
    created = api.post("/subjects/m-value/versions", json={"schema": schema}, headers=CT).json()
    for _ in range(3):
        assert api.get(f"/schemas/ids/{created['id']}").status_code == 200
    api.get("/subjects/m-value/versions/9")
    text = api.get("/metrics").text
    assert 'route="/schemas/ids/{schema_id}",status="200"' in text
    assert 'route="/subjects/{subject}/versions/{version}",status="404"' in text
    assert "llmsr_http_request_seconds_bucket" in text


def test_fields_extension_lists_json_pointers(api: TestClient) -> None:
    schema = {
        "type": "object",
        "properties": {
            "messages": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {"role": {"type": "string"}, "content": {"type": "string"}},
                    "required": ["role"],
                },
            },
            "usage": {"type": "object", "properties": {"prompt_tokens": {"type": "integer"}}},
        },
        "required": ["messages"],
    }
    body = {"schema": json.dumps(schema), "schemaType": "JSON"}
    assert api.post("/subjects/chat-value/versions", json=body, headers=CT).status_code == 200
    fields = api.get("/subjects/chat-value/versions/latest/fields").json()
    assert [(f["path"], f["type"], f["required"]) for f in fields] == [
        ("/messages", "array<object>", True),
        ("/messages/*/role", "string", True),
        ("/messages/*/content", "string", False),
        ("/usage", "object", False),
        ("/usage/prompt_tokens", "integer", False),
    ]


def test_cached_by_id_answers_match_the_first_answer(api: TestClient) -> None:
    schema = json.dumps({"type": "enum", "name": "Role", "symbols": ["USER", "ASSISTANT"]})
    created = api.post("/subjects/r-value/versions", json={"schema": schema}, headers=CT).json()
    first = api.get(f"/schemas/ids/{created['id']}")
    second = api.get(f"/schemas/ids/{created['id']}")
    assert first.content == second.content
    assert second.headers["content-type"] == "application/vnd.schemaregistry.v1+json"
    assert json.loads(second.content)["schema"] == schema.replace(" ", "")
    with_max = api.get(f"/schemas/ids/{created['id']}?fetchMaxId=true").json()
    assert with_max["maxId"] == created["id"]


def test_by_id_cache_serves_what_deserializers_send_but_not_fetch_max_id() -> None:
    # confluent-kafka's deserializers ask GET /schemas/ids/{id}?subject=<topic>-value
    assert by_id_query_is_cacheable(b"")
    assert by_id_query_is_cacheable(b"subject=orders-value")
    assert by_id_query_is_cacheable(b"subject=a&format=resolved&reference_format=x")
    assert not by_id_query_is_cacheable(b"fetchMaxId=true")
    assert not by_id_query_is_cacheable(b"subject=a&fetchMaxId=true")
