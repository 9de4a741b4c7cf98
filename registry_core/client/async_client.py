"""``AsyncRegistryClient``: the registry's REST API from asyncio code."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar

import httpx

from registry_core.client import operations as op
from registry_core.client import retry as retries
from registry_core.client.answers import Registration
from registry_core.client.base import DEFAULT_URL, ClientSettings
from registry_core.client.calls import CONTENT_TYPE, Call, Operation
from registry_core.client.errors import read_answer, unavailable
from registry_core.client.operations import Reference, Schema
from registry_core.client.retry import RetryPolicy
from registry_core.errors import RegistryError
from registry_core.lifecycle import Proposal
from registry_core.models import (
    CompatibilityReport,
    SchemaRecord,
    SchemaType,
    SubjectVersion,
)

if TYPE_CHECKING:
    from registry_core.dialects.results import ExportResult
    from registry_core.responses import ResponseValidation

__all__ = ["AsyncRegistryClient"]

T = TypeVar("T")


class AsyncRegistryClient(ClientSettings):
    """The async twin of ``RegistryClient``: the same operations, awaited; one per event loop.

    Use it as an async context manager, or await ``close()``::

        async with AsyncRegistryClient("http://registry:8081", api_key=key) as registry:
            registered = await registry.register("chat-value", schema, "JSON")
            record = await registry.get_schema(registered.schema_id)

    Failures raise the exceptions of ``registry_core.errors`` (``SubjectNotFound``,
    ``IncompatibleSchema``, ``Forbidden``, ...), with the server's message. See ``ClientSettings``
    for the arguments; ``transport``, ``event_hooks`` and ``verify`` go to ``httpx.AsyncClient``.
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
        transport: httpx.AsyncBaseTransport | None = None,
        event_hooks: Mapping[str, list[Callable[..., Any]]] | None = None,
        verify: bool | str = True,
    ) -> None:
        super().__init__(
            base_url,
            api_key=api_key,
            username=username,
            timeout=timeout,
            retry=retry,
            cache_size=cache_size,
            cache_ttl=cache_ttl,
            headers=headers,
        )
        self._http = httpx.AsyncClient(
            **self.http_options(transport=transport, event_hooks=event_hooks, verify=verify)
        )

    # --- plumbing: the one place that does I/O ------------------------------------------------

    async def _send(self, call: Call) -> Any:
        content = call.content()
        headers = {"Content-Type": CONTENT_TYPE} if content is not None else None
        attempts = 0

        async def attempt() -> httpx.Response:
            nonlocal attempts
            attempts += 1
            return await self._http.request(
                call.method, call.path, params=call.params, content=content, headers=headers
            )

        try:
            response = await retries.send_async(self.retry, call, attempt)
        except httpx.TransportError as exc:
            raise unavailable(call, self.base_url, attempts, exc) from exc
        return read_answer(call, response)

    async def _run(self, operation: Operation[T]) -> T:
        try:
            call = next(operation)
            while True:
                try:
                    answer = await self._send(call)
                except RegistryError as exc:
                    call = operation.throw(exc)
                else:
                    call = operation.send(answer)
        except StopIteration as done:
            result: T = done.value
            return result

    async def close(self) -> None:
        """Close the connections; the client cannot be used afterwards."""
        await self._http.aclose()

    async def __aenter__(self) -> AsyncRegistryClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()

    # --- schemas and subjects -----------------------------------------------------------------

    async def register(
        self,
        subject: str,
        schema: Schema,
        schema_type: SchemaType | str = SchemaType.AVRO,
        references: Sequence[Reference] = (),
        *,
        normalize: bool | None = None,
    ) -> Registration:
        """Register ``schema`` under ``subject``; the same schema again gives the same id.

        Args:
            schema: the schema text, or a mapping that is JSON-encoded.
            schema_type: ``AVRO`` (Confluent's default) or ``JSON``.
            references: ``SchemaReference`` values or ``{name, subject, version}`` mappings.
            normalize: normalize before comparing; None leaves it to the subject's config.

        Raises ``IncompatibleSchema``, ``InvalidSchema``, ``ReviewRequired`` (a proposal was
        opened instead: see its ``proposal_id``), ``Forbidden``.
        """
        return await self._run(op.register(subject, schema, schema_type, references, normalize))

    async def get_schema(self, schema_id: int) -> SchemaRecord:
        """The schema with this global id, from the cache when it was fetched lately."""
        cached = self.schemas.get(schema_id)
        if cached is not None:
            return cached
        record = await self._run(op.get_schema(schema_id))
        self.schemas.put(record)
        return record

    async def get_version(
        self, subject: str, version: int | str = "latest", *, deleted: bool = False
    ) -> SubjectVersion:
        """One version of a subject (``latest`` by default); ``deleted`` also finds soft-deleted
        ones."""
        return await self._run(op.get_version(subject, version, deleted))

    async def subjects(self, *, prefix: str | None = None, deleted: bool = False) -> list[str]:
        """The subjects, optionally only those starting with ``prefix``."""
        return await self._run(op.subjects(prefix, deleted))

    async def versions(self, subject: str, *, deleted: bool = False) -> list[int]:
        """The version numbers of a subject, oldest first."""
        return await self._run(op.versions(subject, deleted))

    async def check(
        self,
        subject: str,
        schema: Schema,
        schema_type: SchemaType | str = SchemaType.AVRO,
        references: Sequence[Reference] = (),
        *,
        version: int | str | None = "latest",
    ) -> CompatibilityReport:
        """Whether ``schema`` could be registered: a report, never an exception for a verdict.

        ``version`` names the one version to compare with (Confluent's semantics, even for
        transitive levels); None compares with every version the subject's level requires.
        """
        return await self._run(op.check(subject, schema, schema_type, references, version))

    # --- data and LLM output ------------------------------------------------------------------

    async def validate(
        self, records: Sequence[Any], subject: str, version: int | str = "latest"
    ) -> dict[str, Any]:
        """Validate up to 10,000 records; the report counts failures by rule and lists them."""
        return await self._run(op.validate(records, subject, version))

    async def export(
        self,
        subject: str,
        version: int | str = "latest",
        *,
        dialect: str,
        profile: str | None = None,
    ) -> ExportResult:
        """A version in an LLM provider's structured-output dialect (``profile``: that dialect's
        default when None). An ``ExportResult``: ``schema`` is None when ``errors`` says the dialect
        cannot express the version; ``UnknownDialect`` for an unknown dialect or profile."""
        return await self._run(op.export(subject, version, dialect, profile))

    async def validate_response(
        self,
        output: Any,
        subject: str,
        version: int | str = "latest",
        *,
        dialect: str | None = None,
        profile: str | None = None,
    ) -> ResponseValidation:
        """Check a model's output (its raw text, or the parsed JSON value) against a version.

        With the ``dialect`` (and ``profile``) the version was exported to, the reply is read in
        the exported shape: a ``{"value": ...}`` root wrap undone, the nulls OpenAI strict mode
        puts on absent optional properties dropped. A ``ResponseValidation``: ``valid``, the
        ``value`` checked, ``errors`` (``Issue``: path, rule, message) and the
        ``repair_instruction`` to send back to the model.
        """
        return await self._run(op.validate_response(output, subject, version, dialect, profile))

    # --- governance ---------------------------------------------------------------------------

    async def propose(
        self,
        subject: str,
        schema: Schema,
        schema_type: SchemaType | str = SchemaType.AVRO,
        references: Sequence[Reference] = (),
        *,
        note: str | None = None,
        draft: bool = False,
    ) -> Proposal:
        """Propose a new version of ``subject`` for review (a ``draft`` waits for
        ``submit_proposal``). Sent once: never retried after it may have reached the server."""
        return await self._run(op.propose(subject, schema, schema_type, references, note, draft))

    async def review(
        self, proposal_id: int, *, approve: bool, comment: str | None = None
    ) -> Proposal:
        """Approve (which registers the version) or reject (a comment is required) a proposal.

        The author cannot approve their own proposal (``Forbidden``: four eyes).
        """
        return await self._run(op.review(proposal_id, approve, comment))

    async def submit_proposal(self, proposal_id: int) -> Proposal:
        """Send a draft to review (the author or an admin)."""
        return await self._run(op.proposal_action(proposal_id, "submit"))

    async def discard_proposal(self, proposal_id: int) -> Proposal:
        """Drop a draft (the author or an admin)."""
        return await self._run(op.proposal_action(proposal_id, "discard"))

    async def get_proposal(self, proposal_id: int) -> Proposal:
        """One proposal with its compatibility report and diff."""
        return await self._run(op.get_proposal(proposal_id))

    async def proposals(
        self,
        *,
        state: str | None = None,
        subject: str | None = None,
        author: str | None = None,
        limit: int = 500,
    ) -> list[Proposal]:
        """Proposals, newest first, filtered by state (``IN_REVIEW``, ...), subject or author."""
        return await self._run(op.proposals(state, subject, author, limit))
