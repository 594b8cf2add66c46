"""The adapter's own errors: the client library's exceptions never leave kube/.

Each is raised `from` the library's exception, with the server's message cut
short, so the CLI can print one line and exit 3.
"""

from __future__ import annotations

import json
from typing import Any

from kubectl_shm.errors import ClusterError

_MAX_MESSAGE = 300


class KubeError(ClusterError):
    """An API call failed."""

    status: int | None = None


class Unreachable(KubeError):
    """No answer from the API server (connection refused, DNS, TLS, timeout)."""


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


def from_status(status: int, reason: str | None, body: object, doing: str) -> KubeError:
    """Our error for an HTTP status (0: no HTTP answer), with the server's message."""
    cls = _BY_STATUS.get(status, ServerError if status else Unreachable)
    reason = _server_message(body) or reason or ""
    if status == 401:
        reason = f"{reason or 'Unauthorized'}: the credentials were refused (expired token?)"
    message = f"{doing}: {reason}".strip().rstrip(":")
    made = cls(_cut(message))
    made.status = status or None
    return made


def from_transport_error(error: BaseException, doing: str, server: str | None) -> Unreachable:
    where = f" at {server}" if server else ""
    reason = getattr(error, "reason", None) or error
    return Unreachable(_cut(f"{doing}: cannot reach the API server{where}: {reason}"))


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
