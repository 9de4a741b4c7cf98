"""Asset checks: the blocking quarantine gate of training and telemetry data, and the blocking
benchmark checks. (The drift checks live on the drift asset, see ``assets.drift_asset``.)"""

from collections.abc import Callable
from typing import Any

import dagster as dg
import pyarrow.parquet as pq

from dagster_defs import benchmarks as bench
from dagster_defs.assets import input_files, quarantine_key, read_records, valid_key
from dagster_defs.catalog import Catalog, DatasetSpec
from dagster_defs.resources import GreatExpectationsResource, RegistryResource, StorageResource

__all__ = ["BENCHMARK_CHECKS", "benchmark_checks", "great_expectations_check", "quarantine_check"]


def quarantine_check(spec: DatasetSpec, partitions: dg.PartitionsDefinition | None) -> Any:
    """Fails (and blocks everything downstream of the valid records) when the quarantined
    share of the run exceeds ``max_invalid_fraction``; says so to the registry as a
    ``quarantine.threshold_exceeded`` event."""

    @dg.asset_check(
        asset=valid_key(spec),
        name="quarantine_within_threshold",
        blocking=True,
        partitions_def=partitions,
        description=(
            f"At most {spec.max_invalid_fraction:.1%} of {spec.name}'s records are quarantined."
        ),
    )
    def check(
        context: dg.AssetCheckExecutionContext,
        registry: RegistryResource,
        storage: StorageResource,
    ) -> dg.AssetCheckResult:
        partition = _partition(context) if partitions is not None else None
        valid = pq.ParquetFile(storage.path_for(valid_key(spec), partition)).metadata.num_rows
        bad = pq.ParquetFile(storage.path_for(quarantine_key(spec), partition)).metadata.num_rows
        total = valid + bad
        fraction = bad / total if total else 0.0
        passed = fraction <= spec.max_invalid_fraction
        if not passed:
            registry.get().publish_event(
                "quarantine.threshold_exceeded",
                spec.subject,
                {
                    "dataset": spec.name,
                    "partition": partition,
                    "total": total,
                    "quarantined": bad,
                    "fraction": round(fraction, 6),
                    "threshold": spec.max_invalid_fraction,
                    "run_id": context.op_execution_context.run_id,
                },
            )
        return dg.AssetCheckResult(
            passed=passed,
            severity=dg.AssetCheckSeverity.ERROR,
            metadata={
                "total": total,
                "quarantined": bad,
                "quarantined_fraction": dg.MetadataValue.float(round(fraction, 6)),
                "threshold": dg.MetadataValue.float(spec.max_invalid_fraction),
            },
        )

    return check


def great_expectations_check(spec: DatasetSpec, partitions: dg.PartitionsDefinition | None) -> Any:
    """Runs the Great Expectations checkpoint generated from the pinned version (suite,
    validation definition and checkpoint saved in the project's great_expectations/ folder) on
    the valid records: a second opinion, in the tool a team may already read (WARN)."""

    @dg.asset_check(
        asset=valid_key(spec),
        name="great_expectations_checkpoint",
        blocking=False,
        partitions_def=partitions,
        description="The Great Expectations checkpoint of the pinned version passes.",
    )
    def check(
        context: dg.AssetCheckExecutionContext,
        registry: RegistryResource,
        storage: StorageResource,
        great_expectations: GreatExpectationsResource,
    ) -> dg.AssetCheckResult:
        import polars as pl

        partition = _partition(context) if partitions is not None else None
        reg = registry.get()
        found = reg.resolve_pin(spec.subject, spec.version)
        artifacts = reg.to_great_expectations(
            spec.subject, found.version, context_root=great_expectations.root()
        )
        frame = pl.read_parquet(storage.path_for(valid_key(spec), partition)).to_pandas()
        result = artifacts.run(frame)
        failed = []
        for run in result.run_results.values():
            for outcome in run.results:
                if not outcome.success:
                    config = outcome.expectation_config
                    failed.append(
                        {"expectation": config.type, "column": config.kwargs.get("column")}
                    )
        return dg.AssetCheckResult(
            passed=bool(result.success),
            severity=dg.AssetCheckSeverity.WARN,
            metadata={
                "checkpoint": artifacts.checkpoint.name,
                "rows": len(frame),
                "failed_expectations": dg.MetadataValue.json(failed),
            },
        )

    return check


def _partition(context: Any) -> str:
    return str(context.op_execution_context.partition_key)


def _training_texts(catalog: Catalog, spec: DatasetSpec) -> list[str]:
    """Every string in the training datasets the benchmark must not overlap."""
    texts: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, str):
            texts.append(value)
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    for name in spec.contamination_against:
        with input_files(catalog.get(name)) as files:
            for record in read_records(files):
                walk(record)
    return texts


Outcome = Callable[[Catalog, DatasetSpec, list[dict[str, Any]], Any], bench.CheckOutcome]


def _schema_valid(
    catalog: Catalog, spec: DatasetSpec, items: list[dict[str, Any]], registry: Any
) -> bench.CheckOutcome:
    found = registry.resolve_pin(spec.subject, spec.version)
    result = registry.validate(items, spec.subject, found.version)
    failures = [
        {
            "item": items[p].get("id") if isinstance(items[p], dict) else p,
            "errors": [i.to_dict() for i in issues[:3]],
        }
        for p, issues in result.failures[:10]
    ]
    return bench.CheckOutcome(
        "items_valid",
        not result.failures,
        f"{len(result.failures)} of {len(items)} items break {spec.subject} v{found.version}",
        {"failures": failures, "schema_version": found.version},
    )


BENCHMARK_CHECKS: dict[str, tuple[str, Outcome]] = {
    "items_valid": ("Every item is valid against the pinned item schema.", _schema_valid),
    "unique_ids": ("Every item id is unique.", lambda c, s, i, r: bench.check_unique_ids(i)),
    "no_duplicates": (
        "No exact or normalised-text duplicate questions.",
        lambda c, s, i, r: bench.check_duplicates(i),
    ),
    "labels_valid": (
        "Every gold answer is an index into its choices.",
        lambda c, s, i, r: bench.check_labels(i),
    ),
    "label_distribution": (
        "Gold-label shares stay near the pinned distribution.",
        lambda c, s, i, r: bench.check_label_distribution(i, s.label_distribution),
    ),
    "disjoint_splits": (
        "No question appears in two splits.",
        lambda c, s, i, r: bench.check_disjoint_splits(i),
    ),
    "no_contamination": (
        "No item appears in the training datasets (normalised text, 13-gram overlap).",
        lambda c, s, i, r: bench.check_contamination(i, _training_texts(c, s)),
    ),
    "content_hash_pinned": (
        "The canonical items hash to the pinned content hash.",
        lambda c, s, i, r: bench.check_content_hash(i, s.content_hash),
    ),
}


def benchmark_checks(catalog: Catalog, spec: DatasetSpec) -> list[Any]:
    """One blocking check per benchmark property; a failure publishes ``benchmark.failed``."""
    items_key = dg.AssetKey([spec.name, "items"])
    out = []
    for name, (description, outcome_of) in BENCHMARK_CHECKS.items():

        def make(
            name: str = name, outcome_of: Outcome = outcome_of, description: str = description
        ) -> Any:
            @dg.asset_check(asset=items_key, name=name, blocking=True, description=description)
            def check(
                context: dg.AssetCheckExecutionContext, registry: RegistryResource
            ) -> dg.AssetCheckResult:
                reg = registry.get()
                with input_files(spec) as files:
                    items = read_records(files)
                outcome = outcome_of(catalog, spec, items, reg)
                summary = {
                    "check": name,
                    "passed": outcome.passed,
                    "description": outcome.description,
                    "details": outcome.metadata,
                }
                reg.record_dataset_report(
                    spec.name,
                    "benchmark",
                    passed=outcome.passed,
                    summary=summary,
                    run_id=context.op_execution_context.run_id,
                )
                if not outcome.passed:
                    reg.publish_event(
                        "benchmark.failed",
                        spec.subject,
                        {
                            "dataset": spec.name,
                            "run_id": context.op_execution_context.run_id,
                            **summary,
                        },
                    )
                return dg.AssetCheckResult(
                    passed=outcome.passed,
                    severity=dg.AssetCheckSeverity.ERROR,
                    description=outcome.description,
                    metadata={"details": dg.MetadataValue.json(outcome.metadata)},
                )

            return check

        out.append(make())
    return out
