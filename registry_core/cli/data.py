"""``llmsr validate``: data files against a registered schema, split into valid and quarantine."""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from registry_core.cli.common import CheckFailed, _emit, _registry, json_option

__all__ = ["datasets", "drift", "expectations", "lineage", "validate"]


@click.command()
@click.argument("data")
@click.option("--subject", required=True, help="The registered subject to validate against.")
@click.option("--version", "version", default="latest", show_default=True)
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False))
@click.option(
    "--format", "fmt", type=click.Choice(["jsonl", "parquet", "csv", "avro"]),
    help="Input format (default: from the extension).",
)  # fmt: skip
@click.option(
    "--max-invalid-fraction",
    type=click.FloatRange(0, 1),
    default=None,
    help="Exit 0 while at most this fraction is quarantined (default: any quarantined fails).",
)
@click.option("--no-progress", is_flag=True, help="No progress bar, even on a terminal.")
@json_option
@click.pass_context
def validate(
    ctx: click.Context,
    data: str,
    subject: str,
    version: str,
    out_dir: str,
    fmt: str | None,
    max_invalid_fraction: float | None,
    no_progress: bool,
    as_json: bool,
) -> None:
    """Validate DATA (a JSONL, Parquet, CSV or Avro file, a directory or a glob) against a
    registered version; write OUT/valid.<ext> and OUT/quarantine.<ext>.

    Exit 0 when every record is valid (or the quarantined fraction is within
    --max-invalid-fraction), 1 when records were quarantined, 2 on a usage or input error.
    """
    registry = _registry(ctx)
    from registry_core.validation import detect_format, expand_inputs

    files = expand_inputs(data)
    detect_format(files, fmt)  # fail on a bad input before the progress bar appears
    total_bytes = sum(f.stat().st_size for f in files)
    show = sys.stderr.isatty() and not no_progress and total_bytes > 8 << 20
    bar: Any = None
    if show:
        bar = click.progressbar(
            length=total_bytes, label=f"validating {data}", file=sys.stderr, show_eta=True
        )
        bar.__enter__()
    try:
        report = registry.validate_files(
            files,
            subject,
            version,
            out_dir=out_dir,
            fmt=fmt,
            progress=bar.update if bar is not None else None,
        )
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
    summary = report.to_dict()
    failed = report.quarantined > 0 and (
        max_invalid_fraction is None or report.invalid_fraction > max_invalid_fraction
    )
    summary["passed"] = not failed

    def human() -> str:
        lines = [
            f"{report.total} records: {report.valid} valid, {report.quarantined} quarantined "
            f"({report.invalid_fraction:.2%}) against {subject} v{report.version} "
            f"(id {report.schema_id}) in {report.seconds:.2f}s",
            f"valid:      {report.valid_path}",
            f"quarantine: {report.quarantine_path}",
        ]
        lines += [f"  {rule}: {count}" for rule, count in report.errors_by_rule.most_common()]
        return "\n".join(lines)

    if as_json:
        summary.pop("samples", None)
        click.echo(json.dumps(summary))
    else:
        _emit(ctx, summary, human)
    if failed:
        raise CheckFailed


@click.command()
@click.argument("reference")
@click.argument("current")
@click.option("--columns", help="Comma-separated columns to compare (default: all shared).")
@click.option("--subject", help="Also compare CURRENT with this registered subject.")
@click.option("--version", "version", default="latest", show_default=True)
@click.option("--dataset", help="Store the report under this dataset name.")
@click.option(
    "--format", "fmt", type=click.Choice(["jsonl", "parquet", "csv", "avro"]),
    help="Input format (default: from the extension).",
)  # fmt: skip
@click.option("--small-sample", type=int, default=1000, show_default=True,
              help="At or below this many reference rows: KS / chi-squared tests.")  # fmt: skip
@click.option("--p-value", type=float, default=0.05, show_default=True)
@click.option("--wasserstein", type=float, default=0.1, show_default=True,
              help="Normalized Wasserstein threshold (large numeric samples).")  # fmt: skip
@click.option("--jensenshannon", type=float, default=0.1, show_default=True,
              help="Jensen-Shannon threshold (large categorical samples).")  # fmt: skip
@click.option("--psi", type=float, default=0.2, show_default=True)
@click.option("--numeric-method", type=click.Choice(["auto", "ks", "wasserstein", "psi"]),
              default="auto", show_default=True)  # fmt: skip
@click.option(
    "--categorical-method", type=click.Choice(["auto", "chisquare", "jensenshannon", "psi"]),
    default="auto", show_default=True,
)  # fmt: skip
@click.option("--no-correction", is_flag=True, help="No Holm-Bonferroni correction across columns.")
@click.option("--no-store", is_flag=True, help="Do not store the report in the registry.")
@json_option
@click.pass_context
def drift(
    ctx: click.Context,
    reference: str,
    current: str,
    columns: str | None,
    subject: str | None,
    version: str,
    dataset: str | None,
    fmt: str | None,
    small_sample: int,
    p_value: float,
    wasserstein: float,
    jensenshannon: float,
    psi: float,
    numeric_method: str,
    categorical_method: str,
    no_correction: bool,
    no_store: bool,
    as_json: bool,
) -> None:
    """Schema and distribution drift of CURRENT against REFERENCE (files, directories or globs).

    Exit 0 when nothing drifted, 1 when something did, 2 on a usage or input error. The report
    is stored in the registry when --subject or --dataset is given.
    """
    from registry_core.drift import DriftConfig

    try:
        config = DriftConfig(
            small_sample=small_sample,
            p_value=p_value,
            wasserstein=wasserstein,
            jensenshannon=jensenshannon,
            psi=psi,
            numeric_method=numeric_method,
            categorical_method=categorical_method,
            correction=not no_correction,
        )
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    wanted = [c.strip() for c in columns.split(",") if c.strip()] if columns else None
    if subject is None and (dataset is None or no_store):
        from registry_core.drift_io import compare_samples

        # two samples only: no database needed
        report, _ = compare_samples(reference, current, wanted, config, fmt)
    else:
        report = _registry(ctx).drift(
            reference,
            current,
            columns=wanted,
            config=config,
            subject=subject,
            version=version,
            dataset=dataset,
            fmt=fmt,
            store=not no_store,
        )
    value = report.to_dict()

    def human() -> str:
        lines = [
            f"drift {'DETECTED' if report.drift_detected else 'not detected'}: "
            f"{report.reference_rows} reference rows, {report.current_rows} current rows"
        ]
        schema = report.schema_drift
        for key in ("added", "removed"):
            if schema[key]:
                lines.append(f"  columns {key}: {', '.join(schema[key])}")
        for change in schema["type_changed"]:
            lines.append(f"  type changed: {change['column']} {change['from']} -> {change['to']}")
        registered = schema.get("registered")
        if registered:
            for key in ("missing", "unexpected"):
                if registered[key]:
                    lines.append(f"  vs {subject}: {key} {', '.join(registered[key])}")
            for item in registered["type_mismatch"]:
                lines.append(
                    f"  vs {subject}: {item['column']} is {item['found']}, registered "
                    f"{'/'.join(item['registered'])}"
                )
        for column in report.columns:
            if column.method is None:
                lines.append(f"  {column.column:<24} skipped ({column.note})")
                continue
            p = f" p={column.p_value:.3g}" if column.p_value is not None else ""
            lines.append(
                f"  {column.column:<24} {column.kind:<11} {column.method:<13} "
                f"{column.statistic:.4g}{p} threshold {column.threshold:g}"
                f"{'  DRIFT' if column.drifted else ''}"
            )
        return "\n".join(lines)

    if as_json:
        click.echo(json.dumps(value, default=str))
    else:
        _emit(ctx, value, human)
    if report.drift_detected:
        raise CheckFailed


@click.command()
@click.argument("subject")
@click.option("--version", "version", default="latest", show_default=True)
@click.option(
    "--context-root",
    type=click.Path(file_okay=False),
    help="The GX project folder (default: great_expectations/ here, or LLMSR_GX_ROOT).",
)
@json_option
@click.pass_context
def expectations(
    ctx: click.Context, subject: str, version: str, context_root: str | None, as_json: bool
) -> None:
    """Save a Great Expectations suite, validation definition and checkpoint of SUBJECT."""
    artifacts = _registry(ctx).to_great_expectations(subject, version, context_root=context_root)
    names = {
        "suite": artifacts.suite.name,
        "validation_definition": artifacts.validation_definition.name,
        "checkpoint": artifacts.checkpoint.name,
        "expectations": len(artifacts.suite.expectations),
        "context_root": str(artifacts.context.root_directory),
    }
    _emit(
        ctx,
        names,
        lambda: (
            f"saved suite {names['suite']} ({names['expectations']} expectations), validation "
            f"definition and checkpoint {names['checkpoint']} in {names['context_root']}"
        ),
    )


@click.command()
@click.option("--subject", help="Only the datasets validated against this subject.")
@click.option(
    "--kind", type=click.Choice(["training", "evaluation", "telemetry"]), help="Only this kind."
)
@click.option("--reports", "with_reports", is_flag=True, help="Also each dataset's last report.")
@json_option
@click.pass_context
def datasets(
    ctx: click.Context, subject: str | None, kind: str | None, with_reports: bool, as_json: bool
) -> None:
    """List the datasets the registry knows (registered by Dagster runs or the REST API)."""
    registry = _registry(ctx)
    found = [d.to_dict() for d in registry.datasets(subject=subject, kind=kind)]
    if with_reports:
        for item in found:
            last = registry.dataset_reports(dataset=item["name"], limit=1)
            item["lastReport"] = last[0] if last else None

    def human() -> str:
        if not found:
            return "no datasets"
        lines = []
        for item in found:
            line = (
                f"{item['name']:<24} {item['kind']:<10} {item['subject']} "
                f"({item['versionPin']})  {item['location']}"
            )
            report = item.get("lastReport")
            if report:
                verdict = "passed" if report["passed"] else "FAILED"
                line += f"  last {report['kind']}: {verdict} {report['createdAt']:%Y-%m-%d %H:%M}"
            lines.append(line)
        return "\n".join(lines)

    _emit(ctx, found, human)


@click.command()
@click.argument("node")
@click.option("--depth", type=click.IntRange(1, 6), default=2, show_default=True)
@json_option
@click.pass_context
def lineage(ctx: click.Context, node: str, depth: int, as_json: bool) -> None:
    """The lineage around NODE (schema:SUBJECT@VERSION, dataset:NAME, asset:KEY, report:...):
    what feeds it and what it feeds, DEPTH edges out, with the runs that recorded each edge."""
    graph = _registry(ctx).lineage(node, depth=depth).to_dict()

    def human() -> str:
        if not graph["edges"]:
            return f"{node}: no lineage recorded"
        return "\n".join(
            f"{e['source']} -> {e['target']}  ({len(e['runs'])} run(s))" for e in graph["edges"]
        )

    _emit(ctx, graph, human)
