"""Misbehaving API server endpoints on 127.0.0.1, one way each, for the connection faults.

Each endpoint accepts in a daemon thread and handles every connection in another. All
of them stop by themselves: at most MAX_CONNECTIONS connections, nothing held past
LIFETIME seconds, and a drip sends at most DRIP_BYTES bytes, whether or not the test
calls stop().
"""

from __future__ import annotations

import json
import socket
import ssl
import threading
import time
from collections.abc import Callable
from contextlib import suppress

LIFETIME = 90.0
MAX_CONNECTIONS = 32
DRIP_BYTES = 120
_POLL = 0.2

# A behaviour gets the accepted connection and the endpoint's stop event.
Behaviour = Callable[[socket.socket, threading.Event], None]


class Endpoint:
    """A listening socket on 127.0.0.1 that treats every connection with `behaviour`."""

    def __init__(self, behaviour: Behaviour, *, tls: ssl.SSLContext | None = None) -> None:
        self.behaviour = behaviour
        self.tls = tls
        self.stopped = threading.Event()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(_POLL)
        self.port = self.listener.getsockname()[1]
        self.started = time.monotonic()
        threading.Thread(target=self._accept, name=f"endpoint:{self.port}", daemon=True).start()

    def url(self, scheme: str = "https") -> str:
        return f"{scheme}://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.stopped.set()

    def _expired(self) -> bool:
        return self.stopped.is_set() or time.monotonic() - self.started > LIFETIME

    def _accept(self) -> None:
        with self.listener:
            for _ in range(MAX_CONNECTIONS):
                connection = None
                while connection is None and not self._expired():
                    with suppress(TimeoutError):
                        connection, _ = self.listener.accept()
                if connection is None:
                    return
                threading.Thread(target=self._serve, args=(connection,), daemon=True).start()

    def _serve(self, connection: socket.socket) -> None:
        with connection:
            connection.settimeout(_POLL)
            if self.tls is None:
                self._behave(connection)
                return
            wrapped = self._handshake(connection)
            if wrapped is not None:
                with wrapped:
                    self._behave(wrapped)

    def _behave(self, connection: socket.socket) -> None:
        with suppress(OSError):
            self.behaviour(connection, self.stopped)

    def _handshake(self, connection: socket.socket) -> ssl.SSLSocket | None:
        assert self.tls is not None
        connection.settimeout(5)
        try:
            wrapped = self.tls.wrap_socket(connection, server_side=True)
        except (OSError, ssl.SSLError):
            return None  # the client refused our certificate
        wrapped.settimeout(_POLL)
        return wrapped


def _alive(stop: threading.Event, since: float) -> bool:
    return not stop.is_set() and time.monotonic() - since < LIFETIME


def _read_request(connection: socket.socket, stop: threading.Event) -> bytes:
    """The request head (up to the blank line), or what came before the client gave up."""
    data = b""
    since = time.monotonic()
    while b"\r\n\r\n" not in data and _alive(stop, since) and len(data) < 1 << 16:
        try:
            chunk = connection.recv(4096)
        except TimeoutError:
            continue
        if not chunk:
            break
        data += chunk
    return data


def silent(connection: socket.socket, stop: threading.Event) -> None:
    """Accept, read whatever comes, never answer. Under https:// this is a TLS handshake
    that never completes: the client's hello is read and no server hello comes back."""
    since = time.monotonic()
    while _alive(stop, since):
        try:
            if not connection.recv(4096):
                return
        except TimeoutError:
            continue


def close_at_once(connection: socket.socket, stop: threading.Event) -> None:
    """Read the request, then close without a word."""
    _read_request(connection, stop)


def garbage(connection: socket.socket, stop: threading.Event) -> None:
    """Answer the request with bytes that are not HTTP, then close."""
    _read_request(connection, stop)
    connection.sendall(b"\x00\x01\xfe\xffSSH-2.0-not-an-api-server\r\n\r\n")


def cut_short(connection: socket.socket, stop: threading.Event) -> None:
    """Promise 1000 bytes of JSON, send 10, close."""
    _read_request(connection, stop)
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n"
    connection.sendall(head + b'{"kind": "')


def drip_head(connection: socket.socket, stop: threading.Event) -> None:
    """The status line and headers one byte a second: no read ever waits long."""
    _read_request(connection, stop)
    _drip(connection, stop, b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Pad: ")


def drip_body(connection: socket.socket, stop: threading.Event) -> None:
    """A proper head at once, then the body one byte a second."""
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n"
    _read_request(connection, stop)
    connection.sendall(head)
    _drip(connection, stop, b"")


def _drip(connection: socket.socket, stop: threading.Event, prefix: bytes) -> None:
    for byte in prefix + b" " * DRIP_BYTES:
        connection.sendall(bytes([byte]))
        if stop.wait(1.0):
            return


def answer(status: int, body: object = None) -> Behaviour:
    """Answer every request with `status` and `body` (a dict as JSON, bytes as they are)."""
    reasons = {401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 200: "OK"}
    reasons |= {500: "Internal Server Error", 503: "Service Unavailable"}
    if isinstance(body, dict):
        data, kind = json.dumps(body).encode(), "application/json"
    else:
        data, kind = (body or b""), "text/plain"

    def behaviour(connection: socket.socket, stop: threading.Event) -> None:
        if not _read_request(connection, stop):
            return
        head = (
            f"HTTP/1.1 {status} {reasons.get(status, 'Status')}\r\nContent-Type: {kind}\r\n"
            f"Content-Length: {len(data)}\r\nConnection: close\r\n\r\n"
        )
        connection.sendall(head.encode() + data)

    return behaviour


def status_body(code: int, reason: str, message: str) -> dict[str, object]:
    """A metav1.Status, as the API server sends with an error."""
    return {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
        "code": code,
    }


def closed_port() -> int:
    """A port on 127.0.0.1 where nothing listens (connections are refused)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def server_tls(cert: str, key: str) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    return context
