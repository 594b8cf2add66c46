"""Use case: audit several clusters (kubeconfig contexts) at once, side by side.

Each context is audited as `audit.live.audit_cluster` audits one, concurrently
(`kube.fleet`); a cluster that cannot be reached, refuses the credentials or forbids
listing pods is one failed entry and the others are still audited.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import NamedTuple

from kubectl_shm.audit.live import audit_cluster
from kubectl_shm.audit.report import AuditReport
from kubectl_shm.feedback import Silent
from kubectl_shm.kube.client import Kube
from kubectl_shm.kube.connection import ConnectionOptions
from kubectl_shm.kube.fleet import ContextOutcome, for_each_context
from kubectl_shm.model.nodes import NodeProfile


class ClusterAudit(NamedTuple):
    """One context's audit, or the error that stopped it (report None)."""

    context: str
    report: AuditReport | None
    error: str | None
    seconds: float


class AuditScope(NamedTuple):
    """What to read from every cluster, as for a single one."""

    all_namespaces: bool
    selector: str | None
    assumption: NodeProfile
    usage: bool
    strict: bool = False


def audit_contexts(
    base: ConnectionOptions,
    contexts: Sequence[str],
    scope: AuditScope,
    *,
    on_done: Callable[[ClusterAudit], None] | None = None,
) -> list[ClusterAudit]:
    """Every context audited, in the order given. With `scope.strict`, a cluster whose
    audit is incomplete (warnings about what it would not show) is a failed entry."""

    def audit_one(_context: str, kube: Kube) -> AuditReport:
        # Progress bars of clusters read at once would overwrite each other: each
        # cluster's warnings go into its report instead, for the caller to show.
        feedback = Silent()
        report = audit_cluster(
            kube,
            feedback,
            all_namespaces=scope.all_namespaces,
            selector=scope.selector,
            assumption=scope.assumption,
            usage=scope.usage,
        )
        return report._replace(warnings=(*feedback.warnings, *report.warnings))

    def done(outcome: ContextOutcome[AuditReport]) -> None:
        if on_done is not None:
            on_done(_cluster_audit(outcome, strict=scope.strict))

    outcomes = for_each_context(base, contexts, audit_one, on_done=done)
    return [_cluster_audit(outcome, strict=scope.strict) for outcome in outcomes]


def _cluster_audit(outcome: ContextOutcome[AuditReport], *, strict: bool) -> ClusterAudit:
    report, error = outcome.value, outcome.error
    if strict and report is not None and report.warnings:
        count = len(report.warnings)
        error = f"--strict: the audit is incomplete ({count} warning{'s' if count > 1 else ''})"
    return ClusterAudit(outcome.context, report, error, outcome.seconds)
