"""The assets each catalog dataset gets, by kind.

- training: ``<name>/valid_records`` and ``<name>/quarantined_records`` (one multi-asset: the
  Validation engine splits the input against the pinned version), and ``<name>/drift_report``
  when the dataset has a drift reference;
- telemetry: the same, partitioned by day (one input file per day);
- evaluation: ``<name>/items`` (the benchmark as validated) and ``<name>/verdict`` (written
  only when every blocking benchmark check passed).

Every run registers the dataset in the registry, stores what it found (validation summaries,
drift reports, benchmark verdicts) and records lineage: schema version -> dataset -> outputs.
"""

import contextlib
import hashlib
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dagster as dg
import orjson
import polars as pl

from dagster_defs.catalog import DatasetSpec
from dagster_defs.openlineage import OpenLineageResource
from dagster_defs.remote import fetch, is_uri
from dagster_defs.resources import RegistryResource, StorageResource
from registry_core.errors import InvalidInput
from registry_core.lineage import asset_node, dataset_node, report_node, schema_node
from registry_core.models import SubjectVersion
from registry_core.service import Registry
from registry_core.validation import detect_format, expand_inputs

__all__ = [
    "benchmark_assets",
    "drift_asset",
    "input_files",
    "quarantine_key",
    "read_records",
    "split_assets",
    "valid_key",
]


def valid_key(spec: DatasetSpec) -> dg.AssetKey:
    return dg.AssetKey([spec.name, "valid_records"])


def quarantine_key(spec: DatasetSpec) -> dg.AssetKey:
    return dg.AssetKey([spec.name, "quarantined_records"])


@contextlib.contextmanager
def input_files(spec: DatasetSpec, partition: str | None = None) -> Iterator[list[Path]]:
    """The dataset's files (for telemetry: the one file of the day) as local paths; objects of
    an object-store location are copied into a temporary folder for the run, removed after."""
    location = spec.path.replace("{partition}", partition) if partition else spec.path
    if not is_uri(location):
        try:
            yield expand_inputs(location)
        except InvalidInput as exc:  # no such file, nothing matches
            raise dg.Failure(description=f"{spec.name}: {exc}") from None
        return
    with tempfile.TemporaryDirectory(prefix=f"llmsr-{spec.name}-") as folder:
        try:
            files = fetch(location, Path(folder))
        except (OSError, ValueError) as exc:  # Arrow: ArrowInvalid is a ValueError
            raise dg.Failure(description=f"{spec.name}: cannot read {location}: {exc}") from None
        yield files


def _hash_files(files: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in files:
        with path.open("rb") as handle:
            while chunk := handle.read(8 << 20):
                digest.update(chunk)
    return "sha256:" + digest.hexdigest()


def _prepare(registry: Registry, spec: DatasetSpec, actor: str) -> SubjectVersion:
    """Register (or refresh) the dataset and resolve its pin to the version in force."""
    registry.register_dataset(
        spec.name,
        kind=spec.kind,
        subject=spec.subject,
        version=spec.version,
        location=spec.path,
        owner=spec.owner,
        settings=spec.settings(),
        actor=actor,
    )
    return registry.resolve_pin(spec.subject, spec.version)


def _as_parquet(path: Path) -> Path:
    """The engine writes each split in the input's format; the IO manager stores Parquet."""
    if path.suffix == ".parquet":
        return path
    target = path.with_suffix(".parquet")
    if path.suffix == ".jsonl":
        frame = (
            pl.read_ndjson(path, infer_schema_length=None)
            if path.stat().st_size
            else pl.DataFrame()
        )
    elif path.suffix == ".csv":
        frame = (
            pl.read_csv(path, infer_schema_length=None) if path.stat().st_size else pl.DataFrame()
        )
    else:  # Avro container files
        import fastavro

        with path.open("rb") as handle:
            frame = pl.DataFrame(list(fastavro.reader(handle)))
    frame.write_parquet(target)
    path.unlink()
    return target


def _failures_table(report: Any) -> dg.MetadataValue:
    rows = []
    for sample in report.samples[:20]:
        for issue in sample.get("errors", [])[:3]:
            rows.append(
                dg.TableRecord(
                    {
                        "record": int(sample.get("record", -1)),
                        "path": str(issue.get("path", "")),
                        "rule": str(issue.get("rule", "")),
                        "message": str(issue.get("message", ""))[:200],
                    }
                )
            )
    schema = dg.TableSchema(
        columns=[
            dg.TableColumn("record", "int"),
            dg.TableColumn("path", "string"),
            dg.TableColumn("rule", "string"),
            dg.TableColumn("message", "string"),
        ]
    )
    return dg.MetadataValue.table(records=rows, schema=schema)


def split_assets(spec: DatasetSpec, partitions: dg.PartitionsDefinition | None) -> Any:
    """Valid and quarantined records of a training or telemetry dataset (one engine pass)."""

    @dg.multi_asset(
        name=f"{spec.name}__validate",
        outs={
            "valid": dg.AssetOut(
                key=valid_key(spec),
                io_manager_key="parquet_io",
                description=f"Records of {spec.name} valid against {spec.subject}.",
                kinds={"parquet"},
            ),
            "quarantined": dg.AssetOut(
                key=quarantine_key(spec),
                io_manager_key="parquet_io",
                description=f"Records of {spec.name} set aside, each with its _errors.",
                kinds={"parquet"},
            ),
        },
        group_name=spec.name,
        partitions_def=partitions,
        description=spec.description or f"Validate {spec.name} against {spec.subject}.",
    )
    def validate(
        context: dg.AssetExecutionContext,
        registry: RegistryResource,
        storage: StorageResource,
        openlineage: OpenLineageResource,
    ) -> Iterator[dg.Output[Path]]:
        reg = registry.get()
        partition = context.partition_key if partitions is not None else None
        with input_files(spec, partition) as files:
            yield from _split_dataset(
                context, spec, reg, registry.actor, storage, openlineage, partition, files
            )

    return validate


def _split_dataset(
    context: dg.AssetExecutionContext,
    spec: DatasetSpec,
    reg: Registry,
    actor: str,
    storage: StorageResource,
    openlineage: OpenLineageResource,
    partition: str | None,
    files: list[Path],
) -> Iterator[dg.Output[Path]]:
    found = _prepare(reg, spec, actor)
    staging = storage.base() / ".staging" / context.run.run_id / spec.name
    context.log.info(
        f"validating {len(files)} file(s) of {spec.name} against {spec.subject} v{found.version}"
    )
    report = reg.validate_files(files, spec.subject, found.version, out_dir=staging)
    valid = _as_parquet(Path(str(report.valid_path)))
    quarantined = _as_parquet(Path(str(report.quarantine_path)))
    input_hash = _hash_files(files)
    summary = {
        "total": report.total,
        "valid": report.valid,
        "quarantined": report.quarantined,
        "quarantined_fraction": round(report.invalid_fraction, 6),
        "errors_by_rule": dict(report.errors_by_rule),
        "subject": spec.subject,
        "version": found.version,
        "schema_id": found.schema_id,
        "input_hash": input_hash,
        "threshold": spec.max_invalid_fraction,
        "samples": report.samples[:20],
    }
    reg.record_dataset_report(
        spec.name,
        "validation",
        passed=report.invalid_fraction <= spec.max_invalid_fraction,
        summary=summary,
        run_id=context.run.run_id,
        partition=partition,
    )
    dataset = dataset_node(spec.name)
    reg.record_lineage(
        [
            (schema_node(spec.subject, found.version), dataset),
            (dataset, asset_node(valid_key(spec).to_user_string())),
            (dataset, asset_node(quarantine_key(spec).to_user_string())),
        ],
        run_id=context.run.run_id,
    )
    passed = report.invalid_fraction <= spec.max_invalid_fraction
    openlineage.emit_validation(
        run_id=context.run.run_id,
        job=f"{spec.name}__validate",
        dataset=spec.name if partition is None else f"{spec.name}/{partition}",
        location=spec.path,
        fields=reg.fields(spec.subject, found.version),
        assertions=[
            (f"valid against {spec.subject} v{found.version}", report.quarantined == 0, None),
            (f"quarantined share <= {spec.max_invalid_fraction}", passed, None),
            *((f"rule {rule}", False, None) for rule in sorted(report.errors_by_rule)),
        ],
        outputs=[valid_key(spec).to_user_string(), quarantine_key(spec).to_user_string()],
    )
    common: dict[str, Any] = {
        "subject": spec.subject,
        "schema_version": found.version,
        "schema_id": found.schema_id,
        "input_hash": input_hash,
        "total": report.total,
        "quarantined": report.quarantined,
        "quarantined_fraction": dg.MetadataValue.float(float(report.invalid_fraction)),
    }
    yield dg.Output(valid, output_name="valid", metadata={**common, "valid": report.valid})
    yield dg.Output(
        quarantined,
        output_name="quarantined",
        metadata={
            **common,
            "errors_by_rule": dg.MetadataValue.json(dict(report.errors_by_rule)),
            "sample_failures": _failures_table(report),
        },
    )
    shutil.rmtree(staging.parent, ignore_errors=True)  # the IO manager moved both files


def drift_asset(spec: DatasetSpec, partitions: dg.PartitionsDefinition | None) -> Any:
    """Schema drift against the pinned version and distribution drift against the reference;
    the report goes to the registry. Checks: distribution drift (WARN), schema drift that
    breaks the pinned version (ERROR)."""
    key = dg.AssetKey([spec.name, "drift_report"])

    @dg.asset(
        key=key,
        deps=[valid_key(spec)],
        io_manager_key="parquet_io",
        group_name=spec.name,
        partitions_def=partitions,
        kinds={"json"},
        description=f"Drift of {spec.name}'s valid records against its reference.",
        check_specs=[
            dg.AssetCheckSpec(
                "distribution_drift", asset=key, description="No column drifted (WARN)."
            ),
            dg.AssetCheckSpec(
                "schema_drift",
                asset=key,
                description="The data still fits the pinned schema version (ERROR).",
            ),
        ],
    )
    def drift(
        context: dg.AssetExecutionContext, registry: RegistryResource, storage: StorageResource
    ) -> Iterator[Any]:
        reg = registry.get()
        partition = context.partition_key if partitions is not None else None
        found = reg.resolve_pin(spec.subject, spec.version)
        current = pl.read_parquet(storage.path_for(valid_key(spec), partition))
        assert spec.reference is not None
        report = reg.drift(
            spec.reference,
            current,
            config=spec.drift_config(),
            subject=spec.subject,
            version=found.version,
            dataset=spec.name,
        )
        value = report.to_dict()
        reg.record_lineage(
            [
                (asset_node(valid_key(spec).to_user_string()), asset_node(key.to_user_string())),
                (asset_node(key.to_user_string()), report_node("drift", spec.name)),
            ],
            run_id=context.run.run_id,
        )
        columns = [
            dg.TableRecord(
                {
                    "column": c["column"],
                    "method": str(c.get("method")),
                    "statistic": float(c["statistic"]) if c.get("statistic") is not None else 0.0,
                    "threshold": float(c["threshold"]) if c.get("threshold") is not None else 0.0,
                    "drifted": bool(c["drifted"]),
                }
            )
            for c in value["columns"]
        ]
        yield dg.Output(
            value,
            metadata={
                "drifted_columns": dg.MetadataValue.json(report.drifted_columns),
                "columns": dg.MetadataValue.table(
                    records=columns,
                    schema=dg.TableSchema(
                        columns=[
                            dg.TableColumn("column", "string"),
                            dg.TableColumn("method", "string"),
                            dg.TableColumn("statistic", "float"),
                            dg.TableColumn("threshold", "float"),
                            dg.TableColumn("drifted", "bool"),
                        ]
                    ),
                ),
            },
        )
        yield dg.AssetCheckResult(
            check_name="distribution_drift",
            passed=not report.drifted_columns,
            severity=dg.AssetCheckSeverity.WARN,
            metadata={"drifted_columns": dg.MetadataValue.json(report.drifted_columns)},
        )
        registered = report.schema_drift.get("registered", {})
        breaking = {k: registered.get(k, []) for k in ("missing", "unexpected", "type_mismatch")}
        yield dg.AssetCheckResult(
            check_name="schema_drift",
            passed=not any(breaking.values()),
            severity=dg.AssetCheckSeverity.ERROR,
            metadata={"differences": dg.MetadataValue.json(breaking)},
        )

    return drift


def read_records(files: list[Path]) -> list[Any]:
    """Every record of small JSONL, Parquet or CSV files (benchmarks, contamination sources)."""
    fmt = detect_format(files)
    records: list[Any] = []
    for path in files:
        if fmt == "jsonl":
            with path.open("rb") as handle:
                records.extend(orjson.loads(line) for line in handle if line.strip())
        elif fmt == "parquet":
            records.extend(pl.read_parquet(path).to_dicts())
        elif fmt == "csv":
            records.extend(pl.read_csv(path).to_dicts())
        else:
            import fastavro

            with path.open("rb") as handle:
                records.extend(fastavro.reader(handle))
    return records


def benchmark_assets(spec: DatasetSpec) -> list[Any]:
    """``<name>/items`` (validated against the pinned item schema) and ``<name>/verdict``,
    which the blocking benchmark checks guard."""
    items_key = dg.AssetKey([spec.name, "items"])
    verdict_key = dg.AssetKey([spec.name, "verdict"])

    @dg.asset(
        key=items_key,
        io_manager_key="parquet_io",
        group_name=spec.name,
        kinds={"parquet"},
        description=spec.description or f"The {spec.name} benchmark items.",
    )
    def items(context: dg.AssetExecutionContext, registry: RegistryResource) -> dg.Output[Any]:
        from dagster_defs.benchmarks import canonical_hash

        reg = registry.get()
        found = _prepare(reg, spec, registry.actor)
        with input_files(spec) as files:
            records = read_records(files)
        reg.record_lineage(
            [
                (schema_node(spec.subject, found.version), dataset_node(spec.name)),
                (dataset_node(spec.name), asset_node(items_key.to_user_string())),
            ],
            run_id=context.run.run_id,
        )
        frame = pl.DataFrame(
            [orjson.dumps(r).decode() for r in records], schema={"item": pl.String}
        )
        return dg.Output(
            frame,
            metadata={
                "items": len(records),
                "content_hash": canonical_hash(records),
                "pinned_hash": str(spec.content_hash),
                "subject": spec.subject,
                "schema_version": found.version,
                "schema_id": found.schema_id,
            },
        )

    @dg.asset(
        key=verdict_key,
        deps=[items_key],
        io_manager_key="parquet_io",
        group_name=spec.name,
        kinds={"json"},
        description=f"{spec.name} may feed evaluations: every blocking check passed.",
    )
    def verdict(context: dg.AssetExecutionContext, registry: RegistryResource) -> dict[str, Any]:
        from dagster_defs.benchmarks import canonical_hash

        reg = registry.get()
        found = reg.resolve_pin(spec.subject, spec.version)
        with input_files(spec) as files:
            records = read_records(files)
        value = {
            "dataset": spec.name,
            "passed": True,
            "subject": spec.subject,
            "version": found.version,
            "content_hash": canonical_hash(records),
            "items": len(records),
        }
        reg.record_dataset_report(
            spec.name,
            "benchmark",
            passed=True,
            summary={"check": "verdict", **value},
            run_id=context.run.run_id,
        )
        reg.record_lineage(
            [
                (asset_node(items_key.to_user_string()), asset_node(verdict_key.to_user_string())),
                (asset_node(verdict_key.to_user_string()), report_node("benchmark", spec.name)),
            ],
            run_id=context.run.run_id,
        )
        return value

    return [items, verdict]
