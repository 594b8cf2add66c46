"""Audit reports: the size model and the rules applied to workloads.

A workload is audited through its placements: one pod spec on one node (with
live usage when known). Offline there is one placement per pod template, on the
assumed node; live there is one per distinct (pod spec, node) pair, so a
workload spread over kubelets that behave differently reports each answer.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, NamedTuple

from kubectl_shm.audit.rules import Finding, Severity, evaluate
from kubectl_shm.model.nodes import NodeProfile
from kubectl_shm.model.ownership import WorkloadRef
from kubectl_shm.model.sizing import Basis, PodShm, ShmSource, expected_shm, with_mounted
from kubectl_shm.model.templates import PodTemplate


class Placement(NamedTuple):
    """A pod spec as it runs (or would run) on one node."""

    pod_spec: Mapping[str, Any]
    node: NodeProfile
    used_bytes: Mapping[str, int] | None = None
    annotations: Mapping[str, Any] | None = None  # the pod's (CRI-O reads shm size there)
    # Container -> the size its /dev/shm tmpfs is mounted at, from the kubelet's stats.
    mounted_bytes: Mapping[str, int] | None = None


class ContainerReport(NamedTuple):
    """One container's /dev/shm as audited: what backs it, how big it will be and why."""

    name: str
    source: ShmSource
    volume: str | None
    size_limit_bytes: int | None
    expected_bytes: int | None
    basis: Basis
    used_bytes: int | None
    nodes: tuple[str, ...] = ()


class WorkloadReport(NamedTuple):
    """A workload (or bare pod) with its containers' /dev/shm and the findings about it."""

    kind: str
    namespace: str
    name: str
    pod_memory_limit_bytes: int | None
    containers: tuple[ContainerReport, ...]
    findings: tuple[Finding, ...]
    # Where the pod spec sits inside a custom resource with several templates.
    template_path: str | None = None

    @property
    def worst(self) -> Severity | None:
        return max((f.severity for f in self.findings), key=lambda s: s.rank, default=None)


class ClusterInfo(NamedTuple):
    """What the live audit learned about the cluster it ran against."""

    server_version: str | None
    nodes: tuple[NodeProfile, ...]


class AuditReport(NamedTuple):
    """The whole audit: every workload, plus warnings about what could not be read."""

    workloads: tuple[WorkloadReport, ...]
    cluster: ClusterInfo | None = None
    warnings: tuple[str, ...] = ()

    def count_findings(self, severity: Severity) -> int:
        return sum(1 for w in self.workloads for f in w.findings if f.severity is severity)

    def fails(self, fail_on: str) -> bool:
        """True when a finding is at or above `fail_on` ("error", "warning" or "never")."""
        if fail_on == "never":
            return False
        threshold = Severity(fail_on).rank
        return any(f.severity.rank >= threshold for w in self.workloads for f in w.findings)


# expected_shm's signature: (pod spec, node, pod annotations) -> PodShm.
SizeModel = Callable[[Mapping[str, Any], NodeProfile, Mapping[str, Any] | None], PodShm]
# rules.evaluate's: (workload, pod spec, its answer, usage) -> findings.
Rules = Callable[[WorkloadRef, Mapping[str, Any], PodShm, Mapping[str, int] | None], list[Finding]]


def audit_workload(
    ref: WorkloadRef,
    placements: Sequence[Placement],
    *,
    template_path: str | None = None,
    size_model: SizeModel = expected_shm,
    rules: Rules = evaluate,
) -> WorkloadReport:
    """One workload, merged over its placements: distinct answers kept, findings deduplicated.

    `size_model` is expected_shm and `rules` evaluate, or a memo of both (audit.memo)
    when many placements share a spec.
    """
    containers: dict[tuple[Any, ...], ContainerReport] = {}
    findings: dict[tuple[Any, ...], Finding] = {}
    pod_limit: int | None = None
    for index, placement in enumerate(placements):
        shm = size_model(placement.pod_spec, placement.node, placement.annotations)
        if placement.mounted_bytes:
            shm = with_mounted(shm, placement.mounted_bytes)
        if index == 0:
            pod_limit = shm.memory_limit.limit_bytes
        used = placement.used_bytes or {}
        for container in shm.containers:
            report = ContainerReport(
                container.container,
                container.source,
                container.volume,
                container.size_limit_bytes,
                container.expected_bytes,
                container.basis,
                used.get(container.container),
            )
            _merge_container(containers, report, placement.node.name)
        for finding in rules(ref, placement.pod_spec, shm, used):
            findings.setdefault((finding.rule, finding.container, finding.message), finding)
    return WorkloadReport(
        ref.kind,
        ref.namespace,
        ref.name,
        pod_limit,
        tuple(containers.values()),
        tuple(findings.values()),
        template_path,
    )


def audit_templates(templates: Iterable[PodTemplate], node: NodeProfile) -> AuditReport:
    """Offline audit: every template on the one assumed node."""
    templates = list(templates)
    per_object: dict[tuple[str, str, str], int] = {}
    for template in templates:
        key = (template.kind, template.namespace, template.name)
        per_object[key] = per_object.get(key, 0) + 1
    workloads = []
    for template in templates:
        ref = WorkloadRef(template.kind, template.namespace, template.name)
        several = per_object[(template.kind, template.namespace, template.name)] > 1
        workloads.append(
            audit_workload(
                ref,
                [Placement(template.pod_spec, node, annotations=_annotations(template))],
                template_path=template.path if several else None,
            )
        )
    return AuditReport(tuple(workloads))


def _annotations(template: PodTemplate) -> Mapping[str, Any] | None:
    annotations = template.pod_metadata.get("annotations")
    return annotations if isinstance(annotations, Mapping) else None


def _merge_container(
    containers: dict[tuple[Any, ...], ContainerReport], report: ContainerReport, node: str | None
) -> None:
    """Pods of one workload with the same answer collapse into one row, listing their nodes."""
    key = (
        report.name,
        report.source,
        report.volume,
        report.size_limit_bytes,
        report.expected_bytes,
        report.basis,
    )
    seen = containers.get(key)
    nodes = (node,) if node else ()
    if seen is None:
        containers[key] = report._replace(nodes=nodes)
        return
    used = max(filter(None, (seen.used_bytes, report.used_bytes)), default=seen.used_bytes)
    merged_nodes = seen.nodes + tuple(n for n in nodes if n not in seen.nodes)
    containers[key] = seen._replace(used_bytes=used, nodes=merged_nodes)
