"""Datasets, lineage and dataset reports in the registry, on SQLite and PostgreSQL."""

from __future__ import annotations

import json

import pytest

from registry_core.errors import (
    DatasetNotFound,
    Forbidden,
    InvalidInput,
    SubjectNotFound,
    VersionNotFound,
)
from registry_core.service import Registry

SCHEMA = {"type": "object", "properties": {"id": {"type": "string"}}, "required": ["id"]}
WIDER = {
    "type": "object",
    "properties": {"id": {"type": "string"}},
    "required": ["id"],
    "description": "a second version",
}


@pytest.fixture
def subject(registry: Registry) -> str:
    registry.register("chat-value", json.dumps(SCHEMA), "JSON")
    return "chat-value"


def test_register_update_and_list_datasets(registry: Registry, subject: str) -> None:
    made = registry.register_dataset(
        "chat_sft",
        kind="training",
        subject=subject,
        version="latest-approved",
        location="data/chat/*.jsonl",
        owner="ml-team",
        settings={"max_invalid_fraction": 0.05},
    )
    assert (made.kind.value, made.version_pin, made.settings) == (
        "training",
        "latest-approved",
        {"max_invalid_fraction": 0.05},
    )
    assert made.created_at is not None
    # declaring the same dataset again writes nothing (no new audit event)
    audit_before = len(registry.audit_events(subject=subject))
    again = registry.register_dataset(
        "chat_sft",
        kind="TRAINING",
        subject=subject,
        version="latest-approved",
        location="data/chat/*.jsonl",
        owner="ml-team",
        settings={"max_invalid_fraction": 0.05},
    )
    assert again == made
    assert len(registry.audit_events(subject=subject)) == audit_before
    changed = registry.register_dataset(
        "chat_sft", kind="training", subject=subject, version=1, location="data/other.jsonl"
    )
    assert changed.version_pin == "1" and changed.location == "data/other.jsonl"
    assert changed.created_at == made.created_at
    actions = [e["action"] for e in registry.audit_events(subject=subject)]
    assert actions.count("dataset.registered") == 1 and actions.count("dataset.updated") == 1
    assert [d.name for d in registry.datasets(subject=subject)] == ["chat_sft"]
    assert registry.datasets(kind="evaluation") == []
    assert registry.dataset("chat_sft").location == "data/other.jsonl"
    assert [e["type"] for e in registry.events()].count("dataset.changed") == 2


def test_dataset_input_errors(registry: Registry, subject: str) -> None:
    with pytest.raises(DatasetNotFound, match="'nope'"):
        registry.dataset("nope")
    with pytest.raises(SubjectNotFound):
        registry.register_dataset("d", kind="training", subject="missing", location="x")
    with pytest.raises(VersionNotFound):
        registry.register_dataset("d", kind="training", subject=subject, version=9, location="x")
    with pytest.raises(InvalidInput, match="dataset kind 'weird'"):
        registry.register_dataset("d", kind="weird", subject=subject, location="x")
    with pytest.raises(InvalidInput, match="version pin 'newest'"):
        registry.register_dataset(
            "d", kind="training", subject=subject, version="newest", location="x"
        )
    with pytest.raises(InvalidInput, match="dataset name"):
        registry.register_dataset("a/b", kind="training", subject=subject, location="x")
    with pytest.raises(InvalidInput, match="location"):
        registry.register_dataset("d", kind="training", subject=subject, location=" ")
    assert registry.datasets() == []


def test_datasets_need_the_writer_role(registry: Registry, subject: str) -> None:
    registry.add_user("root", "admin")
    registry.add_user("rita", "reader", actor="root")
    with pytest.raises(Forbidden, match="writer"):
        registry.register_dataset("d", kind="training", subject=subject, location="x", actor="rita")
    registry.add_user("wes", "writer", actor="root")
    made = registry.register_dataset(
        "d", kind="training", subject=subject, location="x", actor="wes"
    )
    assert made.name == "d"
    assert registry.audit_events(subject=subject)[-1]["actor"] == "wes"


def test_pins_resolve_to_the_version_in_force(registry: Registry, subject: str) -> None:
    registry.register(subject, json.dumps(WIDER), "JSON")
    assert registry.resolve_pin(subject, "latest").version == 2
    assert registry.resolve_pin(subject, "latest-approved").version == 2
    assert registry.resolve_pin(subject, 1).version == 1
    registry.set_version_state(subject, 2, "DEPRECATED")
    assert registry.resolve_pin(subject, "latest-approved").version == 1
    assert registry.resolve_pin(subject, "latest").version == 2
    registry.set_version_state(subject, 1, "DEPRECATED")
    with pytest.raises(VersionNotFound, match="latest-approved"):
        registry.resolve_pin(subject, "latest-approved")


def test_lineage_graph_around_a_node_with_depth_and_runs(registry: Registry) -> None:
    edges = [
        ("schema:chat-value@1", "dataset:chat_sft"),
        ("dataset:chat_sft", "asset:chat_sft/valid_records"),
        ("dataset:chat_sft", "asset:chat_sft/quarantined_records"),
        ("asset:chat_sft/valid_records", "asset:chat_sft/stats"),
    ]
    registry.record_lineage(edges, run_id="run-1")
    registry.record_lineage(edges[:2], run_id="run-2")
    one = registry.lineage("dataset:chat_sft", depth=1)
    assert one.nodes == [
        "asset:chat_sft/quarantined_records",
        "asset:chat_sft/valid_records",
        "dataset:chat_sft",
        "schema:chat-value@1",
    ]
    runs = {(e["source"], e["target"]): e["runs"] for e in one.edges}
    assert runs[("dataset:chat_sft", "asset:chat_sft/valid_records")] == ["run-1", "run-2"]
    assert runs[("dataset:chat_sft", "asset:chat_sft/quarantined_records")] == ["run-1"]
    two = registry.lineage("schema:chat-value@1", depth=3)
    assert "asset:chat_sft/stats" in two.nodes and len(two.edges) == 4
    assert registry.lineage("dataset:unknown").nodes == ["dataset:unknown"]
    as_json = two.to_dict()
    assert {"id": "schema:chat-value@1", "kind": "schema"} in as_json["nodes"]
    with pytest.raises(InvalidInput, match="lineage node"):
        registry.lineage("nonsense")
    with pytest.raises(InvalidInput, match="lineage node"):
        registry.record_lineage([("dataset:x", "table:y")], run_id=None)
    with pytest.raises(InvalidInput, match="depth"):
        registry.lineage("dataset:chat_sft", depth=0)


def test_dataset_reports_newest_first_filtered(registry: Registry) -> None:
    first = registry.record_dataset_report(
        "chat_sft",
        "validation",
        passed=True,
        summary={"total": 10, "quarantined": 0},
        run_id="r1",
    )
    second = registry.record_dataset_report(
        "telemetry",
        "validation",
        passed=False,
        summary={"total": 10, "quarantined": 4, "errors_by_rule": {"enum": 4}},
        run_id="r2",
        partition="2026-11-01",
    )
    registry.record_dataset_report(
        "mmlu_mini", "benchmark", passed=False, summary={"checks": {"content_hash": False}}
    )
    assert second > first
    everything = registry.dataset_reports()
    assert [r["dataset"] for r in everything] == ["mmlu_mini", "telemetry", "chat_sft"]
    telemetry = registry.dataset_reports(dataset="telemetry")
    assert telemetry[0]["partition"] == "2026-11-01"
    assert telemetry[0]["summary"]["errors_by_rule"] == {"enum": 4}
    assert telemetry[0]["createdAt"].tzinfo is not None
    assert [r["kind"] for r in registry.dataset_reports(kind="benchmark")] == ["benchmark"]
    with pytest.raises(InvalidInput, match="report kind"):
        registry.record_dataset_report("x", "weird", passed=True, summary={})
