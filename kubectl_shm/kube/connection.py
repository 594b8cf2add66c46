"""How to reach the cluster: kubectl's connection flags, as plain data."""

from __future__ import annotations

from typing import NamedTuple


class ConnectionOptions(NamedTuple):
    """kubectl's --kubeconfig, --context, --cluster, --user, -n and --request-timeout."""

    kubeconfig: str | None = None
    context: str | None = None
    cluster: str | None = None
    user: str | None = None
    namespace: str | None = None
    # Seconds; None means kubectl's default (no timeout).
    request_timeout: float | None = None
