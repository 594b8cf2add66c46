"""A live audit from what was read off the cluster: pure, no I/O.

Pods are grouped by top owner; within a workload, pods of the same
controller on the same node share one placement (same template, same
kubelet), so the model runs once per (controller, node), not once per pod; and once
per distinct (pod spec, node) over the whole audit (audit.memo).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from kubectl_shm.audit.memo import SizeModelMemo
from kubectl_shm.audit.report import AuditReport, ClusterInfo, Placement, audit_workload
from kubectl_shm.model.nodes import NodeProfile
from kubectl_shm.model.ownership import OwnerIndex, WorkloadRef, direct_controller_uid, top_owner
from kubectl_shm.model.volume_stats import VolumeIndex, shm_volume_stats


@dataclass
class _Group:
    """The pods of one controller (or one bare pod) on one node: spec, node, peak shm use."""

    pod_spec: Mapping[str, Any]
    node: NodeProfile
    annotations: Mapping[str, Any]
    mounted: Mapping[str, int]
    used: dict[str, int] = field(default_factory=dict)


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
    workloads: dict[WorkloadRef, dict[tuple[Any, ...], _Group]] = {}
    for pod in pods:
        metadata = pod.get("metadata") or {}
        spec = pod.get("spec") or {}
        node_name = spec.get("nodeName")
        node = nodes.get(node_name, unknown_node) if node_name else unknown_node
        ref = top_owner(metadata, owners)
        stats = shm_volume_stats(metadata, spec, usage)
        mounted = {name: s.capacity_bytes for name, s in stats.items() if s.capacity_bytes}
        key = (
            direct_controller_uid(metadata) or metadata.get("uid"),
            node_name,
            tuple(sorted(mounted.items())),
        )
        group = workloads.setdefault(ref, {}).setdefault(
            key, _Group(spec, node, metadata.get("annotations") or {}, mounted)
        )
        for container, found in stats.items():
            if found.used_bytes is not None:
                peak = max(found.used_bytes, group.used.get(container, 0))
                group.used[container] = peak
    size_model = SizeModelMemo()
    reports = [
        audit_workload(
            ref,
            [
                Placement(g.pod_spec, g.node, g.used or None, g.annotations, g.mounted or None)
                for g in groups.values()
            ],
            size_model=size_model,
            rules=size_model.evaluate,
        )
        for ref, groups in sorted(workloads.items(), key=lambda item: _sort_key(item[0]))
    ]
    return AuditReport(
        tuple(reports),
        ClusterInfo(server_version, tuple(nodes[name] for name in sorted(nodes))),
        tuple(warnings),
    )


def _sort_key(ref: WorkloadRef) -> tuple[str, str, str]:
    return (ref.namespace, ref.kind, ref.name)
