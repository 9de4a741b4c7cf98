"""Governance over HTTP against a real ``llmsr serve``, on SQLite and PostgreSQL: API keys over
Basic and Bearer, the full authorization matrix, the real Confluent client with
``basic.auth.user.info``, review-required registration, concurrent approvals, lifecycle and the
audit trail."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from confluent_kafka.schema_registry import Schema, SchemaRegistryClient, SchemaRegistryError

from registry_core.api.auth import ROUTE_ROLES
from registry_core.lifecycle import Role
from registry_core.service import Registry
from tests.servers import ServerProcess, start_server

CONTENT_TYPE = "application/vnd.schemaregistry.v1+json"
USERS = {"ada": "admin", "walt": "writer", "rita": "reviewer", "ravi": "reviewer", "rhea": "reader"}
BY_ROLE = {Role.ADMIN: "ada", Role.WRITER: "walt", Role.REVIEWER: "rita", Role.READER: "rhea"}


def record(*fields: str, required: str = "prompt") -> str:
    body: list[dict[str, Any]] = [{"name": required, "type": "string"}]
    body += [{"name": f, "type": ["null", "string"], "default": None} for f in fields]
    return json.dumps({"type": "record", "name": "Turn", "fields": body})


@dataclass
class Secured:
    server: ServerProcess
    keys: dict[str, str]
    db_url: str

    def client(self, user: str | None, *, bearer: bool = False) -> httpx.Client:
        auth: Any = None
        headers = {}
        if user is not None and bearer:
            headers["Authorization"] = f"Bearer {self.keys[user]}"
        elif user is not None:
            auth = (user, self.keys[user])
        return httpx.Client(base_url=self.server.url, timeout=30, auth=auth, headers=headers)


@pytest.fixture
def secured(db_url: str, tmp_path: Path) -> Iterator[Secured]:
    registry = Registry(db_url)
    keys = {"ada": registry.add_user("ada", "admin")}
    for name, role in USERS.items():
        if name != "ada":
            keys[name] = registry.add_user(name, role, actor="ada")
    keys["spare"] = registry.add_user("spare", "reader", actor="ada")
    registry.close()
    running = start_server(db_url, tmp_path)
    yield Secured(running, keys, db_url)
    running.stop()


def assert_confluent_error(answer: httpx.Response, status: int, code: int) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith(CONTENT_TYPE)
    body: dict[str, Any] = answer.json()
    assert body["error_code"] == code and isinstance(body["message"], str) and body["message"]
    return body


def test_credentials_are_required_once_users_exist(secured: Secured) -> None:
    with secured.client("walt") as walt:
        assert walt.post("/subjects/a-value/versions", json={"schema": record()}).status_code == 200
    for path in ["/subjects", "/schemas/ids/1", "/subjects/a-value/versions/latest", "/config"]:
        with secured.client(None) as anonymous:
            answer = anonymous.get(path)
        assert_confluent_error(answer, 401, 40101)
        assert answer.headers["www-authenticate"].startswith("Basic")
    with httpx.Client(base_url=secured.server.url, auth=("walt", "llmsr_nope")) as wrong:
        assert_confluent_error(wrong.get("/subjects"), 401, 40101)
    with httpx.Client(base_url=secured.server.url, auth=("rita", secured.keys["walt"])) as other:
        body = assert_confluent_error(other.get("/subjects"), 401, 40101)
        assert "does not belong to 'rita'" in body["message"]
    with secured.client("walt", bearer=True) as bearer:
        assert bearer.get("/subjects").json() == ["a-value"]
        assert bearer.get("/governance/whoami").json() == {
            "name": "walt",
            "role": "writer",
            "authRequired": True,
        }
    with httpx.Client(base_url=secured.server.url) as probe:
        assert probe.get("/health").status_code == 200  # load balancers need no key


def _fill(template: str, ids: dict[str, Any]) -> str:
    return template.format(
        subject="matrix-value",
        version="1",
        schema_id=ids["schema_id"],
        guid=ids["guid"],
        proposal_id=ids["proposal_id"],
        name="spare",
        delivery_id="999999",
    )


def _body(method: str, template: str, n: int) -> dict[str, Any] | None:
    bodies: dict[tuple[str, str], dict[str, Any]] = {
        ("POST", "/subjects/{subject}"): {"schema": record()},
        ("POST", "/subjects/{subject}/versions/{version}/validate"): {"records": [{}]},
        ("POST", "/subjects/{subject}/versions"): {"schema": record(f"m{n}")},
        ("PUT", "/subjects/{subject}/versions/{version}/lifecycle"): {"state": "DEPRECATED"},
        ("POST", "/compatibility/subjects/{subject}/versions"): {"schema": record("x")},
        ("POST", "/compatibility/subjects/{subject}/versions/{version}"): {"schema": record()},
        ("PUT", "/config"): {"compatibility": "BACKWARD"},
        ("PUT", "/config/{subject}"): {"compatibility": "BACKWARD"},
        ("PUT", "/mode"): {"mode": "READWRITE"},
        ("PUT", "/mode/{subject}"): {"mode": "READWRITE"},
        ("PUT", "/governance/policies"): {"subject": "matrix-value", "reviewRequired": False},
        ("POST", "/governance/proposals"): {"subject": "matrix-value", "schema": record(f"p{n}")},
        ("POST", "/governance/proposals/{proposal_id}/review"): {
            "decision": "reject",
            "comment": "matrix",
        },
        ("POST", "/governance/users"): {"name": f"m{n}", "role": "reader"},
        ("PATCH", "/governance/users/{name}"): {"role": "reader"},
        ("POST", "/governance/sinks"): {
            "name": f"s{n}",
            "kind": "webhook",
            "url": "http://127.0.0.1:9/hook",
            "secret": "s3cret",
        },
    }
    return bodies.get((method, template), {} if method in ("POST", "PUT", "PATCH") else None)


def test_every_endpoint_for_every_role(secured: Secured) -> None:
    """The authz matrix: each (endpoint, role) is 403 below the endpoint's role and never 401
    or 403 at or above it; with no credentials every endpoint is 401."""
    with secured.client("walt") as walt:
        created = walt.post("/subjects/matrix-value/versions", json={"schema": record()}).json()
        proposal = walt.post(
            "/governance/proposals",
            json={"subject": "matrix-value", "schema": record("proposed")},
        ).json()
        guid = walt.get(f"/schemas/ids/{created['id']}").json()["guid"]
    ids = {"schema_id": created["id"], "guid": guid, "proposal_id": proposal["id"]}
    clients = {role: secured.client(name) for role, name in BY_ROLE.items()}
    anonymous = secured.client(None)
    checked = 0
    try:
        for n, ((method, template), needed) in enumerate(sorted(ROUTE_ROLES.items())):
            path = _fill(template, ids)
            if template == "/governance/policies" and method == "DELETE":
                path += "?subject=matrix-value"
            body = _body(method, template, n)
            answer = anonymous.request(method, path, json=body)
            assert_confluent_error(answer, 401, 40101)
            for role in sorted(Role, key=lambda r: r.rank):
                answer = clients[role].request(method, path, json=body)
                where = f"{method} {template} as {role.value}: {answer.text[:200]}"
                if role.includes(needed):
                    assert answer.status_code not in (401, 403), where
                else:
                    assert answer.status_code == 403, where
                    assert answer.json()["error_code"] == 40301, where
                    assert needed.value in answer.json()["message"], where
                checked += 1
    finally:
        for client in clients.values():
            client.close()
        anonymous.close()
    assert checked == len(ROUTE_ROLES) * len(Role)


def test_the_confluent_client_authenticates_with_basic_auth_user_info(secured: Secured) -> None:
    def client(user: str) -> SchemaRegistryClient:
        return SchemaRegistryClient(
            {"url": secured.server.url, "basic.auth.user.info": f"{user}:{secured.keys[user]}"}
        )

    registered = client("walt").register_schema("basic-value", Schema(record(), "AVRO"))
    assert client("rhea").get_schema(registered).schema_str
    with pytest.raises(SchemaRegistryError) as denied:
        client("rhea").register_schema("basic-value", Schema(record("x"), "AVRO"))
    assert (denied.value.http_status_code, denied.value.error_code) == (403, 40301)


def test_registration_through_the_confluent_api_does_not_bypass_review(
    secured: Secured,
) -> None:
    walt = SchemaRegistryClient(
        {"url": secured.server.url, "basic.auth.user.info": f"walt:{secured.keys['walt']}"}
    )
    walt.register_schema("reviewed-value", Schema(record(), "AVRO"))
    with secured.client("ada") as ada:
        policy = {"prefix": "reviewed", "reviewRequired": True, "reviewers": ["rita"]}
        assert ada.put("/governance/policies", json=policy).status_code == 200
    with pytest.raises(SchemaRegistryError) as held:
        walt.register_schema("reviewed-value", Schema(record("model"), "AVRO"))
    assert (held.value.http_status_code, held.value.error_code) == (422, 42205)
    with secured.client("rita") as rita:
        pending = rita.get("/governance/proposals", params={"state": "IN_REVIEW"}).json()
        assert [p["author"] for p in pending] == ["walt"]
        assert f"proposal {pending[0]['id']}" in held.value.error_message
        report = rita.get(f"/governance/proposals/{pending[0]['id']}").json()["report"]
        assert report["semverBump"] == "minor" and report["diff"][0]["path"] == "/model"
        decided = rita.post(
            f"/governance/proposals/{pending[0]['id']}/review", json={"decision": "approve"}
        )
        assert decided.status_code == 200, decided.text
        assert decided.json()["state"] == "APPROVED" and decided.json()["version"] == 2
    latest = walt.get_latest_version("reviewed-value")
    assert latest.version == 2 and json.loads(latest.schema.schema_str)["fields"][1]["name"]


def test_two_reviewers_approving_over_http_at_once(secured: Secured) -> None:
    with secured.client("walt") as walt:
        walt.post("/subjects/race-value/versions", json={"schema": record()})
        made = walt.post(
            "/governance/proposals", json={"subject": "race-value", "schema": record("b")}
        ).json()
    barrier = threading.Barrier(2)
    answers: dict[str, httpx.Response] = {}

    def approve(user: str) -> None:
        with secured.client(user) as http:
            barrier.wait()
            answers[user] = http.post(
                f"/governance/proposals/{made['id']}/review", json={"decision": "approve"}
            )

    threads = [threading.Thread(target=approve, args=(u,)) for u in ("rita", "ravi")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    statuses = sorted(a.status_code for a in answers.values())
    assert statuses == [200, 409], {u: a.text for u, a in answers.items()}
    loser = next(a for a in answers.values() if a.status_code == 409)
    assert loser.json()["error_code"] == 40902 and "already APPROVED" in loser.json()["message"]
    with secured.client("rhea") as reader:
        assert reader.get("/subjects/race-value/versions").json() == [1, 2]


def test_four_eyes_and_comment_rules_answer_in_the_confluent_shape(secured: Secured) -> None:
    with secured.client("rita") as rita:
        rita.post("/subjects/own-value/versions", json={"schema": record()})
        made = rita.post(
            "/governance/proposals", json={"subject": "own-value", "schema": record("c")}
        ).json()
        path = f"/governance/proposals/{made['id']}/review"
        body = assert_confluent_error(rita.post(path, json={"decision": "approve"}), 403, 40301)
        assert "Four-eyes" in body["message"]
    with secured.client("ravi") as ravi:
        body = assert_confluent_error(ravi.post(path, json={"decision": "reject"}), 422, 42210)
        assert "comment" in body["message"]
        assert ravi.post(path, json={"decision": "reject", "comment": "no"}).status_code == 200


def test_lifecycle_over_http_flags_deprecated_and_archived_leaves_latest(
    secured: Secured,
) -> None:
    with secured.client("walt") as walt:
        for fields in [(), ("b",)]:
            walt.post("/subjects/life-value/versions", json={"schema": record(*fields)})
        moved = walt.put("/subjects/life-value/versions/1/lifecycle", json={"state": "DEPRECATED"})
        assert moved.json() == {"subject": "life-value", "version": 1, "state": "DEPRECATED"}
        assert walt.get("/subjects/life-value/versions/1").json()["lifecycle"] == "DEPRECATED"
        assert "lifecycle" not in walt.get("/subjects/life-value/versions/2").json()
        walt.put("/subjects/life-value/versions/2/lifecycle", json={"state": "ARCHIVED"})
        latest = walt.get("/subjects/life-value/versions/latest").json()
        assert (latest["version"], latest["lifecycle"]) == (1, "DEPRECATED")
        body = assert_confluent_error(
            walt.put("/subjects/life-value/versions/2/lifecycle", json={"state": "ACTIVE"}),
            409,
            40902,
        )
        assert "is ARCHIVED; allowed next states: DEPRECATED" in body["message"]


def test_audit_trail_query_and_jsonl_export(secured: Secured) -> None:
    with secured.client("walt") as walt:
        walt.post("/subjects/audit-value/versions", json={"schema": record()})
        walt.post("/subjects/audit-value/versions", json={"schema": record("b")})
    with secured.client("ada") as ada:
        ada.put("/config/audit-value", json={"compatibility": "FULL"})
    with secured.client("rita") as rita:
        trail = rita.get("/governance/audit", params={"subject": "audit-value"}).json()
        assert [(e["actor"], e["action"]) for e in trail] == [
            ("walt", "schema.registered"),
            ("walt", "schema.registered"),
            ("ada", "config.set"),
        ]
        only = rita.get("/governance/audit", params={"actor": "ada", "action": "config.*"})
        assert [e["subject"] for e in only.json()] == ["audit-value"]
        since = trail[1]["at"]
        later = rita.get("/governance/audit", params={"subject": "audit-value", "since": since})
        assert [e["id"] for e in later.json()] == [e["id"] for e in trail[1:]]
        bad = rita.get("/governance/audit", params={"since": "yesterday"})
        assert bad.status_code == 400 and "since" in bad.json()["message"]
        export = rita.get("/governance/audit/export", params={"subject": "audit-value"})
        assert export.headers["content-type"].startswith("application/x-ndjson")
        lines = [json.loads(line) for line in export.text.splitlines()]
        assert [e["id"] for e in lines] == [e["id"] for e in trail]
        events = rita.get("/governance/events").json()
        assert {"schema.registered", "config.changed", "user.changed"} <= {
            e["type"] for e in events
        }
