"""Sensors and schedules evaluated with built contexts against a real registry."""

from __future__ import annotations

import json
import os
import time
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg

from dagster_defs.definitions import build_definitions
from registry_core.demo import DEMO_SUBJECTS
from registry_core.service import Registry
from tests.dagster.conftest import DAY, write_catalog


def _sensor(defs: dg.Definitions, name: str) -> dg.SensorDefinition:
    return next(s for s in defs.sensors or [] if s.name == name)


def _evaluate(
    defs: dg.Definitions, name: str, instance: dg.DagsterInstance, cursor: str | None
) -> dg.SensorResult:
    sensor = _sensor(defs, name)
    with dg.build_sensor_context(
        instance=instance, cursor=cursor, resources=defs.resources, definitions=defs
    ) as context:
        result = sensor(context)
    assert isinstance(result, dg.SensorResult | dg.SkipReason)
    return result  # type: ignore[return-value]


def test_registry_sensor_revalidates_exactly_the_bound_datasets(
    demo_defs: dg.Definitions, seeded: Registry, instance: dg.DagsterInstance
) -> None:
    first = _evaluate(demo_defs, "registry_changes", instance, None)
    assert isinstance(first, dg.SensorResult) and not first.run_requests  # no replay
    cursor = first.cursor
    assert cursor == str(seeded.last_event_seq())
    nothing = _evaluate(demo_defs, "registry_changes", instance, cursor)
    assert isinstance(nothing, dg.SkipReason)

    # a new version of the inference-event subject, and a deprecation of the chat one
    build = DEMO_SUBJECTS["llm.inference-event-value"][1]
    schema = build(3)
    schema["doc"] = "Inference events, documented."
    seeded.register("llm.inference-event-value", json.dumps(schema), "AVRO")
    seeded.set_version_state("llm.chat-finetune-value", 1, "DEPRECATED")
    seeded.register_dataset(  # an unrelated event type: ignored
        "other", kind="training", subject="llm.preference-pair-value", location="x.jsonl"
    )
    result = _evaluate(demo_defs, "registry_changes", instance, cursor)
    assert isinstance(result, dg.SensorResult)
    requested = {(r.job_name, r.partition_key) for r in result.run_requests or []}
    assert requested == {("inference_telemetry_job", DAY), ("chat_sft_job", None)}
    reasons = {r.tags["llmsr/reason"] for r in result.run_requests or []}
    assert reasons == {"schema.registered", "schema.deprecated"}
    assert int(str(result.cursor)) == seeded.last_event_seq()
    again = _evaluate(demo_defs, "registry_changes", instance, result.cursor)
    assert isinstance(again, dg.SkipReason)


def test_file_sensor_requests_runs_for_new_and_changed_files(
    tmp_path: Path, seeded: Registry, instance: dg.DagsterInstance
) -> None:
    defs = build_definitions(write_catalog(tmp_path))
    first = _evaluate(defs, "dataset_files", instance, None)
    assert isinstance(first, dg.SensorResult) and not first.run_requests  # a baseline
    quiet = _evaluate(defs, "dataset_files", instance, first.cursor)
    assert isinstance(quiet, dg.SensorResult) and not quiet.run_requests
    data = tmp_path / "data"
    new_day = data / "telemetry" / "2026-11-27.parquet"
    new_day.write_bytes((data / "telemetry" / f"{DAY}.parquet").read_bytes())
    chat = data / "chat_sft.jsonl"
    chat.write_bytes(chat.read_bytes() + chat.read_bytes().splitlines(keepends=True)[0])
    stamp = time.time() + 5
    os.utime(chat, (stamp, stamp))
    result = _evaluate(defs, "dataset_files", instance, first.cursor)
    assert isinstance(result, dg.SensorResult)
    requested = {(r.job_name, r.partition_key) for r in result.run_requests or []}
    assert requested == {("inference_telemetry_job", "2026-11-27"), ("chat_sft_job", None)}
    assert len({r.run_key for r in result.run_requests or []}) == 2


def test_run_failure_sensor_records_the_failure(
    tmp_path: Path, seeded: Registry, instance: dg.DagsterInstance
) -> None:
    defs = build_definitions(write_catalog(tmp_path))
    job = defs.resolve_job_def("inference_telemetry_job")
    failed = job.execute_in_process(
        partition_key="2026-11-28", instance=instance, raise_on_error=False
    )
    assert not failed.success
    run = instance.get_run_by_id(failed.run_id)
    assert run is not None
    failure = next(
        e.dagster_event
        for e in instance.all_logs(failed.run_id)
        if e.dagster_event is not None and e.dagster_event.event_type_value == "PIPELINE_FAILURE"
    )
    with dg.build_run_status_sensor_context(
        sensor_name="record_run_failures",
        dagster_event=failure,
        dagster_instance=instance,
        dagster_run=run,
        resources=defs.resources,
    ).for_run_failure() as context:
        _sensor(defs, "record_run_failures")(context)
    reports = seeded.dataset_reports(dataset="inference_telemetry", kind="run_failure")
    assert reports and reports[0]["runId"] == failed.run_id and not reports[0]["passed"]
    assert reports[0]["partition"] == "2026-11-28"
    events = [e for e in seeded.events(limit=1000) if e["type"] == "dataset.run_failed"]
    assert events and events[-1]["subject"] == "llm.inference-event-value"


def test_schedules_request_the_right_runs(
    demo_defs: dg.Definitions, instance: dg.DagsterInstance
) -> None:
    schedules = {s.name: s for s in demo_defs.schedules or []}
    at = datetime(2026, 11, 27, 1, 0, tzinfo=UTC)
    context = dg.build_schedule_context(instance=instance, scheduled_execution_time=at)
    daily = demo_defs.resolve_schedule_def("inference_telemetry_daily")
    requests = daily.evaluate_tick(context).run_requests or []
    assert [r.partition_key for r in requests] == [DAY]  # the day that just ended
    revalidate = demo_defs.resolve_schedule_def("chat_sft_revalidation")
    assert revalidate.cron_schedule == "0 3 * * *"
    assert len(revalidate.evaluate_tick(context).run_requests or []) == 1
    assert schedules["mmlu_mini_revalidation"].cron_schedule == "0 4 * * *"


def test_a_telemetry_day_is_read_from_an_object_uri_with_a_query() -> None:
    """The listing names objects without the location's query (endpoint options)."""
    from dagster_defs.catalog import DatasetSpec
    from dagster_defs.sensors import _day_of
    from registry_core.lineage import DatasetKind

    spec = DatasetSpec(
        name="tele",
        kind=DatasetKind.TELEMETRY,
        path="s3://bucket/tel/{partition}.parquet?endpoint_override=minio:9000&scheme=http",
        subject="s",
        partitions_start="2026-11-01",
    )
    assert _day_of(spec, "s3://bucket/tel/2026-11-26.parquet") == "2026-11-26"
    assert _day_of(spec, "s3://bucket/other/2026-11-26.parquet") is None
