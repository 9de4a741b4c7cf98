"""Which structured-output dialect each LLM provider takes (``registry_core.dialects`` names)."""

from __future__ import annotations

from registry_core.dialects import DIALECTS
from registry_core.errors import UnknownDialect

__all__ = ["DIALECTS", "PROVIDER_DIALECTS", "dialect_for"]

# What ``with_structured_output(..., method="json_schema")`` or a provider SDK sends.
PROVIDER_DIALECTS = {
    "openai": "openai",
    "anthropic": "anthropic",
    "google": "gemini-json",
    "gemini": "gemini-json",
    "ollama": "ollama",
    "vllm": "vllm-xgrammar",
}


def dialect_for(provider: str) -> str:
    """The dialect of a provider name (``openai``, ``google``...) or a dialect name itself."""
    key = provider.strip().lower()
    if key in PROVIDER_DIALECTS:
        return PROVIDER_DIALECTS[key]
    if key in DIALECTS:
        return key
    raise UnknownDialect(
        f"provider {provider!r} is not one of {', '.join(PROVIDER_DIALECTS)} (nor a dialect: "
        f"{', '.join(DIALECTS)})"
    )
