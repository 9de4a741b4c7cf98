"""The LLM endpoints against a real server (SQLite, PostgreSQL): validate-response with its
counters on ``/metrics``, export to a dialect, the dialect profiles."""

from __future__ import annotations

import json

import httpx

from tests.core.test_responses import GOOD, TRIAGE
from tests.servers import ServerProcess


def _metric(text: str, name: str, **labels: str) -> float:
    wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    for line in text.splitlines():
        if line.startswith(name + "{"):
            key, value = line.rsplit(" ", 1)
            got = ",".join(sorted(key[len(name) + 1 : -1].split(",")))
            if got == wanted:
                return float(value)
    return 0.0


def test_validate_response_over_http_with_counters(server: ServerProcess) -> None:
    with httpx.Client(base_url=server.url, timeout=30) as http:
        assert (
            http.post(
                "/subjects/triage/versions",
                json={"schema": json.dumps(TRIAGE), "schemaType": "JSON"},
            ).status_code
            == 200
        )
        reply = "Here you go:\n```json\n" + json.dumps(GOOD) + "\n```"
        ok = http.post("/subjects/triage/versions/latest/validate-response", json={"output": reply})
        assert ok.status_code == 200, ok.text
        assert ok.json() == {
            "valid": True,
            "value": GOOD,
            "errors": [],
            "repair_instruction": None,
            "subject": "triage",
            "version": 1,
            "schema_id": 1,
            "source": "fenced",
        }
        parsed = {**GOOD, "priority": 0}
        bad = http.post("/subjects/triage/versions/1/validate-response", json={"output": parsed})
        body = bad.json()
        assert bad.status_code == 200 and body["valid"] is False and body["source"] == "object"
        assert [(e["path"], e["rule"]) for e in body["errors"]] == [("/priority", "minimum")]
        assert "- at /priority (minimum)" in body["repair_instruction"]

        prose = http.post(
            "/subjects/triage/versions/1/validate-response", json={"output": "I can't."}
        ).json()
        assert prose["valid"] is False and prose["errors"][0]["rule"] == "not_json"

        strict = {**GOOD, "tags": None}  # as OpenAI strict mode answers an optional property
        read_back = http.post(
            "/subjects/triage/versions/1/validate-response",
            params={"dialect": "OPENAI"},
            json={"output": json.dumps(strict)},
        ).json()
        assert read_back["valid"] is True and "tags" not in read_back["value"]
        unknown_dialect = http.post(
            "/subjects/triage/versions/1/validate-response?dialect=cohere", json={"output": "{}"}
        )
        assert unknown_dialect.status_code == 422
        assert unknown_dialect.json()["error_code"] == 42211

        missing = http.post("/subjects/triage/versions/1/validate-response", json={"text": "x"})
        assert missing.status_code == 422 and "'output'" in missing.json()["message"]
        unknown = http.post("/subjects/nope/versions/1/validate-response", json={"output": "{}"})
        assert (unknown.status_code, unknown.json()["error_code"]) == (404, 40401)

        metrics = http.get("/metrics").text
        labels = {"subject": "triage", "version": "1"}
        name = "llmsr_response_validations_total"
        assert _metric(metrics, name, **labels, outcome="valid") == 2
        assert _metric(metrics, name, **labels, outcome="invalid") == 1
        assert _metric(metrics, name, **labels, outcome="no_json") == 1
        errors = "llmsr_response_validation_errors_total"
        assert _metric(metrics, errors, **labels, rule="minimum") == 1


def test_export_to_each_dialect_over_http(server: ServerProcess) -> None:
    with httpx.Client(base_url=server.url, timeout=30) as http:
        http.post(
            "/subjects/triage/versions", json={"schema": json.dumps(TRIAGE), "schemaType": "JSON"}
        ).raise_for_status()
        openai = http.get("/subjects/triage/versions/1/export", params={"dialect": "openai"})
        assert openai.status_code == 200, openai.text
        body = openai.json()
        assert body.keys() == {"dialect", "profile", "schema", "warnings", "errors", "lossy"}
        assert body["profile"] == "openai/2025-11" and body["errors"] == []
        schema = body["schema"]
        # strict mode: closed, every property required, the optional one made nullable
        assert schema["additionalProperties"] is False
        assert sorted(schema["required"]) == ["category", "priority", "summary", "tags"]
        assert schema["properties"]["tags"]["type"] == ["array", "null"]
        # maxLength is not in strict mode: moved into the description, with a warning
        assert [w["path"] for w in body["warnings"]] == [
            "/properties/summary/maxLength",
            "/properties/tags",
        ]
        assert body["lossy"] is True

        gemini = http.get("/subjects/triage/versions/latest/export?dialect=gemini").json()
        assert gemini["schema"]["type"] == "OBJECT"
        assert gemini["schema"]["propertyOrdering"] == ["category", "priority", "summary", "tags"]

        anthropic = http.get("/subjects/triage/versions/1/export?dialect=anthropic").json()
        moved = {w["path"] for w in anthropic["warnings"]}
        assert {"/properties/priority/minimum", "/properties/summary/maxLength"} <= moved
        assert anthropic["lossy"] is True

        old = http.get("/subjects/triage/versions/1/export?dialect=openai&profile=2024-08")
        assert old.json()["profile"] == "openai/2024-08"

        unknown = http.get("/subjects/triage/versions/1/export?dialect=cohere")
        assert (unknown.status_code, unknown.json()["error_code"]) == (422, 42211)
        assert "openai" in unknown.json()["message"]
        none = http.get("/subjects/triage/versions/1/export")
        assert none.status_code == 422 and "'dialect'" in none.json()["message"]

        listed = http.get("/dialects").json()
        assert {p["dialect"] for p in listed} == {
            "openai",
            "anthropic",
            "gemini",
            "gemini-json",
            "ollama",
            "vllm-xgrammar",
            "vllm-guidance",
        }
        assert sum(1 for p in listed if p["dialect"] == "openai" and p["default"]) == 1


def test_an_inexpressible_schema_exports_as_errors_with_pointers(server: ServerProcess) -> None:
    tuple_schema = {
        "type": "object",
        "properties": {"pair": {"type": "array", "prefixItems": [{"type": "string"}]}},
        "required": ["pair"],
    }
    with httpx.Client(base_url=server.url, timeout=30) as http:
        http.post(
            "/subjects/pairs/versions",
            json={"schema": json.dumps(tuple_schema), "schemaType": "JSON"},
        ).raise_for_status()
        body = http.get("/subjects/pairs/versions/1/export?dialect=openai").json()
        assert body["schema"] is None
        assert [(e["path"], e["keyword"]) for e in body["errors"]] == [
            ("/properties/pair/prefixItems", "prefixItems")
        ]


def test_hostile_input_gets_an_answer_not_a_500(server: ServerProcess) -> None:
    anything = {"type": "array", "items": {"$ref": "#"}}
    with httpx.Client(base_url=server.url, timeout=30) as http:
        http.post(
            "/subjects/nested/versions", json={"schema": json.dumps(anything), "schemaType": "JSON"}
        ).raise_for_status()
        deep_text = http.post(
            "/subjects/nested/versions/1/validate-response", json={"output": "[" * 100_000}
        )
        assert deep_text.status_code == 200, deep_text.text
        [problem] = deep_text.json()["errors"]
        assert problem["rule"] == "not_json" and "nested too deeply" in problem["message"]
        deep_value = "[" * 1000 + "]" * 1000  # orjson's limit is 1024 levels
        answer = http.post(
            "/subjects/nested/versions/1/validate",
            content='{"records": [' + deep_value + "]}",
            headers={"content-type": "application/json"},
        )
        assert answer.status_code == 200, answer.text
        assert answer.json()["failures"][0]["errors"][0]["rule"] == "too_deep"
        reply = http.post(
            "/subjects/nested/versions/1/validate-response",
            content='{"output": ' + deep_value + "}",
            headers={"content-type": "application/json"},
        )
        assert reply.status_code == 200 and reply.json()["errors"][0]["rule"] == "too_deep"
        assert http.get("/health").status_code == 200
