"""Built-in starter schemas for LLM data, ready to install into a registry.

``starters()`` lists the catalog; ``install_starters(registry)`` registers every starter subject
(idempotently, versions in order, through governance); ``check_starter`` runs the registry's
compatibility check between a starter's consecutive versions. The schemas are packaged JSON
files under ``registry_core/starters/schemas/`` (see docs/starters.md).
"""

from __future__ import annotations

from registry_core.starters.catalog import (
    CompatibilityNote,
    NoteIssue,
    Starter,
    StarterVersion,
    get_starter,
    naming_rule,
    starters,
)
from registry_core.starters.install import (
    DEFAULT_ACTOR,
    InstallResult,
    InstallStatus,
    VersionCheck,
    check_starter,
    install_starters,
)

__all__ = [
    "DEFAULT_ACTOR",
    "CompatibilityNote",
    "InstallResult",
    "InstallStatus",
    "NoteIssue",
    "Starter",
    "StarterVersion",
    "VersionCheck",
    "check_starter",
    "get_starter",
    "install_starters",
    "naming_rule",
    "starters",
]
