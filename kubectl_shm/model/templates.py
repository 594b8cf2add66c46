"""Find the pod templates inside any Kubernetes object.

Built-in workload kinds have a fixed path to their pod spec. Any other kind
(a custom resource such as a PyTorchJob, RayCluster or LeaderWorkerSet) is
searched: every mapping below `spec` that holds a `containers` list with a
mapping in it is taken as a pod spec, and reported with the path it was found at.
A stray entry in `containers` does not hide the others: model.shapes reports it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, NamedTuple

from kubectl_shm.model.podspec import mapping, mappings_in

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
NOT_WORKLOADS = frozenset(
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
MAX_SEARCH_DEPTH = 8
DEFAULT_NAMESPACE = "default"


class PodTemplate(NamedTuple):
    """One pod spec found in an object, with the identity of the object holding it."""

    kind: str
    namespace: str
    name: str
    pod_spec: Mapping[str, Any]
    # Dotted path to the pod spec inside the object, e.g. "spec.template.spec", for people.
    path: str
    pod_metadata: Mapping[str, Any]
    # The same path as the object's own keys and list indices, to walk it: a custom
    # resource's keys may hold dots, or be numbers or null, which a dotted path loses.
    keys: tuple[Any, ...] = ()


def find_pod_templates(
    obj: Mapping[str, Any], default_namespace: str = DEFAULT_NAMESPACE
) -> list[PodTemplate]:
    """Every pod template in `obj`; `kind: List` objects (and `FooList`s) are expanded.

    `default_namespace` is the namespace of an object that names none.
    """
    if not isinstance(obj, Mapping):
        return []
    kind = obj.get("kind")
    if not isinstance(kind, str):
        return []
    if is_list_kind(obj):
        return [
            template
            for item in mappings_in(obj.get("items"))
            for template in find_pod_templates(item, default_namespace)
        ]
    if kind in NOT_WORKLOADS:
        return []
    metadata = mapping(obj.get("metadata"))
    namespace = str(metadata.get("namespace") or default_namespace)
    name = str(metadata.get("name") or "<unnamed>")
    return [
        PodTemplate(kind, namespace, name, spec, dotted(keys), _template_metadata(obj, keys), keys)
        for keys, spec in _pod_specs(obj, kind)
    ]


def is_list_kind(obj: Mapping[str, Any]) -> bool:
    """`kind: List`, or a typed list such as `DeploymentList`, with its `items` list."""
    if not isinstance(obj, Mapping):
        return False
    kind = obj.get("kind")
    return isinstance(kind, str) and kind.endswith("List") and isinstance(obj.get("items"), list)


def is_pod_spec(value: object) -> bool:
    """A mapping with a `containers` list holding a mapping looks like a pod spec."""
    return isinstance(value, Mapping) and bool(mappings_in(value.get("containers")))


def dotted(keys: tuple[Any, ...]) -> str:
    """('spec', 'workers', 0, 'spec') -> 'spec.workers.0.spec', for messages."""
    return ".".join(str(key) for key in keys)


def walk(obj: object, keys: tuple[Any, ...]) -> object:
    """The value at `keys` (mapping keys and list indices), or None where the path breaks."""
    current = obj
    for key in keys:
        if isinstance(current, Mapping):
            current = current.get(key)
        elif isinstance(current, list) and isinstance(key, int) and 0 <= key < len(current):
            current = current[key]
        else:
            return None
    return current


def _pod_specs(
    obj: Mapping[str, Any], kind: str
) -> Iterator[tuple[tuple[Any, ...], Mapping[str, Any]]]:
    path = BUILTIN_POD_SPEC_PATHS.get(kind)
    if path is not None:
        spec = walk(obj, path)
        if isinstance(spec, Mapping) and is_pod_spec(spec):
            yield path, spec
        return
    spec_root = obj.get("spec")
    if isinstance(spec_root, (Mapping, list)):
        yield from _search(spec_root, ("spec",), depth=0)


def _search(
    value: object, path: tuple[Any, ...], depth: int
) -> Iterator[tuple[tuple[Any, ...], Any]]:
    if depth > MAX_SEARCH_DEPTH:
        return
    if is_pod_spec(value):
        yield path, value
        return
    if isinstance(value, Mapping):
        for key, child in value.items():
            yield from _search(child, (*path, key), depth + 1)
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _search(child, (*path, index), depth + 1)


def _template_metadata(obj: Mapping[str, Any], spec_path: tuple[Any, ...]) -> Mapping[str, Any]:
    """The pod's metadata: the template's own, or the object's for a bare Pod."""
    parent = walk(obj, spec_path[:-1]) if len(spec_path) > 1 else obj
    metadata = parent.get("metadata") if isinstance(parent, Mapping) else None
    return metadata if isinstance(metadata, Mapping) else {}
