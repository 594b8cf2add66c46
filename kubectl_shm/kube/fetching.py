"""Read what an audit needs from the API server: pods, owners, nodes, kubelets.

Lists are paginated (kube.client PAGE_SIZE a page) and each pod is slimmed to the fields the
size model reads as soon as its page arrives (kube.slim_pods), so memory stays
flat however large the cluster; the next page of pods is fetched while one is
decoded (kube.prefetch). Owners are listed as metadata only.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

from kubectl_shm import json_codec
from kubectl_shm.kube.client import Kube
from kubectl_shm.kube.prefetch import prefetched_pages
from kubectl_shm.kube.slim_pods import decode_slim_pods, slim_pod
from kubectl_shm.model.quantity import QuantityError, to_bytes
from kubectl_shm.model.volume_stats import VolumeIndex, VolumeStats

METADATA_ONLY = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json"
# Owners a pod's controller can have that themselves have a controller.
OWNER_LISTS = {
    "ReplicaSet": "/apis/apps/v1/replicasets",
    "Job": "/apis/batch/v1/jobs",
}
_FEATURE_METRIC = re.compile(
    r'^kubernetes_feature_enabled\{[^}]*name="([^"]+)"[^}]*\}\s+([0-9.eE+-]+)', re.M
)


def server_version(kube: Kube) -> str | None:
    version = kube.get("/version", doing="reading the server version")
    return version.get("gitVersion") if isinstance(version, dict) else None


def list_pods(
    kube: Kube,
    *,
    namespace: str | None,
    selector: str | None,
    slim: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
) -> Iterator[list[dict[str, Any]]]:
    """Pages of pods in `namespace` (None: every namespace), each slimmed by `slim` as its
    page arrives (default `slim_pod`, decoded straight from the page's JSON)."""
    path = f"/api/v1/namespaces/{namespace}/pods" if namespace else "/api/v1/pods"
    where = f"namespace {namespace!r}" if namespace else "all namespaces"
    for page in prefetched_pages(
        kube, path, query={"labelSelector": selector}, doing=f"listing pods in {where}"
    ):
        if slim is None and isinstance(page, bytes):
            pods = decode_slim_pods(page)
            if pods is not None:
                yield pods
                continue
        decoded = json_codec.loads(page) if isinstance(page, bytes) else page
        yield [(slim or slim_pod)(pod) for pod in decoded.get("items") or []]


def list_owner_metadata(kube: Kube, kind: str, namespace: str | None) -> list[dict[str, Any]]:
    """Metadata (name, uid, ownerReferences) of every ReplicaSet or Job."""
    base = OWNER_LISTS[kind]
    path = base.replace("/v1/", f"/v1/namespaces/{namespace}/") if namespace else base
    owners = []
    for page in kube.list_pages(path, doing=f"listing {kind}s", accept=METADATA_ONLY):
        for item in page.get("items") or []:
            metadata = item.get("metadata") or {}
            owners.append(
                {
                    "uid": metadata.get("uid"),
                    "name": metadata.get("name"),
                    "namespace": metadata.get("namespace"),
                    "ownerReferences": metadata.get("ownerReferences") or [],
                }
            )
    return owners


def list_nodes(kube: Kube) -> list[dict[str, Any]]:
    """Name, labels, kubelet and runtime versions, OS, memory capacity and allocatable of
    every node; memory quantities the node reports but that do not parse are None."""
    nodes = []
    for page in kube.list_pages("/api/v1/nodes", doing="listing nodes"):
        for node in page.get("items") or []:
            status = node.get("status") or {}
            info = status.get("nodeInfo") or {}
            nodes.append(
                {
                    "name": (node.get("metadata") or {}).get("name"),
                    "labels": (node.get("metadata") or {}).get("labels") or {},
                    "kubeletVersion": info.get("kubeletVersion"),
                    "containerRuntimeVersion": info.get("containerRuntimeVersion"),
                    "operatingSystem": info.get("operatingSystem"),
                    "capacityMemory": _memory((status.get("capacity") or {}).get("memory")),
                    "allocatableMemory": _memory((status.get("allocatable") or {}).get("memory")),
                }
            )
    return nodes


def get_node(kube: Kube, name: str) -> dict[str, Any]:
    """The node object (declaredFeatures, nodeInfo); NotFound when there is none."""
    node: dict[str, Any] = kube.get(f"/api/v1/nodes/{name}", doing=f"reading node {name}")
    return node


def kubelet_feature_metrics(kube: Kube, node: str) -> dict[str, bool]:
    """Effective gate states from the kubelet's `kubernetes_feature_enabled` metric."""
    text = kube.get_raw(
        f"/api/v1/nodes/{node}/proxy/metrics",
        doing=f"reading kubelet metrics of {node}",
        accept="text/plain",
    ).decode("utf-8", "replace")
    return {name: float(value) == 1.0 for name, value in _FEATURE_METRIC.findall(text)}


def kubelet_configz_gates(kube: Kube, node: str) -> dict[str, bool]:
    """Gates set explicitly in the kubelet's configuration (/configz)."""
    configz = kube.get(f"/api/v1/nodes/{node}/proxy/configz", doing=f"reading configz of {node}")
    gates = ((configz or {}).get("kubeletconfig") or {}).get("featureGates") or {}
    return {str(name): bool(value) for name, value in gates.items()}


def kubelet_volume_stats(kube: Kube, node: str) -> VolumeIndex:
    """Capacity and use of every pod volume on `node`, from the kubelet's stats summary.

    Raises Forbidden without nodes/proxy rights, another KubeError otherwise.
    """
    summary = kube.get(
        f"/api/v1/nodes/{node}/proxy/stats/summary", doing=f"reading kubelet stats of {node}"
    )
    index: VolumeIndex = {}
    for pod in (summary or {}).get("pods") or []:
        ref = pod.get("podRef") or {}
        for volume in pod.get("volume") or []:
            key = (str(ref.get("namespace")), str(ref.get("name")), str(volume.get("name")))
            index[key] = VolumeStats(
                capacity_bytes=_int(volume.get("capacityBytes")),
                used_bytes=_int(volume.get("usedBytes")),
            )
    return index


def _int(value: object) -> int | None:
    return int(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _memory(value: object) -> int | None:
    try:
        return to_bytes(value) if value is not None else None
    except QuantityError:
        return None
