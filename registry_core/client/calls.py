"""One HTTP exchange as a value: what to send, whether it may be sent again, what it is about.

The operations (``operations.py``) are generators that yield ``Call`` values and receive the
decoded JSON answers, so request building and answer parsing exist once; the sync and the async
client differ only in how they carry a ``Call`` over the wire (the "sans-I/O" shape).
"""

from __future__ import annotations

import enum
import json
from collections.abc import Generator, Mapping
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any, TypeAlias, TypeVar
from urllib.parse import quote

import httpx

from registry_core.errors import InvalidInput, InvalidSubject
from registry_core.models import LATEST, parse_version

__all__ = ["ACCEPT", "CONTENT_TYPE", "NOTHING_SENT", "Call", "Operation", "Safety", "http_options"]

CONTENT_TYPE = "application/vnd.schemaregistry.v1+json"
# what Confluent's clients accept, in their order of preference
ACCEPT = f"{CONTENT_TYPE}, application/vnd.schemaregistry+json, application/json"

T = TypeVar("T")

try:  # not ``registry_core.__version__``: the package root reaches the service layer
    USER_AGENT = f"llmsr-python/{metadata.version('llm-schema-registry')}"
except metadata.PackageNotFoundError:  # running from a source tree that was not installed
    USER_AGENT = "llmsr-python"

# failures that happen before a byte of the request left: any request may be tried again
NOTHING_SENT: tuple[type[httpx.TransportError], ...] = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
)


class Safety(enum.Enum):
    """Whether a request may be sent again after it may have reached the server."""

    IDEMPOTENT = "idempotent"  # reads, and writes the server deduplicates (register)
    UNSAFE = "unsafe"  # writes that must not happen twice (a proposal, a review)


@dataclass(frozen=True, kw_only=True, slots=True)
class Call:
    """One request: ``path`` is already percent-encoded; ``body`` is a JSON value or None.

    ``context`` names what the request is about (``subject``, ``version``, ``proposal_id``); it
    fills the matching attributes of the error raised when the server refuses.
    """

    method: str
    path: str
    params: Mapping[str, str] = field(default_factory=dict)
    body: Any = None
    safety: Safety = Safety.IDEMPOTENT
    context: Mapping[str, Any] = field(default_factory=dict)

    def describe(self) -> str:
        """``METHOD /path?query`` for messages."""
        query = str(httpx.QueryParams(dict(self.params)))
        return f"{self.method} {self.path}" + (f"?{query}" if query else "")

    def content(self) -> bytes | None:
        """The body as bytes; a value JSON cannot hold is refused here, before anything is sent."""
        if self.body is None:
            return None
        try:
            return json.dumps(self.body, ensure_ascii=False, separators=(",", ":")).encode()
        except (TypeError, ValueError) as exc:
            raise InvalidInput(f"{self.describe()}: the request body is not JSON: {exc}") from None


# An operation yields the calls it needs and returns its result; the client sends each call and
# sends back the decoded answer, or throws the mapped RegistryError into the generator.
Operation: TypeAlias = Generator[Call, Any, T]


def subject_segment(subject: str) -> str:
    """A subject as one path segment (``a/b`` becomes ``a%2Fb``, as Confluent clients send it)."""
    if not isinstance(subject, str) or not subject:
        raise InvalidSubject(f"Invalid subject {subject!r}: a subject is a non-empty string")
    return quote(subject, safe="")


def version_segment(version: int | str) -> str:
    """A version as the API reads it; an invalid one is refused before any request."""
    number = parse_version(version)
    return "latest" if number == LATEST else str(number)


def schema_text(schema: str | Mapping[str, Any]) -> str:
    """The schema as the API takes it: a string; a mapping is JSON-encoded for the caller."""
    if isinstance(schema, str):
        return schema
    return json.dumps(schema, separators=(",", ":"))


def http_options(
    base_url: str,
    *,
    api_key: str | None,
    username: str | None,
    timeout: float | httpx.Timeout,
    headers: Mapping[str, str] | None,
) -> dict[str, Any]:
    """Keyword arguments shared by ``httpx.Client`` and ``httpx.AsyncClient``.

    The server takes an API key as HTTP Basic ``username:key`` (what Confluent clients send as
    ``basic.auth.user.info``) or as ``Authorization: Bearer <key>``: a key with a user name goes
    as Basic, a key alone as Bearer.
    """
    if username is not None and api_key is None:
        raise InvalidInput("username given without api_key: the registry authenticates by API key")
    sent = {
        "Accept": ACCEPT,
        "User-Agent": USER_AGENT,
        # newer servers may add fields; Confluent clients announce they ignore unknown ones
        "Confluent-Accept-Unknown-Properties": "true",
    }
    auth: tuple[str, str] | None = None
    if api_key is not None and username is not None:
        auth = (username, api_key)
    elif api_key is not None:
        sent["Authorization"] = f"Bearer {api_key}"
    sent.update(headers or {})
    return {"base_url": base_url.rstrip("/"), "timeout": timeout, "headers": sent, "auth": auth}
