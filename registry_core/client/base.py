"""What the sync and the async client share: their settings, and no I/O."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from registry_core.client.cache import SchemaCache
from registry_core.client.calls import http_options
from registry_core.client.retry import RetryPolicy

__all__ = ["DEFAULT_URL", "ClientSettings"]

DEFAULT_URL = "http://127.0.0.1:8081"


class ClientSettings:
    """Where the registry is, how to authenticate, how patiently to retry, what to cache.

    Args:
        base_url: the registry's root URL (``llmsr serve`` listens on port 8081).
        api_key: an API key (``llmsr users add``); sent as HTTP Basic with ``username``, else as
            a Bearer token. Without one the client is anonymous, which a registry with users
            refuses (``Unauthenticated``).
        username: the key's user, for HTTP Basic (as Confluent clients send it).
        timeout: seconds per request attempt (or an ``httpx.Timeout``).
        retry: the ``RetryPolicy``; ``NO_RETRIES`` sends every request once.
        cache_size: how many schemas by id to keep (0 turns the cache off).
        cache_ttl: seconds a cached schema is kept.
        headers: extra headers for every request.
    """

    def __init__(
        self,
        base_url: str = DEFAULT_URL,
        *,
        api_key: str | None = None,
        username: str | None = None,
        timeout: float | httpx.Timeout = 10.0,
        retry: RetryPolicy | None = None,
        cache_size: int = 1024,
        cache_ttl: float = 300.0,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.retry = retry if retry is not None else RetryPolicy()
        self.schemas = SchemaCache(cache_size, cache_ttl)
        self._http_options = http_options(
            self.base_url, api_key=api_key, username=username, timeout=timeout, headers=headers
        )

    def http_options(self, **extra: Any) -> dict[str, Any]:
        """Keyword arguments for ``httpx.Client`` or ``httpx.AsyncClient``."""
        return {**self._http_options, **{k: v for k, v in extra.items() if v is not None}}

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.base_url!r})"
