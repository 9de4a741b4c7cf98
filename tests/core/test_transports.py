"""Delivering one event to one destination: signed webhooks and a RabbitMQ topic exchange.

Everything here talks to real things: a threaded HTTP receiver on a local port and the RabbitMQ
broker on 127.0.0.1:5672.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import pickle
import socket
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone

import httpx
import pika
import pika.exceptions
import pytest

from registry_core.transports import (
    DeliveryFailed,
    Event,
    RabbitMQTransport,
    WebhookTransport,
    sign,
    verify_signature,
)
from tests.receivers import (
    DEFAULT_AMQP_URL,
    BoundQueue,
    TcpProxy,
    WebhookReceiver,
    delete_exchange,
)
from tests.servers import free_port

SECRET = "whsec-test-0123456789"


def make_event(
    type: str = "schema.registered", subject: str | None = "orders-value", **data: object
) -> Event:
    return Event(
        event_id=str(uuid.uuid4()),
        type=type,
        subject=subject,
        data=data or {"subject": subject, "version": 3, "id": 42},
        time=datetime(2025, 1, 31, 12, 0, 0, 123456, tzinfo=UTC),
    )


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    with WebhookReceiver(secret=SECRET) as running:
        yield running


@pytest.fixture
def webhook(receiver: WebhookReceiver) -> Iterator[WebhookTransport]:
    with WebhookTransport(receiver.url, SECRET, timeout=2.0) as transport:
        yield transport


def closed_port() -> int:
    """A local port nothing listens on (bound once, then released)."""
    return free_port()


# --- the event and its canonical body ---------------------------------------------------------


def test_event_body_is_canonical_json_with_sorted_keys_and_utc_z_time() -> None:
    event = Event(
        event_id="0b7f6c1e-8a52-4c1e-9d1a-3f2b5e6a7c8d",
        type="schema.registered",
        subject="orders-value",
        data={"version": 3, "id": 42, "note": "café"},
        time=datetime(2025, 1, 31, 13, 0, 0, tzinfo=timezone(timedelta(hours=1))),
    )

    assert (
        event.body()
        == (
            '{"data":{"id":42,"note":"café","version":3},'
            '"id":"0b7f6c1e-8a52-4c1e-9d1a-3f2b5e6a7c8d","subject":"orders-value",'
            '"time":"2025-01-31T12:00:00.000000Z","type":"schema.registered"}'
        ).encode()
    )


def test_event_body_is_stable_and_carries_a_null_subject() -> None:
    event = make_event(type="proposal.approved", subject=None)

    assert event.body() == event.body()
    assert json.loads(event.body())["subject"] is None


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("event_id", "42", "is not a UUID string"),
        ("type", "Schema Registered", "dot-separated words"),
        ("type", "", "dot-separated words"),
        ("time", datetime(2025, 1, 31, 12, 0), "is naive; pass a timezone-aware datetime"),
    ],
)
def test_event_rejects_invalid_fields_with_a_message_that_says_what_is_valid(
    field: str, value: object, message: str
) -> None:
    fields: dict[str, object] = {
        "event_id": str(uuid.uuid4()),
        "type": "schema.registered",
        "subject": None,
        "data": {},
        "time": datetime.now(UTC),
        field: value,
    }
    with pytest.raises(ValueError, match=message):
        Event(**fields)  # type: ignore[arg-type]


# --- signatures -------------------------------------------------------------------------------


def test_sign_is_hmac_sha256_over_timestamp_dot_body() -> None:
    body = b'{"id":"x"}'
    expected = hmac.new(SECRET.encode(), b"1738324800." + body, hashlib.sha256).hexdigest()

    assert sign(SECRET, body, 1738324800) == f"sha256={expected}"


def test_verify_signature_accepts_a_fresh_signature_and_rejects_forgeries() -> None:
    body = make_event().body()
    now = 1_738_324_800
    signature = sign(SECRET, body, now)

    assert verify_signature(SECRET, body, now, signature, now=now + 10)
    assert verify_signature(SECRET, body, str(now), signature, now=now)  # header string
    assert not verify_signature("wrong-secret", body, now, signature, now=now)
    assert not verify_signature(SECRET, body + b" ", now, signature, now=now)
    assert not verify_signature(SECRET, body, now + 1, signature, now=now)  # timestamp swapped
    assert not verify_signature(SECRET, body, now, signature, now=now + 301)  # stale
    assert not verify_signature(SECRET, body, now, signature, now=now - 301)  # from the future
    assert verify_signature(SECRET, body, now, signature, now=now + 900, tolerance_s=1000)
    assert not verify_signature(SECRET, body, "yesterday", signature, now=now)
    assert not verify_signature(SECRET, body, now, "sha256=" + "0" * 64, now=now)


# --- webhook ----------------------------------------------------------------------------------


def test_webhook_posts_the_event_body_with_event_headers_and_a_valid_signature(
    receiver: WebhookReceiver, webhook: WebhookTransport
) -> None:
    event = make_event()

    webhook.deliver(event)

    [request] = receiver.wait_for(1)
    assert request.method == "POST"
    assert request.path == "/hooks/llmsr"
    assert request.body == event.body()
    assert request.headers["content-type"] == "application/json"
    assert request.headers["x-llmsr-event-id"] == event.event_id
    assert request.headers["x-llmsr-event-type"] == "schema.registered"
    assert request.headers["user-agent"].startswith("llmsr-dispatcher/")
    assert abs(int(request.headers["x-llmsr-timestamp"]) - time.time()) < 5
    assert request.headers["x-llmsr-signature"].startswith("sha256=")
    assert receiver.signature_valid(request)


def test_webhook_signature_fails_with_wrong_secret_tampered_body_or_stale_timestamp(
    receiver: WebhookReceiver, webhook: WebhookTransport
) -> None:
    webhook.deliver(make_event())
    [request] = receiver.wait_for(1)
    sent_at = int(request.headers["x-llmsr-timestamp"])
    tampered = type(request)(
        request.method, request.path, request.headers, request.body.replace(b"42", b"43")
    )

    assert receiver.signature_valid(request)
    assert not receiver.signature_valid(request, "not-the-secret")
    assert not receiver.signature_valid(tampered)
    assert not receiver.signature_valid(request, now=sent_at + 301)


def test_webhook_503_is_retryable_and_the_reason_names_url_and_status(
    receiver: WebhookReceiver, webhook: WebhookTransport
) -> None:
    receiver.answer_next(503, body=b"upstream\nbusy", headers={"Retry-After": "7"})

    with pytest.raises(DeliveryFailed) as failure:
        webhook.deliver(make_event())

    assert failure.value.retryable
    assert failure.value.status == 503
    assert failure.value.retry_after == 7.0
    assert failure.value.reason == (
        f"webhook {receiver.url} answered 503 Service Unavailable: upstream busy"
    )
    assert str(failure.value) == failure.value.reason


def test_webhook_delivers_again_after_the_receiver_recovers(
    receiver: WebhookReceiver, webhook: WebhookTransport
) -> None:
    receiver.fail_next(2)
    event = make_event()

    for _ in range(2):
        with pytest.raises(DeliveryFailed, match="answered 503"):
            webhook.deliver(event)
    webhook.deliver(event)

    requests = receiver.wait_for(3)
    assert {r.headers["x-llmsr-event-id"] for r in requests} == {event.event_id}
    assert all(r.body == event.body() for r in requests)


def test_webhook_400_is_not_retryable_and_the_reason_quotes_the_answer(
    receiver: WebhookReceiver, webhook: WebhookTransport
) -> None:
    receiver.answer_next(400, body=b"unknown event type " + b"x" * 500)

    with pytest.raises(DeliveryFailed) as failure:
        webhook.deliver(make_event())

    assert not failure.value.retryable
    assert failure.value.status == 400
    prefix = f"webhook {receiver.url} answered 400 Bad Request: "
    assert failure.value.reason.startswith(prefix + "unknown event type xxx")
    assert len(failure.value.reason) == len(prefix) + 200  # the answer is cut at 200 chars


@pytest.mark.parametrize(
    ("status", "retryable"),
    [(408, True), (409, True), (425, True), (429, True), (500, True), (401, False), (404, False)],
)
def test_webhook_client_errors_are_permanent_except_the_ones_that_mean_try_later(
    receiver: WebhookReceiver, webhook: WebhookTransport, status: int, retryable: bool
) -> None:
    receiver.answer_next(status)

    with pytest.raises(DeliveryFailed, match=f"answered {status}") as failure:
        webhook.deliver(make_event())

    assert failure.value.retryable is retryable


def test_webhook_any_2xx_is_success(receiver: WebhookReceiver, webhook: WebhookTransport) -> None:
    receiver.answer_next(202, body=b"queued")
    receiver.answer_next(204)

    webhook.deliver(make_event())
    webhook.deliver(make_event())

    assert len(receiver.wait_for(2)) == 2


def test_webhook_redirects_are_not_followed(
    receiver: WebhookReceiver, webhook: WebhookTransport
) -> None:
    receiver.answer_next(308, headers={"Location": "https://elsewhere.example/hook"})

    with pytest.raises(DeliveryFailed) as failure:
        webhook.deliver(make_event())

    assert not failure.value.retryable
    assert "answered 308" in failure.value.reason
    assert "https://elsewhere.example/hook" in failure.value.reason
    assert len(receiver.wait_for(1)) == 1


def test_webhook_connection_refused_is_retryable_with_a_clear_reason() -> None:
    port = closed_port()
    url = f"http://127.0.0.1:{port}/hook"

    with (
        WebhookTransport(url, SECRET, timeout=2.0) as transport,
        pytest.raises(DeliveryFailed) as failure,
    ):
        transport.deliver(make_event())

    assert failure.value.retryable
    assert failure.value.status is None
    assert failure.value.reason == f"webhook {url}: connection refused to 127.0.0.1:{port}"


def test_webhook_reason_leaves_out_credentials_in_the_url() -> None:
    port = closed_port()
    url = f"http://user:hunter2@127.0.0.1:{port}/hook?token=t0ps3cret"

    with (
        WebhookTransport(url, SECRET, timeout=2.0) as transport,
        pytest.raises(DeliveryFailed) as failure,
    ):
        transport.deliver(make_event())

    assert "hunter2" not in failure.value.reason
    assert "t0ps3cret" not in failure.value.reason
    assert "hunter2" not in repr(transport)
    assert failure.value.reason.startswith(f"webhook http://127.0.0.1:{port}/hook: ")


def test_webhook_timeout_is_retryable(receiver: WebhookReceiver) -> None:
    receiver.answer_next(200, delay=1.0)

    with WebhookTransport(receiver.url, SECRET, timeout=0.2) as transport:
        started = time.monotonic()
        with pytest.raises(DeliveryFailed, match=r"timed out after 0\.2s") as failure:
            transport.deliver(make_event())

    assert failure.value.retryable
    assert time.monotonic() - started < 0.9


def test_webhook_uses_a_shared_client_and_leaves_it_open(receiver: WebhookReceiver) -> None:
    with httpx.Client() as client:
        transport = WebhookTransport(receiver.url, SECRET, client=client)
        transport.deliver(make_event())
        transport.close()

        assert not client.is_closed
        assert len(receiver.wait_for(1)) == 1


@pytest.mark.parametrize(
    ("url", "secret", "message"),
    [
        ("ftp://example.com/hook", SECRET, "must be an absolute http:// or https:// URL"),
        ("/hook", SECRET, "must be an absolute http:// or https:// URL"),
        ("https://example.com/hook", "", "secret must not be empty"),
    ],
)
def test_webhook_rejects_a_bad_url_or_an_empty_secret(url: str, secret: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        WebhookTransport(url, secret)


def test_delivery_failed_survives_pickling() -> None:
    failure = DeliveryFailed("webhook x answered 429", retryable=True, status=429, retry_after=3)

    copy = pickle.loads(pickle.dumps(failure))

    assert (copy.reason, copy.retryable, copy.status, copy.retry_after) == (
        "webhook x answered 429",
        True,
        429,
        3,
    )


# --- RabbitMQ ---------------------------------------------------------------------------------


@pytest.fixture
def exchange() -> Iterator[str]:
    name = f"llmsr.test.{uuid.uuid4().hex[:8]}"
    yield name
    delete_exchange(name)


@pytest.fixture
def rabbitmq(exchange: str) -> Iterator[RabbitMQTransport]:
    with RabbitMQTransport(DEFAULT_AMQP_URL, exchange, timeout=3.0) as transport:
        yield transport


def exchange_exists(name: str) -> bool:
    connection = pika.BlockingConnection(pika.URLParameters(DEFAULT_AMQP_URL))
    try:
        connection.channel().exchange_declare(exchange=name, passive=True)
    except pika.exceptions.ChannelClosedByBroker as exc:
        assert exc.reply_code == 404
        return False
    finally:
        connection.close()
    return True


def test_rabbitmq_routes_each_event_by_type_as_a_persistent_message(
    exchange: str, rabbitmq: RabbitMQTransport
) -> None:
    registered, approved = make_event("schema.registered"), make_event("proposal.approved")

    with BoundQueue(exchange, ["schema.registered"]) as queue:
        rabbitmq.deliver(approved)
        rabbitmq.deliver(registered)
        messages = queue.consume(expected=1)

    [message] = messages  # proposal.approved is not bound, so it never arrives
    assert message.routing_key == "schema.registered"
    assert message.exchange == exchange
    assert message.body == registered.body()
    assert message.properties.message_id == registered.event_id
    assert message.properties.type == "schema.registered"
    assert message.properties.delivery_mode == 2
    assert message.properties.content_type == "application/json"
    assert message.properties.timestamp == int(registered.time.timestamp())
    assert message.properties.headers == {"subject": "orders-value"}


def test_rabbitmq_wildcard_binding_receives_every_type_in_order(
    exchange: str, rabbitmq: RabbitMQTransport
) -> None:
    events = [make_event("schema.registered"), make_event("schema.deleted", subject=None)]

    with BoundQueue(exchange, ["schema.*"]) as queue:
        for event in events:
            rabbitmq.deliver(event)
        messages = queue.consume(expected=2)

    assert [m.body for m in messages] == [e.body() for e in events]
    assert messages[1].properties.headers in (None, {})  # no subject, no header


def test_rabbitmq_closed_port_is_retryable_with_a_clear_reason() -> None:
    port = closed_port()
    transport = RabbitMQTransport(f"amqp://guest:guest@127.0.0.1:{port}/%2F", timeout=2.0)

    with pytest.raises(DeliveryFailed) as failure:
        transport.deliver(make_event())

    assert failure.value.retryable
    assert failure.value.reason == (
        f"RabbitMQ at 127.0.0.1:{port} vhost '/': connection refused to 127.0.0.1:{port}"
    )
    assert "guest:guest" not in failure.value.reason
    transport.close()


def test_rabbitmq_silent_peer_fails_within_the_timeout() -> None:
    with socket.socket() as silent:  # accepts TCP, never speaks AMQP
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        port = silent.getsockname()[1]
        transport = RabbitMQTransport(f"amqp://guest:guest@127.0.0.1:{port}/%2F", timeout=0.5)
        started = time.monotonic()

        with pytest.raises(DeliveryFailed, match="no AMQP handshake .* within 0.5s") as failure:
            transport.deliver(make_event())

    assert failure.value.retryable
    assert time.monotonic() - started < 3


def test_rabbitmq_wrong_password_is_reported_as_a_refused_login(exchange: str) -> None:
    transport = RabbitMQTransport("amqp://guest:wrong@127.0.0.1:5672/%2F", exchange, timeout=3.0)

    with pytest.raises(DeliveryFailed, match="login refused for user 'guest'") as failure:
        transport.deliver(make_event())

    assert failure.value.retryable  # credentials can be fixed while the dispatcher backs off
    assert "wrong" not in failure.value.reason


def test_rabbitmq_reconnects_after_its_connection_was_closed_underneath(
    exchange: str, rabbitmq: RabbitMQTransport
) -> None:
    first, second = make_event(), make_event()

    with BoundQueue(exchange, ["#"]) as queue:
        rabbitmq.deliver(first)
        rabbitmq._connection.close()  # as if the broker had restarted between deliveries
        rabbitmq.deliver(second)
        messages = queue.consume(expected=2)

    assert [m.properties.message_id for m in messages] == [first.event_id, second.event_id]


def test_rabbitmq_reconnects_without_failing_when_the_broker_dropped_an_idle_connection(
    exchange: str,
) -> None:
    first, second = make_event(), make_event()

    with (
        TcpProxy() as proxy,
        RabbitMQTransport(proxy.amqp_url(), exchange, timeout=3.0) as transport,
        BoundQueue(exchange, ["#"]) as queue,
    ):
        transport.deliver(first)
        proxy.cut()  # the broker restarted while the transport sat idle
        time.sleep(0.1)
        transport.deliver(second)  # notices the dead connection before publishing
        messages = queue.consume(expected=2)

    assert [m.properties.message_id for m in messages] == [first.event_id, second.event_id]


def test_rabbitmq_fails_retryably_while_the_broker_is_down_and_recovers_when_it_is_back(
    exchange: str,
) -> None:
    proxy = TcpProxy().start()
    transport = RabbitMQTransport(proxy.amqp_url(), exchange, timeout=2.0)
    try:
        transport.deliver(make_event())
        proxy.stop()

        with pytest.raises(DeliveryFailed, match="connection refused") as failure:
            transport.deliver(make_event())
        assert failure.value.retryable

        proxy.start()  # same port
        with BoundQueue(exchange, ["#"]) as queue:
            event = make_event()
            transport.deliver(event)
            [message] = queue.consume(expected=1)
        assert message.body == event.body()
    finally:
        transport.close()
        proxy.stop()


def test_rabbitmq_exchange_deleted_underneath_fails_once_then_is_redeclared(
    exchange: str, rabbitmq: RabbitMQTransport
) -> None:
    rabbitmq.deliver(make_event())
    delete_exchange(exchange)

    with pytest.raises(DeliveryFailed) as failure:
        rabbitmq.deliver(make_event())
    assert failure.value.retryable
    assert "did not confirm the message" in failure.value.reason
    assert "(404) NOT_FOUND - no exchange" in failure.value.reason

    rabbitmq.deliver(make_event())  # reconnects and declares the exchange again
    assert exchange_exists(exchange)
