"""The Python SDK: the registry's REST API as ``RegistryClient`` and ``AsyncRegistryClient``.

::

    from registry_core.client import RegistryClient

    with RegistryClient("http://127.0.0.1:8081", username="svc", api_key=key) as registry:
        registered = registry.register("chat-value", schema, "JSON")
        report = registry.check("chat-value", next_schema, "JSON")

The client talks HTTP only (it imports neither the service nor the storage layer), raises the
exceptions of ``registry_core.errors``, retries what is safe to retry (``RetryPolicy``) and caches
schemas by id. See ``docs/sdk.md``.
"""

from __future__ import annotations

from registry_core.client.answers import Registration
from registry_core.client.async_client import AsyncRegistryClient
from registry_core.client.base import DEFAULT_URL
from registry_core.client.errors import RegistryUnavailable, UnexpectedResponse
from registry_core.client.retry import NO_RETRIES, RetryPolicy
from registry_core.client.sync_client import RegistryClient

__all__ = [
    "DEFAULT_URL",
    "NO_RETRIES",
    "AsyncRegistryClient",
    "Registration",
    "RegistryClient",
    "RegistryUnavailable",
    "RetryPolicy",
    "UnexpectedResponse",
]
