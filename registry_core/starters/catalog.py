"""The starter catalog: which subjects ship, their versions and the schema files behind them.

The schemas are packaged data (``schemas/<subject>.v<N>.json``) listed by
``schemas/catalog.json``; this module reads them once and hands out immutable values.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

from registry_core.errors import InvalidInput
from registry_core.models import CompatibilityLevel, SchemaType

__all__ = [
    "CompatibilityNote",
    "NoteIssue",
    "Starter",
    "StarterVersion",
    "get_starter",
    "naming_rule",
    "starters",
]

_PACKAGE = "registry_core.starters"
_SCHEMAS = "schemas"
_CATALOG = "catalog.json"


@dataclass(frozen=True, kw_only=True, slots=True)
class StarterVersion:
    """One shipped version of a starter subject; ``file`` names its packaged schema."""

    version: int
    file: str
    summary: str

    def schema_text(self) -> str:
        """The schema as shipped (JSON text)."""
        return _read(self.file)

    def schema(self) -> dict[str, Any]:
        """The schema as a JSON document."""
        document: dict[str, Any] = json.loads(self.schema_text())
        return document


@dataclass(frozen=True, kw_only=True, slots=True)
class NoteIssue:
    """One incompatibility of a recorded check, in the direction that found it."""

    direction: str  # BACKWARD (new reads old) or FORWARD (old reads new)
    kind: str
    path: str
    message: str


@dataclass(frozen=True, kw_only=True, slots=True)
class CompatibilityNote:
    """The registry's own verdict on ``from_version`` -> ``to_version``, recorded per level.

    Produced by ``Registry.check_compatibility``; a test recomputes it on every database.
    """

    from_version: int
    to_version: int
    policy: str
    passes: tuple[CompatibilityLevel, ...]
    fails: tuple[CompatibilityLevel, ...]
    issues: tuple[NoteIssue, ...]
    summary: str


@dataclass(frozen=True, kw_only=True, slots=True)
class Starter:
    """A built-in subject: what it describes, its versions (oldest first), where it came from,
    and the compatibility level ``install_starters`` gives the subject."""

    name: str
    title: str
    description: str
    compatibility: CompatibilityLevel
    versions: tuple[StarterVersion, ...]
    sources: tuple[str, ...]
    notes: tuple[CompatibilityNote, ...] = ()
    schema_type: SchemaType = SchemaType.JSON

    def subject(self, prefix: str = "") -> str:
        """The subject it is installed under, with ``prefix`` (e.g. ``team-a.``) in front."""
        return f"{prefix}{self.name}"

    def version(self, number: int) -> StarterVersion:
        """The shipped version ``number``; InvalidInput names the ones that exist."""
        for found in self.versions:
            if found.version == number:
                return found
        known = ", ".join(str(v.version) for v in self.versions)
        raise InvalidInput(f"Starter '{self.name}' has no version {number}; it ships {known}")


def starters() -> tuple[Starter, ...]:
    """Every starter, in install order."""
    return _load()[1]


def get_starter(name: str) -> Starter:
    """The starter called ``name``; an unknown name is refused with the list of known ones."""
    for starter in starters():
        if starter.name == name:
            return starter
    known = ", ".join(s.name for s in starters())
    raise InvalidInput(f"Unknown starter {name!r}; use one of {known}")


def naming_rule() -> str:
    """How starter subjects are named (documented in the catalog itself)."""
    return _load()[0]


@functools.cache  # packaged files never change; install and check read each one twice
def _read(file: str) -> str:
    return (resources.files(_PACKAGE) / _SCHEMAS / file).read_text(encoding="utf-8")


@functools.cache
def _load() -> tuple[str, tuple[Starter, ...]]:
    document = json.loads(_read(_CATALOG))
    loaded = []
    for position, entry in enumerate(document["starters"]):
        try:
            loaded.append(_starter(entry))
        except (KeyError, TypeError, ValueError) as exc:
            name = entry.get("subject", "?") if isinstance(entry, Mapping) else "?"
            raise InvalidInput(
                f"Broken starter catalog {_PACKAGE}/{_SCHEMAS}/{_CATALOG}: entry {position} "
                f"({name}): {type(exc).__name__}: {exc}"
            ) from exc
    return str(document["naming"]), tuple(loaded)


def _starter(entry: Mapping[str, Any]) -> Starter:
    name = str(entry["subject"])
    versions = tuple(
        StarterVersion(
            version=int(v["version"]),
            file=f"{name}.v{int(v['version'])}.json",
            summary=str(v["summary"]),
        )
        for v in entry["versions"]
    )
    numbers = [v.version for v in versions]
    if numbers != list(range(1, len(numbers) + 1)):
        raise ValueError(f"versions must be 1..n in order, not {numbers}")
    return Starter(
        name=name,
        title=str(entry["title"]),
        description=str(entry["description"]),
        compatibility=CompatibilityLevel.parse(entry["compatibility"]),
        versions=versions,
        sources=tuple(str(s) for s in entry["sources"]),
        notes=tuple(_note(n) for n in entry.get("compatibility_notes", ())),
    )


def _note(entry: Mapping[str, Any]) -> CompatibilityNote:
    return CompatibilityNote(
        from_version=int(entry["from_version"]),
        to_version=int(entry["to_version"]),
        policy=str(entry["policy"]),
        passes=tuple(CompatibilityLevel.parse(p) for p in entry["passes"]),
        fails=tuple(CompatibilityLevel.parse(f) for f in entry["fails"]),
        issues=tuple(
            NoteIssue(
                direction=str(i["direction"]),
                kind=str(i["kind"]),
                path=str(i["path"]),
                message=str(i["message"]),
            )
            for i in entry["issues"]
        ),
        summary=str(entry["summary"]),
    )
