"""Deadlines: every wait on the API server or a credential plugin ends.

A socket timeout bounds one read, not a request: a server that sends a byte
every second never trips it, and a TLS handshake or DNS lookup may not honour it
at all. So a call with a deadline runs in a worker thread that the caller stops
waiting for when the deadline passes (as Go's http.Client.Timeout covers
"connection time, any redirects, and reading the response body": net/http
client.go, Client.Timeout). The worker is a daemon thread, abandoned, not killed: it ends when
its socket times out or the process exits.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import NamedTuple, TypeVar

T = TypeVar("T")
# A request that has not started reading by now will not be helped by a few ms more.
_MINIMUM_SOCKET_TIMEOUT = 0.01


class DeadlineExceeded(Exception):
    """The work did not finish before its deadline (it may still be running)."""


class Deadline(NamedTuple):
    """A point on the monotonic clock, or None for no limit."""

    at: float | None
    seconds: float | None  # how long it allowed when it started, for messages

    @classmethod
    def start(cls, timeout: float | None, *, not_after: float | None = None) -> Deadline:
        """`timeout` seconds from now (None: no limit), and never later than `not_after`."""
        now = time.monotonic()
        ends = [t for t in (None if timeout is None else now + timeout, not_after) if t is not None]
        at = min(ends) if ends else None
        return cls(at, None if at is None else max(at - now, 0.0))

    def remaining(self) -> float | None:
        """Seconds left (0 once passed), None without a limit."""
        return None if self.at is None else max(self.at - time.monotonic(), 0.0)

    def socket_timeout(self) -> float | None:
        """What to give a socket: what is left, never 0 (which would mean no timeout)."""
        left = self.remaining()
        return None if left is None else max(left, _MINIMUM_SOCKET_TIMEOUT)

    def passed(self) -> bool:
        return self.at is not None and time.monotonic() >= self.at


def finish_before(deadline: Deadline, work: Callable[[], T], *, name: str) -> T:
    """`work()`'s result or exception; DeadlineExceeded once `deadline` passes.

    Without a limit the work runs in the caller's thread, as it always did.
    """
    if deadline.at is None:
        return work()
    outcome: list[T] = []
    failure: list[BaseException] = []

    def run() -> None:
        try:
            outcome.append(work())
        except BaseException as error:  # handed to the caller's thread below
            failure.append(error)

    worker = threading.Thread(target=run, name=name, daemon=True)
    worker.start()
    worker.join(deadline.remaining())
    if failure:
        raise failure[0]
    if not outcome:
        raise DeadlineExceeded(name)
    return outcome[0]
