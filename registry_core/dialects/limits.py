"""A provider's size limits, checked on the exported schema (OpenAI strict mode has them).

Each limit is reported once, at the source pointer of the schema object where it is crossed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from registry_core.dialects.node_rewrites import is_object
from registry_core.dialects.output import Emitted, IssueLog
from registry_core.dialects.profiles import Limits

__all__ = ["check_limits"]

# Where nested schemas live in an exported schema (a provider's own words included).
_NESTED = ("items", "additionalProperties", "anyOf", "prefixItems", "not")


@dataclass
class _Tally:
    properties: int = 0
    enum_values: int = 0
    chars: int = 0


def check_limits(schema: Any, limits: Limits, log: IssueLog, title: str) -> None:
    """Record an error for each limit of ``limits`` the exported ``schema`` crosses."""
    tally = _Tally()
    crossed: set[str] = set()

    def report(kind: str, path: str, keyword: str, message: str) -> None:
        if kind not in crossed:
            crossed.add(kind)
            log.error(path, keyword, f"{title}: {message}")

    def visit(node: Any, depth: int) -> None:
        if isinstance(node, list):
            for item in node:
                visit(item, depth)
            return
        if not isinstance(node, dict):
            return
        here = node.src if isinstance(node, Emitted) else ""
        if is_object(node):
            depth += 1
            if depth > limits.nesting:
                report(
                    "nesting",
                    here,
                    "properties",
                    f"objects nest {depth} levels deep here; at most {limits.nesting} are allowed",
                )
        properties = node.get("properties")
        if isinstance(properties, dict):
            tally.properties += len(properties)
            tally.chars += sum(len(name) for name in properties)
            if tally.properties > limits.properties:
                report(
                    "properties",
                    here,
                    "properties",
                    f"the schema has more than {limits.properties:,} properties in all "
                    "(counted up to here)",
                )
        _count_values(node, tally, limits, here, report)
        if tally.chars > limits.total_chars:
            report(
                "chars",
                here,
                "properties",
                f"property names, enum and const values exceed {limits.total_chars:,} "
                "characters in all (counted up to here)",
            )
        for key in _NESTED:
            visit(node.get(key), depth)
        if isinstance(properties, dict):
            visit(list(properties.values()), depth)
        definitions = node.get("$defs")
        if isinstance(definitions, dict):
            visit(list(definitions.values()), 0)  # each definition counts from its own top

    visit(schema, 0)


_Report = Callable[[str, str, str, str], None]


def _count_values(
    node: dict[str, Any], tally: _Tally, limits: Limits, here: str, report: _Report
) -> None:
    enum = node.get("enum")
    if isinstance(enum, list):
        tally.enum_values += len(enum)
        strings = [v for v in enum if isinstance(v, str)]
        tally.chars += sum(len(v) for v in strings)
        if tally.enum_values > limits.enum_values:
            report(
                "enum_values",
                here,
                "enum",
                f"the schema has more than {limits.enum_values:,} enum values in all "
                "(counted up to here)",
            )
        size = sum(len(v) for v in strings)
        if len(strings) == len(enum) > limits.large_enum_values and size > limits.large_enum_chars:
            report(
                f"large_enum {here}",
                here,
                "enum",
                f"a string enum of more than {limits.large_enum_values} values may hold at most "
                f"{limits.large_enum_chars:,} characters; this one holds {size:,}",
            )
    const = node.get("const")
    if isinstance(const, str):
        tally.chars += len(const)
