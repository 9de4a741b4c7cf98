"""One job per dataset (its assets and their checks), partitioned by day for telemetry."""

from __future__ import annotations

from typing import Any

import dagster as dg

from dagster_defs.catalog import DatasetSpec

__all__ = ["dataset_job", "job_name"]


def job_name(spec: DatasetSpec) -> str:
    return f"{spec.name}_job"


def dataset_job(spec: DatasetSpec) -> Any:
    """Partitioned like its assets (telemetry by day); the partitioning is inferred."""
    return dg.define_asset_job(
        job_name(spec),
        selection=dg.AssetSelection.groups(spec.name),
        description=f"Validate {spec.name} ({spec.kind.value}) and run its checks.",
        tags={"llmsr/dataset": spec.name},
    )
