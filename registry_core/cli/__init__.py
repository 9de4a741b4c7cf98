"""``llmsr``: the command line over the registry core.

Exit codes: 0 ok; 1 the check failed (incompatible); 2 usage or input error, reported as one
line on stderr (set ``LLMSR_DEBUG=1`` for the traceback).
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click

from registry_core import __version__
from registry_core.cli import data, governance, llm, starters
from registry_core.cli.common import (
    EXIT_FAILED_CHECK,
    EXIT_USAGE,
    CheckFailed,
    _actor,
    _emit,
    _infer_type,
    _read_schema,
    _references,
    _registry,
    as_option,
    json_option,
)
from registry_core.errors import IncompatibleSchema, RegistryError, ReviewRequired
from registry_core.models import CompatibilityReport


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--database-url",
    envvar="LLMSR_DATABASE_URL",
    default=None,
    help="SQLAlchemy URL (default sqlite:///.llmsr/registry.db; env LLMSR_DATABASE_URL).",
)
@click.version_option(__version__, prog_name="llmsr")
@click.pass_context
def cli(ctx: click.Context, database_url: str | None) -> None:
    """LLM Schema Registry: versioned, Confluent-compatible schemas for LLM data."""
    ctx.ensure_object(dict)["database_url"] = database_url


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8081, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64))
@click.option("--log-level", default="warning", show_default=True)
@click.option(
    "--insecure",
    is_flag=True,
    help="Listen on a non-loopback address although no user exists (everyone is admin).",
)
@click.pass_context
def serve(
    ctx: click.Context, host: str, port: int, workers: int, log_level: str, insecure: bool
) -> None:
    """Serve the REST API (Confluent-compatible) after migrating the database.

    With no user defined the API is open (every caller is an admin), so it listens only on a
    loopback address unless --insecure is given; `llmsr users add NAME --role admin` first.
    """
    import uvicorn

    registry = _registry(ctx)
    registry.migrate()
    url = ctx.obj.get("database_url")
    if url:
        os.environ["LLMSR_DATABASE_URL"] = url
    _check_host(host)
    open_api = not registry.auth_required()
    registry.close()
    if open_api and not _is_loopback(host):
        if not insecure:
            raise click.UsageError(
                f"refusing to listen on {host} with no users defined: anyone could change "
                "schemas. Add one with `llmsr users add NAME --role admin`, listen on "
                "127.0.0.1, or pass --insecure"
            )
        click.echo(f"llmsr: WARNING: open API (no users) on {host}: --insecure", err=True)
    click.echo(f"llmsr: serving on http://{host}:{port} ({workers} worker(s))", err=True)
    with _shared_metrics(workers):
        uvicorn.run(
            "registry_core.api.app:app_from_env",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level=log_level,
            access_log=False,
            timeout_graceful_shutdown=10,
        )


@contextlib.contextmanager
def _shared_metrics(workers: int) -> Iterator[None]:
    """With several workers, /metrics must add up every worker's counters (whichever worker
    answers): prometheus_client's multiprocess mode, in PROMETHEUS_MULTIPROC_DIR (a fresh
    temporary directory unless one is given; its old files are cleared either way)."""
    if workers == 1:
        yield
        return
    given = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    directory = Path(given) if given else Path(tempfile.mkdtemp(prefix="llmsr-metrics-"))
    directory.mkdir(parents=True, exist_ok=True)
    for stale in directory.glob("*.db"):
        stale.unlink()
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(directory)  # the workers are spawned after
    try:
        yield
    finally:
        if not given:
            shutil.rmtree(directory, ignore_errors=True)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _check_host(host: str) -> None:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        if host != "localhost":
            raise click.UsageError(f"--host {host!r} is not an IP address") from None


@cli.command()
@click.argument("subject")
@click.argument("file")
@click.option("--type", "schema_type", help="AVRO or JSON (default: from the file extension).")
@click.option("--reference", "references", multiple=True, help="NAME=SUBJECT:VERSION, repeatable.")
@click.option("--normalize", is_flag=True, help="Store the normalized form.")
@as_option
@json_option
@click.pass_context
def register(
    ctx: click.Context,
    subject: str,
    file: str,
    schema_type: str | None,
    references: tuple[str, ...],
    normalize: bool,
    actor: str | None,
    as_json: bool,
) -> None:
    """Register the schema in FILE under SUBJECT (held as a proposal if the subject's policy
    requires review: exit 1)."""
    kind = _infer_type(file, schema_type)
    result = _registry(ctx).register(
        subject,
        _read_schema(file),
        kind,
        _references(references),
        normalize=normalize or None,
        actor=actor or _actor(),
    )
    found = result.version
    value = {
        "subject": found.subject,
        "version": found.version,
        "id": found.schema_id,
        "guid": found.guid,
        "semver": str(found.semver),
        "created": result.created,
        "semver_bump": result.semver_bump,
    }
    state = "registered" if result.created else "already registered"
    _emit(
        ctx,
        value,
        lambda: (
            f"{state}: {subject} version {found.version} "
            f"(id {found.schema_id}, semver {found.semver})"
        ),
    )


@cli.command()
@click.argument("subject", required=False)
@click.option("--version", "version", default="latest", show_default=True)
@click.option("--id", "schema_id", type=int, help="Get a schema by global id instead.")
@click.option("--deleted", is_flag=True, help="Include soft-deleted versions.")
@json_option
@click.pass_context
def get(
    ctx: click.Context,
    subject: str | None,
    version: str,
    schema_id: int | None,
    deleted: bool,
    as_json: bool,
) -> None:
    """Print a subject's version (default latest), or a schema by --id."""
    registry = _registry(ctx)
    if schema_id is not None:
        record = registry.get_schema(schema_id)
        _emit(
            ctx,
            {
                "id": record.id,
                "guid": record.guid,
                "schemaType": record.schema_type.value,
                "schema": record.schema,
            },
            lambda: record.schema,
        )
        return
    if not subject:
        raise click.UsageError("give a SUBJECT or --id")
    found = registry.get_version(subject, version, deleted=deleted)
    _emit(
        ctx,
        {
            "subject": found.subject,
            "version": found.version,
            "id": found.schema_id,
            "guid": found.guid,
            "schemaType": found.schema_type.value,
            "semver": str(found.semver),
            "schema": found.schema,
            "references": [r.as_dict() for r in found.references],
            "deleted": found.deleted,
        },
        lambda: found.schema,
    )


@cli.command()
@click.option("--prefix", help="Only subjects starting with this.")
@click.option("--deleted", is_flag=True, help="Include soft-deleted subjects.")
@json_option
@click.pass_context
def subjects(ctx: click.Context, prefix: str | None, deleted: bool, as_json: bool) -> None:
    """List subjects."""
    names = _registry(ctx).subjects(prefix=prefix, deleted=deleted)
    _emit(ctx, names, lambda: "\n".join(names))


@cli.command()
@click.argument("subject")
@click.option("--deleted", is_flag=True, help="Include soft-deleted versions.")
@json_option
@click.pass_context
def versions(ctx: click.Context, subject: str, deleted: bool, as_json: bool) -> None:
    """List a subject's versions with their ids and semantic versions."""
    registry = _registry(ctx)
    numbers = registry.list_versions(subject, deleted=deleted)
    rows = [registry.get_version(subject, n, deleted=True) for n in numbers]
    value = [
        {"version": r.version, "id": r.schema_id, "semver": str(r.semver), "deleted": r.deleted}
        for r in rows
    ]
    _emit(
        ctx,
        value,
        lambda: "\n".join(
            f"{r.version}\tid={r.schema_id}\tsemver={r.semver}{'  (deleted)' if r.deleted else ''}"
            for r in rows
        ),
    )


@cli.command()
@click.argument("subject")
@click.argument("file")
@click.option("--type", "schema_type", help="AVRO or JSON (default: from the file extension).")
@click.option("--level", help="Check at this level instead of the subject's.")
@click.option("--version", "version", help="Compare with this one version only.")
@click.option("--reference", "references", multiple=True, help="NAME=SUBJECT:VERSION, repeatable.")
@json_option
@click.pass_context
def check(
    ctx: click.Context,
    subject: str,
    file: str,
    schema_type: str | None,
    level: str | None,
    version: str | None,
    references: tuple[str, ...],
    as_json: bool,
) -> None:
    """Check FILE against SUBJECT without registering it (exit 1 if incompatible)."""
    report = _registry(ctx).check_compatibility(
        subject,
        _read_schema(file),
        _infer_type(file, schema_type),
        _references(references),
        version=version,
        level=level,
    )
    _emit(ctx, _report_dict(report), lambda: _report_text(report))
    if not report.is_compatible:
        raise CheckFailed()


def _report_dict(report: CompatibilityReport) -> dict[str, Any]:
    return {
        "is_compatible": report.is_compatible,
        "level": report.level.value,
        "compared_versions": list(report.compared_versions),
        "semver_bump": report.semver_bump.value if report.semver_bump else None,
        "incompatibilities": [
            {"kind": i.kind, "path": i.path, "message": i.message} for i in report.incompatibilities
        ],
    }


def _report_text(report: CompatibilityReport) -> str:
    if report.is_compatible:
        bump = f", semver bump: {report.semver_bump.value}" if report.semver_bump else ""
        return f"compatible ({report.level.value}{bump})"
    lines = [f"incompatible ({report.level.value}):"]
    lines += [f"  - {message}" for message in report.messages]
    return "\n".join(lines)


@cli.command()
@click.argument("subject", required=False)
@click.option("--set", "level", help="Set the compatibility level.")
@click.option("--policy", help="Set the JSON Schema policy: DEFAULT or LENIENT.")
@click.option("--normalize/--no-normalize", default=None, help="Normalize schemas on register.")
@click.option("--delete", is_flag=True, help="Remove the subject's config (or reset global).")
@json_option
@click.pass_context
def config(
    ctx: click.Context,
    subject: str | None,
    level: str | None,
    policy: str | None,
    normalize: bool | None,
    delete: bool,
    as_json: bool,
) -> None:
    """Show or change the compatibility config of SUBJECT (or the global one)."""
    registry = _registry(ctx)
    if delete:
        result = registry.delete_config(subject, actor=_actor())
    elif level or policy or normalize is not None:
        result = registry.set_config(
            subject, compatibility=level, policy=policy, normalize=normalize, actor=_actor()
        )
    else:
        result = registry.get_config(subject, default_to_global=True)
    value = {
        "compatibilityLevel": result.compatibility.value,
        "normalize": result.normalize,
        "compatibilityPolicy": result.policy.value,
    }
    _emit(
        ctx,
        value,
        lambda: (
            f"{result.compatibility.value} (policy {result.policy.value}"
            f"{', normalize' if result.normalize else ''})"
        ),
    )


@cli.command()
@click.argument("subject", required=False)
@click.option("--set", "mode", help="READWRITE, READONLY, READONLY_OVERRIDE or IMPORT.")
@click.option("--force", is_flag=True, help="Allow IMPORT on a registry that has schemas.")
@click.option("--delete", is_flag=True, help="Remove the subject's mode (or reset global).")
@json_option
@click.pass_context
def mode(
    ctx: click.Context,
    subject: str | None,
    mode: str | None,
    force: bool,
    delete: bool,
    as_json: bool,
) -> None:
    """Show or change the mode of SUBJECT (or the global one)."""
    registry = _registry(ctx)
    if delete:
        result = registry.delete_mode(subject, actor=_actor())
    elif mode:
        result = registry.set_mode(subject, mode, force=force, actor=_actor())
    else:
        result = registry.get_mode(subject, default_to_global=True)
    _emit(ctx, {"mode": result.value}, lambda: result.value)


@cli.command()
@click.argument("subject")
@click.option("--version", "version", help="Delete one version instead of the subject.")
@click.option("--permanent", is_flag=True, help="Hard delete (after a soft delete).")
@json_option
@click.pass_context
def delete(
    ctx: click.Context, subject: str, version: str | None, permanent: bool, as_json: bool
) -> None:
    """Soft-delete SUBJECT (or one --version); --permanent removes it for good."""
    registry = _registry(ctx)
    if version:
        number = registry.delete_version(subject, version, permanent=permanent, actor=_actor())
        _emit(ctx, number, lambda: f"deleted {subject} version {number}")
    else:
        numbers = registry.delete_subject(subject, permanent=permanent, actor=_actor())
        _emit(ctx, numbers, lambda: f"deleted {subject} versions {numbers}")


@cli.group()
def db() -> None:
    """Database maintenance."""


@db.command("upgrade")
@click.pass_context
def db_upgrade(ctx: click.Context) -> None:
    """Create or migrate the tables to the newest revision."""
    ctx.ensure_object(dict)["migrate"] = False
    registry = _registry(ctx)
    registry.migrate()
    click.echo(f"database at {registry.db.url.render_as_string(hide_password=True)} is up to date")


@cli.group()
def demo() -> None:
    """Demo data."""


@demo.command("seed")
@json_option
@click.pass_context
def demo_seed(ctx: click.Context, as_json: bool) -> None:
    """Register the demo LLM subjects (idempotent)."""
    from registry_core.demo import seed_demo

    rows = seed_demo(_registry(ctx))
    _emit(
        ctx,
        [{"subject": s, "version": v, "id": i} for s, v, i in rows],
        lambda: "\n".join(f"{s} v{v} (id {i})" for s, v, i in rows),
    )


for _command in (
    governance.users,
    governance.policy,
    governance.propose,
    governance.proposals,
    governance.review,
    governance.lifecycle,
    governance.audit,
    governance.sinks,
    governance.deliveries,
    governance.dispatch,
    data.validate,
    data.drift,
    data.expectations,
    data.datasets,
    data.lineage,
    starters.starters_group,
    llm.export,
    llm.validate_response,
    llm.reindex_plan,
):
    cli.add_command(_command)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``llmsr`` console script."""
    try:
        cli.main(args=argv, prog_name="llmsr", standalone_mode=False)
    except CheckFailed:
        return EXIT_FAILED_CHECK
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except IncompatibleSchema as exc:
        click.echo(f"llmsr: incompatible: {exc.message}", err=True)
        return EXIT_FAILED_CHECK
    except ReviewRequired as exc:
        click.echo(f"llmsr: review required: {exc.message}", err=True)
        return EXIT_FAILED_CHECK
    except RegistryError as exc:
        click.echo(f"llmsr: error {exc.error_code}: {exc.message}", err=True)
        return EXIT_USAGE
    except click.exceptions.Abort:
        click.echo("llmsr: aborted", err=True)
        return EXIT_USAGE
    except click.ClickException as exc:
        click.echo(f"llmsr: {exc.format_message()}", err=True)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        if os.environ.get("LLMSR_DEBUG"):
            raise
        click.echo(
            f"llmsr: unexpected error: {type(exc).__name__}: {exc} (set LLMSR_DEBUG=1 for details)",
            err=True,
        )
        return EXIT_USAGE
    return 0


if __name__ == "__main__":
    sys.exit(main())
