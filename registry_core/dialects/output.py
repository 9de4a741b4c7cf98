"""The building blocks of an export in progress: exported objects, references, issues."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from registry_core.dialects.results import ExportIssue

__all__ = ["Edge", "Emitted", "IssueLog", "RefMarker", "State"]


class Emitted(dict[str, Any]):
    """An exported schema object that remembers the source pointer it was made from."""

    __slots__ = ("src",)

    def __init__(self, src: str, *args: Any) -> None:
        super().__init__(*args)
        self.src = src


@dataclass(frozen=True)
class RefMarker:
    """A reference to definition ``name``, written at ``ptr``; ``inline`` copies it in place."""

    name: str
    ptr: str
    inline: bool


@dataclass(frozen=True)
class State:
    """Where the walk is: the definition being exported (``"#"``: the root) and whether the
    path from it passed an optional property (a cycle through one can end)."""

    owner: str
    optional: bool = False


@dataclass(frozen=True)
class Edge:
    """A reference from one definition to another, for the recursion check."""

    source: str
    target: str
    ptr: str
    optional: bool
    inline: bool


class IssueLog:
    """Errors and warnings in the order found, each once, and whether the export is lossy."""

    def __init__(self) -> None:
        self.errors: list[ExportIssue] = []
        self.warnings: list[ExportIssue] = []
        self.lossy = False

    def error(self, path: str, keyword: str, message: str) -> None:
        """Record an error at source pointer ``path``."""
        issue = ExportIssue(path=path, keyword=keyword, message=message)
        if issue not in self.errors:
            self.errors.append(issue)

    def warn(self, path: str, keyword: str, message: str, *, lossy: bool) -> None:
        """Record a warning; ``lossy`` when the export now accepts values the source rejects."""
        issue = ExportIssue(path=path, keyword=keyword, message=message)
        if issue not in self.warnings:
            self.warnings.append(issue)
        self.lossy = self.lossy or lossy
