"""The named schema-pair corpus gives the same verdicts through the REST API at every level."""

from __future__ import annotations

import json
from collections.abc import Iterator
from itertools import count

import pytest
from fastapi.testclient import TestClient

from registry_core.api.app import create_app
from registry_core.service import Registry
from tests.core.schema_pairs import AVRO_PAIRS, JSON_PAIRS, SchemaPair

CT = {"Content-Type": "application/vnd.schemaregistry.v1+json"}
_subjects = count()


@pytest.fixture
def api(registry: Registry) -> Iterator[TestClient]:
    with TestClient(create_app(registry)) as client:
        yield client


def _body(pair: SchemaPair, which: str) -> dict[str, str]:
    schema = pair.old if which == "old" else pair.new
    return {"schema": json.dumps(schema), "schemaType": pair.schema_type}


def _verdict(api: TestClient, pair: SchemaPair, level: str, policy: str | None = None) -> bool:
    subject = f"{pair.name}-{level}-{next(_subjects)}"
    config: dict[str, str] = {"compatibility": "NONE"}
    assert api.put(f"/config/{subject}", json=config, headers=CT).status_code == 200
    assert api.post(f"/subjects/{subject}/versions", json=_body(pair, "old"), headers=CT).is_success
    config = {"compatibility": level, **({"compatibilityPolicy": policy} if policy else {})}
    assert api.put(f"/config/{subject}", json=config, headers=CT).status_code == 200
    check = api.post(
        f"/compatibility/subjects/{subject}/versions/latest?verbose=true",
        json=_body(pair, "new"),
        headers=CT,
    )
    assert check.status_code == 200, check.text
    answer = check.json()
    if not answer["is_compatible"]:
        assert answer["messages"], "an incompatible verdict must say why"
    registered = api.post(f"/subjects/{subject}/versions", json=_body(pair, "new"), headers=CT)
    # registering enforces exactly the verdict the check gave
    assert registered.status_code == (200 if answer["is_compatible"] else 409), registered.text
    if not answer["is_compatible"]:
        assert registered.json()["error_code"] == 409
    return bool(answer["is_compatible"])


@pytest.mark.parametrize("pairs", [AVRO_PAIRS, JSON_PAIRS], ids=["avro", "json"])
def test_corpus_verdicts_through_the_api(api: TestClient, pairs: list[SchemaPair]) -> None:
    wrong = []
    for pair in pairs:
        expected = {
            "BACKWARD": pair.backward,
            "FORWARD": pair.forward,
            "FULL": pair.backward and pair.forward,
        }
        for level, verdict in expected.items():
            if _verdict(api, pair, level) is not verdict:
                wrong.append(f"{pair.name} at {level}: expected {verdict}")
        lenient = pair.lenient_backward
        if lenient is not None and _verdict(api, pair, "BACKWARD", "LENIENT") is not lenient:
            wrong.append(f"{pair.name} at BACKWARD/LENIENT: expected {lenient}")
    assert not wrong, "\n".join(wrong)
