"""Several clusters in one run: the contexts to read, and one piece of work per context,
run concurrently with a bound.

Each context is connected on its own (`client.connect` with that context: its own
cluster, user and credentials, its exec plugin run with its own deadline), so one that
is unreachable, refuses the credentials or forbids the reads fails alone: its outcome
carries the error, and the others go on. The work is any function of a `Kube` adapter,
so every command that reads a cluster (audit, diagnose, inspect) can fan out the same way.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from typing import Generic, TypeVar

from kubectl_shm.errors import ShmError
from kubectl_shm.kube.client import Kube, connect
from kubectl_shm.kube.connection import ConnectionOptions
from kubectl_shm.kube.errors import ConfigError
from kubectl_shm.kube.kubeconfig import kubeconfig_paths, load_kubeconfig, missing_kubeconfig

T = TypeVar("T")
# Clusters read at once. Each read is network-bound (the API server does the work) and
# each already reads its nodes' kubelets in parallel: 8 keeps a fleet of tens of clusters
# close to the time of its slowest without opening hundreds of connections.
MAX_CONCURRENT_CONTEXTS = 8


@dataclass(frozen=True)
class ContextOutcome(Generic[T]):
    """What the work gave for one context, or the one-line error that stopped it."""

    context: str
    value: T | None
    error: str | None
    seconds: float


def all_context_names(kubeconfig: str | None) -> list[str]:
    """Every context of the kubeconfig (the merged files of --kubeconfig or $KUBECONFIG,
    in the order they define them); ConfigError when there is no kubeconfig or no context."""
    paths = kubeconfig_paths(kubeconfig)
    if not paths:
        raise missing_kubeconfig()
    config = load_kubeconfig(paths)
    if not config.contexts:
        raise ConfigError(f"--all-contexts: no context in {', '.join(config.files)}")
    return list(config.contexts)


def for_each_context(
    base: ConnectionOptions,
    contexts: Sequence[str],
    work: Callable[[str, Kube], T],
    *,
    on_done: Callable[[ContextOutcome[T]], None] | None = None,
    limit: int = MAX_CONCURRENT_CONTEXTS,
) -> list[ContextOutcome[T]]:
    """`work(context, kube)` for every context at once (at most `limit` together), in the
    order of `contexts`. A ClusterError (kubeconfig, credentials, connection, API) or an
    InputError of one context becomes its outcome's error; `on_done` is called in this
    thread as each ends."""
    _import_client_once()
    outcomes: dict[str, ContextOutcome[T]] = {}
    with ThreadPoolExecutor(max_workers=max(1, min(limit, len(contexts)))) as pool:
        futures = {
            pool.submit(_run_one, base._replace(context=name), name, work): name
            for name in contexts
        }
        for future in as_completed(futures):
            outcome = future.result()
            outcomes[outcome.context] = outcome
            if on_done is not None:
                on_done(outcome)
    return [outcomes[name] for name in contexts]


def _run_one(
    options: ConnectionOptions, name: str, work: Callable[[str, Kube], T]
) -> ContextOutcome[T]:
    started = time.monotonic()
    try:
        kube = connect(options)
        try:
            value = work(name, kube)
        finally:
            kube.close()
    except ShmError as error:  # a cluster's fault, or input it cannot take: its own entry
        return ContextOutcome(name, None, str(error), time.monotonic() - started)
    return ContextOutcome(name, value, None, time.monotonic() - started)


def _import_client_once() -> None:
    """Import the Kubernetes client here, before the threads: several threads importing
    one package for the first time at once can deadlock on its circular imports."""
    import kubernetes.client
    import kubernetes.config.kube_config  # noqa: F401
