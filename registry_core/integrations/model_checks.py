"""The registry's validator at one node of a schema, for what Pydantic types cannot state exactly.

A keyword a generated model cannot express as a type or constraint (``pattern`` in the
registry's regex dialect, ``multipleOf`` in its number semantics, ``oneOf``, ``not``, ...) is
checked by a small schema holding just those keywords (plus the document's ``$defs``), judged by
the same engine and draft the registry uses for the whole document. A keyword whose references
lead out of ``$defs`` cannot stand alone: the whole document is then checked at the root.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from pydantic import BaseModel
from pydantic_core import PydanticCustomError

from registry_core.integrations.schema_nav import local_target
from registry_core.validation.exact import ExactValidator, fractional_multiple_of
from registry_core.validation.view import SchemaView

__all__ = ["NodeChecker", "plain"]

Check = Callable[[Any], Any]
_LOCAL_DEFS = ("#/$defs/", "#/definitions/")
_MAX_SHOWN = 5


class NodeChecker:
    """Builds checks for keywords at a node, in the registry's semantics for ``view``."""

    def __init__(self, view: SchemaView) -> None:
        self.draft = view.draft
        document = view.document if isinstance(view.document, dict) else {}
        self.defs = {k: document[k] for k in ("$defs", "definitions") if k in document}
        # The registry judges a document with a fractional multipleOf anywhere by the jsonschema
        # package (registry_core.validation.exact); so must every part of it here.
        self.reference = fractional_multiple_of(document)

    def keywords(self, keywords: dict[str, Any], document: Any) -> Check | None:
        """A check of ``keywords`` at a node, or None when they refer out of ``$defs``."""
        if not _refs_stay_in_defs(keywords.values(), document, set()):
            return None
        mini = {**self.defs, **keywords}
        return _judged_by(
            ExactValidator(SchemaView(document=mini, draft=self.draft), reference=self.reference)
        )

    def whole(self, view: SchemaView) -> Check:
        """A check of the whole document, as ``Registry.validate`` does it."""
        return _judged_by(ExactValidator(view))


def _judged_by(validator: ExactValidator) -> Check:
    """A Pydantic validator function raising every issue ``validator`` finds (a few shown)."""

    def check(value: Any) -> Any:
        found = [f"{_at_pointer(i.path)}{i.message}" for i in validator.issues(plain(value))]
        if found:
            shown = "; ".join(found[:_MAX_SHOWN])
            more = f" (and {len(found) - _MAX_SHOWN} more)" if len(found) > _MAX_SHOWN else ""
            raise PydanticCustomError("registry_schema", "{detail}", {"detail": shown + more})
        return value

    return check


def plain(value: Any) -> Any:
    """Input as JSON data: models (nested ones too) as the dicts they were built from."""
    if isinstance(value, BaseModel):
        return plain(value.model_dump(by_alias=True, exclude_unset=True))
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def _at_pointer(pointer: str) -> str:
    return f"at {pointer}: " if pointer else ""


def _refs_stay_in_defs(nodes: Iterable[Any], document: Any, seen: set[str]) -> bool:
    """Whether every ``$ref`` reachable from ``nodes`` points into ``$defs``/``definitions``."""
    stack = list(nodes)
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str):
                if not ref.startswith(_LOCAL_DEFS):
                    return False
                if ref not in seen:
                    seen.add(ref)
                    stack.append(local_target(ref, document))
            stack.extend(
                v for k, v in node.items() if k not in ("enum", "const", "default", "examples")
            )
    return True
