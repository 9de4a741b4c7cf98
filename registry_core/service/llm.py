"""LLM use cases: a registered version in a provider's structured-output dialect, and model output
checked against the canonical registered schema."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from prometheus_client import Counter

from registry_core.models import LATEST
from registry_core.service.validation import ValidationMixin

if TYPE_CHECKING:
    from registry_core.dialects import ExportResult
    from registry_core.responses import ResponseValidation
    from registry_core.validation import Issue

__all__ = ["RESPONSE_VALIDATIONS", "LLMMixin", "export_name"]

# Per subject and version, as the issue asks: bounded by what is registered, not by the data.
RESPONSE_VALIDATIONS = Counter(
    "llmsr_response_validations",
    "Model outputs validated against a registered version, by outcome (valid, invalid, no_json)",
    ["subject", "version", "outcome"],
)
RESPONSE_ERRORS = Counter(
    "llmsr_response_validation_errors",
    "Problems found in model outputs, by the rule that failed",
    ["subject", "version", "rule"],
)


def export_name(subject: str) -> str:
    """A name every dialect accepts for a subject (OpenAI: ``[a-zA-Z0-9_-]{1,64}``)."""
    name = re.sub(r"[^a-zA-Z0-9_-]+", "_", subject).strip("_") or "schema"
    return name[:64]


class LLMMixin(ValidationMixin):
    def export(
        self,
        subject: str,
        version: int | str = LATEST,
        *,
        dialect: str,
        profile: str | None = None,
    ) -> ExportResult:
        """A registered version in a provider's structured-output dialect.

        Returns ``schema``, ``warnings``, ``errors`` (each with the JSON pointer of the place in
        the registered schema) and ``lossy``; an unknown dialect or profile raises
        ``UnknownDialect``. Avro subjects are exported through their JSON Schema form.
        """
        from registry_core.dialects import export_schema
        from registry_core.validation import schema_view

        parsed, _ = self.parsed_version(subject, version)
        view = schema_view(parsed)
        return export_schema(
            view.document,
            dialect,
            resources=view.resources,
            profile=profile,
            name=export_name(subject),
        )

    def validate_response(
        self,
        output: Any,
        subject: str,
        version: int | str = LATEST,
        *,
        dialect: str | None = None,
        profile: str | None = None,
    ) -> ResponseValidation:
        """Check a model's output against the registered (canonical) schema.

        ``output`` is the raw reply text (the JSON may sit in a fenced block or inside prose),
        bytes, or an already parsed value. With the ``dialect`` (and ``profile``) the schema was
        exported to, the reply is first brought back from the exported shape (a non-object root
        unwrapped from ``{"value": ...}``, the nulls OpenAI strict mode puts on optional
        properties dropped). Returns every problem with its JSON pointer and a short repair
        instruction to send back to the model; counted on ``/metrics`` per subject, version and
        outcome.
        """
        from registry_core.responses import (
            ResponseValidation,
            extract_json,
            nested_too_deeply,
            no_json_issue,
            repair_instruction,
            too_deep_issue,
        )

        engine, found = self._engine(subject, version)
        if dialect is not None:
            from registry_core.dialects import get_profile

            get_profile(dialect, profile)  # an unknown dialect is refused before anything else
        extracted = extract_json(output)
        value = extracted.value
        errors: tuple[Issue, ...]
        if not extracted.found:
            errors = (no_json_issue(extracted),)
        elif nested_too_deeply(value):  # checked first: nothing below recurses that deep then
            errors, value = (too_deep_issue(),), None
        else:
            if dialect is not None:
                from registry_core.dialects import restore_reply

                view = engine.view
                value = restore_reply(
                    value, view.document, dialect, profile=profile, resources=view.resources
                )
            # The reply as it is: a null is a null, not an absent cell as in tables.
            errors = tuple(engine.records.check_object(value) or ())
        outcome = "no_json" if not extracted.found else "invalid" if errors else "valid"
        labels = (found.subject, str(found.version))
        RESPONSE_VALIDATIONS.labels(*labels, outcome).inc()
        for issue in errors:
            RESPONSE_ERRORS.labels(*labels, issue.rule).inc()
        return ResponseValidation(
            valid=not errors,
            value=value,
            errors=errors,
            repair_instruction=repair_instruction(errors),
            subject=found.subject,
            version=found.version,
            schema_id=found.schema_id,
            source=extracted.source,
        )
