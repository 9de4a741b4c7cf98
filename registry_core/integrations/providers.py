"""Which structured-output dialect a provider name means (``registry_core.dialects`` names).

A dialect name is always taken as itself: ``gemini`` is Gemini's ``responseSchema`` (the OpenAPI
subset), ``gemini-json`` its ``responseJsonSchema``. The aliases below are provider names that
are not dialect names, each mapped to the dialect that provider's SDK recommends.
"""

from __future__ import annotations

from registry_core.dialects import DIALECTS
from registry_core.errors import UnknownDialect

__all__ = ["DIALECTS", "PROVIDER_ALIASES", "PROVIDER_DIALECTS", "dialect_for"]

# What ``with_structured_output(..., method="json_schema")`` or the provider's SDK sends.
PROVIDER_ALIASES = {
    "google": "gemini-json",  # google-genai: response_json_schema is the recommended input
    "vllm": "vllm-xgrammar",  # vLLM's default structured-output backend
}
# Every accepted name and its dialect; a dialect name stays itself even if an alias had it.
PROVIDER_DIALECTS = {**PROVIDER_ALIASES, **{d: d for d in DIALECTS}}


def dialect_for(provider: str) -> str:
    """The dialect of a dialect name (``openai``, ``gemini``...), taken as itself, or of a
    provider alias (``google``, ``vllm``)."""
    key = provider.strip().lower()
    if key in DIALECTS:
        return key
    if key in PROVIDER_ALIASES:
        return PROVIDER_ALIASES[key]
    aliases = ", ".join(f"{a} ({d})" for a, d in PROVIDER_ALIASES.items())
    raise UnknownDialect(
        f"provider {provider!r} is neither a dialect ({', '.join(DIALECTS)}) nor a provider "
        f"alias ({aliases})"
    )
