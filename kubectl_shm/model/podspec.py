"""Tolerant accessors for pod spec fields: manifests are user input and may be malformed."""

from __future__ import annotations

import posixpath
from collections.abc import Mapping, Sequence
from typing import Any

SHM_PATH = "/dev/shm"


def mapping(value: object) -> Mapping[str, Any]:
    """`value` if it is a mapping, else an empty one."""
    return value if isinstance(value, Mapping) else {}


def mappings_in(value: object) -> list[Mapping[str, Any]]:
    """The mappings in `value` if it is a list; anything else is skipped (model.shapes says so)."""
    if not isinstance(value, list):
        return []
    return [item for item in value if isinstance(item, Mapping)]


def containers_of(pod_spec: Mapping[str, Any], key: str) -> Sequence[Mapping[str, Any]]:
    """The mappings in `pod_spec[key]` ("containers" or "initContainers")."""
    return mappings_in(pod_spec.get(key))


def all_containers(pod_spec: Mapping[str, Any]) -> list[tuple[Mapping[str, Any], bool]]:
    """Init containers first, as they start, then app containers; paired with is_init."""
    return [(c, True) for c in containers_of(pod_spec, "initContainers")] + [
        (c, False) for c in containers_of(pod_spec, "containers")
    ]


def container_name(container: Mapping[str, Any]) -> str:
    return str(container.get("name") or "?")


def is_shm_path(mount_path: object) -> bool:
    """True for /dev/shm however it is spelled ("/dev/shm/", "/dev//shm", "dev/shm").

    The API server accepts a relative mountPath and the kubelet makes it absolute
    (v1.37.2 pkg/kubelet/kubelet_pods.go makeMounts -> pkg/volume/util
    MakeAbsolutePath: filepath.Clean("/" + path); the same since v1.9.0).
    """
    if not isinstance(mount_path, str) or not mount_path:
        return False
    absolute = mount_path if mount_path.startswith("/") else "/" + mount_path
    return posixpath.normpath(absolute).replace("//", "/") == SHM_PATH


def shm_mount(container: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The container's volumeMount at /dev/shm, if any (the last one wins, like the runtime)."""
    found = None
    for mount in mappings_in(container.get("volumeMounts")):
        if is_shm_path(mount.get("mountPath")):
            found = mount
    return found


def volume_named(pod_spec: Mapping[str, Any], name: object) -> Mapping[str, Any] | None:
    for volume in mappings_in(pod_spec.get("volumes")):
        if volume.get("name") == name:
            return volume
    return None


def needs_kubelet(spec: Mapping[str, Any]) -> bool:
    """Only pods with a volume at /dev/shm need the kubelet's gates and stats."""
    return any(shm_mount(container) is not None for container, _ in all_containers(spec))
