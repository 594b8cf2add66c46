"""Find the pod templates inside any Kubernetes object.

Built-in workload kinds have a fixed path to their pod spec. Any other kind
(a custom resource such as a PyTorchJob, RayCluster or LeaderWorkerSet) is
searched: every mapping below `spec` that holds a `containers` list of
mappings is taken as a pod spec, and reported with the path it was found at.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, NamedTuple

from kubectl_shm.model.podspec import mapping

# kind -> path from the object to its pod spec (apps/v1, batch/v1, core/v1).
BUILTIN_POD_SPEC_PATHS: dict[str, tuple[str, ...]] = {
    "Pod": ("spec",),
    "PodTemplate": ("template", "spec"),
    "Deployment": ("spec", "template", "spec"),
    "StatefulSet": ("spec", "template", "spec"),
    "DaemonSet": ("spec", "template", "spec"),
    "ReplicaSet": ("spec", "template", "spec"),
    "ReplicationController": ("spec", "template", "spec"),
    "Job": ("spec", "template", "spec"),
    "CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
}

# Kinds that never carry a pod template; skipping them keeps the search cheap.
_NOT_WORKLOADS = frozenset(
    {
        "ConfigMap",
        "Secret",
        "Service",
        "ServiceAccount",
        "Namespace",
        "Role",
        "RoleBinding",
        "ClusterRole",
        "ClusterRoleBinding",
        "Ingress",
        "NetworkPolicy",
        "PersistentVolumeClaim",
        "PersistentVolume",
        "StorageClass",
        "CustomResourceDefinition",
        "Endpoints",
        "EndpointSlice",
        "HorizontalPodAutoscaler",
        "PodDisruptionBudget",
        "LimitRange",
        "ResourceQuota",
        "PriorityClass",
        "Event",
        "Node",
        "Lease",
    }
)
# Deep enough for every operator we know (Kubeflow, KubeRay, LWS, KServe).
_MAX_SEARCH_DEPTH = 8
DEFAULT_NAMESPACE = "default"


class PodTemplate(NamedTuple):
    """One pod spec found in an object, with the identity of the object holding it."""

    kind: str
    namespace: str
    name: str
    pod_spec: Mapping[str, Any]
    # Dotted path to the pod spec inside the object, e.g. "spec.template.spec".
    path: str
    pod_metadata: Mapping[str, Any]


def find_pod_templates(obj: Mapping[str, Any]) -> list[PodTemplate]:
    """Every pod template in `obj`; `kind: List` objects are expanded."""
    if not isinstance(obj, Mapping):
        return []
    kind = obj.get("kind")
    if not isinstance(kind, str):
        return []
    if kind == "List" or (kind.endswith("List") and isinstance(obj.get("items"), list)):
        return [
            template for item in obj.get("items") or [] for template in find_pod_templates(item)
        ]
    if kind in _NOT_WORKLOADS:
        return []
    metadata = mapping(obj.get("metadata"))
    namespace = str(metadata.get("namespace") or DEFAULT_NAMESPACE)
    name = str(metadata.get("name") or "<unnamed>")
    return [
        PodTemplate(kind, namespace, name, spec, ".".join(path), _template_metadata(obj, path))
        for path, spec in _pod_specs(obj, kind)
    ]


def is_pod_spec(value: object) -> bool:
    """A mapping with a non-empty `containers` list of mappings looks like a pod spec."""
    if not isinstance(value, Mapping):
        return False
    containers = value.get("containers")
    return (
        isinstance(containers, list)
        and bool(containers)
        and all(isinstance(container, Mapping) for container in containers)
    )


def _pod_specs(
    obj: Mapping[str, Any], kind: str
) -> Iterator[tuple[tuple[str, ...], Mapping[str, Any]]]:
    path = BUILTIN_POD_SPEC_PATHS.get(kind)
    if path is not None:
        spec = _walk(obj, path)
        if isinstance(spec, Mapping) and is_pod_spec(spec):
            yield path, spec
        return
    spec_root = obj.get("spec")
    if isinstance(spec_root, (Mapping, list)):
        yield from _search(spec_root, ("spec",), depth=0)


def _search(
    value: object, path: tuple[str, ...], depth: int
) -> Iterator[tuple[tuple[str, ...], Any]]:
    if depth > _MAX_SEARCH_DEPTH:
        return
    if is_pod_spec(value):
        yield path, value
        return
    if isinstance(value, Mapping):
        for key, child in value.items():
            yield from _search(child, (*path, str(key)), depth + 1)
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _search(child, (*path, str(index)), depth + 1)


def _walk(obj: Mapping[str, Any], path: tuple[str, ...]) -> object:
    current: object = obj
    for key in path:
        if not isinstance(current, Mapping):
            return None
        current = current.get(key)
    return current


def _template_metadata(obj: Mapping[str, Any], spec_path: tuple[str, ...]) -> Mapping[str, Any]:
    """The pod's metadata: the template's own, or the object's for a bare Pod."""
    parent = _walk(obj, spec_path[:-1]) if len(spec_path) > 1 else obj
    metadata = parent.get("metadata") if isinstance(parent, Mapping) else None
    return metadata if isinstance(metadata, Mapping) else {}
