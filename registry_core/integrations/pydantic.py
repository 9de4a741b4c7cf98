"""Pydantic adapter: register a model's JSON Schema, pre-flight it in CI, and generate model classes
from registered versions.

Pydantic v2 comes with the registry, so this adapter needs no extra::

    register_model(registry, "answers-value", Answer, actor="ci")
    report = check_model(registry, "answers-value", Answer, provider="openai")
    assert report.ok, report
    Answer2 = model_from_schema(registry, "answers-value", version=2)
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from registry_core.errors import ReviewRequired
from registry_core.integrations.model_builder import build_model
from registry_core.integrations.providers import dialect_for
from registry_core.integrations.registered import load
from registry_core.models import LATEST, CompatibilityReport, SchemaType
from registry_core.service.llm import export_name
from registry_core.validation.view import DRAFT_2020_12

if TYPE_CHECKING:
    from registry_core.dialects import ExportResult
    from registry_core.service import RegisterResult, Registry

__all__ = ["ModelCheck", "check_model", "model_from_schema", "model_schema", "register_model"]


def model_schema(model: type[BaseModel]) -> dict[str, Any]:
    """``model``'s JSON Schema as the registry stores it: validation mode, draft 2020-12 named."""
    return {"$schema": DRAFT_2020_12, **model.model_json_schema(mode="validation")}


def register_model(
    registry: Registry,
    subject: str,
    model: type[BaseModel],
    *,
    actor: str | None = None,
    normalize: bool | None = None,
    force: bool = False,
) -> RegisterResult:
    """Register ``model``'s JSON Schema as a new version of ``subject`` (schema type JSON).

    The subject's compatibility level and governance apply as to any registration.

    Raises:
        IncompatibleSchema: the model breaks the subject's compatibility level; ``messages``
            says where and why (``check_model`` gives the same report without raising).
        ReviewRequired: the subject needs review; ``proposal_id`` names the proposal that now
            waits for a reviewer instead of a new version.
    """
    text = json.dumps(model_schema(model))
    extra: dict[str, Any] = {} if actor is None else {"actor": actor}
    try:
        return registry.register(
            subject, text, SchemaType.JSON, normalize=normalize, force=force, **extra
        )
    except ReviewRequired as exc:
        raise ReviewRequired(
            f"{model.__name__} was not registered: {exc.message}", exc.proposal_id
        ) from None


@dataclass(frozen=True, kw_only=True, slots=True)
class ModelCheck:
    """A model's CI pre-flight: compatibility with the subject, and its export to a provider."""

    subject: str
    model: str
    compatibility: CompatibilityReport
    export: ExportResult | None = None

    @property
    def ok(self) -> bool:
        """Compatible, and exportable to the provider when one was asked for."""
        return self.compatibility.is_compatible and (self.export is None or self.export.ok)

    @property
    def problems(self) -> list[str]:
        """Every reason ``ok`` is false, then the export's warnings, one line each."""
        out = [f"incompatible: {m}" for m in self.compatibility.messages]
        if self.export is not None:
            where = f"{self.export.dialect} ({self.export.profile})"
            out += [f"{where} error at {e.path or '/'}: {e.message}" for e in self.export.errors]
            out += [
                f"{where} warning at {w.path or '/'}: {w.message}" for w in self.export.warnings
            ]
        return out

    def __str__(self) -> str:
        verdict = "ok" if self.ok else "FAILS"
        head = f"{self.model} against subject '{self.subject}': {verdict}"
        return "\n".join([head, *(f"  {p}" for p in self.problems)])

    def to_dict(self) -> dict[str, Any]:
        return {
            "subject": self.subject,
            "model": self.model,
            "ok": self.ok,
            "compatible": self.compatibility.is_compatible,
            "compatibility_messages": list(self.compatibility.messages),
            "export": None if self.export is None else self.export.to_dict(),
        }


def check_model(
    registry: Registry,
    subject: str,
    model: type[BaseModel],
    provider: str | None = None,
    *,
    profile: str | None = None,
) -> ModelCheck:
    """The CI pre-flight for a model: its compatibility with the subject's registered versions
    (as registering it would check) and, with ``provider``, what that provider's structured
    output dialect makes of it (errors and warnings), before the first API call.
    """
    document = model_schema(model)
    report = registry.check_compatibility(subject, json.dumps(document), SchemaType.JSON)
    export = None
    if provider is not None:
        from registry_core.dialects import export_schema

        export = export_schema(
            document, dialect_for(provider), profile=profile, name=export_name(subject)
        )
    return ModelCheck(subject=subject, model=model.__name__, compatibility=report, export=export)


def model_from_schema(
    registry: Registry,
    subject: str,
    version: int | str = LATEST,
    *,
    name: str | None = None,
) -> type[BaseModel]:
    """A Pydantic model class generated from a registered version (JSON Schema or Avro).

    Objects become nested models, ``$ref``/``$defs`` shared (recursive) models, enums
    ``Literal``, bounds ``Field`` constraints, ``additionalProperties: false`` ``extra="forbid"``.
    What no Pydantic type states exactly is checked by the registry's validator inside the
    model, so the model accepts exactly what ``Registry.validate`` accepts; the class docstring
    says which parts.
    """
    schema = load(registry, subject, version)
    found = schema.version
    root = schema.document if isinstance(schema.document, dict) else {}
    lines = [
        f"Generated from subject '{found.subject}' version {found.version} "
        f"(schema id {found.schema_id}) of the LLM Schema Registry."
    ]
    if isinstance(root.get("description"), str):
        lines.append(root["description"])
    return build_model(schema.view, name=name or _class_name(subject), doc="\n\n".join(lines))


def _class_name(subject: str) -> str:
    words = [w for w in export_name(subject).replace("-", "_").split("_") if w]
    name = "".join(w[:1].upper() + w[1:] for w in words) or "Model"
    return f"M{name}" if name[0].isdigit() else name
