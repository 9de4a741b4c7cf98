"""Schedules: telemetry validates each day's partition after the day ends; training and
evaluation datasets are revalidated on their catalog ``schedule`` (03:00 UTC by default)."""

from __future__ import annotations

from typing import Any

import dagster as dg

from dagster_defs.catalog import DatasetSpec

__all__ = ["DEFAULT_CRON", "dataset_schedule"]

DEFAULT_CRON = "0 3 * * *"


def dataset_schedule(spec: DatasetSpec, job: Any) -> Any:
    if spec.partitioned:
        return dg.build_schedule_from_partitioned_job(
            job, name=f"{spec.name}_daily", hour_of_day=1, minute_of_hour=0
        )
    return dg.ScheduleDefinition(
        name=f"{spec.name}_revalidation",
        job=job,
        cron_schedule=spec.schedule or DEFAULT_CRON,
        execution_timezone="UTC",
        description=f"Revalidate {spec.name} against its pinned schema version.",
    )
