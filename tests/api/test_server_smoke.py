"""The real server starts on both databases and answers in the Confluent shape."""

from __future__ import annotations

import httpx

from tests.servers import ServerProcess


def test_server_serves_root_and_unknown_routes_in_confluent_shape(server: ServerProcess) -> None:
    assert httpx.get(f"{server.url}/").json() == {}
    missing = httpx.get(f"{server.url}/associations/resources/-/orders")
    assert missing.status_code == 404
    assert missing.json() == {"error_code": 404, "message": "HTTP 404 Not Found"}
    assert missing.headers["content-type"] == "application/vnd.schemaregistry.v1+json"
