"""``export_schema``: a registered JSON Schema in one provider's structured-output dialect."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from registry_core.dialects.bundle import Locator
from registry_core.dialects.finalize import finalize
from registry_core.dialects.limits import check_limits
from registry_core.dialects.profiles import Profile, get_profile
from registry_core.dialects.results import ExportResult
from registry_core.dialects.walker import Walk

__all__ = ["export_schema", "run_export"]


def export_schema(
    document: dict[str, Any] | bool,
    dialect: str,
    *,
    resources: Sequence[tuple[str, Any]] = (),
    profile: str | None = None,
    name: str | None = None,
) -> ExportResult:
    """Export a JSON Schema (draft 7 or 2020-12) to ``dialect`` under one of its profiles.

    Args:
        document: the schema; Avro subjects come already converted to JSON Schema.
        dialect: one of ``DIALECTS``.
        resources: ``(ref_url, document)`` pairs the schema's ``$ref``s may point at (the
            subject's references); the export bundles what it uses, so it is self-contained.
        profile: a profile id of the dialect (``"openai/2025-11"`` or ``"2025-11"``); None is
            the dialect's current default.
        name: the schema name a dialect sends beside the schema (OpenAI's
            ``json_schema.name``); checked against the profile's pattern when given.

    Returns:
        The bare schema for the provider's schema slot, or None with every error found; the
        warnings; and whether the export is lossy (outputs must then be validated against the
        source schema).

    Raises:
        UnknownDialect: the dialect or profile does not exist.
    """
    chosen = get_profile(dialect, profile)
    walk, schema = run_export(document, chosen, resources)
    if name is not None and chosen.name_pattern and not re.fullmatch(chosen.name_pattern, name):
        walk.error("", "name", f"the schema name {name!r} must match {chosen.name_pattern}")
    errors = tuple(walk.log.errors)
    return ExportResult(
        dialect=chosen.dialect,
        profile=chosen.id,
        schema=None if errors else _plain(schema),
        warnings=tuple(walk.log.warnings),
        errors=errors,
        lossy=walk.log.lossy,
    )


def run_export(
    document: Any, chosen: Profile, resources: Sequence[tuple[str, Any]]
) -> tuple[Walk, Any]:
    """The walk (its issues, whether it wrapped the root) and the exported schema with source
    bookkeeping, or None; shared by ``export_schema`` and ``restore_reply``."""
    walk = Walk(chosen, Locator(document, resources))
    if document is False or not isinstance(document, dict | bool):
        walk.error(
            "", "", "the root is not a schema object (or it is 'false', which no value meets)"
        )
        return walk, None
    schema = finalize(walk, walk.run(document if isinstance(document, dict) else {}))
    if schema is not None and chosen.limits is not None:
        check_limits(schema, chosen.limits, walk.log, chosen.title)
    return walk, schema


def _plain(value: Any) -> Any:
    """The exported schema as plain dicts and lists (no source bookkeeping)."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value
