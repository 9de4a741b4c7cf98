"""Deliver one change event to one destination: a signed webhook or a RabbitMQ topic exchange.

The dispatcher claims an outbox row, builds an :class:`Event`, and calls a transport's
``deliver``; a transport either returns (the destination accepted the event) or raises
:class:`DeliveryFailed` saying what failed and whether a retry can help. Retries, backoff and
dead-lettering belong to the dispatcher, never to a transport. Delivery is *at least once*: a
receiver may see the same event twice and must deduplicate on its ``id``.

Wire format, for receivers
--------------------------
The body is the same on every transport, canonical JSON in UTF-8 (sorted keys, no whitespace)::

    {"data":{...},"id":"<uuid>","subject":"orders-value","time":"2025-01-31T12:00:00.000000Z",
     "type":"schema.registered"}

``subject`` is ``null`` for events that concern no subject.

**Webhook.** ``POST`` to the configured URL with these headers::

    Content-Type:       application/json
    User-Agent:         llmsr-dispatcher/<version>
    X-LLMSR-Event-Id:   <uuid>               (the body's "id")
    X-LLMSR-Event-Type: schema.registered    (the body's "type")
    X-LLMSR-Timestamp:  1738324800           (unix seconds when this attempt was sent)
    X-LLMSR-Signature:  sha256=<hex>

The signature is ``HMAC-SHA256(secret, f"{timestamp}." + body)`` over the raw body bytes, hex
encoded, so a receiver verifies it before parsing the JSON (see :func:`verify_signature`) and
rejects a timestamp far from its clock, which stops replays of captured requests. Any 2xx answer
acknowledges the event; redirects are not followed. 408, 409, 425, 429 and 5xx answers (and
network errors, timeouts) are retried later; any other answer is a permanent failure.

**RabbitMQ.** The event is published to a durable *topic* exchange (``llmsr.events`` unless
configured) with the event type as routing key, so a consumer binds its queue with
``schema.registered``, ``schema.*`` or ``#``. Properties: ``content_type=application/json``,
``delivery_mode=2`` (persistent), ``message_id`` = event id, ``type`` = event type,
``timestamp`` = event time (unix seconds), ``app_id=llmsr``, and header ``subject`` when the event
has one. The publish counts as delivered once the broker confirms it (publisher confirms). The
message is not ``mandatory``: an event whose type no queue is bound to is confirmed and dropped by
the broker, so declare and bind consumer queues before relying on them.
"""

from __future__ import annotations

import hmac
import importlib.metadata
import json
import re
import socket
import time as _time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Protocol, Self

import httpx
import pika
import pika.exceptions
from pika.adapters.utils.connection_workflow import (
    AMQPConnectorException,
    AMQPConnectorStackTimeout,
)

__all__ = [
    "DeliveryFailed",
    "Event",
    "RabbitMQTransport",
    "Transport",
    "WebhookTransport",
    "sign",
    "verify_signature",
]

_EVENT_TYPE = re.compile(r"[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*")
_RETRYABLE_CLIENT_ERRORS = frozenset({408, 409, 425, 429})
_EXCERPT_CHARS = 200
_DRAIN_BYTES = 64 * 1024  # read this much of a 2xx answer so the connection can be reused


def _package_version() -> str:
    try:
        return importlib.metadata.version("llm-schema-registry")
    except importlib.metadata.PackageNotFoundError:
        return "0"


USER_AGENT = f"llmsr-dispatcher/{_package_version()}"


@dataclass(frozen=True, kw_only=True, slots=True)
class Event:
    """One change event, as every transport sends it.

    Args:
        event_id: A UUID string, the same on every attempt: receivers deduplicate on it.
        type: Dot-separated event type such as ``schema.registered``; the AMQP routing key.
        subject: The subject the event concerns, or None.
        data: The event's payload; must be JSON-serialisable.
        time: When the change happened, timezone-aware (sent as UTC).
    """

    event_id: str
    type: str
    subject: str | None
    data: dict[str, Any]
    time: datetime

    def __post_init__(self) -> None:
        try:
            uuid.UUID(self.event_id)
        except (ValueError, TypeError, AttributeError):
            raise ValueError(
                f"event_id {self.event_id!r} is not a UUID string "
                "(receivers deduplicate on it, e.g. str(uuid.uuid4()))"
            ) from None
        if not _EVENT_TYPE.fullmatch(self.type) or len(self.type.encode()) > 255:
            raise ValueError(
                f"event type {self.type!r} must be dot-separated words of letters, digits, '_' or "
                "'-' (at most 255 bytes), e.g. 'schema.registered': it is the AMQP routing key"
            )
        if self.time.tzinfo is None or self.time.utcoffset() is None:
            raise ValueError(
                f"event time {self.time.isoformat()} is naive; pass a timezone-aware datetime "
                "such as datetime.now(UTC)"
            )

    def body(self) -> bytes:
        """The canonical JSON bytes that are signed and sent (sorted keys, compact, UTF-8)."""
        document = {
            "id": self.event_id,
            "type": self.type,
            "subject": self.subject,
            "time": self.time.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "data": self.data,
        }
        text = json.dumps(
            document, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
        )
        return text.encode("utf-8")


class DeliveryFailed(Exception):
    """A destination did not accept an event.

    Attributes:
        reason: One line naming what failed, e.g. ``webhook https://x/y answered 503 ...``.
        retryable: Whether a later attempt can succeed (network errors, timeouts, 5xx, 408, 409,
            425, 429, any RabbitMQ failure); False for answers that will not change on retry.
        status: The HTTP status a webhook answered with, if it answered.
        retry_after: Seconds the receiver asked us to wait (``Retry-After``), if it said.
    """

    def __init__(
        self,
        reason: str,
        *,
        retryable: bool,
        status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable
        self.status = status
        self.retry_after = retry_after

    def __reduce__(self) -> tuple[Any, ...]:
        # keyword-only arguments do not survive the default Exception pickling
        return (_rebuild_failure, (self.reason, self.retryable, self.status, self.retry_after))


def _rebuild_failure(
    reason: str, retryable: bool, status: int | None, retry_after: float | None
) -> DeliveryFailed:
    return DeliveryFailed(reason, retryable=retryable, status=status, retry_after=retry_after)


class Transport(Protocol):
    """What the dispatcher needs from a destination."""

    def deliver(self, event: Event) -> None: ...

    def close(self) -> None: ...


def sign(secret: str, body: bytes, timestamp: int) -> str:
    """The ``X-LLMSR-Signature`` value: ``sha256=`` + hex HMAC-SHA256 of ``f"{timestamp}." + body``.

    Args:
        secret: The webhook's shared secret.
        body: The exact bytes sent, i.e. :meth:`Event.body`.
        timestamp: Unix seconds, also sent as ``X-LLMSR-Timestamp``.
    """
    message = f"{timestamp}.".encode() + body
    return "sha256=" + hmac.new(secret.encode(), message, "sha256").hexdigest()


def verify_signature(
    secret: str,
    body: bytes,
    timestamp: int | str,
    signature: str,
    *,
    tolerance_s: float = 300,
    now: float | None = None,
) -> bool:
    """Whether ``signature`` signs ``body`` at ``timestamp`` with ``secret``, and is fresh.

    Args:
        secret: The webhook's shared secret.
        body: The raw request body, before any JSON parsing.
        timestamp: The ``X-LLMSR-Timestamp`` header (unix seconds, as int or the header string).
        signature: The ``X-LLMSR-Signature`` header.
        tolerance_s: Reject timestamps further than this from ``now`` in either direction.
        now: The current unix time; the system clock if None.

    Returns:
        True only if the timestamp is within tolerance and the signature matches (compared in
        constant time).
    """
    try:
        ts = int(timestamp)
    except (TypeError, ValueError):
        return False
    current = _time.time() if now is None else now
    if abs(current - ts) > tolerance_s:
        return False
    return hmac.compare_digest(sign(secret, body, ts), signature)


def _one_line(text: str) -> str:
    return " ".join(text.split())


class WebhookTransport:
    """POST each event, signed, to one URL. Safe to share between threads, as httpx.Client is.

    Args:
        url: The receiver's ``http://`` or ``https://`` URL.
        secret: Shared secret for the ``X-LLMSR-Signature`` HMAC.
        timeout: Seconds allowed for connecting, and for each read or write.
        client: An ``httpx.Client`` to share (the caller closes it); by default the transport
            owns one and :meth:`close` closes it.
    """

    def __init__(
        self,
        url: str,
        secret: str,
        *,
        timeout: float = 10.0,
        client: httpx.Client | None = None,
    ) -> None:
        try:
            parsed = httpx.URL(url)
        except httpx.InvalidURL as exc:
            raise ValueError(f"webhook URL {url!r} is not a valid URL: {exc}") from None
        if parsed.scheme not in ("http", "https") or not parsed.host:
            raise ValueError(f"webhook URL {url!r} must be an absolute http:// or https:// URL")
        if not secret:
            raise ValueError(
                "webhook secret must not be empty: receivers verify signatures with it"
            )
        self.url = url
        self._secret = secret
        self._timeout = timeout
        self._owns_client = client is None
        self._client = client if client is not None else httpx.Client(timeout=timeout)
        # userinfo and query strings may hold credentials; reasons end up in logs and tables
        self._display = f"{parsed.scheme}://{parsed.netloc.decode('ascii')}{parsed.path}"
        port = parsed.port or (443 if parsed.scheme == "https" else 80)
        self._address = f"{parsed.host}:{port}"

    def deliver(self, event: Event) -> None:
        """POST the event; return on any 2xx answer, else raise :class:`DeliveryFailed`."""
        body = event.body()
        timestamp = int(_time.time())
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "X-LLMSR-Event-Id": event.event_id,
            "X-LLMSR-Event-Type": event.type,
            "X-LLMSR-Timestamp": str(timestamp),
            "X-LLMSR-Signature": sign(self._secret, body, timestamp),
        }
        try:
            with self._client.stream(
                "POST",
                self.url,
                content=body,
                headers=headers,
                timeout=self._timeout,
                follow_redirects=False,  # a redirect would re-send the signed body elsewhere
            ) as response:
                if response.is_success:
                    _read_at_most(response, _DRAIN_BYTES)
                    return
                excerpt = _read_at_most(response, 4 * _EXCERPT_CHARS)
        except httpx.TimeoutException as exc:
            raise DeliveryFailed(
                f"webhook {self._display} timed out after {self._timeout:g}s "
                f"({type(exc).__name__})",
                retryable=True,
            ) from exc
        except httpx.ConnectError as exc:
            raise DeliveryFailed(
                f"webhook {self._display}: {_connect_failure(exc, self._address)}", retryable=True
            ) from exc
        except httpx.TransportError as exc:
            raise DeliveryFailed(
                f"webhook {self._display}: {type(exc).__name__}: {_one_line(str(exc))}",
                retryable=True,
            ) from exc
        raise _answer_failure(self._display, response, excerpt)

    def close(self) -> None:
        """Close the HTTP client, unless it was passed in."""
        if self._owns_client:
            self._client.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"WebhookTransport({self._display!r})"


def _read_at_most(response: httpx.Response, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        chunks.append(chunk)
        size += len(chunk)
        if size >= limit:
            break
    return b"".join(chunks)[:limit]


def _connect_failure(exc: Exception, address: str) -> str:
    text = str(exc)
    if "refused" in text.lower():
        return f"connection refused to {address}"
    return f"could not connect to {address}: {_one_line(text)}"


def _answer_failure(display: str, response: httpx.Response, excerpt: bytes) -> DeliveryFailed:
    status = response.status_code
    reason = f"webhook {display} answered {status}"
    if response.reason_phrase:
        reason += f" {response.reason_phrase}"
    if 300 <= status < 400:
        location = response.headers.get("Location")
        target = f": {location}" if location else ""
        reason += f" (redirects are not followed; configure the final URL{target})"
    text = _one_line(excerpt.decode("utf-8", errors="replace"))[:_EXCERPT_CHARS]
    if text:
        reason += f": {text}"
    retryable = status >= 500 or status in _RETRYABLE_CLIENT_ERRORS
    return DeliveryFailed(
        reason,
        retryable=retryable,
        status=status,
        retry_after=_retry_after(response.headers.get("Retry-After")),
    )


def _retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds or an HTTP date), if it parses."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


# Everything pika (or the socket beneath it) raises when a connection or publish fails. The
# handshake timeout (AMQPConnectorException) is not an AMQPError, and a DNS failure surfaces as
# a bare socket.gaierror, so all three are needed.
_PIKA_FAILURES = (pika.exceptions.AMQPError, AMQPConnectorException, OSError)


class RabbitMQTransport:
    """Publish each event to a durable topic exchange, routed by event type, with confirms.

    Holds one connection and channel, opened on first use and reopened after any failure (the
    broker may have restarted). Not thread-safe, like pika's ``BlockingConnection``: use one
    transport per thread.

    Args:
        url: An AMQP URL; ``%2F`` is the default vhost ``/``.
        exchange: The topic exchange to declare and publish to.
        timeout: Seconds allowed for the TCP connect and for the whole AMQP handshake, and how
            long the broker may block the connection (resource alarm) before the publish fails.
            pika has no deadline for the confirm itself: a dead broker is noticed by the socket
            closing or by missed heartbeats (60 s unless the URL sets ``?heartbeat=``).
    """

    def __init__(
        self,
        url: str = "amqp://guest:guest@127.0.0.1:5672/%2F",
        exchange: str = "llmsr.events",
        *,
        timeout: float = 10.0,
    ) -> None:
        params = pika.URLParameters(url)
        params.socket_timeout = timeout
        params.stack_timeout = timeout
        params.blocked_connection_timeout = timeout
        params.connection_attempts = 1  # the dispatcher owns retries
        self._params = params
        self.exchange = exchange
        self._where = f"RabbitMQ at {params.host}:{params.port} vhost {params.virtual_host!r}"
        self._address = f"{params.host}:{params.port}"
        self._user = params.credentials.username
        self._connection: Any = None
        self._channel: Any = None

    def deliver(self, event: Event) -> None:
        """Publish the event and wait for the broker's confirm; else raise :class:`DeliveryFailed`.

        Any failure drops the connection, so the next call starts on a fresh one.
        """
        body = event.body()
        headers = {"subject": event.subject} if event.subject is not None else None
        properties = pika.BasicProperties(
            content_type="application/json",
            content_encoding="utf-8",
            delivery_mode=2,  # persistent: survives a broker restart in a durable queue
            message_id=event.event_id,
            type=event.type,
            timestamp=int(event.time.timestamp()),
            app_id="llmsr",
            headers=headers,
        )
        try:
            channel = self._open_channel()
        except _PIKA_FAILURES as exc:
            self._drop()
            raise DeliveryFailed(
                f"{self._where}: {self._describe(exc, connecting=True)}", retryable=True
            ) from exc
        try:
            channel.basic_publish(
                exchange=self.exchange,
                routing_key=event.type,
                body=body,
                properties=properties,
                mandatory=False,
            )
        except pika.exceptions.NackError as exc:
            self._drop()
            raise DeliveryFailed(
                f"{self._where}: RabbitMQ did not confirm the message (nack) "
                f"on exchange {self.exchange!r}",
                retryable=True,
            ) from exc
        except _PIKA_FAILURES as exc:
            self._drop()
            raise DeliveryFailed(
                f"{self._where}: publish to exchange {self.exchange!r} failed, RabbitMQ did not "
                f"confirm the message: {self._describe(exc, connecting=False)}",
                retryable=True,
            ) from exc

    def close(self) -> None:
        """Close the connection, if one is open; a later ``deliver`` reconnects."""
        self._drop()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"RabbitMQTransport({self._where!r}, exchange={self.exchange!r})"

    def _open_channel(self) -> Any:
        """The confirm-mode channel, reconnecting if the old connection has gone away."""
        if self._connection is not None and self._connection.is_open and self._channel.is_open:
            try:
                # Notice a close the broker sent while we were idle (restart, missed heartbeats)
                # before publishing, so it costs a reconnect rather than a failed delivery.
                self._connection.process_data_events(time_limit=0)
            except _PIKA_FAILURES:
                self._drop()
            else:
                if self._connection.is_open and self._channel.is_open:
                    return self._channel
                self._drop()
        try:
            connection = pika.BlockingConnection(self._params)
        except ValueError as exc:
            # pika raises a bare ValueError ("Expected connected socket, but getpeername()
            # failed") when the peer resets the socket between the TCP connect and AMQP setup.
            raise pika.exceptions.AMQPConnectionError(
                f"the connection to {self._address} was reset while opening"
            ) from exc
        try:
            channel = connection.channel()
            channel.exchange_declare(
                exchange=self.exchange, exchange_type="topic", durable=True, auto_delete=False
            )
            channel.confirm_delivery()
        except BaseException:
            _close_quietly(connection)
            raise
        self._connection, self._channel = connection, channel
        return channel

    def _drop(self) -> None:
        connection, self._connection, self._channel = self._connection, None, None
        if connection is not None:
            _close_quietly(connection)

    def _describe(self, exc: BaseException, *, connecting: bool) -> str:
        """One line saying what went wrong, without the pika wrapper noise."""
        exceptions = pika.exceptions
        if isinstance(exc, exceptions.ProbableAuthenticationError):
            return f"login refused for user {self._user!r}; check the credentials in the URL"
        if isinstance(exc, exceptions.ProbableAccessDeniedError):
            return f"access to the vhost denied: {_one_line(str(exc))}"
        if isinstance(exc, exceptions.ConnectionBlockedTimeout):
            limit = self._params.blocked_connection_timeout
            return f"the broker blocked the connection for over {limit:g}s (memory or disk alarm)"
        if isinstance(exc, exceptions.AMQPHeartbeatTimeout):
            return "the connection went stale (missed heartbeats)"
        if isinstance(exc, exceptions.ConnectionClosedByBroker | exceptions.ChannelClosedByBroker):
            what = "connection" if isinstance(exc, exceptions.ConnectionClosed) else "channel"
            return f"the broker closed the {what}: ({exc.reply_code}) {exc.reply_text}"
        if isinstance(exc, exceptions.StreamLostError):
            return f"the connection was lost: {_one_line(str(exc))}"
        if isinstance(exc, exceptions.IncompatibleProtocolError):
            return (
                f"{self._address} closed the connection during the AMQP handshake (not a RabbitMQ "
                f"broker, or one starting or stopping): {_one_line(str(exc))}"
            )
        if isinstance(exc, exceptions.AMQPConnectionError) and isinstance(
            exc.__cause__, ValueError
        ):
            return str(exc)  # our rewording of pika's reset-while-opening ValueError
        if isinstance(exc, AMQPConnectorStackTimeout):
            return f"no AMQP handshake with {self._address} within {self._params.stack_timeout:g}s"
        root = _root_os_error(exc)
        if root is not None:
            return _socket_failure(root, self._address)
        prefix = "could not connect: " if connecting else ""
        return f"{prefix}{type(exc).__name__}: {_one_line(str(exc))}"


def _root_os_error(exc: BaseException) -> OSError | None:
    """The socket error under pika's wrappers, if there is one.

    pika nests it: ``AMQPConnectionError(AMQPConnectorSocketConnectError(...))`` keeps the
    connector error in ``args`` and the socket error in the connector error's ``exception``.
    """
    seen: set[int] = set()
    pending: list[BaseException] = [exc]
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, OSError):
            return current
        pending.extend(arg for arg in current.args if isinstance(arg, BaseException))
        inner = getattr(current, "exception", None)
        if isinstance(inner, BaseException):
            pending.append(inner)
        if current.__cause__ is not None:
            pending.append(current.__cause__)
    return None


def _socket_failure(error: OSError, address: str) -> str:
    if isinstance(error, ConnectionRefusedError):
        return f"connection refused to {address}"
    if isinstance(error, socket.gaierror):
        return f"cannot resolve the host of {address}: {error.strerror or error}"
    if isinstance(error, TimeoutError):
        return f"timed out connecting to {address}"
    return f"could not connect to {address}: {_one_line(error.strerror or str(error))}"


def _close_quietly(connection: Any) -> None:
    try:
        if connection.is_open:
            connection.close()
    except _PIKA_FAILURES:
        pass  # already broken; we only want the socket released
