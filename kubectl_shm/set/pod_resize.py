"""Plan a running pod's /dev/shm resize in place, through the pod's `resize` subresource.

Kubernetes 1.37 (alpha gate InPlacePodVerticalScalingMemoryBackedVolumes, in the API
server and the kubelet) lets `resize` change the `sizeLimit` of an existing memory
emptyDir, and nothing else about volumes (pkg/apis/core/validation ValidatePodResize:
no volume added or removed, sizeLimit neither added nor removed, medium Memory only).
The kubelet then remounts the tmpfs with `remount,size=<sizeLimit>` — the sizeLimit
itself, not capped by the pod memory limit (pkg/volume/emptydir/empty_dir_linux.go
ResizeEphemeralVolume) — or marks the resize Infeasible (gate off, cgroup v1:
pkg/kubelet/allocation/handlers.go) or fails it (a shrink below what is in use:
PodResizeInProgress, reason Error). A node with the gate on declares the feature in
`status.declaredFeatures` (NodeDeclaredFeatures), which the API server's admission checks.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from kubectl_shm.model.nodes import MEMORY_VOLUME_RESIZE
from kubectl_shm.model.podspec import (
    container_name,
    containers_of,
    mapping,
    shm_mount,
    volume_named,
)
from kubectl_shm.model.quantity import format_bytes, positive_bytes
from kubectl_shm.set.volumes import ShmRefused, ShmRequest


class InPlaceResize(NamedTuple):
    """The resize of one pod's /dev/shm volume: what it is now and what it becomes."""

    pod: str
    volume: str
    containers: tuple[str, ...]
    old_size: str  # sizeLimit as written now
    new_size: str

    def patch(self, size: str | None = None) -> dict[str, Any]:
        """The strategic merge patch for the `resize` subresource (volumes merge by name)."""
        empty_dir = {"medium": "Memory", "sizeLimit": size or self.new_size}
        return {"spec": {"volumes": [{"name": self.volume, "emptyDir": empty_dir}]}}

    def revert_patch(self) -> dict[str, Any]:
        return self.patch(self.old_size)

    @property
    def new_bytes(self) -> int:
        return positive_bytes(self.new_size)

    def summary(self) -> str:
        names = ", ".join(repr(name) for name in self.containers)
        noun = "container" if len(self.containers) == 1 else "containers"
        return f"/dev/shm {self.old_size} -> {self.new_size} for {noun} {names}"


def plan_in_place(pod: Mapping[str, Any], request: ShmRequest, name: str) -> InPlaceResize:
    """The resize `request` asks of pod `name`, or ShmRefused saying why it cannot be."""
    if request.remove or request.overwrite or request.size is None:
        flag = "--remove" if request.remove else "--overwrite"
        raise ShmRefused(f"{flag} cannot be done in place")
    spec = mapping(pod.get("spec"))
    chosen = _chosen(spec, request.containers, name)
    volumes = {str(mount.get("name")) for _, mount in chosen}
    if not volumes:
        raise ShmRefused(f"pod {name} has no container to resize /dev/shm in")
    if len(volumes) > 1:
        raise ShmRefused(
            f"the chosen containers of pod {name} use different /dev/shm volumes "
            f"({', '.join(sorted(volumes))}): choose one with -c"
        )
    [volume_name] = volumes
    volume = volume_named(spec, volume_name)
    if volume is None:
        raise ShmRefused(f"pod {name} mounts volume {volume_name!r} at /dev/shm but has none")
    empty_dir = mapping(volume.get("emptyDir"))
    if volume.get("emptyDir") is None:
        raise ShmRefused(f"volume {volume_name!r} of pod {name} is not an emptyDir")
    if empty_dir.get("medium") != "Memory":
        raise ShmRefused(
            f"emptyDir {volume_name!r} of pod {name} is not medium: Memory; only a memory "
            f"emptyDir's sizeLimit can be resized in place"
        )
    old = empty_dir.get("sizeLimit")
    if old is None:
        raise ShmRefused(
            f"emptyDir {volume_name!r} of pod {name} has no sizeLimit, and resize cannot add "
            f"one (ValidatePodResize)"
        )
    containers = tuple(container_name(c) for c, _ in chosen)
    return InPlaceResize(name, volume_name, containers, str(old), request.size)


def node_refusal(node: Mapping[str, Any]) -> str | None:
    """Why the pod's node cannot resize a memory volume in place, or None when it declares it."""
    status = mapping(node.get("status"))
    if MEMORY_VOLUME_RESIZE in (status.get("declaredFeatures") or []):
        return None
    name = mapping(node.get("metadata")).get("name")
    version = mapping(status.get("nodeInfo")).get("kubeletVersion") or "an unknown kubelet"
    return (
        f"node {name} ({version}) does not declare {MEMORY_VOLUME_RESIZE} (a 1.37+ kubelet "
        f"with that gate on does)"
    )


def usage_refusal(resize: InPlaceResize, used_bytes: int | None) -> str | None:
    """A shrink below what /dev/shm holds now fails in the kubelet: refuse it first."""
    if used_bytes is None or used_bytes <= resize.new_bytes:
        return None
    return (
        f"/dev/shm of pod {resize.pod} holds {format_bytes(used_bytes)}, more than "
        f"{resize.new_size}: the kubelet cannot shrink a tmpfs below what is in it"
    )


def _chosen(
    spec: Mapping[str, Any], names: Sequence[str], pod: str
) -> list[tuple[Mapping[str, Any], Mapping[str, Any]]]:
    """(container, its /dev/shm mount) of the containers asked for (default: app containers)."""
    every = [*containers_of(spec, "initContainers"), *containers_of(spec, "containers")]
    if names:
        found = [c for c in every if container_name(c) in names]
        missing = sorted(set(names) - {container_name(c) for c in found})
        if missing:
            raise ShmRefused(f"pod {pod} has no container named {', '.join(missing)}")
    else:
        found = list(containers_of(spec, "containers"))
    with_mount = []
    for container in found:
        mount = shm_mount(container)
        if mount is None:
            raise ShmRefused(
                f"container {container_name(container)!r} of pod {pod} has no volume at "
                f"/dev/shm, and a resize cannot add one"
            )
        with_mount.append((container, mount))
    return with_mount
