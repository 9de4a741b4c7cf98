"""``/metrics`` adds up every worker of ``llmsr serve --workers N`` (SQLite, PostgreSQL)."""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from tests.api.test_llm_api import _metric
from tests.core.test_responses import GOOD, TRIAGE
from tests.servers import start_server


def test_metrics_count_every_workers_requests(db_url: str, tmp_path: Path) -> None:
    running = start_server(db_url, tmp_path, workers=2)
    try:
        fresh = httpx.Limits(max_keepalive_connections=0)  # new connections reach both workers
        with httpx.Client(base_url=running.url, timeout=30, limits=fresh) as http:
            http.post(
                "/subjects/triage/versions",
                json={"schema": json.dumps(TRIAGE), "schemaType": "JSON"},
            ).raise_for_status()
            for _ in range(40):
                http.post(
                    "/subjects/triage/versions/1/validate-response", json={"output": GOOD}
                ).raise_for_status()
            seen = []
            for _ in range(6):  # whichever worker answers, it answers for all of them
                text = http.get("/metrics").text
                seen.append(
                    _metric(
                        text,
                        "llmsr_response_validations_total",
                        subject="triage",
                        version="1",
                        outcome="valid",
                    )
                )
        assert seen == [40.0] * 6
    finally:
        running.stop()
