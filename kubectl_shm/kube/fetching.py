"""Read what an audit needs from the API server: pods, owners, nodes, kubelets.

Lists are paginated (500 a page) and each pod is slimmed to the fields the
size model reads as soon as its page arrives, so memory stays flat however
large the cluster; the next page of pods is fetched while one is decoded
(kube.prefetch). Owners are listed as metadata only.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

from kubectl_shm.kube.client import Kube
from kubectl_shm.kube.prefetch import prefetched_pages
from kubectl_shm.model.admission_trail import KYVERNO_PATCHES
from kubectl_shm.model.ownership import controller_of
from kubectl_shm.model.podspec import is_shm_path
from kubectl_shm.model.quantity import QuantityError, to_bytes
from kubectl_shm.model.runtime_shm import CRIO_SHM_ANNOTATIONS
from kubectl_shm.model.volume_stats import VolumeIndex, VolumeStats

METADATA_ONLY = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json"
# Owners a pod's controller can have that themselves have a controller.
OWNER_LISTS = {
    "ReplicaSet": "/apis/apps/v1/replicasets",
    "Job": "/apis/batch/v1/jobs",
}
# command and args feed the catalogue of /dev/shm users (model.shm_users), as do the names
# (not the values) of env variables.
_CONTAINER_FIELDS = (
    "name",
    "image",
    "resources",
    "volumeMounts",
    "restartPolicy",
    "command",
    "args",
)
# CRI-O sizes /dev/shm from these; Kyverno records its mutations in the other.
_KEPT_ANNOTATIONS = frozenset({*CRIO_SHM_ANNOTATIONS, KYVERNO_PATCHES})
_POD_SPEC_FIELDS = ("volumes", "hostIPC", "overhead", "resources", "nodeName", "os")
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
    page arrives (default `slim_pod`)."""
    slim = slim or slim_pod
    path = f"/api/v1/namespaces/{namespace}/pods" if namespace else "/api/v1/pods"
    where = f"namespace {namespace!r}" if namespace else "all namespaces"
    for page in prefetched_pages(
        kube, path, query={"labelSelector": selector}, doing=f"listing pods in {where}"
    ):
        yield [slim(pod) for pod in page.get("items") or []]


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


def slim_pod(pod: dict[str, Any]) -> dict[str, Any]:
    """Only what the size model and ownership need; the rest of the pod is dropped.

    Of the volumes and mounts, only the mounts at /dev/shm and the volumes they name are
    kept: the model follows a container's mount at /dev/shm to its volume and reads no
    other (model.podspec shm_mount, volume_named). That drops the service account token
    volume every pod has, whose name is random per pod: pods of one template then have
    equal specs, which the size model's memo (audit.memo) relies on.
    """
    metadata = pod.get("metadata") or {}
    spec = pod.get("spec") or {}
    slim_spec = {key: spec[key] for key in _POD_SPEC_FIELDS if key in spec}
    for key in ("containers", "initContainers"):
        if key in spec:
            slim_spec[key] = [_slim_container(c) for c in spec[key] or []]
    if isinstance(spec.get("volumes"), list):
        slim_spec["volumes"] = _shm_volumes(spec["volumes"], slim_spec)
    slim_metadata = {
        "name": metadata.get("name"),
        "namespace": metadata.get("namespace"),
        "uid": metadata.get("uid"),
        "ownerReferences": metadata.get("ownerReferences") or [],
        "annotations": {
            key: value
            for key, value in (metadata.get("annotations") or {}).items()
            if key in _KEPT_ANNOTATIONS
        },
    }
    if _admission_trail_wanted(slim_metadata, slim_spec):
        slim_metadata["managedFields"] = metadata.get("managedFields") or []
    return {
        "metadata": slim_metadata,
        "spec": slim_spec,
        "status": {"phase": (pod.get("status") or {}).get("phase")},
    }


def _admission_trail_wanted(metadata: dict[str, Any], slim_spec: dict[str, Any]) -> bool:
    """A bare pod with a sized memory volume at /dev/shm keeps its managedFields: whether a
    policy set that sizeLimit is read from them (audit.policy_sizes), here rather than
    with a GET per pod. A controller's pods are answered by their owner's metadata."""
    if controller_of(metadata) is not None:
        return False
    return any(
        isinstance(volume, dict)
        and (volume.get("emptyDir") or {}).get("medium") == "Memory"
        and (volume.get("emptyDir") or {}).get("sizeLimit")
        for volume in slim_spec.get("volumes") or []
    )


def _shm_volumes(volumes: list[Any], slim_spec: dict[str, Any]) -> list[Any]:
    """The volumes named by a mount at /dev/shm (all of each name, in order)."""
    names = {
        mount.get("name")
        for key in ("containers", "initContainers")
        for container in slim_spec.get(key) or []
        if isinstance(container, dict) and isinstance(container.get("volumeMounts"), list)
        for mount in container["volumeMounts"]
    }
    return [v for v in volumes if isinstance(v, dict) and v.get("name") in names]


def _slim_container(container: dict[str, Any]) -> dict[str, Any]:
    slim = {field: container[field] for field in _CONTAINER_FIELDS if field in container}
    mounts = container.get("volumeMounts")
    if isinstance(mounts, list):
        slim["volumeMounts"] = [
            m for m in mounts if isinstance(m, dict) and is_shm_path(m.get("mountPath"))
        ]
    env = container.get("env")
    if isinstance(env, list):
        slim["env"] = [{"name": e.get("name")} for e in env if isinstance(e, dict)]
    return slim


def _memory(value: object) -> int | None:
    try:
        return to_bytes(value) if value is not None else None
    except QuantityError:
        return None
