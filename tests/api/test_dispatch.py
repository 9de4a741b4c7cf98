"""Change events reach webhooks and RabbitMQ at least once, on SQLite and PostgreSQL: a receiver
that fails and recovers, dead letters, a real AMQP consumer, and a dispatcher (and a receiver)
killed and restarted without losing an event; consumers deduplicate by the event id."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from registry_core.dispatch import Dispatcher, backoff_delay
from registry_core.errors import IllegalTransition
from registry_core.service import Registry
from tests.receivers import BoundQueue, TcpProxy, WebhookReceiver

SECRET = "whsec-test"


def record(n: int) -> str:
    fields: list[dict[str, Any]] = [{"name": "prompt", "type": "string"}]
    fields += [{"name": f"f{i}", "type": ["null", "long"], "default": None} for i in range(n)]
    return json.dumps({"type": "record", "name": "Turn", "fields": fields})


def produce(registry: Registry, subject: str, count: int, start: int = 0) -> None:
    for n in range(start, start + count):
        registry.register(subject, record(n), actor="producer")


def event_ids(registry: Registry, type_: str = "schema.registered") -> set[str]:
    return {e["id"] for e in registry.events(type_=type_, limit=5000)}


def until(condition: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def received_ids(receiver: WebhookReceiver, type_: str = "schema.registered") -> list[str]:
    """Event ids of the requests the receiver accepted... and of those it refused."""
    out = []
    for request in receiver.received:
        body = json.loads(request.body)
        if body["type"] == type_:
            out.append(body["id"])
    return out


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    with WebhookReceiver(secret=SECRET) as running:
        yield running


def run_until(dispatcher: Dispatcher, condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + 30
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        dispatcher.run_once()
        time.sleep(0.02)


def test_backoff_grows_exponentially_with_jitter_and_a_cap() -> None:
    low = [backoff_delay(a, base=1.0, cap=60.0, rng=lambda: 0.0) for a in range(1, 9)]
    high = [backoff_delay(a, base=1.0, cap=60.0, rng=lambda: 1.0) for a in range(1, 9)]
    assert low == [0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0]
    assert high == [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 60.0, 60.0]


def test_a_webhook_that_fails_then_recovers_gets_every_event_signed(
    registry: Registry, receiver: WebhookReceiver
) -> None:
    registry.add_sink("hook", "webhook", receiver.url, secret=SECRET, event_types=["schema.*"])
    produce(registry, "hook-value", 5)
    registry.set_config("hook-value", compatibility="FULL")  # config.changed: not wanted
    receiver.fail_next(4)  # down for a while
    dispatcher = Dispatcher(registry, base_delay=0.05, max_delay=0.2, max_attempts=20)
    wanted = event_ids(registry)

    def accepted() -> bool:
        states = [d["state"] for d in registry.deliveries(sink="hook")]
        return len(states) == 5 and set(states) == {"delivered"}

    try:
        run_until(dispatcher, accepted, "every event accepted")
    finally:
        dispatcher.close()
    assert set(received_ids(receiver)) == wanted
    assert all(receiver.signature_valid(r) for r in receiver.received)
    assert not any(r.headers["x-llmsr-event-type"] == "config.changed" for r in receiver.received)
    deliveries = registry.deliveries(sink="hook")
    assert {d["state"] for d in deliveries} == {"delivered"}
    assert len(deliveries) == 5 and sum(d["attempts"] for d in deliveries) == 5 + 4
    first = json.loads(receiver.received[-1].body)
    assert first["subject"] == "hook-value" and first["data"]["actor"] == "producer"


def test_dead_letters_after_the_last_attempt_and_can_be_retried(
    registry: Registry, receiver: WebhookReceiver
) -> None:
    registry.add_sink("flaky", "webhook", receiver.url, secret=SECRET)
    produce(registry, "dead-value", 1)
    receiver.fail_next(3)
    dispatcher = Dispatcher(registry, base_delay=0.01, max_delay=0.02, max_attempts=3)
    try:
        run_until(
            dispatcher,
            lambda: bool(registry.deliveries(state="dead")),
            "the delivery to go dead",
        )
        [dead] = registry.deliveries(state="dead")
        assert dead["attempts"] == 3 and "answered 503" in dead["lastError"]
        assert registry.retry_delivery(dead["id"])["state"] == "pending"
        with pytest.raises(IllegalTransition, match="only dead deliveries are retried"):
            registry.retry_delivery(dead["id"])
        run_until(
            dispatcher,
            lambda: registry.deliveries(state="delivered") != [],
            "the retried delivery",
        )
        # a permanent refusal is dead at once
        produce(registry, "dead-value", 1, start=1)
        receiver.answer_next(400, body=b"bad signature")
        run_until(dispatcher, lambda: len(registry.deliveries(state="dead")) == 1, "a second dead")
        [refused] = registry.deliveries(state="dead")
        assert refused["attempts"] == 1 and "400" in refused["lastError"]
    finally:
        dispatcher.close()


def test_rabbitmq_delivery_to_a_real_consumer_one_routing_key_per_type(
    registry: Registry,
) -> None:
    exchange = f"llmsr.test.{uuid.uuid4().hex[:8]}"
    registry.add_sink("bus", "rabbitmq", "amqp://guest:guest@127.0.0.1:5672/%2F", exchange=exchange)
    with BoundQueue(exchange, ["schema.registered"]) as registered:
        produce(registry, "bus-value", 2)
        registry.set_config("bus-value", compatibility="NONE")
        dispatcher = Dispatcher(registry)
        try:
            stats = dispatcher.run_once()
        finally:
            dispatcher.close()
        assert stats.delivered == 3  # two registrations and the config change
        messages = registered.consume(2)
        registered.close(delete_exchange=True)
    assert [m.routing_key for m in messages] == ["schema.registered"] * 2
    assert {m.properties.message_id for m in messages} == event_ids(registry)
    assert all(m.properties.delivery_mode == 2 for m in messages)
    assert all(json.loads(m.body)["subject"] == "bus-value" for m in messages)


def test_a_broker_that_goes_away_gets_every_event_once_it_is_back(registry: Registry) -> None:
    exchange = f"llmsr.test.{uuid.uuid4().hex[:8]}"
    with TcpProxy() as broker, BoundQueue(exchange, ["#"]) as consumer:
        registry.add_sink("bus", "rabbitmq", broker.amqp_url(), exchange=exchange)
        dispatcher = Dispatcher(registry, base_delay=0.01, max_delay=0.05, timeout=2)
        try:
            produce(registry, "broker-value", 2)
            assert dispatcher.run_once().delivered == 2  # connected
            broker.stop()  # the broker goes down: refused, then retried
            produce(registry, "broker-value", 3, start=2)
            down = dispatcher.run_once()
            assert (down.delivered, down.retried) == (0, 3)
            assert all("RabbitMQ" in e for e in down.errors)
            broker.start()
            run_until(
                dispatcher,
                lambda: {d["state"] for d in registry.deliveries(sink="bus")} == {"delivered"},
                "the backlog after the broker came back",
            )
        finally:
            dispatcher.close()
        messages = consumer.consume(5)
        consumer.close(delete_exchange=True)
    ids = [m.properties.message_id for m in messages]
    assert set(ids) == event_ids(registry) and len(set(ids)) == 5


def test_two_dispatchers_at_once_deliver_each_event_once(
    registry: Registry, receiver: WebhookReceiver
) -> None:
    registry.add_sink("shared", "webhook", receiver.url, secret=SECRET)
    produce(registry, "pair-value", 30)
    stop = threading.Event()
    dispatchers = [Dispatcher(registry, batch=4) for _ in range(2)]
    threads = [
        threading.Thread(target=d.run, args=(stop,), kwargs={"poll_interval": 0.02})
        for d in dispatchers
    ]
    for thread in threads:
        thread.start()
    try:
        until(
            lambda: {d["state"] for d in registry.deliveries(sink="shared")} == {"delivered"},
            "every delivery",
        )
    finally:
        stop.set()
        for thread in threads:
            thread.join(10)
        for dispatcher in dispatchers:
            dispatcher.close()
    ids = received_ids(receiver)
    assert sorted(ids) == sorted(event_ids(registry))  # each once: the leases did not overlap


def _dispatch_process(db_url: str, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "LLMSR_DATABASE_URL": db_url}
    with log.open("ab") as out:
        return subprocess.Popen(
            [
                sys.executable,
                "-m",
                "registry_core.cli",
                "dispatch",
                "--poll",
                "0.05",
                "--base-delay",
                "0.05",
                "--max-delay",
                "0.5",
                "--max-attempts",
                "50",
                "--lease",
                "2",
                "--batch",
                "5",
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
        )


def test_killing_the_dispatcher_and_the_receiver_loses_nothing(
    registry: Registry, db_url: str, tmp_path: Path
) -> None:
    receiver = WebhookReceiver(secret=SECRET).start()
    registry.add_sink("durable", "webhook", receiver.url, secret=SECRET)
    produce(registry, "durable-value", 30)
    log = tmp_path / "dispatch.log"
    first = _dispatch_process(db_url, log)
    try:
        until(lambda: len(received_ids(receiver)) >= 8, "the first deliveries")
        first.send_signal(signal.SIGKILL)  # mid-stream: some deliveries leased, unmarked
        first.wait(10)
        receiver.stop()  # the receiver goes down too
        produce(registry, "durable-value", 10, start=30)  # events while nobody delivers
        second = _dispatch_process(db_url, log)
        try:
            time.sleep(1.0)  # the dispatcher retries against a closed port meanwhile
            receiver.start()  # back on the same port
            wanted = event_ids(registry)
            until(lambda: set(received_ids(receiver)) >= wanted, "every event", timeout=60)
            until(
                lambda: (
                    {d["state"] for d in registry.deliveries(sink="durable", limit=5000)}
                    == {"delivered"}
                ),
                "every delivery marked",
            )
        finally:
            second.send_signal(signal.SIGTERM)
            assert second.wait(15) == 0, log.read_text()
    finally:
        if first.poll() is None:
            first.kill()
        receiver.stop()
    ids = received_ids(receiver)
    processed = set(ids)  # an idempotent consumer: each id processed once
    assert processed == wanted and len(wanted) == 40
    assert len(ids) - len(processed) <= 5 + 1  # at most the killed batch came twice
    assert all(receiver.signature_valid(r) for r in receiver.received)
