"""``llmsr starters``: list, install and show the built-in starter schemas."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import click

from registry_core.cli.common import (
    CheckFailed,
    _actor,
    _emit,
    _registry,
    as_option,
    json_option,
)
from registry_core.starters import (
    CompatibilityNote,
    Starter,
    VersionCheck,
    check_starter,
    get_starter,
    install_starters,
    naming_rule,
    starters,
)

__all__ = ["starters_group"]


@click.group("starters")
def starters_group() -> None:
    """Built-in starter schemas: chat fine-tuning, preference pairs, OTel GenAI spans,
    lm-eval results, RAG chunks and a RAG prompt input."""


@starters_group.command("list")
@json_option
@click.pass_context
def list_starters(ctx: click.Context, as_json: bool) -> None:
    """List the starter subjects, their versions and compatibility levels."""
    catalog = starters()

    def human() -> str:
        width = max(len(s.name) for s in catalog)
        lines = [
            f"{s.name:<{width}}  v{_versions(s):<5} {s.compatibility.value:<9} {s.title}"
            for s in catalog
        ]
        return "\n".join([*lines, "", f"naming: {naming_rule()}"])

    _emit(ctx, [_summary(s) for s in catalog], human)


@starters_group.command("install")
@click.option("--prefix", default="", help="Put in front of every subject name (e.g. team-a.).")
@click.option(
    "--only",
    "only",
    multiple=True,
    metavar="SUBJECT",
    help="Install just this starter (repeatable); default all.",
)
@as_option
@json_option
@click.pass_context
def install(
    ctx: click.Context, prefix: str, only: tuple[str, ...], actor: str | None, as_json: bool
) -> None:
    """Register the starter subjects (idempotent: what is there is reported, not repeated).

    Exit 0 when every version is registered, 1 when some wait for review, conflict with the
    subject's schemas or are refused by its compatibility level, 2 on a usage error.
    """
    if only:
        for name in only:
            get_starter(name)  # an unknown name fails before anything is written
    results = install_starters(
        _registry(ctx), actor=actor or _actor(), prefix=prefix, only=list(only) or None
    )
    _emit(
        ctx,
        [r.to_dict() for r in results],
        lambda: "\n".join(f"{r.status.value}: {r.subject} v{r.starter_version}: {r.message}"
                          for r in results),
    )  # fmt: skip
    pending = Counter(r.status.value for r in results if not r.status.ok)
    if pending:
        counts = ", ".join(f"{n} {status}" for status, n in sorted(pending.items()))
        click.echo(
            f"llmsr: {sum(pending.values())} of {len(results)} starter versions are not "
            f"installed ({counts})",
            err=True,
        )
        raise CheckFailed()


@starters_group.command("show")
@click.argument("subject")
@click.option("--version", "version", type=int, default=None, help="Only this version.")
@click.option(
    "--check",
    is_flag=True,
    help="Also run the compatibility check between versions on the installed subject.",
)
@click.option("--prefix", default="", help="The prefix the starter was installed with.")
@json_option
@click.pass_context
def show(
    ctx: click.Context,
    subject: str,
    version: int | None,
    check: bool,
    prefix: str,
    as_json: bool,
) -> None:
    """Print starter SUBJECT: description, sources, schemas, and the recorded compatibility
    report between its versions (with --check, the live one too)."""
    starter = get_starter(subject)
    shipped = starter.versions if version is None else (starter.version(version),)
    checks = check_starter(_registry(ctx), subject, prefix=prefix) if check else []
    value: dict[str, Any] = {
        **_summary(starter),
        "schemas": {str(v.version): v.schema() for v in shipped},
        "compatibility_notes": [_note_dict(n) for n in starter.notes],
    }
    if check:
        value["checks"] = [_check_dict(c) for c in checks]

    def human() -> str:
        lines = [f"{starter.name}: {starter.title}", "", starter.description, ""]
        lines += [f"compatibility: {starter.compatibility.value}"]
        lines += [f"source: {source}" for source in starter.sources]
        for v in shipped:
            lines += ["", f"--- version {v.version}: {v.summary}", json.dumps(v.schema(), indent=2)]
        for note in starter.notes:
            lines += ["", *_note_lines(note)]
        for found in checks:
            lines += ["", *_check_lines(found)]
        return "\n".join(lines)

    _emit(ctx, value, human)


def _versions(starter: Starter) -> str:
    return ",".join(str(v.version) for v in starter.versions)


def _summary(starter: Starter) -> dict[str, Any]:
    return {
        "subject": starter.name,
        "title": starter.title,
        "description": starter.description,
        "versions": [{"version": v.version, "summary": v.summary} for v in starter.versions],
        "compatibility": starter.compatibility.value,
        "schema_type": starter.schema_type.value,
        "sources": list(starter.sources),
    }


def _note_dict(note: CompatibilityNote) -> dict[str, Any]:
    return {
        "from_version": note.from_version,
        "to_version": note.to_version,
        "policy": note.policy,
        "passes": [level.value for level in note.passes],
        "fails": [level.value for level in note.fails],
        "summary": note.summary,
        "issues": [
            {"direction": i.direction, "kind": i.kind, "path": i.path, "message": i.message}
            for i in note.issues
        ],
    }


def _note_lines(note: CompatibilityNote) -> list[str]:
    lines = [
        f"--- compatibility v{note.from_version} -> v{note.to_version} "
        f"(recorded, {note.policy} policy)",
        "passes: " + (", ".join(level.value for level in note.passes) or "none"),
        "fails:  " + (", ".join(level.value for level in note.fails) or "none"),
        note.summary,
    ]
    return lines + [f"  {i.direction}: {i.kind} at {i.path}: {i.message}" for i in note.issues]


def _check_dict(found: VersionCheck) -> dict[str, Any]:
    return {
        "subject": found.subject,
        "from_version": found.from_version,
        "to_version": found.to_version,
        "subject_version": found.subject_version,
        "levels": {
            level.value: {"compatible": r.is_compatible, "messages": list(r.messages)}
            for level, r in found.reports.items()
        },
    }


def _check_lines(found: VersionCheck) -> list[str]:
    lines = [
        f"--- live check of {found.subject}: starter v{found.to_version} against v"
        f"{found.from_version} (subject version {found.subject_version})"
    ]
    for level, report in found.reports.items():
        lines.append(f"{level.value}: {'passes' if report.is_compatible else 'fails'}")
        lines += [f"  {m}" for m in report.messages]
    return lines
