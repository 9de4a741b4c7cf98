"""Dashboard pages through Streamlit's AppTest, against a seeded registry (SQLite and
PostgreSQL): the approval flows with the four-eyes rule and the refused cases, schema search
and diffs, and the audit trail."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from registry_core.demo import seed_demo
from registry_core.service import Registry

APP = str(Path(__file__).resolve().parents[2] / "dashboard" / "app.py")


@pytest.fixture
def seeded(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Registry]:
    monkeypatch.setenv("LLMSR_DATABASE_URL", db_url)
    monkeypatch.delenv("LLMSR_DASHBOARD_USER_HEADER", raising=False)
    st.cache_data.clear()
    st.cache_resource.clear()
    registry = Registry(db_url)
    seed_demo(registry)
    registry.add_user("root", "admin")
    registry.add_user("rita", "reviewer", actor="root")
    registry.add_user("demo-author", "writer", actor="root")
    registry.add_user("rob", "reader", actor="root")
    yield registry
    registry.close()
    st.cache_data.clear()
    st.cache_resource.clear()


def app_as(name: str, monkeypatch: pytest.MonkeyPatch, page: str | None = None) -> AppTest:
    monkeypatch.setenv("LLMSR_USER", name)
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    if page is not None:
        at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def _buttons(at: AppTest) -> list[str]:
    return [b.label for b in at.button]


def test_the_author_cannot_approve_their_own_proposal(
    seeded: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = app_as("demo-author", monkeypatch, "views/approvals.py")
    assert at.title[0].value == "Approvals"
    assert "#1 · llm.rag-chunk-value" in [s.value for s in at.subheader]
    assert any("four-eyes" in i.value for i in at.info)
    assert "Approve" not in _buttons(at) and "Reject" not in _buttons(at)


def test_a_reader_sees_the_queue_but_cannot_decide(
    seeded: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = app_as("rob", monkeypatch, "views/approvals.py")
    assert any("Only the subject's reviewers" in c.value for c in at.caption)
    assert "Approve" not in _buttons(at)


def test_reject_needs_a_comment_then_approve_registers_the_version(
    seeded: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = app_as("rita", monkeypatch, "views/approvals.py")
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Author"] == "demo-author" and metrics["Semver bump"] == "minor"
    assert metrics["Compatibility"] == "compatible"
    next(b for b in at.button if b.label == "Reject").click().run()
    assert [e.value for e in at.error] == ["A rejection needs a comment."]
    assert seeded.get_proposal(1).state.value == "IN_REVIEW"  # nothing changed

    at.text_area(key="comment-1").input("Looks right.")
    next(b for b in at.button if b.label == "Approve").click().run()
    assert not at.exception, at.exception
    assert [s.value for s in at.success] == ["Proposal 1 approved as version 3."]
    decided = seeded.get_proposal(1)
    assert (decided.state.value, decided.decided_by, decided.version) == ("APPROVED", "rita", 3)
    assert seeded.get_version("llm.rag-chunk-value", "latest").version == 3
    history = at.dataframe[-1].value
    assert list(history["state"]) == ["APPROVED"] and list(history["decided by"]) == ["rita"]
    assert "Approve" not in _buttons(at)  # the queue is empty now


def test_rejecting_with_a_comment(seeded: Registry, monkeypatch: pytest.MonkeyPatch) -> None:
    at = app_as("rita", monkeypatch, "views/approvals.py")
    at.text_area(key="comment-1").input("Section names are not stable yet.")
    next(b for b in at.button if b.label == "Reject").click().run()
    assert [s.value for s in at.success] == ["Proposal 1 rejected."]
    rejected = seeded.get_proposal(1)
    assert rejected.state.value == "REJECTED"
    assert rejected.comment == "Section names are not stable yet."


def test_schema_search_versions_and_diff(seeded: Registry, monkeypatch: pytest.MonkeyPatch) -> None:
    at = app_as("rob", monkeypatch)
    assert at.title[0].value == "Schemas"
    total = len(seeded.subjects())  # the demo's subjects and the starters
    assert at.caption[0].value.endswith("subjects") and f"{total} of {total}" in at.caption[0].value
    at.text_input(key="schema-search").input("source_url").run()  # a field name
    assert f"1 of {total}" in at.caption[0].value
    assert at.selectbox(key="schema-subject").value == "llm.rag-chunk-value"
    versions = at.dataframe[1].value
    assert list(versions["version"]) == [1, 2]
    assert "**compatible** at BACKWARD · semver bump: **minor**" in [m.value for m in at.markdown]
    diff = at.dataframe[2].value
    assert list(diff["kind"]) == ["added"] and list(diff["path"]) == ["/source_url"]
    tagged = {
        "type": "record",
        "name": "Prompt",
        "fields": [{"name": "text", "type": "string", "confluent:tags": ["PII"]}],
    }
    seeded.register("prompts-value", json.dumps(tagged), "AVRO")
    st.cache_data.clear()
    at.text_input(key="schema-search").input("pii").run()  # a tag, on a field
    assert at.selectbox(key="schema-subject").value == "prompts-value"
    assert list(at.dataframe[0].value["tags"]) == ["PII"]
    at.text_input(key="schema-search").input("data-platform").run()  # an owner
    assert at.selectbox(key="schema-subject").value == "llm.rag-chunk-value"
    at.text_input(key="schema-search").input("inference").run()
    assert at.selectbox(key="schema-subject").value == "llm.inference-event-value"
    at.selectbox(key="diff-from-llm.inference-event-value").set_value(1).run()
    at.selectbox(key="diff-to-llm.inference-event-value").set_value(3).run()
    assert any("semver bump" in m.value for m in at.markdown)


def test_audit_is_filtered_and_exportable_for_reviewers_only(
    seeded: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    reader = app_as("rob", monkeypatch, "views/audit.py")
    assert [e.value for e in reader.error] == [
        "The audit trail is for reviewers and admins; rob is a reader."
    ]
    at = app_as("rita", monkeypatch, "views/audit.py")
    everything = at.dataframe[0].value
    assert {"schema.registered", "user.added", "policy.set"} <= set(everything["action"])
    at.text_input(key="audit-actor").input("root").run()
    assert set(at.dataframe[0].value["actor"]) == {"root"}
    at.text_input(key="audit-action").input("user.").run()
    assert set(at.dataframe[0].value["action"]) == {"user.added"}
    assert [b.label for b in at.get("download_button")] == ["Export CSV", "Export JSON lines"]


def test_unknown_user_is_stopped_with_what_to_do(
    seeded: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = app_as("mallory", monkeypatch)
    assert "llmsr users add mallory" in at.error[0].value
    assert not at.title  # no page rendered


def _record_runs(registry: Registry) -> None:
    """What Dagster runs leave in the registry: datasets, reports, drift and lineage."""
    import numpy as np
    import polars as pl

    registry.register_dataset(
        "chat_sft", kind="training", subject="llm.chat-finetune-value", location="c.jsonl",
        actor="root",
    )  # fmt: skip
    registry.register_dataset(
        "mmlu_mini", kind="evaluation", subject="llm.eval-item-value", version=1,
        location="m.jsonl", settings={"content_hash": "sha256:" + "ab" * 32}, actor="root",
    )  # fmt: skip
    for run, (bad, enum) in enumerate([(3, 2), (9, 7)]):
        registry.record_dataset_report(
            "chat_sft",
            "validation",
            passed=bad < 5,
            summary={
                "total": 300,
                "quarantined": bad,
                "quarantined_fraction": bad / 300,
                "threshold": 0.05,
                "errors_by_rule": {"enum": enum, "min_length": bad - enum},
                "samples": [
                    {
                        "record": 7,
                        "errors": [
                            {
                                "path": "/messages/1/role",
                                "rule": "enum",
                                "message": "'bot' is not one of [...]",
                            }
                        ],
                    }
                ],
            },
            run_id=f"run-{run}",
        )
    rng = np.random.default_rng(1)
    reference = pl.DataFrame({"latency": rng.normal(100, 10, 3000)})
    for shift in (0.0, 30.0):
        current = pl.DataFrame({"latency": rng.normal(100 + shift, 10, 3000)})
        registry.drift(reference, current, dataset="chat_sft")
    registry.record_lineage(
        [
            ("schema:llm.chat-finetune-value@1", "dataset:chat_sft"),
            ("dataset:chat_sft", "asset:chat_sft/valid_records"),
            ("dataset:chat_sft", "asset:chat_sft/quarantined_records"),
        ],
        run_id="run-1",
    )
    for check, passed in [("content_hash_pinned", False), ("unique_ids", True)]:
        registry.record_dataset_report(
            "mmlu_mini", "benchmark", passed=passed,
            summary={"check": check, "description": f"{check} said so"}, run_id="bench-1",
        )  # fmt: skip


def test_lineage_graph_depth_and_links(seeded: Registry, monkeypatch: pytest.MonkeyPatch) -> None:
    _record_runs(seeded)
    at = app_as("rob", monkeypatch, "views/lineage.py")
    assert at.title[0].value == "Lineage"
    assert at.selectbox(key="lineage-node").value == "dataset:chat_sft"
    spec = at.get("graphviz_chart")[0].proto.spec
    assert '"dataset:chat_sft" -> "asset:chat_sft/quarantined_records"' in spec
    assert '"schema:llm.chat-finetune-value@1" -> "dataset:chat_sft" [label="1 run"]' in spec
    assert "4 nodes, 3 edges" in [c.value for c in at.caption]
    links = [link.proto.label for link in at.get("page_link")]
    assert "schema:llm.chat-finetune-value@1 (Schemas)" in links
    at.selectbox(key="lineage-node").set_value("schema:llm.chat-finetune-value@1").run()
    at.slider(key="lineage-depth").set_value(1).run()
    assert "2 nodes, 1 edges" in [c.value for c in at.caption]


def test_data_quality_charts_samples_and_drift(
    seeded: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    _record_runs(seeded)
    at = app_as("rob", monkeypatch, "views/data_quality.py")
    assert at.title[0].value == "Data quality"
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Quarantined"] == "9" and metrics["Share"] == "3.00%"
    # charts, not only tables: reasons, the share against its threshold, a column's drift
    assert len(at.get("vega_lite_chart")) == 3
    samples = at.dataframe[0].value
    assert list(samples["rule"]) == ["enum"] and list(samples["path"]) == ["/messages/1/role"]
    assert "Last report: **1** drifted column(s): latency" in [m.value for m in at.markdown]
    assert at.selectbox(key="dq-column").value == "latency"


def test_benchmarks_show_pin_and_blocking_checks(
    seeded: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    _record_runs(seeded)
    at = app_as("rob", monkeypatch, "views/benchmarks.py")
    assert at.subheader[0].value == "mmlu_mini"
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Status"] == "BLOCKED"
    assert metrics["Pinned schema"] == "llm.eval-item-value v1"
    checks = at.dataframe[0].value
    assert dict(zip(checks["check"], checks["result"], strict=True)) == {
        "content_hash_pinned": "BLOCKED",
        "unique_ids": "passed",
    }
    assert any("sha256:abab" in c.value for c in at.caption)


def test_every_page_renders_on_an_empty_registry(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LLMSR_DATABASE_URL", db_url)
    st.cache_data.clear()
    st.cache_resource.clear()
    for page in ("schemas", "approvals", "lineage", "data_quality", "benchmarks", "audit"):
        at = app_as("anyone", monkeypatch, f"views/{page}.py")
        assert at.title, page
    st.cache_data.clear()
    st.cache_resource.clear()
