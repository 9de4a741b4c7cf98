"""``POST /subjects/{s}/versions/{v}/validate`` against a real server (SQLite, PostgreSQL)."""

from __future__ import annotations

import json

import httpx

from tests.core.test_validation_files import TURN, good
from tests.servers import ServerProcess


def test_validate_a_small_batch_over_http(server: ServerProcess) -> None:
    with httpx.Client(base_url=server.url, timeout=30) as http:
        registered = http.post(
            "/subjects/turn-value/versions", json={"schema": json.dumps(TURN), "schemaType": "JSON"}
        )
        assert registered.status_code == 200, registered.text
        records = [good(1), {**good(2), "role": "bot", "tokens": -1}, good(3)]
        answer = http.post(
            "/subjects/turn-value/versions/latest/validate", json={"records": records}
        )
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert (body["total"], body["valid"], body["quarantined"], body["version"]) == (3, 2, 1, 1)
        [failure] = body["failures"]
        assert failure["index"] == 1
        assert sorted(e["rule"] for e in failure["errors"]) == ["enum", "minimum"]
        assert body["errors_by_rule"] == {"enum": 1, "minimum": 1}

        missing = http.post("/subjects/nope/versions/latest/validate", json={"records": []})
        assert (missing.status_code, missing.json()["error_code"]) == (404, 40401)
        wrong = http.post("/subjects/turn-value/versions/1/validate", json={"rows": []})
        assert wrong.status_code == 422 and "'records'" in wrong.json()["message"]
        many = http.post(
            "/subjects/turn-value/versions/1/validate", json={"records": [{}] * 10_001}
        )
        assert many.status_code == 422 and "at most 10000" in many.json()["message"]
