"""Live audit: a /dev/shm sizeLimit that a policy set, not the workload's author.

Generic policies give every emptyDir without a sizeLimit one (Kyverno's
add-emptydir-sizelimit: 100Mi), /dev/shm included: the workload then runs with a size
nobody chose for it. The pods do not show it (their controller copies the template and
owns every field); the object that was admitted does (model.admission_trail). Each
workload with a memory emptyDir at /dev/shm with a sizeLimit is read once; one that
cannot be read is skipped with a warning.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kubectl_shm.audit.report import AuditReport, WorkloadReport
from kubectl_shm.audit.rules import Finding, Rule
from kubectl_shm.kube.client import Kube
from kubectl_shm.kube.errors import Forbidden, NotFound
from kubectl_shm.kube.node_profiles import parallel
from kubectl_shm.kube.workloads import get_workload
from kubectl_shm.model.admission_trail import size_limit_origin
from kubectl_shm.model.ownership import WorkloadRef
from kubectl_shm.model.quantity import format_bytes
from kubectl_shm.model.sizing import ShmSource
from kubectl_shm.model.templates import find_pod_templates
from kubectl_shm.model.workload_kinds import BY_KIND


def with_policy_sizes(kube: Kube, report: AuditReport) -> AuditReport:
    """`report` with a shm-size-from-policy finding where a policy set the sizeLimit."""
    candidates = [w for w in report.workloads if _sized_memory_volumes(w) and w.kind in BY_KIND]
    warnings = list(report.warnings)
    objects = parallel(lambda w: _read(kube, w, warnings), candidates)
    found = {id(w): obj for w, obj in zip(candidates, objects, strict=True) if obj is not None}
    workloads = tuple(
        _with_findings(w, found[id(w)]) if id(w) in found else w for w in report.workloads
    )
    return report._replace(workloads=workloads, warnings=tuple(warnings))


def _sized_memory_volumes(workload: WorkloadReport) -> bool:
    return any(
        c.source is ShmSource.EMPTYDIR_MEMORY and c.size_limit_bytes for c in workload.containers
    )


def _read(kube: Kube, workload: WorkloadReport, warnings: list[str]) -> dict[str, Any] | None:
    kind = BY_KIND[workload.kind]
    try:
        return get_workload(kube, kind=kind, namespace=workload.namespace, name=workload.name)
    except (Forbidden, NotFound) as error:
        warnings.append(
            f"cannot read {kind.label(workload.name)} in {workload.namespace} ({error}): "
            f"whether a policy set its /dev/shm sizeLimit is unknown"
        )
        return None


def _with_findings(workload: WorkloadReport, obj: Mapping[str, Any]) -> WorkloadReport:
    templates = find_pod_templates(obj)
    if len(templates) != 1:
        return workload
    pod_spec = templates[0].pod_spec
    ref = WorkloadRef(workload.kind, workload.namespace, workload.name)
    findings = list(workload.findings)
    for container in workload.containers:
        if container.source is not ShmSource.EMPTYDIR_MEMORY or not container.size_limit_bytes:
            continue
        origin = size_limit_origin(obj, pod_spec, str(container.volume))
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
