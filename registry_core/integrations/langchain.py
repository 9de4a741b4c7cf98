"""LangChain adapter: prompt templates checked against a schema, structured-output schemas from the
registry, and a Runnable that validates a model's output and tags the run with the version used.

Needs the ``langchain`` extra (``pip install 'llm-schema-registry[langchain]'``)::

    structured = model.with_structured_output(
        as_structured_output(registry, "answers-value", "openai"), method="json_schema", strict=True
    )
    chain = prompt | structured | validating(registry, "answers-value", provider="openai")
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Literal

from registry_core.dialects import get_profile
from registry_core.integrations.errors import (
    MissingExtra,
    ResponseInvalid,
    StructuredOutputUnavailable,
)
from registry_core.integrations.prompt_check import (
    ProblemKind,
    TemplateCheck,
    TemplateProblem,
    check_uses,
)
from registry_core.integrations.providers import PROVIDER_DIALECTS, dialect_for
from registry_core.integrations.registered import load
from registry_core.integrations.templates import (
    TemplateSyntaxError,
    Usage,
    VariableUse,
    template_variables,
)
from registry_core.models import LATEST
from registry_core.service.llm import export_name

try:
    from langchain_core.messages import BaseMessage
    from langchain_core.prompts import BasePromptTemplate, ChatPromptTemplate, MessagesPlaceholder
    from langchain_core.runnables import Runnable, RunnableConfig
    from langchain_core.runnables.config import ensure_config, merge_configs
except ImportError as exc:  # pragma: no cover - exercised in a subprocess without the extra
    raise MissingExtra("langchain", "langchain-core") from exc

if TYPE_CHECKING:
    from registry_core.responses import ResponseValidation
    from registry_core.service import Registry

__all__ = [
    "PROVIDER_DIALECTS",
    "TemplateCheck",
    "ValidatingRunnable",
    "as_structured_output",
    "check_prompt_template",
    "validating",
]


def check_prompt_template(
    template: str | BasePromptTemplate[Any],
    registry: Registry,
    subject: str,
    version: int | str = LATEST,
    *,
    template_format: str = "f-string",
) -> TemplateCheck:
    """Check a prompt template's variables against a registered prompt-input schema.

    Args:
        template: template text (in ``template_format``), a ``PromptTemplate`` or a
            ``ChatPromptTemplate`` (every message is read; a ``MessagesPlaceholder`` must be
            bound to an array property).
        template_format: the format of a plain string: f-string, jinja2 or mustache.

    Returns:
        Every problem: variables the schema lacks and wrong types (errors); required properties
        never used, a declared ``input_variables`` that disagrees with the text (warnings).
    """
    schema = load(registry, subject, version)
    uses: list[VariableUse] = []
    problems: list[TemplateProblem] = []
    declared: list[str] | None = None
    provided: Iterable[str] = ()
    if isinstance(template, str):
        _parse(template, template_format, "", uses, problems)
    elif isinstance(template, ChatPromptTemplate):
        for index, message in enumerate(template.messages):
            _read_message(message, f"messages[{index}]", uses, problems)
        declared = [*template.input_variables, *template.optional_variables]
        provided = template.partial_variables
    elif isinstance(template, BasePromptTemplate) and hasattr(template, "template"):
        _read_prompt(template, "", uses, problems)
        declared, provided = list(template.input_variables), template.partial_variables
    else:
        raise TypeError(
            f"cannot read the variables of a {type(template).__name__}: pass template text, a "
            "PromptTemplate or a ChatPromptTemplate"
        )
    return check_uses(uses, schema, declared=declared, provided=provided, extra_problems=problems)


def _parse(
    text: str, fmt: str, where: str, uses: list[VariableUse], problems: list[TemplateProblem]
) -> None:
    try:
        found = template_variables(text, fmt, where)
    except TemplateSyntaxError as exc:
        at = f" ({where})" if where else ""
        problems.append(
            TemplateProblem(kind=ProblemKind.SYNTAX, variable=None, message=f"{exc}{at}")
        )
        return
    uses.extend(found)
    if fmt == "f-string":
        for use in found:
            if use.usage is Usage.ATTRIBUTE:
                problems.append(
                    TemplateProblem(
                        kind=ProblemKind.FRAMEWORK_REJECTS,
                        variable=use.name,
                        message=f"LangChain's f-string templates refuse {use.expression} "
                        "(attribute access or indexing); use template_format='jinja2' or "
                        "'mustache' for nested values",
                    )
                )


def _read_prompt(
    prompt: Any, where: str, uses: list[VariableUse], problems: list[TemplateProblem]
) -> None:
    """A string prompt, or an image/dict prompt whose template is a dict of strings."""
    fmt = getattr(prompt, "template_format", "f-string")
    body = getattr(prompt, "template", None)
    texts = _strings(body)
    for text in texts:
        _parse(text, fmt, where, uses, problems)


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def _read_message(
    message: Any, where: str, uses: list[VariableUse], problems: list[TemplateProblem]
) -> None:
    if isinstance(message, MessagesPlaceholder):
        uses.append(
            VariableUse(
                name=message.variable_name,
                usage=Usage.PLACEHOLDER,
                expression=f"MessagesPlaceholder('{message.variable_name}')",
                where=where,
                optional=message.optional,
            )
        )
    elif isinstance(message, BaseMessage):
        return  # a fixed message: no variables
    else:
        prompt = getattr(message, "prompt", None)
        for part in prompt if isinstance(prompt, list) else [prompt]:
            if part is not None:
                _read_prompt(part, where, uses, problems)


def as_structured_output(
    registry: Registry,
    subject: str,
    provider: str,
    version: int | str = LATEST,
    *,
    profile: str | None = None,
) -> dict[str, Any]:
    """The dict schema ``llm.with_structured_output(schema, method="json_schema", strict=True)``
    takes: the version exported to the provider's dialect, with the top-level ``title`` LangChain
    needs as the schema's name (derived from the subject) and a ``description``.

    Raises:
        UnknownDialect: ``provider`` is neither a dialect name nor a provider alias
            (``PROVIDER_DIALECTS`` lists both).
        StructuredOutputUnavailable: the dialect cannot express the schema (lists why).
    """
    dialect = dialect_for(provider)
    found = registry.get_version(subject, version)
    result = registry.export(subject, found.version, dialect=dialect, profile=profile)
    label = f"subject '{subject}' version {found.version} (schema id {found.schema_id})"
    if not result.ok or result.schema is None:
        reasons = "; ".join(f"{e.path or '/'} ({e.keyword}): {e.message}" for e in result.errors)
        raise StructuredOutputUnavailable(
            f"{provider} ({dialect} dialect) cannot express {label}: {reasons}. Change the "
            f"schema, or validate outputs with validating() after a looser json_mode call",
            result.errors,
        )
    schema = dict(result.schema)
    original_title = schema.pop("title", None)
    description = schema.pop("description", None) or original_title
    return {
        "title": export_name(subject),
        "description": description or f"A response matching {label}",
        **schema,
    }


class ValidatingRunnable(Runnable[Any, Any]):
    """Checks a model's output against a registered version; the run is tagged with it.

    Takes an ``AIMessage`` (its text, or its first tool call's arguments when it has no text),
    text, a dict or a Pydantic model. ``on_invalid="raise"`` returns the parsed JSON value and
    raises ``ResponseInvalid`` (carrying the repair instruction) on a failure;
    ``on_invalid="return"`` always returns the ``ResponseValidation``.

    After a model asked for ``as_structured_output(..., provider)``, pass the same ``provider``
    (or its ``dialect``, and the ``profile`` if one was chosen): the reply then follows the
    exported schema, and is first restored to the registered one (a non-object root unwrapped
    from ``{"value": ...}``, the nulls OpenAI strict mode puts on absent optional properties
    dropped) before it is checked. The returned value is the restored one.

    The run gets the tags ``schema:<subject>`` and ``schema_ref:<schema_id>@<version>`` and the
    same in its metadata. ``"latest"`` is resolved once, when the runnable is built, so every
    output is checked against the version the tags name.
    """

    def __init__(
        self,
        registry: Registry,
        subject: str,
        version: int | str = LATEST,
        *,
        on_invalid: Literal["raise", "return"] = "raise",
        dialect: str | None = None,
        provider: str | None = None,
        profile: str | None = None,
    ) -> None:
        if on_invalid not in ("raise", "return"):
            raise ValueError(f"on_invalid must be 'raise' or 'return', not {on_invalid!r}")
        self.dialect = _reply_dialect(dialect, provider, profile)
        self.profile = profile
        found = registry.get_version(subject, version)
        self.registry = registry
        self.subject = subject
        self.version = found.version
        self.schema_id = found.schema_id
        self.schema_ref = f"{found.schema_id}@{found.version}"
        self.on_invalid = on_invalid
        self.name = f"validate:{subject}"
        self._tags: RunnableConfig = {
            "tags": [f"schema:{subject}", f"schema_ref:{self.schema_ref}"],
            "metadata": {
                "schema_subject": subject,
                "schema_version": found.version,
                "schema_id": found.schema_id,
                "schema_ref": self.schema_ref,
            },
        }

    def invoke(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> Any:
        merged = merge_configs(ensure_config(config), self._tags)
        return self._call_with_config(self._check, input, merged, run_type="parser")

    def _check(self, output: Any) -> Any:
        validation: ResponseValidation = self.registry.validate_response(
            _payload(output),
            self.subject,
            self.version,
            dialect=self.dialect,
            profile=self.profile,
        )
        if self.on_invalid == "return":
            return validation
        if not validation.valid:
            raise ResponseInvalid(validation)
        return validation.value


def validating(
    registry: Registry,
    subject: str,
    version: int | str = LATEST,
    on_invalid: Literal["raise", "return"] = "raise",
    *,
    dialect: str | None = None,
    provider: str | None = None,
    profile: str | None = None,
) -> ValidatingRunnable:
    """``model | validating(registry, subject)``: see ``ValidatingRunnable``."""
    return ValidatingRunnable(
        registry,
        subject,
        version,
        on_invalid=on_invalid,
        dialect=dialect,
        provider=provider,
        profile=profile,
    )


def _reply_dialect(dialect: str | None, provider: str | None, profile: str | None) -> str | None:
    """The dialect replies are read in (None: as the registered schema), checked now so that a
    wrong name fails when the chain is built rather than at its first reply."""
    if dialect is not None and provider is not None:
        raise ValueError(
            f"pass dialect ({dialect!r}) or provider ({provider!r}), not both: the provider "
            "names a dialect"
        )
    if dialect is None and provider is None:
        if profile is not None:
            raise ValueError(f"profile {profile!r} needs the dialect or provider it belongs to")
        return None
    chosen = dialect_for(provider) if provider is not None else (dialect or "").strip().lower()
    get_profile(chosen, profile)  # UnknownDialect for an unknown dialect or profile
    return chosen


def _payload(output: Any) -> Any:
    """What to validate in a model's output."""
    if isinstance(output, dict) and {"raw", "parsed"} <= output.keys():
        # with_structured_output(include_raw=True): the parse if it worked, else the raw reply
        output = output["parsed"] if output["parsed"] is not None else output["raw"]
    if isinstance(output, BaseMessage):
        text = output.text
        calls = getattr(output, "tool_calls", None) or []
        if not text.strip() and calls:
            return calls[0]["args"]
        return text
    return output
