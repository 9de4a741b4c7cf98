"""What every ``llmsr`` command shares: the registry, output, reading schema files."""

from __future__ import annotations

import getpass
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from registry_core.models import SchemaReference, SchemaType, parse_version

if TYPE_CHECKING:
    from registry_core.service import Registry

EXIT_FAILED_CHECK = 1
EXIT_USAGE = 2


class CheckFailed(Exception):
    """The command ran, and what it checked did not pass (exit 1)."""


def _actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def _registry(ctx: click.Context) -> Registry:
    from registry_core.service import Registry  # the database stack, only when a command needs it

    obj = ctx.ensure_object(dict)
    if "registry" not in obj:
        obj["registry"] = Registry(obj.get("database_url"))
        if obj.get("migrate", True) and not obj["registry"].db.has_schema():
            obj["registry"].migrate()
    registry: Registry = obj["registry"]
    return registry


def _emit(ctx: click.Context, value: Any, human: Callable[[], str] | None = None) -> None:
    if ctx.find_root().params.get("as_json") or ctx.params.get("as_json") or human is None:
        click.echo(json.dumps(value, indent=2, default=str))
    else:
        click.echo(human())


def _read_schema(path: str) -> str:
    if path == "-":
        return sys.stdin.read()
    try:
        return Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise click.UsageError(f"schema file not found: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise click.UsageError(f"cannot read schema file {path}: {exc}") from None


def _infer_type(path: str, given: str | None) -> SchemaType:
    if given:
        return SchemaType.parse(given)
    suffix = Path(path).suffix.lower()
    if suffix in (".avsc", ".avro"):
        return SchemaType.AVRO
    if suffix == ".json":
        return SchemaType.JSON
    raise click.UsageError(
        f"cannot tell the schema type of {path!r} from its extension; pass --type AVRO or JSON"
    )


def _references(values: tuple[str, ...]) -> list[SchemaReference]:
    refs = []
    for value in values:
        try:
            name, target = value.split("=", 1)
            subject, version = target.rsplit(":", 1)
            refs.append(SchemaReference(name=name, subject=subject, version=parse_version(version)))
        except ValueError:
            raise click.UsageError(
                f"bad --reference {value!r}: expected NAME=SUBJECT:VERSION"
            ) from None
    return refs


json_option = click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")


as_option = click.option(
    "--as",
    "actor",
    envvar="LLMSR_USER",
    default=None,
    help="Who acts (env LLMSR_USER; default cli:<login>).",
)
