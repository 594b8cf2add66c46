"""Live audit: a /dev/shm sizeLimit that a policy set, not the workload's author.

Generic policies give every emptyDir without a sizeLimit one (Kyverno's
add-emptydir-sizelimit: 100Mi), /dev/shm included: the workload then runs with a size
nobody chose for it. The pods do not show it (their controller copies the template and
owns every field); the metadata of the object that was admitted does
(model.admission_trail). It is read only for workloads with a memory emptyDir at
/dev/shm with a sizeLimit: one metadata-only list per such kind in the audited scope.
A bare pod's own metadata comes with the pod list (kube.slim_pods.slim_pod keeps it)
and is read as the pod is audited (`with_pod_policy_finding`), so no pod is read twice.
A kind that cannot be listed leaves the question open, with a warning; a workload
deleted since its pods were listed is passed over.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kubectl_shm.audit.report import AuditReport, WorkloadReport
from kubectl_shm.audit.rules import Finding, Rule
from kubectl_shm.kube.client import Kube
from kubectl_shm.kube.errors import Forbidden
from kubectl_shm.kube.node_profiles import short_reason
from kubectl_shm.kube.workload_metadata import list_workload_metadata
from kubectl_shm.model.admission_trail import size_limit_origin
from kubectl_shm.model.ownership import WorkloadRef
from kubectl_shm.model.quantity import format_bytes
from kubectl_shm.model.sizing import ShmSource
from kubectl_shm.model.workload_kinds import BY_KIND


def with_policy_sizes(
    kube: Kube,
    report: AuditReport,
    namespace: str | None,
) -> AuditReport:
    """`report` with a shm-size-from-policy finding where a policy set the sizeLimit of a
    controller's template; `namespace` is the audited one (None: all). Bare pods have
    theirs from `with_pod_policy_finding`, given as each is audited."""
    candidates = [
        w
        for w in report.workloads
        if w.kind != "Pod" and w.kind in BY_KIND and _sized_memory_volumes(w)
    ]
    warnings = list(report.warnings)
    metadata: dict[tuple[str, str, str], Mapping[str, Any]] = {}
    for kind in dict.fromkeys(w.kind for w in candidates):
        try:
            found = list_workload_metadata(kube, kind=BY_KIND[kind], namespace=namespace)
        except Forbidden as error:
            warnings.append(
                f"cannot list {BY_KIND[kind].plural} ({short_reason(error)}): whether a policy "
                f"set their /dev/shm sizeLimit is unknown"
            )
            continue
        metadata.update({(kind, *key): value for key, value in found.items()})
    workloads = tuple(
        _with_findings(w, metadata[(w.kind, w.namespace, w.name)])
        if (w.kind, w.namespace, w.name) in metadata
        else w
        for w in report.workloads
    )
    return report._replace(workloads=workloads, warnings=tuple(warnings))


def with_pod_policy_finding(
    workload: WorkloadReport, metadata: Mapping[str, Any]
) -> WorkloadReport:
    """A bare pod's report with its shm-size-from-policy finding, from its own metadata."""
    if "managedFields" not in metadata or not _sized_memory_volumes(workload):
        return workload
    return _with_findings(workload, metadata)


def _sized_memory_volumes(workload: WorkloadReport) -> bool:
    return any(
        c.source is ShmSource.EMPTYDIR_MEMORY and c.size_limit_bytes for c in workload.containers
    )


def _with_findings(workload: WorkloadReport, metadata: Mapping[str, Any]) -> WorkloadReport:
    ref = WorkloadRef(workload.kind, workload.namespace, workload.name)
    findings = list(workload.findings)
    for container in workload.containers:
        if container.source is not ShmSource.EMPTYDIR_MEMORY or not container.size_limit_bytes:
            continue
        origin = size_limit_origin(metadata, str(container.volume))
        if origin is None:
            continue
        message = (
            f"sizeLimit {format_bytes(container.size_limit_bytes)} of memory emptyDir "
            f"{container.volume!r} at /dev/shm was set by {origin.who}, not by the workload's "
            f"author: a generic emptyDir policy chose the size of shared memory. Fix: give it "
            f"the size it needs explicitly: {ref.set_command(container=container.name)}"
        )
        finding = Finding(Rule.SIZE_FROM_POLICY, container.name, message)
        if finding not in findings:
            findings.append(finding)
    return workload._replace(findings=tuple(findings))
