"""The adapter's own errors: the client library's exceptions never leave kube/.

Each is raised `from` the library's exception, with the server's message cut
short, so the CLI can print one line and exit 3.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from kubectl_shm.errors import ClusterError

_MAX_MESSAGE = 300


class KubeError(ClusterError):
    """An API call failed."""

    status: int | None = None


class Unreachable(KubeError):
    """No answer from the API server (connection refused, DNS, TLS, timeout)."""


class TimedOut(Unreachable):
    """The API server did not finish answering before the call's deadline."""


class Unauthorized(KubeError):
    status = 401


class Forbidden(KubeError):
    status = 403


class NotFound(KubeError):
    status = 404


class Conflict(KubeError):
    status = 409


class Invalid(KubeError):
    status = 422


class ServerError(KubeError):
    """5xx and anything else unexpected from the server."""


class ConfigError(KubeError):
    """No usable kubeconfig, or an unknown context, cluster or user."""


class CredentialPluginError(ConfigError):
    """An exec credential plugin failed, hung or printed no usable credential."""


_BY_STATUS: dict[int, type[KubeError]] = {
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    409: Conflict,
    422: Invalid,
}


def from_api_exception(error: Any, doing: str) -> KubeError:
    """Map a kubernetes.client ApiException to our error, naming what was being done."""
    return from_status(
        getattr(error, "status", None) or 0,
        getattr(error, "reason", None),
        getattr(error, "body", None),
        doing,
    )


def from_status(
    status: int, reason: str | None, body: object, doing: str, *, credential_note: str = ""
) -> KubeError:
    """Our error for an HTTP status (0: no HTTP answer), with the server's message.

    `credential_note` says what is known about the credentials, for a 401.
    """
    cls = _BY_STATUS.get(status, ServerError if status else Unreachable)
    reason = _server_message(body) or reason or ""
    if status == 401:
        why = credential_note or "expired token?"
        reason = f"{reason or 'Unauthorized'}: the credentials were refused ({why})"
    message = f"{doing}: {reason}".strip().rstrip(":")
    made = cls(_cut(message))
    made.status = status or None
    return made


def from_transport_error(error: BaseException, doing: str, server: str | None) -> Unreachable:
    where = f" at {server}" if server else ""
    return Unreachable(_cut(f"{doing}: {describe_transport_error(error, where)}"))


def timed_out(doing: str, server: str | None, seconds: float | None) -> TimedOut:
    where = f" at {server}" if server else ""
    within = f" within {seconds:g}s" if seconds is not None else ""
    return TimedOut(
        _cut(f"{doing}: the API server{where} did not answer{within} (see --request-timeout)")
    )


def describe_transport_error(error: BaseException, where: str = "") -> str:
    """What went wrong on the wire, in a few words, from urllib3's nested exceptions.

    urllib3 wraps the socket's or ssl's error in MaxRetryError, ProtocolError or
    NewConnectionError (as `reason`, an argument, or the cause): the innermost
    one that we know says it best.
    """
    import http.client

    answered = f"the API server{where}"
    for cause in _causes(error):
        if isinstance(cause, http.client.RemoteDisconnected):
            return f"{answered} closed the connection without answering"
        if isinstance(cause, http.client.BadStatusLine):
            return f"{answered} answered with something that is not HTTP"
        if isinstance(cause, http.client.IncompleteRead):
            got = cause.partial if isinstance(cause.partial, int) else len(cause.partial)
            return f"{answered} closed the connection mid-answer ({got} bytes read)"
    return f"cannot reach the API server{where}: {_unreachable_reason(error)}"


def _unreachable_reason(error: BaseException) -> str:
    import socket
    import ssl

    for cause in _causes(error):
        if isinstance(cause, ssl.SSLCertVerificationError):
            return f"TLS: certificate verify failed: {cause.verify_message or cause.reason}"
        if isinstance(cause, ssl.SSLError):
            return f"TLS: {cause.reason or cause}"
        if isinstance(cause, ConnectionRefusedError):
            return "connection refused"
        if isinstance(cause, socket.gaierror):
            return f"cannot resolve the host name: {cause.strerror or cause}"
    if is_timeout(error):
        return "timed out"
    return str(getattr(error, "reason", None) or error)


def is_timeout(error: BaseException) -> bool:
    """A socket (or urllib3) timeout somewhere in what `error` wraps."""
    return any(
        isinstance(cause, TimeoutError) or "Timeout" in type(cause).__name__
        for cause in _causes(error)
    )


def _causes(error: BaseException, depth: int = 0) -> Iterator[BaseException]:
    """`error`, then what it wraps: urllib3's `reason`, exception arguments, cause, context."""
    yield error
    if depth > 6:
        return
    inner = [getattr(error, "reason", None), *error.args, error.__cause__, error.__context__]
    for wrapped in inner:
        if isinstance(wrapped, BaseException) and wrapped is not error:
            yield from _causes(wrapped, depth + 1)


def _server_message(body: object) -> str | None:
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    if not isinstance(body, str) or not body:
        return None
    try:
        status = json.loads(body)
    except ValueError:
        return body.strip().splitlines()[0] if body.strip() else None
    return status.get("message") if isinstance(status, dict) else None


def _cut(message: str) -> str:
    message = " ".join(message.split())
    return message if len(message) <= _MAX_MESSAGE else message[: _MAX_MESSAGE - 1] + "…"
