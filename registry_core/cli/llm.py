"""``llmsr export`` and ``llmsr validate-response``: a registered version in a provider's
structured-output dialect, and a model's reply checked against the registered schema."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import click

from registry_core.cli.common import CheckFailed, _emit, _registry, json_option

_VERSION_SUFFIX = re.compile(r"^(?P<subject>.+):(?P<version>\d+|latest|-1)$")


def split_target(target: str) -> tuple[str, str]:
    """``SUBJECT[:VERSION]`` -> (subject, version). A subject may itself hold colons (Confluent
    contexts), so only a trailing number, ``latest`` or ``-1`` is read as the version."""
    match = _VERSION_SUFFIX.match(target)
    if match is None:
        return target, "latest"
    return match.group("subject"), match.group("version")


@click.command("export")
@click.argument("target", metavar="SUBJECT[:VERSION]", required=False)
@click.option(
    "--dialect",
    "-d",
    help="openai, anthropic, gemini, gemini-json, ollama, vllm-xgrammar or vllm-guidance.",
)
@click.option("--profile", default=None, help="A profile id of the dialect (default: current).")
@click.option("--list-profiles", is_flag=True, help="List every dialect profile and exit.")
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="Write the schema here.")
@json_option
@click.pass_context
def export(
    ctx: click.Context,
    target: str | None,
    dialect: str | None,
    profile: str | None,
    list_profiles: bool,
    output: str | None,
    as_json: bool,
) -> None:
    """Export a registered version to a provider's structured-output dialect.

    Prints the exported schema (or, with --json, {schema, warnings, errors, lossy}). Warnings
    and errors go to stderr with the JSON pointer of each place in the registered schema. Exit
    1 when the dialect cannot express the schema.
    """
    from registry_core.dialects import profiles

    if list_profiles:
        rows = [p.to_dict() for p in profiles()]
        _emit(ctx, rows, lambda: "\n".join(_profile_line(row) for row in rows))
        return
    if target is None or dialect is None:
        raise click.UsageError("give SUBJECT[:VERSION] and --dialect (or --list-profiles)")
    subject, version = split_target(target)
    result = _registry(ctx).export(subject, version, dialect=dialect, profile=profile)
    if as_json:
        click.echo(json.dumps(result.to_dict(), indent=2))
    else:
        for issue in result.warnings:
            click.echo(f"warning: {issue.path or '/'}: {issue.message}", err=True)
        for issue in result.errors:
            click.echo(f"error: {issue.path or '/'}: {issue.message}", err=True)
        if result.schema is not None:
            text = json.dumps(result.schema, indent=2)
            if output:
                Path(output).write_text(text + "\n", encoding="utf-8")
            else:
                click.echo(text)
    if result.errors:
        if not as_json:
            click.echo(
                f"llmsr: {subject} cannot be exported to {result.profile}: "
                f"{len(result.errors)} error(s)",
                err=True,
            )
        raise CheckFailed


def _profile_line(row: dict[str, object]) -> str:
    default = " (default)" if row.get("default") else ""
    return f"{row.get('dialect')}\t{row.get('id')}{default}"


@click.command("validate-response")
@click.argument("target", metavar="SUBJECT[:VERSION]")
@click.argument("reply", metavar="FILE", default="-")
@click.option("--dialect", "-d", default=None, help="The dialect the schema was exported to.")
@click.option("--profile", default=None, help="The profile of that dialect (default: current).")
@json_option
@click.pass_context
def validate_response(
    ctx: click.Context,
    target: str,
    reply: str,
    dialect: str | None,
    profile: str | None,
    as_json: bool,
) -> None:
    """Check a model's reply (FILE, or stdin) against a registered version.

    The JSON may be the whole reply, a fenced block or inside prose. With --dialect, the reply
    is read back from the exported shape first (OpenAI's nulls on optional properties, a
    wrapped root). Prints each problem with its JSON pointer and a repair instruction for the
    model; exit 1 when the reply fails.
    """
    if reply == "-":
        text = sys.stdin.read()
    else:
        try:
            text = Path(reply).read_text(encoding="utf-8")
        except FileNotFoundError:
            raise click.UsageError(f"reply file not found: {reply}") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise click.UsageError(f"cannot read reply file {reply}: {exc}") from None
    subject, version = split_target(target)
    result = _registry(ctx).validate_response(
        text, subject, version, dialect=dialect, profile=profile
    )

    def human() -> str:
        where = f"{result.subject} v{result.version} (id {result.schema_id})"
        if result.valid:
            return f"valid against {where} (JSON found: {result.source})"
        lines = [f"invalid against {where}:"]
        lines += [f"  {e.path or '/'}: {e.rule}: {e.message}" for e in result.errors]
        lines += ["", "repair instruction:", result.repair_instruction or ""]
        return "\n".join(lines)

    _emit(ctx, result.to_dict(), human)
    if not result.valid:
        raise CheckFailed


@click.command("reindex-plan")
@click.argument("subject")
@click.option(
    "--from",
    "from_version",
    default=None,
    help="The indexed version (default: the one before --to).",
)
@click.option("--to", "to_version", default="latest", show_default=True, help="The new version.")
@json_option
@click.pass_context
def reindex_plan(
    ctx: click.Context, subject: str, from_version: str | None, to_version: str, as_json: bool
) -> None:
    """What a vector index needs after a version bump of SUBJECT.

    Each field change is classified with the schema's x-embed / x-filterable annotations:
    re-embed (an embedded field changed), update metadata in place, or breaking for stored
    queries (a filterable field removed or retyped). Exit 1 when something breaks queries.
    """
    from registry_core.integrations.reindex import reindex_plan as plan_for

    registry = _registry(ctx)
    target = registry.get_version(subject, to_version)
    if from_version is None:
        earlier = [v for v in registry.list_versions(subject) if v < target.version]
        if not earlier:
            raise click.UsageError(
                f"{subject} version {target.version} is its first version: nothing to compare; "
                "give --from"
            )
        from_version = str(earlier[-1])
    plan = plan_for(registry, subject, from_version, target.version)
    _emit(ctx, plan.to_dict(), lambda: _plan_text(plan.to_dict()))
    if plan.breaking:
        raise CheckFailed


def _plan_text(plan: dict[str, object]) -> str:
    lines = [str(plan["summary"])]
    fields = plan["fields"]
    assert isinstance(fields, list)
    for field in fields:
        flag = "  BREAKS QUERIES" if field["breaks_queries"] else ""
        lines.append(f"  {field['path']}: {field['change']} -> {field['action']}{flag}")
    return "\n".join(lines)
