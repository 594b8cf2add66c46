"""What the kubelet's stats summary says of a pod volume.

For a memory emptyDir the capacity is the tmpfs as mounted (statfs of the mount point,
pkg/volume/util/fs): the size the kubelet really gave it, whatever the spec says now.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from kubectl_shm.model.podspec import all_containers, container_name, shm_mount


class VolumeStats(NamedTuple):
    """A pod volume in the kubelet's stats summary."""

    capacity_bytes: int | None
    used_bytes: int | None


# (namespace, pod, volume) -> what the kubelet reports for it.
VolumeIndex = dict[tuple[str, str, str], VolumeStats]

# tmpfs rounds its size up to whole pages (shmem_parse_one: DIV_ROUND_UP(size,
# PAGE_SIZE)), and pages are up to 64KiB (arm64, ppc64); df prints whole 1K
# blocks. Sizes this close are the same size.
MATCH_TOLERANCE_BYTES = 64 * 1024 + 1024


def sizes_match(observed: int, expected: int) -> bool:
    """Whether a size read from df, /proc/mounts or statfs is the size the kubelet asked for."""
    return abs(observed - expected) <= MATCH_TOLERANCE_BYTES


def shm_volume_stats(
    metadata: Mapping[str, Any], spec: Mapping[str, Any], usage: VolumeIndex
) -> dict[str, VolumeStats]:
    """The kubelet's stats of each container's /dev/shm volume, where it reported them."""
    found: dict[str, VolumeStats] = {}
    if not usage:
        return found
    for container, _ in all_containers(spec):
        mount = shm_mount(container)
        if mount is None:
            continue
        key = (str(metadata.get("namespace")), str(metadata.get("name")), str(mount.get("name")))
        stats = usage.get(key)
        if stats is not None:
            found[container_name(container)] = stats
    return found
