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

from kubectl_shm.model.kubelet_rules import kubelet_rules
from kubectl_shm.model.nodes import (
    MEMORY_VOLUME_RESIZE,
    POD_LEVEL_RESOURCES,
    NodeProfile,
    parse_version,
)
from kubectl_shm.model.pod_limits import PodMemoryLimit, QuantityProblem, pod_memory_limit
from kubectl_shm.model.podspec import (
    all_containers,
    container_name,
    mapping,
    shm_mount,
    volume_named,
)
from kubectl_shm.model.quantity import QuantityError, nonnegative_bytes, positive_bytes
from kubectl_shm.model.runtime_shm import RUNTIME_DEFAULT_SHM_BYTES, runtime_shm
from kubectl_shm.model.volume_stats import sizes_match

_READ_ONLY_VOLUMES = ("secret", "configMap", "projected", "downwardAPI")

PAGE_SIZE = 4096


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
    # CRI-O's shm annotation: applied only if the node's runtime handler allows it.
    RUNTIME_ANNOTATION = "runtime-annotation"
    # A Windows node or pod: no /dev/shm, and a memory emptyDir is a directory on disk.
    WINDOWS = "windows"
    # The tmpfs as mounted (kubelet stats), which the spec no longer explains.
    MOUNTED = "mounted"
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
    read_only: bool = False  # the container cannot create shm segments there
    # Why the pod cannot start with this /dev/shm (the kubelet refuses the volume).
    problem: str | None = None
    # What the volume or annotation is: a hostPath's path, CRI-O's annotation name.
    detail: str | None = None
    # With basis MOUNTED: the size the spec implies now, which the tmpfs does not have.
    spec_bytes: int | None = None


class PodShm(NamedTuple):
    """The shm model of one pod spec on one node."""

    node: NodeProfile
    memory_limit: PodMemoryLimit
    containers: tuple[ContainerShm, ...]
    problems: tuple[QuantityProblem, ...]


def expected_shm(
    pod_spec: Mapping[str, Any],
    node: NodeProfile,
    annotations: Mapping[str, Any] | None = None,
) -> PodShm:
    """Every container's /dev/shm for `pod_spec` (with the pod's `annotations`) on `node`."""
    version = parse_version(node.kubelet_version)
    limit = pod_memory_limit(
        pod_spec,
        rules=kubelet_rules(version),
        pod_level_resources=node.gate_enabled(POD_LEVEL_RESOURCES),
    )
    problems = list(limit.problems)
    context = _Context(pod_spec, node, limit, mapping(annotations), problems)
    containers = tuple(
        _container_shm(context, container, is_init)
        for container, is_init in all_containers(pod_spec)
    )
    return PodShm(node, limit, containers, tuple(problems))


def half_of_node_memory(capacity_bytes: int | None) -> int | None:
    """tmpfs without `size=`: half the RAM, in whole pages (mm/shmem.c)."""
    if capacity_bytes is None:
        return None
    return capacity_bytes // PAGE_SIZE // 2 * PAGE_SIZE


class _Context(NamedTuple):
    pod_spec: Mapping[str, Any]
    node: NodeProfile
    limit: PodMemoryLimit
    annotations: Mapping[str, Any]
    problems: list[QuantityProblem]


def _container_shm(context: _Context, container: Mapping[str, Any], is_init: bool) -> ContainerShm:
    name = container_name(container)
    shm = _what_is_mounted(context, container, name, is_init)
    if _on_windows(context):
        # v1.37.2 pkg/volume/emptydir/empty_dir_unsupported.go and mount-utils
        # mount_windows.go: "tmpfs" is a plain directory (os.MkdirAll), no size, no limit.
        return shm._replace(expected_bytes=None, basis=Basis.WINDOWS)
    return shm


def _what_is_mounted(
    context: _Context, container: Mapping[str, Any], name: str, is_init: bool
) -> ContainerShm:
    mount = shm_mount(container)
    if mount is None:
        if context.pod_spec.get("hostIPC") is True:
            return ContainerShm(name, is_init, ShmSource.HOST_IPC, None, None, None, Basis.HOST)
        return _runtime_default(context, name, is_init)
    volume_name = str(mount.get("name"))
    volume = volume_named(context.pod_spec, mount.get("name")) or {}
    read_only = mount.get("readOnly") is True
    if "hostPath" in volume:
        path = mapping(volume.get("hostPath")).get("path")
        shm = ContainerShm(name, is_init, ShmSource.HOST_PATH, volume_name, None, None, Basis.HOST)
        return shm._replace(read_only=read_only, detail=str(path) if path else None)
    if "emptyDir" not in volume:
        # secret, downwardAPI and projected volumes are read-only tmpfs, a configMap a
        # read-only directory on disk (v1.37.2 pkg/volume/*: GetAttributes ReadOnly true).
        kind = next((key for key in volume if key != "name"), None)
        read_only = read_only or kind in _READ_ONLY_VOLUMES
        shm = ContainerShm(name, is_init, ShmSource.OTHER, volume_name, None, None, Basis.UNKNOWN)
        return shm._replace(read_only=read_only, detail=kind)
    return _empty_dir_shm(context, name, is_init, volume_name, volume)._replace(read_only=read_only)


def _empty_dir_shm(
    context: _Context, name: str, is_init: bool, volume_name: str, volume: Mapping[str, Any]
) -> ContainerShm:
    empty_dir = mapping(volume.get("emptyDir"))
    size_limit = _size_limit(empty_dir, volume_name, context.problems)
    medium = empty_dir.get("medium") or ""
    if medium == "Memory":
        expected, basis = _memory_volume_size(context.node, context.limit.limit_bytes, size_limit)
        return ContainerShm(
            name, is_init, ShmSource.EMPTYDIR_MEMORY, volume_name, size_limit, expected, basis
        )
    source = ShmSource.EMPTYDIR_DISK if medium == "" else ShmSource.OTHER
    shm = ContainerShm(name, is_init, source, volume_name, size_limit, None, Basis.UNKNOWN)
    return shm._replace(problem=medium_problem(str(medium), context.pod_spec), detail=str(medium))


def medium_problem(medium: str, pod_spec: Mapping[str, Any]) -> str | None:
    """Why the kubelet refuses an emptyDir of `medium`, or None when it mounts it.

    The API server never validates `medium`; the kubelet matches it exactly
    (v1.37.2 pkg/volume/emptydir/empty_dir.go SetUpAt: "", "Memory", HugePages media,
    else "unknown storage medium"), and a HugePages medium needs a hugepages request
    (getPageSizeMountOption). Either way the pod stays in ContainerCreating.
    """
    if medium in ("", "Memory"):
        return None
    if medium == "HugePages" or medium.startswith("HugePages-"):
        wanted = "hugepages-" + medium.removeprefix("HugePages-") if "-" in medium else "hugepages-"
        if not any(r.startswith(wanted) for r in _requested_resources(pod_spec)):
            return f"medium {medium} needs a {wanted}* resource request, and the pod has none"
        return None
    return f'unknown storage medium "{medium}" (the kubelet knows "", Memory and HugePages)'


def _requested_resources(pod_spec: Mapping[str, Any]) -> set[str]:
    names = set(mapping(mapping(pod_spec.get("resources")).get("requests")))
    for container, _ in all_containers(pod_spec):
        resources = mapping(container.get("resources"))
        names |= set(mapping(resources.get("requests"))) | set(mapping(resources.get("limits")))
    return {str(name) for name in names}


def _runtime_default(context: _Context, name: str, is_init: bool) -> ContainerShm:
    found = runtime_shm(context.node.container_runtime, context.annotations)
    default = ContainerShm(
        name,
        is_init,
        ShmSource.RUNTIME_DEFAULT,
        None,
        None,
        RUNTIME_DEFAULT_SHM_BYTES,
        Basis.RUNTIME_DEFAULT,
    )
    if found.annotation is None:
        return default
    field = f"metadata.annotations[{found.annotation}]"
    try:
        size = positive_bytes(found.raw_size)  # CRI-O's SetupShm refuses a size <= 0
    except QuantityError as error:
        problem = QuantityProblem(field, found.raw_size, error.reason)
        if problem not in context.problems:
            context.problems.append(problem)
        return default._replace(detail=found.annotation)
    return default._replace(
        expected_bytes=size, basis=Basis.RUNTIME_ANNOTATION, detail=found.annotation
    )


def _on_windows(context: _Context) -> bool:
    pod_os = mapping(context.pod_spec.get("os")).get("name")
    return pod_os == "windows" or context.node.operating_system == "windows"


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


def with_mounted(shm: PodShm, mounted: Mapping[str, int]) -> PodShm:
    """`shm` with each memory tmpfs at the size the kubelet reports it mounted.

    The kubelet sizes a memory emptyDir once, at setup (empty_dir.go: RequiresRemount is
    false, SetUpAt returns early for a mounted tmpfs), so a memory limit resized in place
    leaves it as it was: where the mounted size differs from what the spec implies now,
    the mounted one is the truth (basis MOUNTED, the spec's in `spec_bytes`). A 1.37
    kubelet with InPlacePodVerticalScalingMemoryBackedVolumes remounts a resized
    sizeLimit as exactly that, above the pod limit too (empty_dir_linux.go
    ResizeEphemeralVolume): a mount equal to sizeLimit there is the sizeLimit.
    """
    resizable = kubelet_rules(parse_version(shm.node.kubelet_version)).memory_volume_resize
    resized_in_place = resizable and shm.node.gate_enabled(MEMORY_VOLUME_RESIZE)
    containers = [
        _as_mounted(c, mounted.get(c.container), resized_in_place) for c in shm.containers
    ]
    return shm._replace(containers=tuple(containers))


def _as_mounted(container: ContainerShm, size: int | None, resized_in_place: bool) -> ContainerShm:
    if size is None or container.source is not ShmSource.EMPTYDIR_MEMORY:
        return container
    if container.expected_bytes is not None and sizes_match(size, container.expected_bytes):
        return container
    limit = container.size_limit_bytes
    if resized_in_place and limit and sizes_match(size, limit):
        return container._replace(expected_bytes=size, basis=Basis.SIZE_LIMIT)
    return container._replace(
        expected_bytes=size, basis=Basis.MOUNTED, spec_bytes=container.expected_bytes
    )
