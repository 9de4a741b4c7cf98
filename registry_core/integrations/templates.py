"""Prompt-template variables, parsed here (not taken from the framework), and checked against a
registered prompt-input schema.

LangChain re-derives a template's ``input_variables`` and silently overrides a conflicting list,
so the variables are read from the template text itself, in all three formats LangChain knows:

* ``f-string``: ``{name}``, ``{{`` and ``}}`` escapes, ``{name.attr}`` / ``{name[0]}`` (the root
  is the variable), format specs (``{price:.2f}`` needs a number);
* ``jinja2``: jinja2's own ``meta.find_undeclared_variables``, plus attribute access, indexing
  and ``{% for %}`` loops read from its syntax tree;
* ``mustache``: ``{{name}}``, ``{{{raw}}}``, ``{{&raw}}``, dotted names and sections
  ``{{#items}}...{{/items}}``, whose inner names are looked up in the items first, as mustache does.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

__all__ = [
    "TEMPLATE_FORMATS",
    "TemplateSyntaxError",
    "Usage",
    "VariableUse",
    "describe",
    "section_items",
    "template_variables",
]

TEMPLATE_FORMATS = ("f-string", "jinja2", "mustache")


class Usage(StrEnum):
    """How a template uses a variable, which says what type its value must have."""

    PLAIN = "plain"  # rendered as text: any type
    ATTRIBUTE = "attribute"  # name.attr or name[0]: an object or an array
    ITERATED = "iterated"  # a jinja2 for loop: an array (or an object)
    SECTION = "section"  # a mustache section: any type (a list repeats, a value is truthy)
    NUMBER_FORMAT = "number_format"  # an f-string numeric format spec: a number
    PLACEHOLDER = "placeholder"  # a chat MessagesPlaceholder: an array of messages


@dataclass(frozen=True, kw_only=True, slots=True)
class VariableUse:
    """One use of a variable: its root name, as written, and where (message index or "")."""

    name: str
    usage: Usage
    expression: str
    where: str = ""
    sections: tuple[str, ...] = ()  # enclosing mustache sections, outermost first
    optional: bool = False  # a placeholder declared optional


class TemplateSyntaxError(ValueError):
    """The template text does not parse in its format."""


def template_variables(template: str, template_format: str, where: str = "") -> list[VariableUse]:
    """Every variable use in ``template``, in text order.

    Raises:
        TemplateSyntaxError: the text is not a valid template of ``template_format``.
        ValueError: ``template_format`` is not one of f-string, jinja2, mustache.
    """
    if template_format == "f-string":
        return list(_f_string(template, where))
    if template_format == "jinja2":
        return _jinja2(template, where)
    if template_format == "mustache":
        return list(_mustache(template, where))
    raise ValueError(
        f"template format {template_format!r} is not one of {', '.join(TEMPLATE_FORMATS)}"
    )


_ROOT = re.compile(r"[^.\[]*")
_NUMBER_SPEC = re.compile(r"[bcdeEfFgGnoxX%]$")


def _f_string(template: str, where: str) -> Iterator[VariableUse]:
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise TemplateSyntaxError(f"f-string template does not parse: {exc}") from exc
    for _, field, spec, _ in parsed:
        if field is None:
            continue
        root = _ROOT.match(field).group(0)  # type: ignore[union-attr]  # matches any text
        usage = Usage.ATTRIBUTE if root != field else Usage.PLAIN
        if usage is Usage.PLAIN and spec and _NUMBER_SPEC.search(spec):
            usage = Usage.NUMBER_FORMAT
        yield VariableUse(name=root, usage=usage, expression="{" + field + "}", where=where)
        # a nested field in a format spec ({x:{width}}) is a variable too
        for _, inner, _, _ in string.Formatter().parse(spec or ""):
            if inner:
                yield VariableUse(
                    name=_ROOT.match(inner).group(0),  # type: ignore[union-attr]
                    usage=Usage.PLAIN,
                    expression="{" + inner + "}",
                    where=where,
                )


def _jinja2(template: str, where: str) -> list[VariableUse]:
    try:
        from jinja2 import TemplateSyntaxError as JinjaSyntaxError
        from jinja2 import meta, nodes
        from jinja2.sandbox import SandboxedEnvironment
    except ImportError as exc:
        raise ImportError(
            "checking jinja2 templates needs jinja2, which is not installed: pip install jinja2"
        ) from exc
    try:
        tree = SandboxedEnvironment().parse(template)
    except JinjaSyntaxError as exc:
        raise TemplateSyntaxError(f"jinja2 template does not parse: {exc}") from exc
    names = meta.find_undeclared_variables(tree)
    uses: dict[tuple[str, Usage], VariableUse] = {}
    for node in tree.find_all((nodes.Getattr, nodes.Getitem)):
        inner = getattr(node, "node", None)
        if isinstance(inner, nodes.Name) and inner.name in names:
            key = getattr(node, "attr", None) or "[...]"
            text = f"{inner.name}.{key}" if isinstance(node, nodes.Getattr) else f"{inner.name}[]"
            uses.setdefault(
                (inner.name, Usage.ATTRIBUTE),
                VariableUse(name=inner.name, usage=Usage.ATTRIBUTE, expression=text, where=where),
            )
    for loop in tree.find_all(nodes.For):
        if isinstance(loop.iter, nodes.Name) and loop.iter.name in names:
            name = loop.iter.name
            uses.setdefault(
                (name, Usage.ITERATED),
                VariableUse(
                    name=name, usage=Usage.ITERATED, expression=f"for ... in {name}", where=where
                ),
            )
    for name in sorted(names):
        if not any(n == name for n, _ in uses):
            uses[(name, Usage.PLAIN)] = VariableUse(
                name=name, usage=Usage.PLAIN, expression="{{ " + name + " }}", where=where
            )
    return sorted(uses.values(), key=lambda u: (u.name, u.usage))


_MUSTACHE_TAG = re.compile(
    r"\{\{\{\s*(?P<raw>.+?)\s*\}\}\}|\{\{(?P<sigil>[#^/&!>=]?)\s*(?P<key>.*?)\s*\}\}"
)


def _mustache(template: str, where: str) -> Iterator[VariableUse]:
    sections: list[str] = []
    for match in _MUSTACHE_TAG.finditer(template):
        sigil, key = match.group("sigil") or "", match.group("raw") or match.group("key") or ""
        if sigil in ("!", ">"):  # a comment, a partial (rendered from its own template)
            continue
        if sigil == "=":
            raise TemplateSyntaxError(
                f"mustache delimiter changes ({match.group(0)}) are not supported by the checker"
            )
        if sigil == "/":
            if not sections or sections[-1] != key:
                opened = f"'{sections[-1]}'" if sections else "no section"
                raise TemplateSyntaxError(
                    f"mustache template closes section '{key}' but {opened} is open"
                )
            sections.pop()
            continue
        if key == ".":
            continue
        root = key.split(".")[0]
        if sigil in ("#", "^"):
            usage = Usage.SECTION
        else:
            usage = Usage.ATTRIBUTE if "." in key else Usage.PLAIN
        yield VariableUse(
            name=root,
            usage=usage,
            expression=match.group(0),
            where=where,
            sections=tuple(sections),
        )
        if sigil in ("#", "^"):
            sections.append(key)
    if sections:
        raise TemplateSyntaxError(f"mustache section '{sections[-1]}' is never closed")


def describe(use: VariableUse) -> str:
    """``'{name.attr}' in messages[1]``: how a message points at a use."""
    return f"'{use.expression}'" + (f" in {use.where}" if use.where else "")


def section_items(schema_node: Any) -> Any:
    """The schema a mustache section's inner names are looked up in: the items of an array."""
    if isinstance(schema_node, dict) and isinstance(schema_node.get("items"), dict):
        return schema_node["items"]
    return schema_node
