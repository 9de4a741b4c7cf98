"""Datasets, their reports and drift, and lineage over HTTP (SQLite, PostgreSQL)."""

from __future__ import annotations

import json

import httpx

from registry_core.service import Registry
from tests.servers import ServerProcess

SCHEMA = {"type": "object", "properties": {"id": {"type": "string"}}}


def test_datasets_reports_and_lineage_over_http(server: ServerProcess) -> None:
    with httpx.Client(base_url=server.url, timeout=30) as http:
        registered = http.post(
            "/subjects/chat-value/versions",
            json={"schema": json.dumps(SCHEMA), "schemaType": "JSON"},
        )
        assert registered.status_code == 200, registered.text
        body = {"kind": "training", "subject": "chat-value", "location": "/data/chat.jsonl"}
        made = http.put("/datasets/chat_sft", json={**body, "settings": {"reference": "r"}})
        assert made.status_code == 200, made.text
        assert made.json()["versionPin"] == "latest-approved"
        assert made.json()["settings"] == {"reference": "r"}
        assert [d["name"] for d in http.get("/datasets").json()] == ["chat_sft"]
        assert http.get("/datasets", params={"kind": "evaluation"}).json() == []
        assert http.get("/datasets/chat_sft").json()["location"] == "/data/chat.jsonl"

        missing = http.get("/datasets/nope")
        assert (missing.status_code, missing.json()["error_code"]) == (404, 40414)
        bad_kind = http.put("/datasets/x", json={**body, "kind": "weird"})
        assert bad_kind.status_code == 422 and "dataset kind" in bad_kind.json()["message"]
        no_subject = http.put("/datasets/x", json={"kind": "training", "location": "l"})
        assert no_subject.status_code == 422 and "'subject'" in no_subject.json()["message"]
        unknown_subject = http.put("/datasets/x", json={**body, "subject": "missing"})
        assert unknown_subject.status_code == 404

        # what a Dagster run writes, read back over HTTP
        registry = Registry(server.db_url)
        registry.record_dataset_report(
            "chat_sft", "validation", passed=False, summary={"quarantined": 3}, run_id="r1"
        )
        registry.record_lineage(
            [("schema:chat-value@1", "dataset:chat_sft"), ("dataset:chat_sft", "asset:a/b")],
            run_id="r1",
        )
        registry.close()
        reports = http.get("/datasets/chat_sft/reports").json()
        assert [(r["kind"], r["passed"], r["runId"]) for r in reports] == [
            ("validation", False, "r1")
        ]
        assert http.get("/datasets/chat_sft/drift").json() == []
        graph = http.get("/lineage", params={"node": "dataset:chat_sft", "depth": 1}).json()
        assert {n["id"] for n in graph["nodes"]} == {
            "schema:chat-value@1",
            "dataset:chat_sft",
            "asset:a/b",
        }
        assert all(e["runs"] == ["r1"] for e in graph["edges"])
        assert http.get("/lineage").status_code == 422
        assert http.get("/lineage", params={"node": "bogus"}).status_code == 422
        assert (
            http.get("/lineage", params={"node": "dataset:x", "depth": "deep"}).status_code == 400
        )
