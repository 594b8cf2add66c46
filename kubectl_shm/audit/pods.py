"""A live audit from what was read off the cluster: pure, no I/O.

Pods are grouped by top owner; within a workload, pods of the same
controller on the same node share one placement (same template, same
kubelet), so the model runs once per (controller, node), not once per pod; and once
per distinct (pod spec, node) over the whole audit (audit.memo). `PodAuditor` takes the
pods a page at a time, so that a live audit audits bare pods while the next page is in
flight (DESIGN section 8).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from kubectl_shm.audit.memo import SizeModelMemo
from kubectl_shm.audit.report import (
    AuditReport,
    ClusterInfo,
    Placement,
    WorkloadReport,
    audit_workload,
)
from kubectl_shm.model.nodes import NodeProfile
from kubectl_shm.model.ownership import (
    OwnerIndex,
    WorkloadRef,
    controller_of,
    direct_controller_uid,
    top_owner,
)
from kubectl_shm.model.volume_stats import VolumeIndex, VolumeStats, shm_volume_stats

# (a bare pod's report, its metadata) -> the report with what the metadata tells.
BarePodFindings = Callable[[WorkloadReport, Mapping[str, Any]], WorkloadReport]


@dataclass
class _Group:
    """The pods of one controller (or one bare pod) on one node: spec, node, peak shm use."""

    pod_spec: Mapping[str, Any]
    node: NodeProfile
    annotations: Mapping[str, Any]
    mounted: Mapping[str, int]
    used: dict[str, int] = field(default_factory=dict)

    def take_usage(self, stats: Mapping[str, VolumeStats]) -> None:
        """The peak use of each container's /dev/shm over the group's pods."""
        for container, found in stats.items():
            if found.used_bytes is not None:
                self.used[container] = max(found.used_bytes, self.used.get(container, 0))


def audit_pods(
    pods: Iterable[Mapping[str, Any]],
    *,
    owners: OwnerIndex,
    nodes: Mapping[str, NodeProfile],
    unknown_node: NodeProfile,
    usage: VolumeIndex,
    server_version: str | None,
    warnings: Iterable[str] = (),
) -> AuditReport:
    """The audit report of `pods` (slimmed pod objects) on `nodes`.

    `usage` is the kubelets' stats of pod volumes: use, and the size a tmpfs is mounted at.
    Pods of one controller on one node are grouped unless their tmpfs sizes differ.
    """
    auditor = PodAuditor(owners=owners, unknown_node=unknown_node)
    auditor.add(pods, nodes=nodes, usage=usage)
    return auditor.report(nodes=nodes, server_version=server_version, warnings=warnings)


class PodAuditor:
    """`audit_pods` a page of pods at a time, for a live audit to do while the next page is
    in flight. A bare pod is a workload of its own: it is audited as it comes. A
    controller's pods may come on any page: they are grouped, and audited in `report`."""

    def __init__(
        self,
        *,
        owners: OwnerIndex,
        unknown_node: NodeProfile,
        bare_pod_findings: BarePodFindings | None = None,
    ) -> None:
        """`bare_pod_findings` adds to a bare pod's report what its metadata tells."""
        self._owners = owners
        self._unknown_node = unknown_node
        self._bare_pod_findings = bare_pod_findings
        self._size_model = SizeModelMemo()
        self._grouped: dict[WorkloadRef, dict[tuple[Any, ...], _Group]] = {}
        self._audited: list[WorkloadReport] = []

    def add(
        self,
        pods: Iterable[Mapping[str, Any]],
        *,
        nodes: Mapping[str, NodeProfile],
        usage: VolumeIndex,
    ) -> None:
        """Take `pods`; `nodes` holds the profile of each node they run on (with its
        kubelet's gates where a pod needs them) and `usage` their volumes' stats."""
        for pod in pods:
            metadata = pod.get("metadata") or {}
            spec = pod.get("spec") or {}
            node_name = spec.get("nodeName")
            node = nodes.get(node_name, self._unknown_node) if node_name else self._unknown_node
            stats = shm_volume_stats(metadata, spec, usage)
            mounted = {name: s.capacity_bytes for name, s in stats.items() if s.capacity_bytes}
            new = _Group(spec, node, metadata.get("annotations") or {}, mounted)
            if controller_of(metadata) is None:  # bare: no other pod is of its workload
                new.take_usage(stats)
                report = self._audit(top_owner(metadata, self._owners), [new])
                if self._bare_pod_findings is not None:
                    report = self._bare_pod_findings(report, metadata)
                self._audited.append(report)
                continue
            key = (
                direct_controller_uid(metadata) or metadata.get("uid"),
                node_name,
                tuple(sorted(mounted.items())),
            )
            ref = top_owner(metadata, self._owners)
            group = self._grouped.setdefault(ref, {}).setdefault(key, new)
            group.take_usage(stats)

    def report(
        self,
        *,
        nodes: Mapping[str, NodeProfile],
        server_version: str | None,
        warnings: Iterable[str] = (),
    ) -> AuditReport:
        """Every workload taken so far, in order of namespace, kind and name."""
        reports = self._audited + [
            self._audit(ref, list(groups.values())) for ref, groups in self._grouped.items()
        ]
        reports.sort(key=lambda report: (report.namespace, report.kind, report.name))
        return AuditReport(
            tuple(reports),
            ClusterInfo(server_version, tuple(nodes[name] for name in sorted(nodes))),
            tuple(warnings),
        )

    def _audit(self, ref: WorkloadRef, groups: list[_Group]) -> WorkloadReport:
        return audit_workload(
            ref,
            [
                Placement(g.pod_spec, g.node, g.used or None, g.annotations, g.mounted or None)
                for g in groups
            ],
            size_model=self._size_model,
            rules=self._size_model.evaluate,
        )
