"""Gather an inspection: which calls, in which order, and what to do when one is refused.

1. The target's pods (a missing target is the one fatal error: exit 3).
2. Their nodes and, for pods with a volume at /dev/shm, the kubelets' gates.
3. In parallel, in every running container: `df -k /dev/shm`, else `cat /proc/mounts`.
4. For memory emptyDirs still unobserved (distroless images, exec forbidden,
   containers not running): the kubelet stats summary of their nodes.
5. Only with --debug: for running containers whose image has neither df nor
   cat, an ephemeral container with df beside them.
Whatever is refused ends in the row of the container it concerns.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from kubectl_shm.errors import InputError
from kubectl_shm.inspect.comparison import (
    InspectReport,
    Method,
    Observation,
    container_not_running,
    inspect_pod,
    memory_volume,
    observe_volume_stats,
    pod_not_running,
    running_containers,
    shm_volume,
)
from kubectl_shm.inspect.observing import (
    observe_by_exec,
    observe_in_debug_container,
    stats_refusal,
)
from kubectl_shm.kube import fetching
from kubectl_shm.kube.client import Kube
from kubectl_shm.kube.errors import KubeError
from kubectl_shm.kube.node_profiles import node_profiles, parallel
from kubectl_shm.kube.target_pods import pods_of
from kubectl_shm.model.exec_output import MISSING_IN_IMAGE
from kubectl_shm.model.nodes import NodeProfile
from kubectl_shm.model.podspec import needs_kubelet
from kubectl_shm.model.targets import Target
from kubectl_shm.model.volume_stats import VolumeIndex

# (pod name, container name)
Key = tuple[str, str]


def inspect_cluster(
    kube: Kube,
    *,
    target: Target,
    container: str | None,
    exec_timeout: float,
    debug_image: str | None = None,
) -> InspectReport:
    """Every pod of `target`: its containers' /dev/shm observed, compared and explained."""
    only = container
    pods = pods_of(kube, target, namespace=kube.namespace)
    _check_container(pods, target, only)
    warnings: list[str] = []
    nodes = _pod_nodes(kube, pods, warnings)
    notes: dict[Key, tuple[str, ...]] = {}
    observations = _from_exec(kube, pods, nodes, notes, only, exec_timeout)
    _from_kubelet_stats(kube, pods, notes, observations, only)
    if debug_image is not None:
        debug = _DebugRun(kube, debug_image, exec_timeout, nodes)
        debug.observe(pods, notes, observations, only)
        warnings.extend(debug.added)
    by_pod: dict[str, dict[str, Observation]] = {}
    for (pod_name, name), why in notes.items():
        observations.setdefault((pod_name, name), Observation(Method.NONE, notes=why))
    for (pod_name, name), observation in observations.items():
        by_pod.setdefault(pod_name, {})[name] = observation
    reports = tuple(
        inspect_pod(pod, nodes[_pod_name(pod)], by_pod.get(_pod_name(pod), {}), only=only)
        for pod in pods
    )
    return InspectReport(reports, tuple(warnings))


def _pod_nodes(
    kube: Kube, pods: list[dict[str, Any]], warnings: list[str]
) -> dict[str, NodeProfile]:
    """Each pod's node; kubelet gates are read only where a volume is at /dev/shm."""
    if not pods:
        return {}
    probe = {n for p in pods if needs_kubelet(_spec(p)) and (n := _node_name(p)) is not None}
    profiles = node_profiles(kube, probe=probe, assumption=NodeProfile(), warnings=warnings)
    return {_pod_name(p): _node(p, profiles) for p in pods}


def _from_exec(
    kube: Kube,
    pods: list[dict[str, Any]],
    nodes: Mapping[str, NodeProfile],
    notes: dict[Key, tuple[str, ...]],
    only: str | None,
    timeout: float,
) -> dict[Key, Observation]:
    """df, else /proc/mounts, in every running container, in parallel."""
    wanted: list[tuple[dict[str, Any], str]] = []
    for pod in pods:
        for name in _containers(pod, only):
            reason = pod_not_running(pod) or container_not_running(pod, name)
            if reason:
                notes[(_pod_name(pod), name)] = (reason,)
            else:
                wanted.append((pod, name))

    def exec_one(item: tuple[dict[str, Any], str]) -> Observation | tuple[str, ...]:
        pod, name = item
        return observe_by_exec(
            kube,
            namespace=kube.namespace,
            pod=_pod_name(pod),
            container=name,
            ram_bytes=nodes[_pod_name(pod)].capacity_memory_bytes,
            timeout=timeout,
        )

    observations: dict[Key, Observation] = {}
    for (pod, name), found in zip(wanted, parallel(exec_one, wanted), strict=True):
        if isinstance(found, Observation):
            observations[(_pod_name(pod), name)] = found
        else:
            notes[(_pod_name(pod), name)] = found
    return observations


def _from_kubelet_stats(
    kube: Kube,
    pods: list[dict[str, Any]],
    notes: dict[Key, tuple[str, ...]],
    observations: dict[Key, Observation],
    only: str | None,
) -> None:
    """Fill in unobserved memory emptyDirs of running pods from their kubelets' stats."""
    wanted: dict[Key, tuple[str, str]] = {}  # key -> (node, volume)
    for pod in pods:
        node = _node_name(pod)
        if node is None or pod_not_running(pod):
            continue
        for name in _containers(pod, only):
            key = (_pod_name(pod), name)
            volume = memory_volume(_spec(pod), name)
            if key not in observations and volume is not None:
                wanted[key] = (node, volume)
    node_names = sorted({node for node, _ in wanted.values()})
    read = parallel(lambda node: _stats_or_refusal(kube, node), node_names)
    stats = dict(zip(node_names, read, strict=True))
    for key, (node, volume) in wanted.items():
        index = stats[node]
        found = (
            observe_volume_stats(index.get((kube.namespace, key[0], volume)), volume)
            if isinstance(index, dict)
            else index
        )
        if isinstance(found, Observation):
            observations[key] = found
        else:
            notes[key] = (*notes.get(key, ()), found)


@dataclass
class _DebugRun:
    """--debug: ephemeral containers with df beside containers whose image has none."""

    kube: Kube
    image: str
    timeout: float
    nodes: Mapping[str, NodeProfile]
    added: list[str] = field(default_factory=list)

    def observe(
        self,
        pods: list[dict[str, Any]],
        notes: dict[Key, tuple[str, ...]],
        observations: dict[Key, Observation],
        only: str | None,
    ) -> None:
        wanted = [
            (pod, name)
            for pod in pods
            for name in _containers(pod, only)
            if (_pod_name(pod), name) not in observations
            and _image_lacks_tools(notes.get((_pod_name(pod), name), ()))
        ]
        for (pod, name), (added, found) in zip(wanted, parallel(self._one, wanted), strict=True):
            key = (_pod_name(pod), name)
            if added:
                self.added.append(
                    f"added ephemeral container {added} to pod {key[0]} (--debug); it stays in "
                    f"the pod's spec until the pod is deleted"
                )
            if isinstance(found, Observation):
                observations[key] = found
            else:
                notes[key] = (*notes.get(key, ()), *found)

    def _one(
        self, item: tuple[dict[str, Any], str]
    ) -> tuple[str | None, Observation | tuple[str, ...]]:
        pod, name = item
        return observe_in_debug_container(
            self.kube,
            namespace=self.kube.namespace,
            pod=_pod_name(pod),
            volume=shm_volume(_spec(pod), name),
            image=self.image,
            ram_bytes=self.nodes[_pod_name(pod)].capacity_memory_bytes,
            timeout=self.timeout,
        )


def _image_lacks_tools(notes: tuple[str, ...]) -> bool:
    return any(note.endswith(MISSING_IN_IMAGE) for note in notes)


def _stats_or_refusal(kube: Kube, node: str) -> VolumeIndex | str:
    try:
        return fetching.kubelet_volume_stats(kube, node)
    except KubeError as error:
        return stats_refusal(error)


def _check_container(pods: list[dict[str, Any]], target: Target, only: str | None) -> None:
    if only is None or not pods:
        return
    names = sorted({n for pod in pods for n in running_containers(_spec(pod))})
    if only not in names:
        raise InputError(
            f"container {only!r} not found in {target.label}: its containers are {', '.join(names)}"
        )


def _containers(pod: Mapping[str, Any], only: str | None) -> list[str]:
    return [n for n in running_containers(_spec(pod)) if only is None or n == only]


def _node(pod: Mapping[str, Any], profiles: Mapping[str, NodeProfile]) -> NodeProfile:
    name = _node_name(pod)
    if name is None:
        return NodeProfile()
    return profiles.get(name) or NodeProfile(name=name)


def _spec(pod: Mapping[str, Any]) -> Mapping[str, Any]:
    return pod.get("spec") or {}


def _pod_name(pod: Mapping[str, Any]) -> str:
    return str((pod.get("metadata") or {}).get("name"))


def _node_name(pod: Mapping[str, Any]) -> str | None:
    name = _spec(pod).get("nodeName")
    return str(name) if name else None
