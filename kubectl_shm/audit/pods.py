"""A live audit from what was read off the cluster: pure, no I/O.

Pods are grouped by top owner; within a workload, pods of the same
controller on the same node share one placement (same template, same
kubelet), so the model runs once per (controller, node), not once per pod.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from kubectl_shm.audit.report import AuditReport, ClusterInfo, Placement, audit_workload
from kubectl_shm.model.nodes import NodeProfile
from kubectl_shm.model.ownership import OwnerIndex, WorkloadRef, direct_controller_uid, top_owner
from kubectl_shm.model.podspec import all_containers, container_name, shm_mount

# (namespace, pod, volume) -> bytes used, from the kubelets' stats summaries.
VolumeUsage = Mapping[tuple[str, str, str], int]


@dataclass
class _Group:
    """The pods of one controller (or one bare pod) on one node: spec, node, peak shm use."""

    pod_spec: Mapping[str, Any]
    node: NodeProfile
    annotations: Mapping[str, Any]
    used: dict[str, int] = field(default_factory=dict)


def audit_pods(
    pods: Iterable[Mapping[str, Any]],
    *,
    owners: OwnerIndex,
    nodes: Mapping[str, NodeProfile],
    unknown_node: NodeProfile,
    usage: VolumeUsage,
    server_version: str | None,
    warnings: Iterable[str] = (),
) -> AuditReport:
    """The audit report of `pods` (slimmed pod objects) on `nodes`."""
    workloads: dict[WorkloadRef, dict[tuple[str | None, str | None], _Group]] = {}
    for pod in pods:
        metadata = pod.get("metadata") or {}
        spec = pod.get("spec") or {}
        node_name = spec.get("nodeName")
        node = nodes.get(node_name, unknown_node) if node_name else unknown_node
        ref = top_owner(metadata, owners)
        key = (direct_controller_uid(metadata) or metadata.get("uid"), node_name)
        group = workloads.setdefault(ref, {}).setdefault(
            key, _Group(spec, node, metadata.get("annotations") or {})
        )
        for container, used in shm_usage(metadata, spec, usage).items():
            group.used[container] = max(used, group.used.get(container, 0))
    reports = [
        audit_workload(
            ref,
            [Placement(g.pod_spec, g.node, g.used or None, g.annotations) for g in groups.values()],
        )
        for ref, groups in sorted(workloads.items(), key=lambda item: _sort_key(item[0]))
    ]
    return AuditReport(
        tuple(reports),
        ClusterInfo(server_version, tuple(nodes[name] for name in sorted(nodes))),
        tuple(warnings),
    )


def shm_usage(
    metadata: Mapping[str, Any], spec: Mapping[str, Any], usage: VolumeUsage
) -> dict[str, int]:
    """Bytes used in each container's /dev/shm volume, where the kubelet reported it."""
    found = {}
    for container, _ in all_containers(spec):
        mount = shm_mount(container)
        if mount is None:
            continue
        key = (str(metadata.get("namespace")), str(metadata.get("name")), str(mount.get("name")))
        used = usage.get(key)
        if used is not None:
            found[container_name(container)] = used
    return found


def _sort_key(ref: WorkloadRef) -> tuple[str, str, str]:
    return (ref.namespace, ref.kind, ref.name)
