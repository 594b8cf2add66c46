"""Use case: diagnose several clusters (kubeconfig contexts) at once.

Each context is diagnosed as `diagnose.live.diagnose_cluster` diagnoses one,
concurrently (`kube.fleet`): a context that cannot be reached or refuses is one failed
entry and the others go on.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import NamedTuple

from kubectl_shm.diagnose.live import LogLimits, Scope, diagnose_cluster
from kubectl_shm.diagnose.report import DiagnosisReport
from kubectl_shm.feedback import Silent
from kubectl_shm.kube.client import Kube
from kubectl_shm.kube.connection import ConnectionOptions
from kubectl_shm.kube.fleet import ContextOutcome, for_each_context
from kubectl_shm.model.nodes import NodeProfile


class ClusterDiagnosis(NamedTuple):
    """One context's diagnosis, or the one-line error that stopped it."""

    context: str
    report: DiagnosisReport | None
    error: str | None
    seconds: float


def diagnose_contexts(
    base: ConnectionOptions,
    contexts: Sequence[str],
    *,
    all_namespaces: bool,
    selector: str | None,
    since_seconds: int | None,
    now: datetime,
    assumption: NodeProfile,
    limits: LogLimits,
    on_done: Callable[[ClusterDiagnosis], None] | None = None,
) -> list[ClusterDiagnosis]:
    """Every context diagnosed (-A, -n NS, or each context's own namespace), in order."""

    def diagnose_one(_context: str, kube: Kube) -> DiagnosisReport:
        scope = Scope(namespace=None if all_namespaces else kube.namespace, selector=selector)
        return diagnose_cluster(
            kube,
            Silent(),
            scope=scope,
            since_seconds=since_seconds,
            now=now,
            assumption=assumption,
            limits=limits,
        )

    def done(outcome: ContextOutcome[DiagnosisReport]) -> None:
        if on_done is not None:
            on_done(_diagnosis(outcome))

    outcomes = for_each_context(base, contexts, diagnose_one, on_done=done)
    return [_diagnosis(outcome) for outcome in outcomes]


def _diagnosis(outcome: ContextOutcome[DiagnosisReport]) -> ClusterDiagnosis:
    return ClusterDiagnosis(outcome.context, outcome.value, outcome.error, outcome.seconds)
