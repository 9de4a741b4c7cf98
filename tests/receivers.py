"""Real event receivers for transport and dispatcher tests: an HTTP webhook and a RabbitMQ queue.

``WebhookReceiver`` is a threaded HTTP server on 127.0.0.1 that records every request and can be
scripted to fail (``fail_next(2)`` answers the next two requests with 503). ``BoundQueue`` is an
exclusive RabbitMQ queue bound to an exchange, read with a real consumer. ``TcpProxy`` sits in
front of the broker so a test can cut connections or take the "broker" down and bring it back.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self

import pika

from registry_core.transports import verify_signature

DEFAULT_AMQP_URL = "amqp://guest:guest@127.0.0.1:5672/%2F"


@dataclass(frozen=True)
class ReceivedRequest:
    """One request the receiver saw; header names are lower-cased."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass(frozen=True)
class ScriptedAnswer:
    """How to answer one request instead of the default 200."""

    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # stop() must not wait for a handler sleeping in a scripted delay
    receiver: WebhookReceiver


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"  # keep-alive, as real receivers do

    def do_POST(self) -> None:
        self._handle()

    def do_GET(self) -> None:
        self._handle()

    def do_PUT(self) -> None:
        self._handle()

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        request = ReceivedRequest(
            method=self.command,
            path=self.path,
            headers={name.lower(): value for name, value in self.headers.items()},
            body=body,
        )
        answer = self.server.receiver._record(request)
        if answer.delay:
            time.sleep(answer.delay)
        self.send_response(answer.status)
        for name, value in answer.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(answer.body)))
        self.end_headers()
        self.wfile.write(answer.body)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep test output quiet


class WebhookReceiver:
    """A webhook endpoint on a free local port that records requests.

    Usage::

        with WebhookReceiver(secret="s3cret") as receiver:
            receiver.fail_next(2)            # two 503s, then 200s
            ...deliver to receiver.url...
            [request] = receiver.wait_for(1)
            assert receiver.signature_valid(request)
    """

    def __init__(
        self, secret: str | None = None, *, path: str = "/hooks/llmsr", port: int = 0
    ) -> None:
        self.secret = secret
        self.path = path
        self.port = port  # 0: a free one, kept after the first start so a restart reuses it
        self.received: list[ReceivedRequest] = []
        self._script: deque[ScriptedAnswer] = deque()
        self._lock = threading.Condition()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("WebhookReceiver.url is only known after start()")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}{self.path}"

    def start(self) -> Self:
        server = _Server(("127.0.0.1", self.port), _Handler)
        server.receiver = self
        self._server = server
        self.port = int(server.server_address[1])
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def answer_next(
        self,
        status: int,
        *,
        times: int = 1,
        body: bytes = b"",
        headers: dict[str, str] | None = None,
        delay: float = 0.0,
    ) -> None:
        """Answer the next ``times`` requests with ``status`` (after ``delay`` seconds)."""
        answer = ScriptedAnswer(status=status, body=body, headers=headers or {}, delay=delay)
        with self._lock:
            self._script.extend([answer] * times)

    def fail_next(self, count: int = 1, *, status: int = 503) -> None:
        """Answer the next ``count`` requests with ``status`` (503 unless told)."""
        self.answer_next(status, times=count, body=b"receiver scripted to fail")

    def wait_for(self, count: int, *, timeout: float = 5.0) -> list[ReceivedRequest]:
        """Block until at least ``count`` requests arrived; return all of them."""
        with self._lock:
            if not self._lock.wait_for(lambda: len(self.received) >= count, timeout=timeout):
                raise AssertionError(
                    f"receiver got {len(self.received)} requests within {timeout}s, "
                    f"expected {count}"
                )
            return list(self.received)

    def signature_valid(
        self,
        request: ReceivedRequest,
        secret: str | None = None,
        *,
        now: float | None = None,
        tolerance_s: float = 300,
    ) -> bool:
        """Check a request's ``X-LLMSR-Signature`` as a real receiver would."""
        key = secret if secret is not None else self.secret
        if key is None:
            raise ValueError("pass secret= or construct the receiver with one")
        return verify_signature(
            key,
            request.body,
            request.headers.get("x-llmsr-timestamp", ""),
            request.headers.get("x-llmsr-signature", ""),
            tolerance_s=tolerance_s,
            now=now,
        )

    def _record(self, request: ReceivedRequest) -> ScriptedAnswer:
        with self._lock:
            self.received.append(request)
            self._lock.notify_all()
            return self._script.popleft() if self._script else ScriptedAnswer(status=200)


@dataclass(frozen=True)
class ReceivedMessage:
    """One AMQP message a :class:`BoundQueue` consumed."""

    routing_key: str
    exchange: str
    properties: Any  # pika.BasicProperties
    body: bytes


class BoundQueue:
    """An exclusive, server-named queue bound to ``exchange``, read by a real consumer.

    The exchange is declared (durable topic, as the transport declares it) so binding works
    before the first publish.
    """

    def __init__(
        self, exchange: str, binding_keys: list[str], *, url: str = DEFAULT_AMQP_URL
    ) -> None:
        self.exchange = exchange
        self._connection = pika.BlockingConnection(pika.URLParameters(url))
        self._channel = self._connection.channel()
        self._channel.exchange_declare(exchange=exchange, exchange_type="topic", durable=True)
        declared = self._channel.queue_declare(queue="", exclusive=True)
        self.queue: str = declared.method.queue
        for key in binding_keys:
            self._channel.queue_bind(queue=self.queue, exchange=exchange, routing_key=key)
        self._messages: list[ReceivedMessage] = []
        self._channel.basic_consume(queue=self.queue, on_message_callback=self._on_message)

    def _on_message(self, channel: Any, method: Any, properties: Any, body: bytes) -> None:
        self._messages.append(
            ReceivedMessage(
                routing_key=method.routing_key,
                exchange=method.exchange,
                properties=properties,
                body=body,
            )
        )
        channel.basic_ack(delivery_tag=method.delivery_tag)

    def consume(
        self, expected: int, *, timeout: float = 3.0, settle: float = 0.2
    ) -> list[ReceivedMessage]:
        """Every message so far, after waiting for ``expected`` and ``settle`` s more for extras."""
        deadline = time.monotonic() + timeout
        while len(self._messages) < expected and time.monotonic() < deadline:
            self._connection.process_data_events(time_limit=0.05)
        self._connection.process_data_events(time_limit=settle)
        return list(self._messages)

    def close(self, *, delete_exchange: bool = False) -> None:
        """Close the consumer (the exclusive queue goes with it), optionally the exchange too."""
        if self._connection.is_open:
            if delete_exchange:
                self._channel.exchange_delete(exchange=self.exchange)
            self._connection.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def delete_exchange(exchange: str, *, url: str = DEFAULT_AMQP_URL) -> None:
    """Delete ``exchange`` (a no-op if it does not exist)."""
    connection = pika.BlockingConnection(pika.URLParameters(url))
    try:
        connection.channel().exchange_delete(exchange=exchange)
    finally:
        connection.close()


class TcpProxy:
    """A TCP relay on a free local port to ``target``, whose connections a test can cut.

    ``cut()`` drops every relayed connection (as a broker restart would) and keeps listening;
    ``stop()`` stops listening too (broker down), and ``start()`` listens again on the same port.
    """

    def __init__(self, target: tuple[str, int] = ("127.0.0.1", 5672)) -> None:
        self.target = target
        self.port = 0
        self._listener: socket.socket | None = None
        self._acceptor: threading.Thread | None = None
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()

    def amqp_url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}/%2F"

    def start(self) -> Self:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(16)
        self.port = listener.getsockname()[1]
        self._listener = listener
        self._acceptor = threading.Thread(target=self._accept, args=(listener,), daemon=True)
        self._acceptor.start()
        return self

    def cut(self) -> None:
        """Close every relayed connection at once."""
        with self._lock:
            sockets, self._sockets = self._sockets, []
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def stop(self) -> None:
        # The accept thread closes the listener itself: a close() from here would leave the
        # port listening until its blocked accept() returned, and connections queued meanwhile
        # would be reset instead of refused.
        self._listener = None
        if self._acceptor is not None:
            self._acceptor.join(timeout=5)
            self._acceptor = None
        self.cut()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _accept(self, listener: socket.socket) -> None:
        listener.settimeout(0.05)
        with listener:
            while self._listener is listener:
                try:
                    client, _ = listener.accept()
                except TimeoutError:
                    continue
                self._relay(client)

    def _relay(self, client: socket.socket) -> None:
        client.settimeout(None)
        try:
            upstream = socket.create_connection(self.target, timeout=5)
        except OSError:
            client.close()
            return
        upstream.settimeout(None)
        with self._lock:
            self._sockets += [client, upstream]
        for source, sink in ((client, upstream), (upstream, client)):
            threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while chunk := source.recv(65536):
                sink.sendall(chunk)
        except OSError:
            pass
        for sock in (source, sink):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
