"""A profile's rule for one keyword: what to do with it, and under which condition.

A rule is data: ``"keep"``, or ``{"action": ..., "when": ..., "otherwise": ..., "hint": ...}``.
Actions and conditions come from closed sets implemented once here and in ``rewrites``; a
profile names them, it never adds code.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from registry_core.dialects.keywords import ANNOTATION_KEYWORDS
from registry_core.dialects.nodes import Node

__all__ = [
    "BASIC_ACTIONS",
    "CONDITIONS",
    "KEYWORD_REWRITES",
    "NODE_REWRITES",
    "NULL_BRANCH",
    "ROOT_REWRITES",
    "Condition",
    "Rule",
    "null_union_branch",
    "parse_rule",
]

BASIC_ACTIONS = frozenset({"keep", "error", "describe", "drop"})
# Rewrites of one keyword, implemented in ``rewrites``.
KEYWORD_REWRITES = frozenset(
    {
        "one_of_to_any_of",
        "const_to_enum",
        "type_array_to_nullable",
        "upper_case_types",
        "inline_refs",
        "flatten_all_of",
        "ints_only",
        "pattern_anchor",
        "tuple_items_to_prefix_items",
        "any_of_null_to_nullable",
    }
)
# Rewrites of every object node, and of the root.
NODE_REWRITES = frozenset(
    {"close_objects", "require_all_make_optional_nullable", "add_property_ordering"}
)
ROOT_REWRITES = frozenset({"wrap_non_object_root"})

# The branch that makes a union nullable: anyOf/oneOf [T, {"type": "null"}] (Pydantic's X | None).
NULL_BRANCH: dict[str, Any] = {"type": "null"}
# Keywords that may sit beside such a union when it becomes T with nullable: annotations and
# core keywords that never reject a value (a root's $defs, its $schema, ...).
_BESIDE_A_NULL_UNION = ANNOTATION_KEYWORDS | {
    "$schema",
    "$id",
    "$anchor",
    "$defs",
    "definitions",
    "$vocabulary",
    "$dynamicAnchor",
    "$recursiveAnchor",
}

# Backreferences and lookaround: what grammar-based pattern engines cannot compile.
_IRREGULAR = re.compile(r"\\[1-9]|\\k<|\(\?<?[=!]")


@dataclass(frozen=True)
class Condition:
    """A named test of a keyword's value in its node, with an optional argument."""

    name: str
    arg: tuple[Any, ...] = ()

    def holds(self, keyword: str, node: Node, drops: Callable[[str], bool]) -> bool:
        """Whether the condition holds for ``keyword`` of ``node``.

        ``drops`` tells which keywords the profile strips, so "sole key" ignores them.
        """
        value = node.get(keyword)
        nullable = "null" in node.types()
        others = [k for k in node if k != keyword and not drops(k)]
        match self.name:
            case "is_false":
                return value is False
            case "sole_key":
                return not others
            case "only_dollar_siblings":
                return all(k.startswith("$") for k in others)
            case "strings_only":
                return _all_values(value, nullable, lambda v: isinstance(v, str))
            case "strings_or_numbers":
                return _all_values(value, nullable, lambda v: not isinstance(v, bool | dict | list))
            case "primitive_values":
                return _all_values(value, True, lambda v: not isinstance(v, dict | list))
            case "value_in":
                return value in self.arg
            case "without":
                return not any(k in node for k in self.arg)
            case "integer_type":
                return "integer" in node.types() and node.types() <= {"integer", "null"}
            case "regular_pattern":
                return isinstance(value, str) and not _IRREGULAR.search(value)
            case "at_most_one_entry":
                return isinstance(value, dict) and len(value) <= 1
            case "format_in":
                return value in self.arg
            case "null_union":
                return null_union_branch(value) is not None and all(
                    k in _BESIDE_A_NULL_UNION for k in others
                )
        raise ValueError(f"unknown condition {self.name!r}")  # parse_rule rejects it first


CONDITIONS = frozenset(
    {
        "is_false",
        "sole_key",
        "only_dollar_siblings",
        "strings_only",
        "strings_or_numbers",
        "primitive_values",
        "value_in",
        "without",
        "integer_type",
        "regular_pattern",
        "at_most_one_entry",
        "format_in",
        "null_union",
    }
)
_TAKES_ARGUMENT = frozenset({"value_in", "without", "format_in"})


def null_union_branch(value: Any) -> int | None:
    """Where T is in ``[T, {"type": "null"}]`` (either order), T a schema object that is not
    itself a union; None for any other value."""
    if not isinstance(value, list) or len(value) != 2 or NULL_BRANCH not in value:
        return None
    index = 1 if value[0] == NULL_BRANCH else 0
    branch = value[index]
    if not isinstance(branch, dict) or branch == NULL_BRANCH or {"anyOf", "oneOf"} & set(branch):
        return None
    return index


def _all_values(value: Any, allow_null: bool, test: Callable[[Any], bool]) -> bool:
    """Every member of an ``enum`` (or the ``const``) passes ``test``; null only if allowed."""
    values = value if isinstance(value, list) else [value]
    return all((v is None and allow_null) or (v is not None and test(v)) for v in values)


@dataclass(frozen=True)
class Rule:
    """What a profile does with one keyword.

    ``actions`` (one basic action, or rewrites applied in order) apply when ``when`` holds or
    is absent; otherwise ``otherwise`` applies. ``hint`` says what the dialect takes instead.
    """

    actions: tuple[str, ...]
    when: Condition | None = None
    otherwise: Rule | None = None
    hint: str = ""

    def resolve(self, keyword: str, node: Node, drops: Callable[[str], bool]) -> Rule:
        """The unconditional rule that applies to ``keyword`` of ``node``."""
        if self.when is None or self.when.holds(keyword, node, drops):
            return Rule(self.actions, hint=self.hint)
        assert self.otherwise is not None  # parse_rule demands it
        return self.otherwise.resolve(keyword, node, drops)

    @property
    def action(self) -> str:
        """The first action (the only one for basic actions)."""
        return self.actions[0]

    def to_data(self) -> Any:
        """The rule as a profile file writes it."""
        action = self.action if len(self.actions) == 1 else list(self.actions)
        if self.when is None and not self.hint:
            return action
        data: dict[str, Any] = {"action": action}
        if self.when is not None:
            arg = list(self.when.arg)
            data["when"] = {self.when.name: arg} if arg else self.when.name
            data["otherwise"] = self.otherwise.to_data() if self.otherwise else "error"
        if self.hint:
            data["hint"] = self.hint
        return data


def parse_rule(data: Any, where: str) -> Rule:
    """The rule written as ``data``; ``where`` names it in errors.

    Raises:
        ValueError: an unknown action or condition, a condition without ``otherwise``, or a
            basic action chained with others.
    """
    if isinstance(data, str | list):
        data = {"action": data}
    if not isinstance(data, Mapping):
        raise ValueError(f"{where}: a rule is an action name or an object, not {data!r}")
    unknown = set(data) - {"action", "when", "otherwise", "hint"}
    if unknown:
        raise ValueError(f"{where}: unknown rule fields {sorted(unknown)}")
    raw = data.get("action")
    actions = tuple([raw] if isinstance(raw, str) else raw or ())
    for action in actions:
        if action not in BASIC_ACTIONS | KEYWORD_REWRITES:
            known = ", ".join(sorted(BASIC_ACTIONS | KEYWORD_REWRITES))
            raise ValueError(f"{where}: unknown action {action!r}; use one of {known}")
    if not actions or (len(actions) > 1 and set(actions) & BASIC_ACTIONS):
        raise ValueError(f"{where}: give one basic action, or one or more rewrites")
    when = _parse_condition(data.get("when"), where)
    if when is not None and "otherwise" not in data:
        raise ValueError(f"{where}: a rule with 'when' needs 'otherwise'")
    otherwise = parse_rule(data["otherwise"], f"{where}.otherwise") if when else None
    return Rule(actions, when, otherwise, str(data.get("hint", "")))


def _parse_condition(data: Any, where: str) -> Condition | None:
    if data is None:
        return None
    if isinstance(data, str):
        name, arg = data, ()
    elif isinstance(data, Mapping) and len(data) == 1:
        name, raw = next(iter(data.items()))
        arg = tuple(raw) if isinstance(raw, list) else (raw,)
    else:
        raise ValueError(f"{where}: 'when' is a condition name or {{name: argument}}")
    if name not in CONDITIONS:
        raise ValueError(f"{where}: unknown condition {name!r}; use one of {sorted(CONDITIONS)}")
    if (name in _TAKES_ARGUMENT) != bool(arg):
        raise ValueError(f"{where}: condition {name!r} argument mismatch")
    return Condition(name, arg)
