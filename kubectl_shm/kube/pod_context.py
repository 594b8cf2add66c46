"""What a pod's /dev/shm answer needs beyond the pod: its owners, and the kubelets' stats.

Shared by `audit` and `diagnose`. Each read degrades to a warning naming the missing
permission and what goes without it.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from kubectl_shm.kube import fetching
from kubectl_shm.kube.client import Kube
from kubectl_shm.kube.errors import KubeError
from kubectl_shm.kube.node_profiles import optional_read, parallel, short_reason
from kubectl_shm.model.ownership import OwnerIndex
from kubectl_shm.model.volume_stats import VolumeIndex


def owner_index(
    kube: Kube, namespace: str | None, warnings: list[str], *, instead: str
) -> OwnerIndex:
    """ReplicaSets and Jobs (metadata only) in `namespace` (None: all), to find each pod's
    workload; `instead` says what is named where they cannot be listed ('{kind}')."""
    listed: list[tuple[str, dict[str, Any]]] = []
    for kind in fetching.OWNER_LISTS:
        message = f"cannot list {kind}s ({{reason}}): {instead.format(kind=kind)}"
        owners: list[dict[str, Any]] = optional_read(
            partial(fetching.list_owner_metadata, kube, kind, namespace), [], warnings, message
        )
        listed.extend((kind, metadata) for metadata in owners)
    return OwnerIndex.build(listed)


def volume_usage(kube: Kube, nodes: set[str], warnings: list[str], *, without: str) -> VolumeIndex:
    """Every pod volume's stats on `nodes`, from their kubelets in parallel; `without` says
    what goes unknown where a kubelet does not answer."""
    names = sorted(nodes)
    usage: VolumeIndex = {}
    refused = []
    for name, (stats, error) in zip(names, parallel(partial(_stats, kube), names), strict=True):
        usage.update(stats)
        if error:
            refused.append(f"{name} ({error})")
    if refused:
        warnings.append(
            f"cannot read /dev/shm usage from the kubelet stats of {', '.join(refused)} "
            f"(needs nodes/proxy): {without}"
        )
    return usage


def _stats(kube: Kube, node: str) -> tuple[VolumeIndex, str | None]:
    try:
        return fetching.kubelet_volume_stats(kube, node), None
    except KubeError as error:
        return {}, short_reason(error)
