"""The size of each container's /dev/shm: the model of DESIGN section 2.

- Nothing at /dev/shm: the runtime's own tmpfs, 64Mi (containerd:
  internal/cri/server/podsandbox, defaultShmSize; CRI-O: the same default).
- hostIPC without a volume: the runtime bind-mounts the host's /dev/shm.
- emptyDir medium Memory: the kubelet mounts a tmpfs
  (pkg/volume/emptydir/empty_dir.go, setupTmpfs / calculateEmptyDirMemorySize):
  * without SizeMemoryBackedVolumes no `size=` option is passed, so the kernel
    default applies: half of the node's RAM (mm/shmem.c, shmem_default_max_blocks);
  * with it, the size starts at node allocatable memory and is lowered to the
    pod memory limit, then to sizeLimit, each only when positive and not larger.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from typing import Any, NamedTuple

from kubectl_shm.model.nodes import POD_LEVEL_RESOURCES, NodeProfile, parse_version
from kubectl_shm.model.pod_limits import PodMemoryLimit, QuantityProblem, pod_memory_limit
from kubectl_shm.model.podspec import (
    all_containers,
    container_name,
    mapping,
    shm_mount,
    volume_named,
)
from kubectl_shm.model.quantity import QuantityError, nonnegative_bytes

RUNTIME_DEFAULT_SHM_BYTES = 64 * 1024 * 1024
PAGE_SIZE = 4096
# Kubelets from this release count init containers when deciding whether every
# container declares a memory limit: 1.27 moved ResourceConfigForPod
# (pkg/kubelet/cm/helpers_linux.go) onto PodLimits, whose ContainerFn visits them.
INIT_CONTAINERS_DECLARE_SINCE = (1, 27)


class ShmSource(str, Enum):
    RUNTIME_DEFAULT = "runtime-default"
    EMPTYDIR_MEMORY = "emptyDir-memory"
    EMPTYDIR_DISK = "emptyDir-disk"
    HOST_PATH = "hostPath"
    HOST_IPC = "host-ipc"
    OTHER = "other"


class Basis(str, Enum):
    """Which rule produced the expected size."""

    RUNTIME_DEFAULT = "runtime-default"
    SIZE_LIMIT = "sizeLimit"
    POD_MEMORY_LIMIT = "pod-memory-limit"
    NODE_ALLOCATABLE = "node-allocatable"
    HALF_NODE_MEMORY = "half-node-memory"
    HOST = "host"
    UNKNOWN = "unknown"


class ContainerShm(NamedTuple):
    """What one container's /dev/shm is made of, and how big the kubelet will make it."""

    container: str
    is_init: bool
    source: ShmSource
    volume: str | None
    size_limit_bytes: int | None
    expected_bytes: int | None
    basis: Basis


class PodShm(NamedTuple):
    """The shm model of one pod spec on one node."""

    node: NodeProfile
    memory_limit: PodMemoryLimit
    containers: tuple[ContainerShm, ...]
    problems: tuple[QuantityProblem, ...]


def expected_shm(pod_spec: Mapping[str, Any], node: NodeProfile) -> PodShm:
    """Every container's /dev/shm for `pod_spec` scheduled on `node`."""
    version = parse_version(node.kubelet_version)
    limit = pod_memory_limit(
        pod_spec,
        init_containers_must_declare=version is None
        or version[:2] >= INIT_CONTAINERS_DECLARE_SINCE,
        pod_level_resources=node.gate_enabled(POD_LEVEL_RESOURCES),
    )
    problems = list(limit.problems)
    containers = tuple(
        _container_shm(pod_spec, container, is_init, node, limit, problems)
        for container, is_init in all_containers(pod_spec)
    )
    return PodShm(node, limit, containers, tuple(problems))


def half_of_node_memory(capacity_bytes: int | None) -> int | None:
    """tmpfs without `size=`: half the RAM, in whole pages (mm/shmem.c)."""
    if capacity_bytes is None:
        return None
    return capacity_bytes // PAGE_SIZE // 2 * PAGE_SIZE


def _container_shm(
    pod_spec: Mapping[str, Any],
    container: Mapping[str, Any],
    is_init: bool,
    node: NodeProfile,
    limit: PodMemoryLimit,
    problems: list[QuantityProblem],
) -> ContainerShm:
    name = container_name(container)
    mount = shm_mount(container)
    if mount is None:
        if pod_spec.get("hostIPC") is True:
            return ContainerShm(name, is_init, ShmSource.HOST_IPC, None, None, None, Basis.HOST)
        return ContainerShm(
            name,
            is_init,
            ShmSource.RUNTIME_DEFAULT,
            None,
            None,
            RUNTIME_DEFAULT_SHM_BYTES,
            Basis.RUNTIME_DEFAULT,
        )
    volume_name = str(mount.get("name"))
    volume = volume_named(pod_spec, mount.get("name")) or {}
    if "hostPath" in volume:
        return ContainerShm(name, is_init, ShmSource.HOST_PATH, volume_name, None, None, Basis.HOST)
    if "emptyDir" not in volume:
        return ContainerShm(name, is_init, ShmSource.OTHER, volume_name, None, None, Basis.UNKNOWN)
    empty_dir = mapping(volume.get("emptyDir"))
    size_limit = _size_limit(empty_dir, volume_name, problems)
    medium = empty_dir.get("medium") or ""
    if medium != "Memory":
        # "" is the node's disk; HugePages media are hugetlbfs, not a tmpfs.
        source = ShmSource.EMPTYDIR_DISK if medium == "" else ShmSource.OTHER
        return ContainerShm(name, is_init, source, volume_name, size_limit, None, Basis.UNKNOWN)
    expected, basis = _memory_volume_size(node, limit.limit_bytes, size_limit)
    return ContainerShm(
        name, is_init, ShmSource.EMPTYDIR_MEMORY, volume_name, size_limit, expected, basis
    )


def _memory_volume_size(
    node: NodeProfile, pod_limit: int | None, size_limit: int | None
) -> tuple[int | None, Basis]:
    if not node.sizes_memory_volumes:
        return half_of_node_memory(node.capacity_memory_bytes), Basis.HALF_NODE_MEMORY
    # calculateEmptyDirMemorySize: start from allocatable, then take the pod limit
    # and then sizeLimit whenever each is positive and no larger than the size so far.
    size, basis = node.allocatable_memory_bytes, Basis.NODE_ALLOCATABLE
    for candidate, candidate_basis in (
        (pod_limit, Basis.POD_MEMORY_LIMIT),
        (size_limit, Basis.SIZE_LIMIT),
    ):
        if candidate is not None and candidate > 0 and (size is None or candidate <= size):
            size, basis = candidate, candidate_basis
    return size, basis


def _size_limit(
    empty_dir: Mapping[str, Any], volume_name: str, problems: list[QuantityProblem]
) -> int | None:
    raw = empty_dir.get("sizeLimit")
    if raw is None:
        return None
    try:
        return nonnegative_bytes(raw)
    except QuantityError as error:
        field = f"volumes[{volume_name}].emptyDir.sizeLimit"
        problem = QuantityProblem(field, raw, error.reason)
        if problem not in problems:
            problems.append(problem)
        return None
