"""Adapters for the frameworks LLM applications are built with: LangChain, LlamaIndex, Pydantic.

Each adapter is a submodule that imports its framework, so importing this package costs nothing
and needs none of them::

    from registry_core.integrations.langchain import check_prompt_template, validating
    from registry_core.integrations.llamaindex import MetadataValidator, reindex_plan
    from registry_core.integrations.pydantic import model_from_schema, register_model

LangChain and LlamaIndex are optional extras (``pip install 'llm-schema-registry[langchain]'``,
``[llamaindex]``); Pydantic comes with the registry. The errors the adapters raise are here.
"""

from __future__ import annotations

from registry_core.integrations.errors import (
    MissingExtra,
    ResponseInvalid,
    StructuredOutputUnavailable,
)

__all__ = ["MissingExtra", "ResponseInvalid", "StructuredOutputUnavailable"]
