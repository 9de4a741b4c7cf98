"""Sensors. All stay cheap (a registry query, a few stat calls); the work is in the assets.

- ``registry_changes``: follows the registry's event outbox with a cursor (the last event
  sequence number seen) and requests revalidation of exactly the datasets bound to a subject
  when a version of it comes into force (registered or approved), is deprecated, archived or
  reactivated. Its first evaluation starts from the newest event (no replay of history).
- ``dataset_files``: notices new or changed files under the datasets' paths (cursor: each
  file's size and modification time); a new telemetry file requests its day's partition. Its
  first evaluation records what is there without requesting runs.
- ``record_run_failures``: a failed run of a dataset job is recorded in the registry as a
  ``run_failure`` report and a ``dataset.run_failed`` event.
"""

import glob
import json
import os
from typing import Any

import dagster as dg

from dagster_defs.catalog import Catalog, DatasetSpec
from dagster_defs.jobs import job_name
from dagster_defs.remote import is_uri, list_objects
from dagster_defs.resources import RegistryResource

__all__ = ["TRIGGERS", "build_sensors"]

TRIGGERS = frozenset(
    {
        "schema.registered",
        "proposal.approved",
        "schema.deprecated",
        "schema.archived",
        "schema.reactivated",
    }
)


def _day_of(spec: DatasetSpec, path: str) -> str | None:
    """The partition a telemetry file stands for (the text in place of ``{partition}``)."""
    location = spec.path.split("?", 1)[0] if is_uri(spec.path) else spec.path
    head, _, tail = location.partition("{partition}")
    if path.startswith(head) and path.endswith(tail) and len(path) > len(head) + len(tail):
        return path[len(head) : len(path) - len(tail)]
    return None


def _pattern(spec: DatasetSpec) -> str:
    location = spec.path.replace("{partition}", "*")
    if is_uri(location):
        return location
    return os.path.join(location, "*") if os.path.isdir(location) else location


def _listing(spec: DatasetSpec) -> list[tuple[str, int, int]]:
    """(path or URI, size, mtime in ns) of every file the dataset's location names now; a
    telemetry location lists every day's file."""
    pattern = _pattern(spec)
    if is_uri(pattern):
        return [(o.uri, o.size, o.mtime_ns) for o in list_objects(pattern)]
    out = []
    for path in glob.glob(pattern, recursive=True):
        try:
            stat = os.stat(path)
        except OSError:
            continue  # vanished between the listing and the stat
        out.append((path, stat.st_size, stat.st_mtime_ns))
    return out


def _latest_partition(spec: DatasetSpec) -> str | None:
    days = sorted(filter(None, (_day_of(spec, p) for p, _, _ in _listing(spec))))
    return days[-1] if days else None


def build_sensors(catalog: Catalog, jobs: dict[str, Any]) -> list[Any]:
    specs = list(catalog.datasets)
    all_jobs = list(jobs.values())

    @dg.sensor(
        name="registry_changes",
        jobs=all_jobs,
        minimum_interval_seconds=30,
        description="Revalidate the datasets bound to a subject when its versions change.",
    )
    def registry_changes(
        context: dg.SensorEvaluationContext, registry: RegistryResource
    ) -> dg.SensorResult | dg.SkipReason:
        reg = registry.get()
        if context.cursor is None:
            return dg.SensorResult(cursor=str(reg.last_event_seq()))
        after = int(context.cursor)
        events = reg.events(after=after, limit=500)
        if not events:
            return dg.SkipReason(f"no registry events after {after}")
        requests: dict[str, dg.RunRequest] = {}
        for event in events:
            if event["type"] not in TRIGGERS or not event.get("subject"):
                continue
            for spec in catalog.bound_to(event["subject"]):
                if spec.name in requests:
                    continue
                partition = _latest_partition(spec) if spec.partitioned else None
                if spec.partitioned and partition is None:
                    continue
                requests[spec.name] = dg.RunRequest(
                    run_key=f"{spec.name}:{event['seq']}",
                    job_name=job_name(spec),
                    partition_key=partition,
                    tags={
                        "llmsr/reason": event["type"],
                        "llmsr/subject": event["subject"],
                        "llmsr/event": event["id"],
                    },
                )
        return dg.SensorResult(run_requests=list(requests.values()), cursor=str(events[-1]["seq"]))

    @dg.sensor(
        name="dataset_files",
        jobs=all_jobs,
        minimum_interval_seconds=60,
        description="Validate dataset files when they arrive or change.",
    )
    def dataset_files(context: dg.SensorEvaluationContext) -> dg.SensorResult:
        seen: dict[str, list[int]] = json.loads(context.cursor) if context.cursor else {}
        now: dict[str, list[int]] = {}
        changed: dict[tuple[str, str | None], int] = {}  # (dataset, day) -> newest mtime
        for spec in specs:
            try:
                listing = _listing(spec)
            except OSError as exc:  # an object store that does not answer: try next time
                context.log.warning(f"{spec.name}: cannot list {spec.path}: {exc}")
                continue
            for path, size, mtime in listing:
                state = [size, mtime]
                now[path] = state
                if seen.get(path) == state:
                    continue
                day = _day_of(spec, path) if spec.partitioned else None
                if spec.partitioned and day is None:
                    continue
                key = (spec.name, day)
                changed[key] = max(changed.get(key, 0), mtime)
        if context.cursor is None:  # the first look: remember, request nothing
            return dg.SensorResult(cursor=json.dumps(now, sort_keys=True))
        requests = [
            dg.RunRequest(
                run_key=f"{name}:{day or 'all'}:{stamp}",
                job_name=job_name(catalog.get(name)),
                partition_key=day,
                tags={"llmsr/reason": "file_arrival"},
            )
            for (name, day), stamp in sorted(changed.items(), key=str)
        ]
        return dg.SensorResult(run_requests=requests, cursor=json.dumps(now, sort_keys=True))

    @dg.run_failure_sensor(
        name="record_run_failures",
        monitored_jobs=all_jobs,
        description="Record failed dataset runs in the registry.",
    )
    def record_run_failures(
        context: dg.RunFailureSensorContext, registry: RegistryResource
    ) -> None:
        run = context.dagster_run
        dataset = run.tags.get("llmsr/dataset") or run.job_name.removesuffix("_job")
        error = context.failure_event.message or "run failed"
        summary = {
            "job": run.job_name,
            "run_id": run.run_id,
            "partition": run.tags.get("dagster/partition"),
            "error": error[:2000],
        }
        reg = registry.get()
        reg.record_dataset_report(
            dataset,
            "run_failure",
            passed=False,
            summary=summary,
            run_id=run.run_id,
            partition=summary["partition"],
        )
        try:
            subject = catalog.get(dataset).subject
        except KeyError:
            subject = None
        reg.publish_event("dataset.run_failed", subject, {"dataset": dataset, **summary})

    return [registry_changes, dataset_files, record_run_failures]
