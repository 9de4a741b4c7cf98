"""Installing the starters into a registry, and checking their versions against each other.

Installing is idempotent (a version already in the subject is reported, not registered again),
registers each subject's versions in order, and goes through governance like any other write:
a subject whose policy requires review gets a proposal, and its later versions wait for it.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any

from registry_core.errors import (
    IncompatibleSchema,
    OperationNotPermitted,
    ReviewRequired,
    SchemaNotFound,
    SubjectConfigNotFound,
    SubjectNotFound,
)
from registry_core.models import CompatibilityLevel, CompatibilityReport, SchemaType, SubjectVersion
from registry_core.starters.catalog import Starter, StarterVersion, get_starter, starters

if TYPE_CHECKING:  # the service (the database stack) loads when a registry is passed in
    from registry_core.service import Registry

__all__ = [
    "DEFAULT_ACTOR",
    "InstallResult",
    "InstallStatus",
    "VersionCheck",
    "check_starter",
    "install_starters",
]

DEFAULT_ACTOR = "starters"


class InstallStatus(enum.StrEnum):
    """What installing one starter version did."""

    REGISTERED = "registered"
    ALREADY_REGISTERED = "already registered"
    PROPOSED = "proposed"  # the subject requires review: a proposal waits for a reviewer
    SKIPPED = "skipped"  # an earlier version of the subject is not registered yet
    CONFLICT = "conflict"  # the subject holds other schemas where this version would go
    REFUSED = "refused"  # incompatible with the subject's level, or the subject is read-only

    @property
    def ok(self) -> bool:
        """The version is in the subject now."""
        return self in (InstallStatus.REGISTERED, InstallStatus.ALREADY_REGISTERED)


@dataclass(frozen=True, kw_only=True, slots=True)
class InstallResult:
    """The outcome for one starter version; ``version`` is the subject's version number."""

    starter: str
    subject: str
    starter_version: int
    status: InstallStatus
    message: str
    version: int | None = None
    schema_id: int | None = None
    proposal_id: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "starter": self.starter,
            "subject": self.subject,
            "starter_version": self.starter_version,
            "status": self.status.value,
            "version": self.version,
            "id": self.schema_id,
            "proposal_id": self.proposal_id,
            "message": self.message,
        }


@dataclass(frozen=True, kw_only=True, slots=True)
class VersionCheck:
    """Starter ``to_version`` checked against ``from_version`` (registered as the subject's
    ``subject_version``) at every compatibility level, by the registry's own check."""

    subject: str
    from_version: int
    to_version: int
    subject_version: int
    reports: Mapping[CompatibilityLevel, CompatibilityReport] = field(default_factory=dict)

    @property
    def passes(self) -> tuple[CompatibilityLevel, ...]:
        return tuple(level for level, r in self.reports.items() if r.is_compatible)

    @property
    def fails(self) -> tuple[CompatibilityLevel, ...]:
        return tuple(level for level, r in self.reports.items() if not r.is_compatible)


def install_starters(
    registry: Registry,
    *,
    actor: str | None = None,
    prefix: str = "",
    only: Sequence[str] | None = None,
) -> list[InstallResult]:
    """Register the starter subjects (all, or those named in ``only``) under ``prefix``.

    A subject without its own compatibility config gets the starter's level first, unless a
    governance policy sets the subject's level. Nothing raises for a subject that cannot take
    its versions: each result says what happened.

    Args:
        registry: where to install.
        actor: who is recorded in the audit trail (default ``starters``).
        prefix: put in front of every subject name, e.g. ``team-a.``.
        only: starter names (without the prefix) to install; unknown names are refused.

    Returns:
        One result per starter version, in install order.
    """
    chosen = starters() if only is None else tuple(get_starter(name) for name in only)
    who = actor or DEFAULT_ACTOR
    results: list[InstallResult] = []
    for starter in chosen:
        results += _install(registry, starter, starter.subject(prefix), who)
    return results


def _install(registry: Registry, starter: Starter, subject: str, actor: str) -> list[InstallResult]:
    out: list[InstallResult] = []
    previous: int | None = None  # the subject version holding the previous starter version
    for shipped in starter.versions:
        result = partial(
            InstallResult, starter=starter.name, subject=subject, starter_version=shipped.version
        )
        found = _registered(registry, subject, shipped, starter.schema_type)
        if found is not None:
            out.append(
                result(
                    status=InstallStatus.ALREADY_REGISTERED,
                    version=found.version,
                    schema_id=found.schema_id,
                    message=f"already registered as version {found.version}",
                )
            )
            previous = found.version
        elif out and not out[-1].status.ok:
            out.append(
                result(
                    status=InstallStatus.SKIPPED,
                    message=f"waits for starter version {shipped.version - 1} "
                    f"({out[-1].status.value})",
                )
            )
        elif (latest := _latest(registry, subject)) != previous:
            after = "" if previous is None else f" after starter version {shipped.version - 1}"
            out.append(
                result(
                    status=InstallStatus.CONFLICT,
                    version=latest,
                    message=f"subject '{subject}' already has version {latest}{after}, a schema "
                    f"that is not starter '{starter.name}'; install under another --prefix",
                )
            )
        else:
            level_note = _apply_level(registry, subject, starter, actor)
            out.append(_register(registry, starter, shipped.version, subject, actor, level_note))
            previous = out[-1].version
    return out


def _register(
    registry: Registry,
    starter: Starter,
    number: int,
    subject: str,
    actor: str,
    level_note: str,
) -> InstallResult:
    result = partial(InstallResult, starter=starter.name, subject=subject, starter_version=number)
    suffix = f"; {level_note}" if level_note else ""
    text = starter.version(number).schema_text()
    try:
        registered = registry.register(subject, text, starter.schema_type, actor=actor)
    except ReviewRequired as exc:
        return result(
            status=InstallStatus.PROPOSED,
            proposal_id=exc.proposal_id,
            message=f"proposal {exc.proposal_id} waits for a reviewer "
            f"(llmsr review {exc.proposal_id} --approve){suffix}",
        )
    except (IncompatibleSchema, OperationNotPermitted) as exc:
        return result(status=InstallStatus.REFUSED, message=exc.message + suffix)
    for note in starter.notes:
        if note.to_version == number:
            passes = ", ".join(level.value for level in note.passes)
            suffix += (
                f"; v{note.from_version}->v{number} passes only {passes} "
                f"(llmsr starters show {starter.name})"
            )
    found = registered.version
    return result(
        status=InstallStatus.REGISTERED if registered.created else InstallStatus.ALREADY_REGISTERED,
        version=found.version,
        schema_id=found.schema_id,
        message=f"registered as version {found.version} (semver {found.semver}){suffix}",
    )


def _apply_level(registry: Registry, subject: str, starter: Starter, actor: str) -> str:
    """Give the subject the starter's level unless it has its own or a policy sets one."""
    try:
        registry.get_config(subject)
        return ""  # the subject's own level stays: someone chose it
    except SubjectConfigNotFound:
        pass
    policy = registry.policy_for(subject)
    if policy is not None and policy.compatibility is not None:
        return (
            f"policy '{policy.scope}' sets {policy.compatibility.value}; the starter's "
            f"{starter.compatibility.value} is not applied"
        )
    registry.set_config(subject, compatibility=starter.compatibility, actor=actor)
    return f"compatibility set to {starter.compatibility.value}"


def _registered(
    registry: Registry, subject: str, shipped: StarterVersion, schema_type: SchemaType
) -> SubjectVersion | None:
    try:
        return registry.lookup(subject, shipped.schema_text(), schema_type)
    except (SubjectNotFound, SchemaNotFound):
        return None


def _latest(registry: Registry, subject: str) -> int | None:
    try:
        return max(registry.list_versions(subject))
    except SubjectNotFound:
        return None


def check_starter(registry: Registry, name: str, *, prefix: str = "") -> list[VersionCheck]:
    """Check each shipped version of starter ``name`` against the one before it, at every
    compatibility level, with ``Registry.check_compatibility`` on the installed subject.

    Raises SchemaNotFound when an earlier version is not installed under ``prefix``.
    """
    starter = get_starter(name)
    subject = starter.subject(prefix)
    checks = []
    for older, newer in zip(starter.versions, starter.versions[1:], strict=False):
        found = _registered(registry, subject, older, starter.schema_type)
        if found is None:
            raise SchemaNotFound(
                f"Starter '{name}' version {older.version} is not registered under subject "
                f"'{subject}'; install it first (llmsr starters install --only {name})"
            )
        reports = {
            level: registry.check_compatibility(
                subject,
                newer.schema_text(),
                starter.schema_type,
                version=found.version,
                level=level,
            )
            for level in CompatibilityLevel
        }
        checks.append(
            VersionCheck(
                subject=subject,
                from_version=older.version,
                to_version=newer.version,
                subject_version=found.version,
                reports=reports,
            )
        )
    return checks
