"""The Dagster definitions, built from the dataset catalog.

``LLMSR_CATALOG`` names the catalog file (default: the demo catalog, whose data is generated on
first load). Everything a dataset gets (assets, checks, job, schedule) comes from its catalog
entry; the sensors watch all of them. Runs execute in process (one step after another in the
run's process): the work is the validation engine's, which parallelizes itself, and the
multiprocess executor would add seconds of start-up per step.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import dagster as dg

from dagster_defs.assets import benchmark_assets, drift_asset, split_assets
from dagster_defs.catalog import Catalog, load_catalog
from dagster_defs.checks import benchmark_checks, great_expectations_check, quarantine_check
from dagster_defs.demo import CATALOG as DEMO_CATALOG
from dagster_defs.demo import ensure_demo_data
from dagster_defs.jobs import dataset_job
from dagster_defs.openlineage import OpenLineageResource
from dagster_defs.resources import (
    GreatExpectationsResource,
    ParquetIOManager,
    RegistryResource,
    StorageResource,
)
from dagster_defs.schedules import dataset_schedule
from dagster_defs.sensors import build_sensors
from registry_core.lineage import DatasetKind

__all__ = ["build_definitions", "defs", "partitions_for"]


def partitions_for(spec: Any) -> dg.PartitionsDefinition | None:
    if not spec.partitioned:
        return None
    return dg.DailyPartitionsDefinition(start_date=spec.partitions_start, timezone="UTC")


def build_definitions(catalog_path: str | os.PathLike[str] = DEMO_CATALOG) -> dg.Definitions:
    """The definitions of every dataset in the catalog at ``catalog_path``."""
    if Path(catalog_path).resolve() == DEMO_CATALOG:
        ensure_demo_data()
    catalog: Catalog = load_catalog(catalog_path)
    assets: list[Any] = []
    checks: list[Any] = []
    jobs: dict[str, Any] = {}
    schedules: list[Any] = []
    for spec in catalog.datasets:
        partitions = partitions_for(spec)
        if spec.kind is DatasetKind.EVALUATION:
            assets.extend(benchmark_assets(spec))
            checks.extend(benchmark_checks(catalog, spec))
        else:
            assets.append(split_assets(spec, partitions))
            checks.append(quarantine_check(spec, partitions))
            if spec.great_expectations:
                checks.append(great_expectations_check(spec, partitions))
            if spec.reference:
                assets.append(drift_asset(spec, partitions))
        jobs[spec.name] = dataset_job(spec)
        schedules.append(dataset_schedule(spec, jobs[spec.name]))
    storage = StorageResource(
        root=os.environ.get("LLMSR_DAGSTER_STORAGE") or str(catalog.storage_root)
    )
    return dg.Definitions(
        assets=assets,
        asset_checks=checks,
        jobs=list(jobs.values()),
        schedules=schedules,
        sensors=build_sensors(catalog, jobs),
        resources={
            "registry": RegistryResource(),
            "storage": storage,
            "parquet_io": ParquetIOManager(storage=storage),
            "great_expectations": GreatExpectationsResource(),
            "openlineage": OpenLineageResource(),
        },
        executor=dg.in_process_executor,
    )


defs = build_definitions(os.environ.get("LLMSR_CATALOG") or DEMO_CATALOG)
