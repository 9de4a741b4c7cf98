"""The server's refusals as the core's exceptions, and the two failures only a client has.

The server answers every error as ``{"error_code": N, "message": "..."}``. The client raises the
class of ``registry_core.errors`` that declares ``N`` (found by walking the exception tree, so a
class added there is understood here without a change), with the server's message unchanged::

    40401 -> SubjectNotFound, 40403 -> SchemaNotFound, 40301 -> Forbidden, 50001 -> StoreError

Two rules cover what the wire cannot say by code alone: 409 and 40901 are Confluent's
incompatible-schema codes (the server's own handler special-cases ``IncompatibleSchema`` the
same way), and a 42205 that names a proposal is ``ReviewRequired``. An unknown code falls back
by HTTP status to the family class (404 ``NotFound``, 409 ``Conflict``, 400 and 422
``InvalidInput``, 401 ``Unauthenticated``, 403 ``Forbidden``), else ``RegistryError``.

Client-only failures, both ``RegistryError``::

    RegistryUnavailable    no answer (connect error, timeout) after the allowed attempts
    UnexpectedResponse     an answer the client cannot read (not JSON, or the wrong shape)
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Iterator, Mapping
from functools import cache
from typing import Any

import httpx

from registry_core import errors as core
from registry_core.client.calls import Call
from registry_core.client.retry import IDEMPOTENT_RETRIES, retried_on
from registry_core.errors import (
    IncompatibleSchema,
    InvalidInput,
    OperationNotPermitted,
    RegistryError,
    ReviewRequired,
)

__all__ = ["RegistryUnavailable", "UnexpectedResponse", "error_from_response", "read_answer"]

# Confluent answers an incompatible schema with 409 (40901 since Dec 2025)
INCOMPATIBLE_CODES = (409, 40901)
_PROPOSAL = re.compile(r"\bproposal (\d+)\b")


class RegistryUnavailable(RegistryError):
    """The registry did not answer (refused connection, timeout, dropped connection, a proxy
    that refused the tunnel)."""

    http_status = 503


class UnexpectedResponse(RegistryError):
    """The registry answered something this client cannot read."""

    http_status = 502


def _core_classes() -> Iterator[tuple[int, type[RegistryError]]]:
    """Every exception class of ``registry_core.errors`` with its depth in the tree."""
    stack: list[tuple[int, type[RegistryError]]] = [(0, RegistryError)]
    while stack:
        depth, cls = stack.pop()
        if cls.__module__ == core.__name__:  # not the API's or this module's subclasses
            yield depth, cls
        stack += [(depth + 1, sub) for sub in cls.__subclasses__()]


@cache
def classes_by_code() -> Mapping[int, type[RegistryError]]:
    """``error_code`` -> the class that declares it (the deepest, when two do)."""
    table: dict[int, type[RegistryError]] = {}
    for _, cls in sorted(_core_classes(), key=lambda item: item[0]):
        # a class that inherits its parent's code is a refinement the wire cannot tell apart
        if "error_code" in vars(cls):
            table[cls.error_code] = cls
    for code in INCOMPATIBLE_CODES:
        table[code] = IncompatibleSchema
    return table


@cache
def classes_by_status() -> Mapping[int, type[RegistryError]]:
    """HTTP status -> the most general class answered with it (404 -> NotFound, ...)."""
    table: dict[int, type[RegistryError]] = {}
    for _, cls in sorted(_core_classes(), key=lambda item: item[0]):
        table.setdefault(cls.http_status, cls)
    table.setdefault(400, InvalidInput)  # a malformed request: a bad query parameter or body
    return table


def _instantiate(
    cls: type[RegistryError], message: str, context: Mapping[str, Any]
) -> RegistryError:
    """``cls`` carrying the server's message; attributes its constructor would set (``subject``,
    ``proposal_id``) come from ``context``."""
    params = list(inspect.signature(cls.__init__).parameters.values())[1:]
    takes_message = bool(params) and params[0].name == "message"
    if takes_message and all(p.default is not inspect.Parameter.empty for p in params[1:]):
        return cls(message)
    exc = cls.__new__(cls)
    RegistryError.__init__(exc, message)
    for param in params:
        if param.name != "message":
            setattr(exc, param.name, context.get(param.name))
    return exc


def error_from_response(call: Call, response: httpx.Response) -> RegistryError:
    """The exception for an error answer to ``call``; the server's message is kept as is."""
    status = response.status_code
    code: int | None = None
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("message"), str):
        message: str = body["message"]
        raw_code = body.get("error_code")
        code = raw_code if isinstance(raw_code, int) and not isinstance(raw_code, bool) else None
    else:
        text = response.text.strip()[:300]
        message = f"HTTP {status} {response.reason_phrase}" + (f": {text}" if text else "")
    cls = classes_by_code().get(code) if code is not None else None
    if cls is None:
        cls = classes_by_status().get(status, RegistryError)
    context = dict(call.context)
    named = _PROPOSAL.search(message)
    if cls is OperationNotPermitted and named is not None:
        cls, context["proposal_id"] = ReviewRequired, int(named.group(1))
    exc = _instantiate(cls, message, context)
    exc.http_status = status  # what the wire said, for callers that log or branch on it
    exc.error_code = code if code is not None else status
    exc.add_note(f"{call.describe()} answered HTTP {status}, error_code {exc.error_code}")
    return exc


def read_answer(call: Call, response: httpx.Response) -> Any:
    """The decoded JSON of a success answer; raises the mapped error for a failure."""
    if not response.is_success:
        raise error_from_response(call, response)
    if not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        raise UnexpectedResponse(
            f"{call.describe()}: HTTP {response.status_code} with a body that is not JSON: "
            f"{response.text[:200]!r}"
        ) from None


def unavailable(call: Call, base_url: str, attempts: int, exc: Exception) -> RegistryUnavailable:
    """The error for a request that got no answer after ``attempts`` tries."""
    why = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    tries = "1 attempt" if attempts == 1 else f"{attempts} attempts"
    message = f"{call.describe()} at {base_url}: no answer ({why}) after {tries}"
    if not isinstance(exc, retried_on(call)):
        message += (
            "; not retried, since the request may have reached the server"
            if isinstance(exc, IDEMPOTENT_RETRIES)  # so only an idempotent request may repeat it
            else f"; not retried: a repeat does not cure a {type(exc).__name__}"
        )
    return RegistryUnavailable(message)
