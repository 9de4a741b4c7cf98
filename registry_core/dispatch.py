"""``llmsr dispatch``: deliver the outbox's change events to every sink, at least once.

Each round: (1) fan out: every new outbox event becomes one pending delivery per sink that wants
its type (the sink's cursor moves in the same transaction); (2) claim: lease a batch of due
deliveries, so a second dispatcher skips them and a killed one's lease simply runs out; (3)
deliver each through its sink's transport and record the outcome: delivered, or failed with the
next attempt after an exponential backoff with jitter, or dead after ``max_attempts`` (or at once
when the receiver refused it for good). Dead letters are listed by ``GET
/governance/deliveries?state=dead`` and ``llmsr deliveries``, and retried on demand.

A dispatcher killed at any point loses nothing: an event is marked delivered only after its sink
accepted it, so the worst case is one more delivery of an event whose receiver already has it,
which receivers deduplicate by the event id.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from registry_core.errors import StoreError
from registry_core.service import Registry
from registry_core.storage.tables import utcnow
from registry_core.transports import (
    DeliveryFailed,
    Event,
    RabbitMQTransport,
    Transport,
    WebhookTransport,
)

__all__ = ["DispatchStats", "Dispatcher", "StopFlag", "backoff_delay"]

log = logging.getLogger("registry_core.dispatch")


def backoff_delay(
    attempts: int, *, base: float, cap: float, rng: Callable[[], float] = random.random
) -> float:
    """Seconds before attempt ``attempts + 1``: base * 2^(attempts-1), capped, with "equal
    jitter" (half fixed, half random) so receivers that failed together do not retry together.
    """
    ceiling = min(cap, base * (2 ** max(attempts - 1, 0)))
    return float(ceiling / 2 + rng() * ceiling / 2)


class StopFlag:
    """A stop request that a signal handler may set.

    ``threading.Event.set`` takes a lock the main thread may be holding inside ``wait`` when
    the signal arrives, which deadlocks; this flag is a plain attribute and ``wait`` sleeps in
    short steps.
    """

    def __init__(self) -> None:
        self._set = False

    def set(self) -> None:
        self._set = True

    def is_set(self) -> bool:
        return self._set

    def wait(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while not self._set and (left := deadline - time.monotonic()) > 0:
            time.sleep(min(left, 0.05))
        return self._set


@dataclass
class DispatchStats:
    fanned_out: int = 0
    delivered: int = 0
    retried: int = 0
    dead: int = 0
    errors: list[str] = field(default_factory=list)

    def add(self, other: DispatchStats) -> None:
        self.fanned_out += other.fanned_out
        self.delivered += other.delivered
        self.retried += other.retried
        self.dead += other.dead
        self.errors = (self.errors + other.errors)[-20:]


class Dispatcher:
    """Delivers outbox events; ``run_once`` is one round, ``run`` repeats until stopped."""

    def __init__(
        self,
        registry: Registry,
        *,
        batch: int = 100,
        lease_seconds: float = 60.0,
        base_delay: float = 1.0,
        max_delay: float = 300.0,
        max_attempts: int = 10,
        timeout: float = 10.0,
    ) -> None:
        if max_attempts < 1 or batch < 1:
            raise ValueError("max_attempts and batch must be at least 1")
        self.registry = registry
        self.batch = batch
        self.lease_seconds = lease_seconds
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.max_attempts = max_attempts
        self.timeout = timeout
        self._transports: dict[tuple[str, str, str | None, str | None], Transport] = {}

    def _transport(self, sink: dict[str, Any]) -> Transport:
        key = (sink["kind"], sink["url"], sink.get("secret"), sink.get("exchange"))
        found = self._transports.get(key)
        if found is None:
            if sink["kind"] == "webhook":
                found = WebhookTransport(sink["url"], sink["secret"] or "", timeout=self.timeout)
            else:
                found = RabbitMQTransport(
                    sink["url"], sink["exchange"] or "llmsr.events", timeout=self.timeout
                )
            self._transports[key] = found
        return found

    def run_once(self) -> DispatchStats:
        """Fan out new events, then deliver one batch of due deliveries."""
        stats = DispatchStats(fanned_out=self.registry.fan_out_events())
        claimed = self.registry.claim_deliveries(limit=self.batch, lease_seconds=self.lease_seconds)
        for delivery in claimed:
            self._deliver(delivery, stats)
        return stats

    def _deliver(self, delivery: dict[str, Any], stats: DispatchStats) -> None:
        raw = delivery["event"]
        event = Event(
            event_id=raw["id"],
            type=raw["type"],
            subject=raw["subject"],
            data=raw["data"],
            time=raw["time"],
        )
        sink = delivery["sinkConfig"]
        try:
            self._transport(sink).deliver(event)
        except DeliveryFailed as exc:
            attempts = delivery["attempts"] + 1
            next_at: datetime | None = None
            if exc.retryable and attempts < self.max_attempts:
                delay = backoff_delay(attempts, base=self.base_delay, cap=self.max_delay)
                if exc.retry_after is not None:
                    delay = max(delay, min(exc.retry_after, self.max_delay))
                next_at = utcnow() + timedelta(seconds=delay)
                stats.retried += 1
            else:
                stats.dead += 1
            why = f"attempt {attempts}: {exc.reason}"
            stats.errors.append(f"{sink['name']}: {why}")
            log.warning(
                "delivery %s of %s to %s failed (%s)%s",
                delivery["id"],
                event.type,
                sink["name"],
                why,
                "" if next_at else "; dead letter",
            )
            self.registry.delivery_failed(delivery["id"], why, next_attempt_at=next_at)
            return
        self.registry.delivery_succeeded(delivery["id"])
        stats.delivered += 1

    def run(
        self,
        stop: threading.Event | StopFlag,
        *,
        poll_interval: float = 0.5,
        on_round: Callable[[DispatchStats], None] | None = None,
    ) -> DispatchStats:
        """Deliver until ``stop`` is set; a database outage pauses delivery, never ends it."""
        total = DispatchStats()
        while not stop.is_set():
            try:
                stats = self.run_once()
            except StoreError as exc:
                log.warning("database unavailable (%s); retrying in %.1fs", exc.message, 2.0)
                stop.wait(2.0)
                continue
            total.add(stats)
            if on_round is not None:
                on_round(stats)
            busy = stats.delivered or stats.retried or stats.dead or stats.fanned_out
            if not busy:
                stop.wait(poll_interval)
        return total

    def close(self) -> None:
        for transport in self._transports.values():
            transport.close()
        self._transports.clear()
