"""Shared by the dialect tests: the keyword x dialect table's harness, schema builders.

A row is one keyword case; each of its cells says what one dialect's default profile does with
it: the exported fragment, the warnings and errors (by source JSON pointer and keyword) and
whether the export is lossy. A row's schema sits at ``/properties/p`` of a closed object root
unless the row tests the root itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from registry_core.dialects import DIALECTS, ExportIssue, export_schema

P = "/properties/p"
SAME = object()  # the fragment is the row's input, unchanged


@dataclass(frozen=True)
class Cell:
    fragment: Any = SAME
    warnings: tuple[tuple[str, str], ...] = ()
    errors: tuple[tuple[str, str], ...] = ()
    lossy: bool = False


def kept(fragment: Any = SAME) -> Cell:
    return Cell(fragment)


def rewritten(fragment: Any, *warnings: tuple[str, str], lossy: bool = False) -> Cell:
    return Cell(fragment, warnings, (), lossy)


def described(fragment: Any, *keywords: str, at: str = P, lossy: bool = True) -> Cell:
    return Cell(fragment, tuple((f"{at}/{k}", k) for k in keywords), (), lossy)


def refused(*errors: tuple[str, str], warnings: tuple[tuple[str, str], ...] = ()) -> Cell:
    return Cell(None, warnings, errors, False)


def at_p(keyword: str, *more: str) -> tuple[str, str]:
    """An issue at ``/properties/p/<more...>/<keyword>``."""
    return ("/".join([P, *more, keyword]), keyword)


def everywhere(cell: Cell) -> dict[str, Cell]:
    return dict.fromkeys(DIALECTS, cell)


def root_object(sub: Any) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {"p": sub},
        "required": ["p"],
        "additionalProperties": False,
    }


# (row id, source schema, where the fragment is read ("" = whole schema), cells)

CLOSED = {
    "type": "object",
    "properties": {"x": {"type": "string"}},
    "required": ["x"],
    "additionalProperties": False,
}

GEMINI_CLOSED = {
    "type": "OBJECT",
    "properties": {"x": {"type": "STRING"}},
    "required": ["x"],
    "propertyOrdering": ["x"],
}


@dataclass
class Table:
    """Rows of the table; ``cases`` parametrizes one test per (row, dialect)."""

    rows: list[tuple[str, Any, str, dict[str, Cell]]] = field(default_factory=list)

    def row(self, name: str, sub: Any, cells: dict[str, Cell], *, root: bool = False) -> None:
        assert set(cells) == set(DIALECTS), name  # every dialect decided, none forgotten
        self.rows.append((name, sub if root else root_object(sub), "" if root else P, cells))

    def cases(self) -> list[Any]:
        return [
            pytest.param(schema, at, dialect, cell, id=f"{name} | {dialect}")
            for name, schema, at, cells in self.rows
            for dialect, cell in cells.items()
        ]


def check(schema: Any, at: str, dialect: str, cell: Cell) -> None:
    """Export ``schema`` to ``dialect`` and compare everything with ``cell``."""
    result = export_schema(schema, dialect)

    assert {(e.path, e.keyword) for e in result.errors} == set(cell.errors)
    assert {(w.path, w.keyword) for w in result.warnings} == set(cell.warnings)
    assert result.lossy is cell.lossy
    if cell.errors:
        assert result.schema is None
    else:
        assert result.schema is not None
        expected = _fragment(schema, at) if cell.fragment is SAME else cell.fragment
        assert _fragment(result.schema, at) == expected


def _fragment(schema: Any, pointer: str) -> Any:
    node = schema
    for token in pointer.split("/")[1:]:
        node = node[token]
    return node


def closed(properties: dict[str, Any], **more: Any) -> dict[str, Any]:
    """A closed object requiring every property."""
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
        **more,
    }


def pointers(issues: tuple[ExportIssue, ...]) -> list[tuple[str, str]]:
    return [(i.path, i.keyword) for i in issues]
