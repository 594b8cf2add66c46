"""What a pod's /dev/shm answer needs beyond the pod: its owners, and the kubelets' stats.

Shared by `audit` and `diagnose`. Each read degrades to a warning naming the missing
permission and what goes without it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
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
    usage, refused = read_usage(kube, nodes)
    refusal = usage_refusal(refused, without=without)
    if refusal:
        warnings.append(refusal)
    return usage


def read_usage(kube: Kube, nodes: Iterable[str]) -> tuple[VolumeIndex, dict[str, str]]:
    """Every pod volume's stats on `nodes`, and why each kubelet that did not answer did
    not, by node."""
    names = sorted(nodes)
    usage: VolumeIndex = {}
    refused = {}
    for name, (stats, error) in zip(names, parallel(partial(_stats, kube), names), strict=True):
        usage.update(stats)
        if error:
            refused[name] = error
    return usage, refused


def usage_refusal(refused: Mapping[str, str], *, without: str) -> str | None:
    """The warning for the kubelets whose stats could not be read, if any."""
    if not refused:
        return None
    nodes = ", ".join(f"{name} ({refused[name]})" for name in sorted(refused))
    return (
        f"cannot read /dev/shm usage from the kubelet stats of {nodes} (needs nodes/proxy): "
        f"{without}"
    )


def _stats(kube: Kube, node: str) -> tuple[VolumeIndex, str | None]:
    try:
        return fetching.kubelet_volume_stats(kube, node), None
    except KubeError as error:
        return {}, short_reason(error)
