"""Export profiles: one dialect's rules at one API version, read from packaged JSON files.

A file ``profiles/<dialect>-<date>.json`` holds a profile's metadata and its keyword table;
``"extends": "<profile id>"`` starts from another profile so a new API version is a small diff.
Every profile must decide every keyword of ``keywords.KEYWORDS``; loading refuses one that
leaves a keyword open, so a new keyword cannot pass through an export unnoticed.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from importlib import resources
from typing import Any, Literal

from registry_core.dialects.keywords import KEYWORDS
from registry_core.dialects.rules import NODE_REWRITES, ROOT_REWRITES, Rule, parse_rule
from registry_core.errors import UnknownDialect

__all__ = [
    "DIALECTS",
    "Limits",
    "Profile",
    "build_profile",
    "get_profile",
    "load_profiles",
    "profiles",
]

DIALECTS: tuple[str, ...] = (
    "openai",
    "anthropic",
    "gemini",
    "gemini-json",
    "ollama",
    "vllm-xgrammar",
    "vllm-guidance",
)
Recursion = Literal["allowed", "error", "optional_only"]
_RECURSION = ("allowed", "error", "optional_only")
_FIELDS = frozenset(
    {
        "dialect",
        "id",
        "title",
        "api",
        "api_version",
        "date",
        "default",
        "sources",
        "notes",
        "extends",
        "keywords",
        "node_rewrites",
        "root_rewrite",
        "recursion",
        "requires_type",
        "name_pattern",
        "limits",
    }
)


@dataclass(frozen=True, kw_only=True)
class Limits:
    """Size limits a provider enforces on a schema (OpenAI's strict mode has them)."""

    properties: int
    nesting: int
    enum_values: int
    total_chars: int
    large_enum_values: int
    large_enum_chars: int


@dataclass(frozen=True, kw_only=True)
class Profile:
    """One dialect's export rules at one API version."""

    dialect: str
    id: str
    title: str
    api: str
    api_version: str
    date: str
    default: bool
    sources: tuple[str, ...]
    notes: tuple[str, ...]
    keywords: Mapping[str, Rule]
    node_rewrites: tuple[str, ...]
    root_rewrite: str | None
    recursion: Recursion
    requires_type: bool
    name_pattern: str | None
    limits: Limits | None

    def rule(self, keyword: str) -> Rule:
        """The rule for ``keyword``; unknown keywords are errors in every profile."""
        return self.keywords.get(keyword) or Rule(("error",))

    def drops(self, keyword: str) -> bool:
        """Whether the profile strips ``keyword`` unconditionally."""
        rule = self.keywords.get(keyword)
        return rule is not None and rule.when is None and rule.action == "drop"

    def to_dict(self, *, rules: bool = False) -> dict[str, Any]:
        """The profile's metadata as JSON (what ``--list-profiles`` shows); with ``rules``, also
        its keyword table, rewrites, recursion and limits."""
        data: dict[str, Any] = {
            "dialect": self.dialect,
            "id": self.id,
            "title": self.title,
            "api": self.api,
            "api_version": self.api_version,
            "date": self.date,
            "default": self.default,
            "sources": list(self.sources),
            "notes": list(self.notes),
        }
        if rules:
            data["keywords"] = {k: rule.to_data() for k, rule in self.keywords.items()}
            data["node_rewrites"] = list(self.node_rewrites)
            data["root_rewrite"] = self.root_rewrite
            data["recursion"] = self.recursion
            data["requires_type"] = self.requires_type
            data["name_pattern"] = self.name_pattern
            data["limits"] = None if self.limits is None else asdict(self.limits)
        return data


def profiles() -> list[Profile]:
    """Every known profile, by dialect (in ``DIALECTS`` order), newest first."""
    return list(load_profiles().values())


def get_profile(dialect: str, profile: str | None = None) -> Profile:
    """The profile ``profile`` of ``dialect`` (its default when None).

    ``profile`` is a full id (``"openai/2025-11"``) or its part after the slash; names are
    case-insensitive.

    Raises:
        UnknownDialect: the dialect or the profile does not exist; the message lists the
            valid names.
    """
    named = dialect
    dialect = dialect.strip().lower()
    if dialect not in DIALECTS:
        raise UnknownDialect(f"unknown dialect {named!r}; use one of {', '.join(DIALECTS)}")
    if profile is not None:
        profile = profile.strip().lower()
    own = [p for p in load_profiles().values() if p.dialect == dialect]
    if profile is None:
        return next(p for p in own if p.default)
    for candidate in own:
        if profile in (candidate.id, candidate.id.split("/", 1)[1]):
            return candidate
    names = ", ".join(p.id + (" (default)" if p.default else "") for p in own)
    raise UnknownDialect(f"unknown profile {profile!r} for dialect {dialect}; use one of {names}")


@functools.cache
def load_profiles() -> dict[str, Profile]:
    """Every packaged profile by id, validated.

    Raises:
        ValueError: a profile file is malformed or leaves a keyword undecided.
    """
    raw: dict[str, dict[str, Any]] = {}
    folder = resources.files("registry_core.dialects").joinpath("profiles")
    for item in sorted(folder.iterdir(), key=lambda f: f.name):
        if item.name.endswith(".json"):
            data = json.loads(item.read_text(encoding="utf-8"))
            raw[str(data.get("id"))] = data
    built = {pid: build_profile(pid, _flatten(pid, raw)) for pid in raw}
    for dialect in DIALECTS:
        defaults = [p.id for p in built.values() if p.dialect == dialect and p.default]
        if len(defaults) != 1:
            raise ValueError(f"dialect {dialect} needs exactly one default profile: {defaults}")
    order = {d: i for i, d in enumerate(DIALECTS)}
    ranked = sorted(built.values(), key=lambda p: (order[p.dialect], _newest_first(p.date)))
    return {p.id: p for p in ranked}


def _newest_first(date: str) -> tuple[int, ...]:
    return tuple(-int(part) for part in date.split("-"))


def _flatten(
    pid: str, raw: Mapping[str, dict[str, Any]], seen: tuple[str, ...] = ()
) -> dict[str, Any]:
    """The profile's data with everything it ``extends`` folded in (its own fields win)."""
    data = raw[pid]
    parent_id = data.get("extends")
    if parent_id is None:
        return dict(data)
    if parent_id not in raw or parent_id in seen:
        raise ValueError(f"profile {pid}: cannot extend {parent_id!r}")
    parent = _flatten(parent_id, raw, (*seen, pid))
    merged = {**parent, **data, "keywords": {**parent["keywords"], **data.get("keywords", {})}}
    if "limits" in data and "limits" in parent and data["limits"] is not None:
        merged["limits"] = {**parent["limits"], **data["limits"]}
    return merged


def build_profile(pid: str, data: Mapping[str, Any]) -> Profile:
    """The profile ``pid`` from its file's data (``extends`` already folded in).

    Raises:
        ValueError: unknown fields, a keyword left undecided or unknown, an unknown action,
            condition or rewrite.
    """
    unknown = set(data) - _FIELDS
    if unknown:
        raise ValueError(f"profile {pid}: unknown fields {sorted(unknown)}")
    dialect = data["dialect"]
    if dialect not in DIALECTS or not pid.startswith(dialect + "/"):
        raise ValueError(f"profile {pid}: its id must start with one of {DIALECTS} and '/'")
    table = data["keywords"]
    missing, extra = KEYWORDS - set(table), set(table) - KEYWORDS
    if missing or extra:
        raise ValueError(f"profile {pid}: undecided {sorted(missing)}, unknown {sorted(extra)}")
    rewrites = tuple(data.get("node_rewrites", ()))
    root = data.get("root_rewrite")
    if set(rewrites) - NODE_REWRITES or (root is not None and root not in ROOT_REWRITES):
        raise ValueError(f"profile {pid}: unknown node or root rewrite")
    if data["recursion"] not in _RECURSION:
        raise ValueError(f"profile {pid}: recursion is one of {_RECURSION}")
    limits = data.get("limits")
    return Profile(
        dialect=dialect,
        id=pid,
        title=data["title"],
        api=data["api"],
        api_version=data["api_version"],
        date=data["date"],
        default=bool(data["default"]),
        sources=tuple(data.get("sources", ())),
        notes=tuple(data.get("notes", ())),
        keywords={k: parse_rule(v, f"{pid}: {k}") for k, v in table.items()},
        node_rewrites=rewrites,
        root_rewrite=root,
        recursion=data["recursion"],
        requires_type=bool(data["requires_type"]),
        name_pattern=data.get("name_pattern"),
        limits=Limits(**limits) if limits else None,
    )
