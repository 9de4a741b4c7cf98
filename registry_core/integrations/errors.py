"""What the framework adapters raise, beside the registry's own errors::

ImportError
  MissingExtra                  a framework adapter without its extra installed
RegistryError (registry_core.errors)
  InvalidInput                  422
    ResponseInvalid             a model's output failed its registered schema
    StructuredOutputUnavailable a dialect cannot express the registered schema
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from registry_core.errors import InvalidInput

if TYPE_CHECKING:
    from registry_core.dialects import ExportIssue
    from registry_core.responses import ResponseValidation

__all__ = ["MissingExtra", "ResponseInvalid", "StructuredOutputUnavailable"]


class MissingExtra(ImportError):
    """A framework adapter was imported without the framework; names the extra to install."""

    def __init__(self, extra: str, package: str) -> None:
        super().__init__(
            f"registry_core.integrations.{extra} needs {package}, which is not installed; "
            f"install the extra: pip install 'llm-schema-registry[{extra}]'"
        )
        self.extra = extra
        self.package = package


class ResponseInvalid(InvalidInput):
    """A model's output did not match the registered schema.

    ``validation`` is the full verdict (every error with its JSON pointer); ``repair_instruction``
    is the message to send back to the model as the next turn.
    """

    def __init__(self, validation: ResponseValidation) -> None:
        shown = "; ".join(f"{e.path or '/'}: {e.message}" for e in validation.errors[:5])
        more = len(validation.errors) - 5
        super().__init__(
            f"The model's output does not match subject '{validation.subject}' version "
            f"{validation.version} (schema id {validation.schema_id}): {shown}"
            + (f"; and {more} more" if more > 0 else "")
        )
        self.validation = validation
        self.repair_instruction = validation.repair_instruction
        self.value: Any = validation.value


class StructuredOutputUnavailable(InvalidInput):
    """A provider's structured-output dialect cannot express the registered schema."""

    def __init__(self, message: str, errors: tuple[ExportIssue, ...]) -> None:
        super().__init__(message)
        self.errors = errors
