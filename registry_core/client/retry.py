"""When to send a request again: exponential backoff with full jitter, on tenacity.

The policy, exactly (``docs/sdk.md`` says the same, with the reasons):

- an idempotent request (every read, ``check``, ``validate``, ``validate_response``, and
  ``register``, which the server deduplicates) is retried on a timeout of any phase, a 5xx
  answer, a refused connection (``ConnectError``: nothing was sent, and a registry that is
  restarting refuses connections just as it times them out), and a connection the server
  dropped mid-exchange (``RemoteProtocolError``, ``ReadError``, ``WriteError``: the request may
  have been received, which only an idempotent request may risk);
- a write that must not happen twice (a proposal, a review) only when nothing was sent: a
  refused connection, a connect or pool timeout. A read timeout, a dropped connection or a 5xx
  may mean it was done.

Nothing else is retried: a 4xx would be refused the same way; a ``ProxyError`` (the proxy
refused the tunnel) and ``UnsupportedProtocol``/``LocalProtocolError`` are configuration or
client bugs a repeat does not cure. A ``Retry-After`` on a retried answer is honoured, up to
``max_delay``.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import tenacity

from registry_core.client.calls import NOTHING_SENT, Call, Safety

__all__ = ["DROPPED", "IDEMPOTENT_RETRIES", "NO_RETRIES", "RetryPolicy", "retried_on"]

log = logging.getLogger("registry_core.client")

# the server closed the connection while the request was under way (a keep-alive connection
# it closed as the request went out, a restart): it may have been received
DROPPED: tuple[type[httpx.TransportError], ...] = (
    httpx.RemoteProtocolError,
    httpx.ReadError,
    httpx.WriteError,
)
# what an idempotent request is retried on: timeouts, nothing sent, dropped connections
IDEMPOTENT_RETRIES: tuple[type[httpx.TransportError], ...] = (
    httpx.TimeoutException,
    *NOTHING_SENT,
    *DROPPED,
)


@dataclass(frozen=True, kw_only=True, slots=True)
class RetryPolicy:
    """How often and how patiently a request is tried.

    Args:
        attempts: tries in all, the first included (1 turns retries off).
        initial_delay: the backoff window before the second try, in seconds; it doubles per try.
        max_delay: the longest wait between two tries, in seconds.
        jitter: wait a random time within the window ("full jitter"), so that many clients
            failing together do not come back together; False waits the whole window.
    """

    attempts: int = 4
    initial_delay: float = 0.2
    max_delay: float = 5.0
    jitter: bool = True

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError(f"RetryPolicy.attempts must be at least 1, not {self.attempts}")
        if self.initial_delay < 0 or self.max_delay < self.initial_delay:
            raise ValueError(
                f"RetryPolicy delays must satisfy 0 <= initial_delay <= max_delay, not "
                f"initial_delay={self.initial_delay}, max_delay={self.max_delay}"
            )


NO_RETRIES = RetryPolicy(attempts=1)


def retried_on(call: Call) -> tuple[type[httpx.TransportError], ...]:
    """The transport failures after which ``call`` is sent again."""
    return IDEMPOTENT_RETRIES if call.safety is Safety.IDEMPOTENT else NOTHING_SENT


def may_retry(call: Call, state: tenacity.RetryCallState) -> bool:
    """Whether the outcome of this attempt at ``call`` is worth another attempt."""
    outcome = state.outcome
    if outcome is None:
        return False
    if outcome.failed:
        return isinstance(outcome.exception(), retried_on(call))
    response: httpx.Response = outcome.result()
    return call.safety is Safety.IDEMPOTENT and response.status_code >= 500


def _retry_after(state: tenacity.RetryCallState) -> float | None:
    outcome = state.outcome
    if outcome is None or outcome.failed:
        return None
    value = outcome.result().headers.get("retry-after", "")
    try:
        return max(float(value), 0.0)
    except ValueError:
        return None  # an HTTP date: rare from a registry; the backoff applies


class _Backoff:
    def __init__(self, policy: RetryPolicy) -> None:
        self.policy = policy
        wait = tenacity.wait_random_exponential if policy.jitter else tenacity.wait_exponential
        self.window = wait(multiplier=policy.initial_delay, max=policy.max_delay)

    def __call__(self, state: tenacity.RetryCallState) -> float:
        delay = self.window(state)
        asked = _retry_after(state)
        if asked is not None:
            delay = max(delay, min(asked, self.policy.max_delay))
        return delay


def _log_retry(call: Call, policy: RetryPolicy) -> Callable[[tenacity.RetryCallState], None]:
    def before_sleep(state: tenacity.RetryCallState) -> None:
        outcome = state.outcome
        if outcome is not None and outcome.failed:
            failure = outcome.exception()
            why = f"{type(failure).__name__}: {failure}"
        elif outcome is not None:
            why = f"HTTP {outcome.result().status_code}"
        else:
            why = "no outcome"
        pause = state.next_action.sleep if state.next_action else 0.0
        log.info(
            "%s failed (%s); attempt %d of %d in %.2fs",
            call.describe(),
            why,
            state.attempt_number + 1,
            policy.attempts,
            pause,
        )

    return before_sleep


def _last_outcome(state: tenacity.RetryCallState) -> Any:
    # out of attempts: hand back the last answer (a 5xx becomes its error) or raise its failure
    assert state.outcome is not None
    return state.outcome.result()


def _options(policy: RetryPolicy, call: Call) -> dict[str, Any]:
    return {
        "stop": tenacity.stop_after_attempt(policy.attempts),
        "wait": _Backoff(policy),
        "retry": lambda state: may_retry(call, state),
        "before_sleep": _log_retry(call, policy),
        "retry_error_callback": _last_outcome,
        "reraise": True,
    }


def send(policy: RetryPolicy, call: Call, attempt: Callable[[], httpx.Response]) -> httpx.Response:
    """The answer to ``call`` by ``attempt``, tried again as ``policy`` allows."""
    response: httpx.Response = tenacity.Retrying(**_options(policy, call))(attempt)
    return response


async def send_async(
    policy: RetryPolicy, call: Call, attempt: Callable[[], Awaitable[httpx.Response]]
) -> httpx.Response:
    """``send`` for the async client."""
    response: httpx.Response = await tenacity.AsyncRetrying(**_options(policy, call))(attempt)
    return response
