"""``llmsr validate``: data files against a registered schema, split into valid and quarantine."""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from registry_core.cli.common import CheckFailed, _emit, _registry, json_option

__all__ = ["validate"]


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
            data,
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
