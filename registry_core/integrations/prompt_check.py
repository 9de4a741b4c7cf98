"""A prompt template's variables against a registered prompt-input schema: the verdict as a value.

Errors (the template will fail or render wrong data): a variable the schema does not declare, a
variable used with a type the schema rules out. Warnings: a required property the template never
uses, a declared variable list that disagrees with the text, syntax the framework rejects.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from registry_core.integrations.registered import RegisteredSchema, json_types
from registry_core.integrations.schema_nav import resolve
from registry_core.integrations.templates import Usage, VariableUse, describe, section_items

__all__ = ["ProblemKind", "TemplateCheck", "TemplateProblem", "check_uses"]


class ProblemKind(StrEnum):
    MISSING_FROM_SCHEMA = "missing_from_schema"
    WRONG_TYPE = "wrong_type"
    SYNTAX = "syntax"
    UNUSED_REQUIRED = "unused_required"
    DECLARED_MISMATCH = "declared_mismatch"
    FRAMEWORK_REJECTS = "framework_rejects"


_ERRORS = frozenset({ProblemKind.MISSING_FROM_SCHEMA, ProblemKind.WRONG_TYPE, ProblemKind.SYNTAX})


@dataclass(frozen=True, kw_only=True, slots=True)
class TemplateProblem:
    kind: ProblemKind
    variable: str | None
    message: str

    @property
    def severity(self) -> str:
        return "error" if self.kind in _ERRORS else "warning"

    def __str__(self) -> str:
        return f"{self.severity}: {self.message}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "severity": self.severity,
            "variable": self.variable,
            "message": self.message,
        }


@dataclass(frozen=True, kw_only=True, slots=True)
class TemplateCheck:
    """Every problem of one template against one registered version; ``ok`` when no errors."""

    subject: str
    version: int
    schema_id: int
    variables: tuple[str, ...]  # the template's input variables, as parsed from its text
    problems: tuple[TemplateProblem, ...]

    @property
    def errors(self) -> tuple[TemplateProblem, ...]:
        return tuple(p for p in self.problems if p.severity == "error")

    @property
    def warnings(self) -> tuple[TemplateProblem, ...]:
        return tuple(p for p in self.problems if p.severity == "warning")

    @property
    def ok(self) -> bool:
        return not self.errors

    def __str__(self) -> str:
        head = (
            f"template vs subject '{self.subject}' version {self.version}: "
            f"{len(self.errors)} errors, {len(self.warnings)} warnings"
        )
        return "\n".join([head, *(f"  {p}" for p in self.problems)])

    def to_dict(self) -> dict[str, Any]:
        return {
            "subject": self.subject,
            "version": self.version,
            "schema_id": self.schema_id,
            "ok": self.ok,
            "variables": list(self.variables),
            "problems": [p.to_dict() for p in self.problems],
        }


# Which JSON types each usage needs; PLAIN and SECTION render any value.
_NEEDS = {
    Usage.ATTRIBUTE: (frozenset({"object", "array"}), "attribute access or indexing"),
    Usage.ITERATED: (frozenset({"array", "object"}), "a for loop"),
    Usage.NUMBER_FORMAT: (frozenset({"number", "integer"}), "a numeric format spec"),
    Usage.PLACEHOLDER: (frozenset({"array"}), "a MessagesPlaceholder (a list of messages)"),
}


def check_uses(
    uses: Sequence[VariableUse],
    schema: RegisteredSchema,
    *,
    declared: Iterable[str] | None = None,
    provided: Iterable[str] = (),
    extra_problems: Sequence[TemplateProblem] = (),
) -> TemplateCheck:
    """Check parsed variable uses against ``schema``'s root properties.

    Args:
        declared: the variable list the template object declares, compared with the text.
        provided: variables the template fills itself (partials): not looked up in the schema.
        extra_problems: problems found while parsing (syntax, framework restrictions).
    """
    props, document = schema.properties(), schema.document
    skip = set(provided)
    problems = list(extra_problems)
    roots: dict[str, None] = {}
    missing: set[str] = set()
    for use in uses:
        if use.name in skip:  # filled by the template itself; still typed if the schema has it
            if use.name in props:
                problems.extend(_type_problem(use, props[use.name], document, schema, "property"))
            continue
        local = _in_sections(use, props, document)
        if local is not None:
            problems.extend(_type_problem(use, local, document, schema, "the section's items"))
            continue
        roots.setdefault(use.name)
        if use.name not in props:
            if use.name not in missing:
                missing.add(use.name)
                known = ", ".join(sorted(props)) or "none"
                problems.append(
                    TemplateProblem(
                        kind=ProblemKind.MISSING_FROM_SCHEMA,
                        variable=use.name,
                        message=f"variable '{use.name}' ({describe(use)}) is not a property of "
                        f"{schema.label}; its properties are: {known}",
                    )
                )
            continue
        problems.extend(_type_problem(use, props[use.name], document, schema, "property"))
    for name in sorted(schema.required() - roots.keys() - skip):
        problems.append(
            TemplateProblem(
                kind=ProblemKind.UNUSED_REQUIRED,
                variable=name,
                message=f"required property '{name}' of {schema.label} is never used by the "
                "template",
            )
        )
    if declared is not None:
        stated, parsed = set(declared) - skip, set(roots)
        if stated != parsed:
            problems.append(
                TemplateProblem(
                    kind=ProblemKind.DECLARED_MISMATCH,
                    variable=None,
                    message=f"the template declares input_variables {sorted(stated)} but its "
                    f"text uses {sorted(parsed)}; LangChain re-derives the list from the text, "
                    "so the declared one is not what runs",
                )
            )
    found = schema.version
    return TemplateCheck(
        subject=found.subject,
        version=found.version,
        schema_id=found.schema_id,
        variables=tuple(sorted(roots)),
        problems=tuple(_dedupe(problems)),
    )


def _type_problem(
    use: VariableUse, node: Any, document: Any, schema: RegisteredSchema, what: str
) -> list[TemplateProblem]:
    need = _NEEDS.get(use.usage)
    if need is None:
        return []
    wanted, how = need
    types = json_types(node, document)
    if types and types & wanted:
        return []
    if not types and use.usage is not Usage.PLACEHOLDER:
        return []  # any type allowed: nothing to contradict
    said = "/".join(sorted(types)) if types else "of any type"
    kinds = " or ".join(sorted(wanted))
    return [
        TemplateProblem(
            kind=ProblemKind.WRONG_TYPE,
            variable=use.name,
            message=f"variable '{use.name}' is used with {how} ({describe(use)}), which needs "
            f"{kinds}, but {what} '{use.name}' of {schema.label} is {said}",
        )
    ]


def _in_sections(use: VariableUse, props: dict[str, Any], document: Any) -> Any | None:
    """The schema node of a mustache name that the enclosing sections' items define, if any."""
    if not use.sections:
        return None
    contexts: list[dict[str, Any]] = [props]
    for key in use.sections:
        node: Any = None
        for context in reversed(contexts):
            node = _dotted(context, key, document)
            if node is not None:
                break
        inner = resolve(section_items(resolve(node, document)), document)
        inner_props = inner.get("properties") if isinstance(inner, dict) else None
        contexts.append(inner_props if isinstance(inner_props, dict) else {})
    for context in reversed(contexts[1:]):
        if use.name in context:
            return context[use.name]
    return None


def _dotted(context: dict[str, Any], key: str, document: Any) -> Any:
    node: Any = None
    for index, part in enumerate(key.split(".")):
        if index:
            resolved = resolve(node, document)
            props = resolved.get("properties") if isinstance(resolved, dict) else None
            context = props if isinstance(props, dict) else {}
        node = context.get(part)
        if node is None:
            return None
    return node


def _dedupe(problems: list[TemplateProblem]) -> list[TemplateProblem]:
    seen: set[tuple[ProblemKind, str | None, str]] = set()
    out = []
    for problem in problems:
        key = (problem.kind, problem.variable, problem.message)
        if key not in seen:
            seen.add(key)
            out.append(problem)
    return out
