"""The exact per-record validator (jsonschema-rs): the verdict of record, and every error of a
record with its JSON pointer, reason code and message."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any

import jsonschema_rs

from registry_core.validation.view import SchemaView

__all__ = ["RULE_NOT_JSON", "ExactValidator", "Issue"]

RULE_NOT_JSON = "not_json"  # a JSONL line (or a model's reply) that does not parse
RULE_TOO_DEEP = "too_deep"  # nested deeper than a validator can follow
_DRAFTS = {
    "http://json-schema.org/draft-04/schema": jsonschema_rs.Draft4Validator,
    "http://json-schema.org/draft-06/schema": jsonschema_rs.Draft6Validator,
    "http://json-schema.org/draft-07/schema": jsonschema_rs.Draft7Validator,
    "https://json-schema.org/draft/2019-09/schema": jsonschema_rs.Draft201909Validator,
    "https://json-schema.org/draft/2020-12/schema": jsonschema_rs.Draft202012Validator,
}
_CAMEL = re.compile(r"(?<!^)(?=[A-Z])")


@dataclass(frozen=True, slots=True)
class Issue:
    """One reason a record is invalid."""

    path: str  # JSON pointer into the record ("" is the record itself)
    rule: str  # reason code: type, required, enum, maximum, pattern, additional_properties...
    message: str

    def to_dict(self) -> dict[str, str]:
        return {"path": self.path, "rule": self.rule, "message": self.message}


def _pointer(parts: Any) -> str:
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


_RS_RULES = {"Constant": "const", "OneOfNotValid": "one_of", "OneOfMultipleValid": "one_of"}


def rule_of(kind: Any) -> str:
    """``ValidationErrorKind.AdditionalProperties`` -> ``additional_properties`` (the keyword)."""
    return _rule_of_name(type(kind).__name__)


@functools.lru_cache(maxsize=256)
def _rule_of_name(name: str) -> str:
    return _snake(_RS_RULES.get(name, name))


def _snake(name: str) -> str:
    return _CAMEL.sub("_", name).lower()


def fractional_multiple_of(node: Any) -> bool:
    """Whether a ``multipleOf`` with a fractional value appears anywhere in the schema."""
    if isinstance(node, dict):
        value = node.get("multipleOf")
        if isinstance(value, float) and not value.is_integer():
            return True
        return any(fractional_multiple_of(v) for v in node.values())
    if isinstance(node, list):
        return any(fractional_multiple_of(v) for v in node)
    return False


class ExactValidator:
    """Validates one record at a time against a schema view, as the JSON Schema spec says.

    jsonschema-rs does the work. A schema with a fractional ``multipleOf`` is judged by the
    ``jsonschema`` package instead: the two disagree on floating-point multiples (``0.3`` of
    ``0.1``), and the registry follows the reference implementation.
    """

    def __init__(self, view: SchemaView, *, reference: bool | None = None) -> None:
        """``reference`` forces the engine (True: the ``jsonschema`` package); None decides by
        the document, as above. A part of a larger document is judged as the whole is."""
        self._reference: Any = None
        if fractional_multiple_of(view.document) if reference is None else reference:
            self._reference = _reference_validator(view)
            return
        registry = jsonschema_rs.Registry(list(view.resources)) if view.resources else None
        cls = _DRAFTS.get(view.draft, jsonschema_rs.Draft7Validator)
        kwargs: dict[str, Any] = {"validate_formats": False}
        if registry is not None:
            kwargs["registry"] = registry
        self._validator = cls(view.document, **kwargs)

    def is_valid(self, record: Any) -> bool:
        if self._reference is not None:
            return bool(self._reference.is_valid(record))
        return bool(self._validator.is_valid(record))

    def issues(self, record: Any) -> list[Issue]:
        """Every error of ``record`` (empty when it is valid)."""
        if self._reference is not None:
            return [_reference_issue(e) for e in self._reference.iter_errors(record)]
        out = []
        for error in self._validator.iter_errors(record):
            path = list(error.instance_path)
            rule = rule_of(error.kind)
            if rule == "required":
                missing = getattr(error.kind, "property", None)
                if isinstance(missing, str):
                    path.append(missing)
            out.append(Issue(_pointer(path), rule, error.message))
        return out


_MISSING = re.compile(r"^'(.*)' is a required property$")


def _reference_validator(view: SchemaView) -> Any:
    import jsonschema
    import referencing

    from registry_core.formats.jsonschema_format import DRAFTS

    cls = DRAFTS.get(view.draft, jsonschema.Draft7Validator)
    resources = [
        (
            uri,
            referencing.Resource.from_contents(
                doc, default_specification=referencing.jsonschema.DRAFT202012
            ),
        )
        for uri, doc in view.resources
    ]
    registry: Any = referencing.Registry().with_resources(resources)
    return cls(view.document, registry=registry)


def _reference_issue(error: Any) -> Issue:
    path = list(error.absolute_path)
    if error.validator == "required":
        missing = _MISSING.match(error.message)
        if missing:
            path.append(missing.group(1))
    return Issue(_pointer(path), _snake(str(error.validator)), error.message)
