"""Use case: inspect one target in several clusters (kubeconfig contexts) at once.

A workload of the same name often runs in several clusters (training, inference,
staging). Each context is inspected as `inspect.live.inspect_cluster` inspects one,
concurrently (`kube.fleet`); a context where the target does not exist is reported as
absent, not as a failure; one that cannot be reached or refuses is a failed entry.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import NamedTuple

from kubectl_shm.inspect.comparison import InspectReport
from kubectl_shm.inspect.live import inspect_cluster
from kubectl_shm.kube.client import Kube
from kubectl_shm.kube.connection import ConnectionOptions
from kubectl_shm.kube.errors import NotFound
from kubectl_shm.kube.fleet import ContextOutcome, for_each_context
from kubectl_shm.model.targets import Target


class ClusterInspection(NamedTuple):
    """One context's inspection; `absent` (the target's NotFound) when it has no such
    target, `error` when it could not be inspected."""

    context: str
    report: InspectReport | None
    absent: str | None
    error: str | None
    seconds: float


def inspect_contexts(
    base: ConnectionOptions,
    contexts: Sequence[str],
    *,
    target: Target,
    container: str | None,
    exec_timeout: float,
    debug_image: str | None = None,
    on_done: Callable[[ClusterInspection], None] | None = None,
) -> list[ClusterInspection]:
    """`target` inspected in every context, in the order given."""

    def inspect_one(_context: str, kube: Kube) -> InspectReport | str:
        try:
            return inspect_cluster(
                kube,
                target=target,
                container=container,
                exec_timeout=exec_timeout,
                debug_image=debug_image,
            )
        except NotFound as error:
            return str(error)

    def done(outcome: ContextOutcome[InspectReport | str]) -> None:
        if on_done is not None:
            on_done(_inspection(outcome))

    outcomes = for_each_context(base, contexts, inspect_one, on_done=done)
    return [_inspection(outcome) for outcome in outcomes]


def _inspection(outcome: ContextOutcome[InspectReport | str]) -> ClusterInspection:
    value = outcome.value
    if isinstance(value, str):
        return ClusterInspection(outcome.context, None, value, None, outcome.seconds)
    return ClusterInspection(outcome.context, value, None, outcome.error, outcome.seconds)
