"""What an export returns: the provider's schema, or every reason it could not be made."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["ExportIssue", "ExportResult"]


@dataclass(frozen=True, kw_only=True)
class ExportIssue:
    """One place of the source schema a dialect cannot carry as it is.

    ``path`` is a JSON pointer into the source schema (``""`` is its root); inside a document
    passed in ``resources`` it is that document's URL, ``#`` and the pointer within it.
    """

    path: str
    keyword: str
    message: str

    def to_dict(self) -> dict[str, str]:
        """The issue as JSON."""
        return {"path": self.path, "keyword": self.keyword, "message": self.message}


@dataclass(frozen=True, kw_only=True)
class ExportResult:
    """A schema exported to one dialect under one profile.

    ``schema`` is the bare schema object the provider puts in its schema slot (no request
    envelope), or None when there are errors. ``lossy`` says the export accepts values the
    source schema rejects (a constraint became prose, an optional field became nullable, ...),
    so a caller must validate the model's output against the source schema.
    """

    dialect: str
    profile: str
    schema: dict[str, Any] | None
    warnings: tuple[ExportIssue, ...]
    errors: tuple[ExportIssue, ...]
    lossy: bool

    @property
    def ok(self) -> bool:
        """True when the export produced a schema."""
        return not self.errors

    def to_dict(self) -> dict[str, Any]:
        """The result as JSON: dialect, profile, schema, warnings, errors, lossy."""
        return {
            "dialect": self.dialect,
            "profile": self.profile,
            "schema": self.schema,
            "warnings": [w.to_dict() for w in self.warnings],
            "errors": [e.to_dict() for e in self.errors],
            "lossy": self.lossy,
        }
