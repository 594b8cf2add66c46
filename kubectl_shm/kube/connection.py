"""How to reach the cluster: kubectl's connection flags, as plain data."""

from __future__ import annotations

from typing import NamedTuple

# Each API call (connect, TLS handshake, the whole response) and each run of an exec
# credential plugin gets this long unless --request-timeout says otherwise. kubectl has
# no default; a healthy cluster answers far sooner: the API server's latency objective
# for a cluster-wide LIST is p99 <= 30s (kubernetes/community,
# sig-scalability/slos/api_call_latency.md), and we list in pages of 1,000.
DEFAULT_REQUEST_TIMEOUT = 30.0


class ConnectionOptions(NamedTuple):
    """kubectl's --kubeconfig, --context, --cluster, --user, -n and --request-timeout."""

    kubeconfig: str | None = None
    context: str | None = None
    cluster: str | None = None
    user: str | None = None
    namespace: str | None = None
    # Seconds per call; None means no limit (kubectl's `--request-timeout 0`).
    request_timeout: float | None = DEFAULT_REQUEST_TIMEOUT
    # A time.monotonic() value past which no call waits, whatever request_timeout
    # says: shell completion's budget for all of its calls together.
    not_after: float | None = None
