"""Compatibility levels over the formats, and the semantic-version bump of a change.

A check returns a ``CompatibilityReport`` (a value); turning a failed report into an HTTP error is
the API's business.
"""

from __future__ import annotations

from collections.abc import Sequence

from registry_core.formats import ParsedSchema, format_for
from registry_core.models import (
    CompatibilityLevel,
    CompatibilityPolicy,
    CompatibilityReport,
    Incompatibility,
    SemVerBump,
)

__all__ = ["check_against", "directional_issues", "semver_bump"]


def directional_issues(
    new: ParsedSchema,
    old: ParsedSchema,
    *,
    backward: bool,
    forward: bool,
    policy: CompatibilityPolicy = CompatibilityPolicy.DEFAULT,
) -> list[Incompatibility]:
    """Incompatibilities of ``new`` against ``old`` in the directions asked for."""
    if new.schema_type is not old.schema_type:
        return [
            Incompatibility(
                kind="SCHEMA_TYPE_CHANGED",
                path="/",
                message=f"the schema type changed from {old.schema_type.value} to "
                f"{new.schema_type.value}; readers of one cannot read the other",
            )
        ]
    fmt = format_for(new.schema_type)
    found: list[Incompatibility] = []
    if backward:
        found += fmt.check(reader=new, writer=old, policy=policy)
    if forward:
        found += fmt.check(reader=old, writer=new, policy=policy, labels=("old", "new"))
    return found


def check_against(
    new: ParsedSchema,
    existing: Sequence[tuple[int, ParsedSchema]],
    level: CompatibilityLevel,
    policy: CompatibilityPolicy = CompatibilityPolicy.DEFAULT,
) -> CompatibilityReport:
    """Check ``new`` against the live versions ``existing`` (oldest first) as ``level`` requires.

    Non-transitive levels compare with the latest version only; transitive ones with all of them.
    """
    if level is CompatibilityLevel.NONE or not existing:
        return CompatibilityReport(is_compatible=True, level=level)
    targets = existing if level.transitive else existing[-1:]
    issues: list[Incompatibility] = []
    messages: list[str] = []
    for version, old in targets:
        found = directional_issues(
            new, old, backward=level.backward, forward=level.forward, policy=policy
        )
        issues += found
        messages += [
            f"{i.kind} at {i.path}: {i.message} (against version {version})" for i in found
        ]
    return CompatibilityReport(
        is_compatible=not issues,
        level=level,
        incompatibilities=tuple(issues),
        compared_versions=tuple(v for v, _ in targets),
        messages=tuple(messages),
    )


def semver_bump(
    previous: ParsedSchema,
    new: ParsedSchema,
    level: CompatibilityLevel,
    policy: CompatibilityPolicy = CompatibilityPolicy.DEFAULT,
    *,
    known_compatible: bool = False,
) -> SemVerBump:
    """Major for a breaking change, minor for a compatible one, patch for documentation only.

    "Breaking" is judged in the direction the subject's level cares about (BACKWARD when NONE).
    ``known_compatible`` says a check at ``level`` against ``previous`` already passed, which
    saves running it again.
    """
    backward = level.backward or level is CompatibilityLevel.NONE
    if not (known_compatible and level is not CompatibilityLevel.NONE) and directional_issues(
        new, previous, backward=backward, forward=level.forward, policy=policy
    ):
        return SemVerBump.MAJOR
    if new.structure != previous.structure:
        return SemVerBump.MINOR
    return SemVerBump.PATCH
