"""Assets and checks materialized in process (ephemeral instance), against a seeded registry on
SQLite and PostgreSQL: outputs, metadata, what lands in the registry, and the blocking gates."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import orjson
import polars as pl
import pytest

from dagster_defs.definitions import build_definitions
from registry_core.service import Registry
from tests.dagster.conftest import DAY, write_catalog


def _checks(result: dg.ExecuteInProcessResult) -> dict[str, bool]:
    return {
        f"{e.asset_key.to_user_string()}:{e.check_name}": e.passed
        for e in result.get_asset_check_evaluations()
    }


def test_everything_materializes_and_reports_to_the_registry(
    demo_defs: dg.Definitions,
    seeded: Registry,
    instance: dg.DagsterInstance,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LLMSR_OPENLINEAGE_DIR", str(tmp_path / "openlineage"))
    job = demo_defs.resolve_implicit_global_asset_job_def()
    result = job.execute_in_process(partition_key=DAY, instance=instance)
    assert result.success
    materialized = {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    assert materialized == {
        "chat_sft/valid_records",
        "chat_sft/quarantined_records",
        "preference_pairs/valid_records",
        "preference_pairs/quarantined_records",
        "inference_telemetry/valid_records",
        "inference_telemetry/quarantined_records",
        "inference_telemetry/drift_report",
        "mmlu_mini/items",
        "mmlu_mini/verdict",
    }
    checks = _checks(result)
    assert checks["chat_sft/valid_records:quarantine_within_threshold"]
    assert checks["inference_telemetry/drift_report:schema_drift"]
    assert checks["inference_telemetry/valid_records:great_expectations_checkpoint"]
    assert not checks["inference_telemetry/drift_report:distribution_drift"]  # the demo drifts
    assert all(v for k, v in checks.items() if k.startswith("mmlu_mini/items:"))
    assert len([k for k in checks if k.startswith("mmlu_mini/items:")]) == 8

    # the splits: nothing lost, nothing doubled, reasons kept
    storage = tmp_path / "storage"
    valid = pl.read_parquet(storage / "chat_sft/valid_records/all.parquet")
    quarantined = pl.read_parquet(storage / "chat_sft/quarantined_records/all.parquet")
    assert valid.height + quarantined.height == 300 and quarantined.height > 0
    assert "_errors" in quarantined.columns and "_errors" not in valid.columns
    telemetry = pl.read_parquet(storage / f"inference_telemetry/quarantined_records/{DAY}.parquet")
    assert set(telemetry["provider"]) == {"ACME"}
    assert not (storage / ".staging").exists() or not any((storage / ".staging").iterdir())
    gx_root = tmp_path / "great_expectations"
    assert (gx_root / "expectations/llm/inference-event-value/v3.json").exists()
    assert (gx_root / "checkpoints/llm.inference-event-value.v3.json").exists()

    # materialization metadata: counts by reason, samples, schema id and version, input hash
    events = {
        e.asset_key.to_user_string(): e.materialization.metadata
        for e in result.get_asset_materialization_events()
    }
    meta = events["chat_sft/quarantined_records"]
    assert meta["schema_version"].value == 1 and meta["schema_id"].value > 0
    assert str(meta["input_hash"].value).startswith("sha256:")
    assert sum(meta["errors_by_rule"].value.values()) >= quarantined.height
    assert meta["sample_failures"].value.records

    # the registry: datasets, reports, drift report, lineage with the run id, events
    assert {d.name for d in seeded.datasets()} == {
        "chat_sft",
        "preference_pairs",
        "inference_telemetry",
        "mmlu_mini",
    }
    validation = seeded.dataset_reports(dataset="inference_telemetry", kind="validation")
    assert validation[0]["partition"] == DAY and validation[0]["runId"] == result.run_id
    assert validation[0]["summary"]["errors_by_rule"]
    assert seeded.drift_reports(dataset="inference_telemetry")[0]["driftDetected"]
    benchmark = seeded.dataset_reports(dataset="mmlu_mini", kind="benchmark")
    assert {r["summary"]["check"] for r in benchmark} >= {"verdict", "content_hash_pinned"}
    graph = seeded.lineage("dataset:chat_sft", depth=1)
    assert "schema:llm.chat-finetune-value@1" in graph.nodes
    assert "asset:chat_sft/quarantined_records" in graph.nodes
    assert all(result.run_id in edge["runs"] for edge in graph.edges)
    types = [e["type"] for e in seeded.events(limit=1000)]
    assert "validation.completed" in types and "drift.detected" in types

    # OpenLineage: one COMPLETE event per validation, with schema and assertion facets
    lines = (tmp_path / "openlineage" / "openlineage.jsonl").read_text().splitlines()
    events = {e["job"]["name"]: e for e in map(orjson.loads, lines)}
    assert set(events) == {
        "chat_sft__validate",
        "preference_pairs__validate",
        "inference_telemetry__validate",
    }
    telemetry_event = events["inference_telemetry__validate"]
    assert telemetry_event["eventType"] == "COMPLETE"
    assert telemetry_event["run"]["runId"] == result.run_id
    [source] = telemetry_event["inputs"]
    assert source["name"] == f"inference_telemetry/{DAY}"
    assert source["facets"]["dataSource"]["uri"].endswith("telemetry/{partition}.parquet")
    fields = {f["name"] for f in source["facets"]["schema"]["fields"]}
    assert {"event_id", "provider", "latency_ms"} <= fields
    assertions = source["inputFacets"]["dataQualityAssertions"]["assertions"]
    assert {"assertion": "rule enum", "success": False} in [
        {k: a[k] for k in ("assertion", "success")} for a in assertions
    ]
    assert [o["name"] for o in telemetry_event["outputs"]] == [
        "inference_telemetry/valid_records",
        "inference_telemetry/quarantined_records",
    ]


def test_a_failing_quarantine_gate_blocks_downstream_and_tells_the_registry(
    tmp_path: Path, seeded: Registry, instance: dg.DagsterInstance
) -> None:
    def strict(document: dict) -> None:
        for entry in document["datasets"]:
            if entry["name"] == "inference_telemetry":
                entry["max_invalid_fraction"] = 0.0

    defs = build_definitions(write_catalog(tmp_path, strict))
    job = defs.resolve_job_def("inference_telemetry_job")
    result = job.execute_in_process(partition_key=DAY, instance=instance, raise_on_error=False)
    assert not result.success
    assert not _checks(result)["inference_telemetry/valid_records:quarantine_within_threshold"]
    materialized = {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    # the checked asset is there; the drift report downstream of it did not run
    assert "inference_telemetry/valid_records" in materialized
    assert "inference_telemetry/drift_report" not in materialized
    exceeded = [
        e for e in seeded.events(limit=1000) if e["type"] == "quarantine.threshold_exceeded"
    ]
    assert exceeded and exceeded[0]["data"]["dataset"] == "inference_telemetry"
    assert exceeded[0]["data"]["partition"] == DAY and exceeded[0]["data"]["threshold"] == 0.0


def test_a_changed_benchmark_never_feeds_an_evaluation(
    tmp_path: Path, seeded: Registry, instance: dg.DagsterInstance
) -> None:
    path = write_catalog(tmp_path)
    items_file = tmp_path / "data" / "mmlu_mini.jsonl"
    lines = items_file.read_bytes().splitlines()
    item = orjson.loads(lines[10])
    item["answer"] = 2 if item["answer"] != 2 else 1  # a silently relabelled item
    lines[10] = orjson.dumps(item)
    items_file.write_bytes(b"\n".join(lines) + b"\n")
    defs = build_definitions(path)
    result = defs.resolve_job_def("mmlu_mini_job").execute_in_process(
        instance=instance, raise_on_error=False
    )
    assert not result.success
    checks = _checks(result)
    assert not checks["mmlu_mini/items:content_hash_pinned"]
    assert checks["mmlu_mini/items:labels_valid"]
    materialized = {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    assert "mmlu_mini/verdict" not in materialized
    failed = [e for e in seeded.events(limit=1000) if e["type"] == "benchmark.failed"]
    assert [e["data"]["check"] for e in failed] == ["content_hash_pinned"]
    reports = seeded.dataset_reports(dataset="mmlu_mini", kind="benchmark")
    assert any(r["summary"]["check"] == "content_hash_pinned" and not r["passed"] for r in reports)


def test_missing_partition_file_fails_with_a_clear_message(
    demo_defs: dg.Definitions, instance: dg.DagsterInstance
) -> None:
    job = demo_defs.resolve_job_def("inference_telemetry_job")
    result = job.execute_in_process(
        partition_key="2026-11-28", instance=instance, raise_on_error=False
    )
    assert not result.success
    failure = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE")
    message = str(failure.event_specific_data.error)
    assert "inference_telemetry: no such file or directory" in message
    assert "2026-11-28.parquet" in message


def test_definitions_load_and_list_everything(demo_defs: dg.Definitions) -> None:
    dg.Definitions.validate_loadable(demo_defs)
    for name in ("chat_sft", "preference_pairs", "inference_telemetry", "mmlu_mini"):
        demo_defs.resolve_job_def(f"{name}_job")
    schedules = {s.name for s in demo_defs.schedules or []}
    assert schedules == {
        "chat_sft_revalidation",
        "preference_pairs_revalidation",
        "inference_telemetry_daily",
        "mmlu_mini_revalidation",
    }
    assert {s.name for s in demo_defs.sensors or []} == {
        "registry_changes",
        "dataset_files",
        "record_run_failures",
    }
