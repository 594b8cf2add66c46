"""One or two sentences that name the rule of DESIGN section 2 behind a /dev/shm size.

When the observed size matches the expected one, the sentence says which rule
produced it. When it differs, it says which known size the observed one equals
(half the node's RAM, the pod memory limit, ...) and what that implies.
"""

from __future__ import annotations

from kubectl_shm.model.nodes import (
    SIZE_MEMORY_BACKED_VOLUMES,
    GateSource,
    NodeProfile,
    parse_version,
)
from kubectl_shm.model.podspec import SHM_PATH
from kubectl_shm.model.quantity import format_bytes
from kubectl_shm.model.runtime_shm import RUNTIME_DEFAULT_SHM_BYTES
from kubectl_shm.model.sizing import (
    Basis,
    ContainerShm,
    ShmSource,
    half_of_node_memory,
)
from kubectl_shm.model.volume_stats import sizes_match

# SizeMemoryBackedVolumes: alpha (off by default) in 1.20, on by default from 1.22
# (pkg/features/kube_features.go).
_GATE_INTRODUCED = (1, 20)
_GATE_DEFAULT_ON = (1, 22)
_BASIS_NAMES = {
    Basis.RUNTIME_DEFAULT: "the runtime default",
    Basis.SIZE_LIMIT: "sizeLimit",
    Basis.POD_MEMORY_LIMIT: "the pod memory limit",
    Basis.NODE_ALLOCATABLE: "node allocatable memory",
    Basis.HALF_NODE_MEMORY: "half the node's RAM",
    Basis.RUNTIME_ANNOTATION: "CRI-O's shm annotation, if its runtime handler allows it",
}
_GATE_SOURCES = {
    GateSource.METRICS: "the kubelet's metrics say so",
    GateSource.CONFIGZ: "the kubelet's configz says so",
    GateSource.DEFAULT: "the default of its version",
}
# The kubelet sizes a memory emptyDir once, at setup: SetUpAt returns early for a mounted
# tmpfs and RequiresRemount is false (v1.34.4 pkg/volume/emptydir/empty_dir.go), so a
# memory limit resized in place (InPlacePodVerticalScaling, beta 1.33, GA 1.35) leaves it.
_DIFFERS = (
    " The kubelet's real settings differ from those read, or changed after the pod started,"
    " or its memory limit was resized in place (the tmpfs is sized once, at pod start)."
)


def explain(
    shm: ContainerShm,
    *,
    node: NodeProfile,
    pod_limit: int | None,
    observed: int | None,
    match: bool | None,
    notes: tuple[str, ...] = (),
    mounted_on: str = SHM_PATH,
) -> str:
    """Why this container's /dev/shm has the size it has (or should have, when unobserved)."""
    if observed is None:
        why = "; ".join(notes) or "nothing could be read"
        return f"Not observed: {why}. Expected: {_expected(shm, node, pod_limit, None)}"
    text = (
        _mismatch(shm, node, pod_limit, observed)
        if match is False
        else _expected(shm, node, pod_limit, observed)
    )
    if mounted_on != SHM_PATH:
        text += f" /dev/shm is not a mount of its own: df reports the filesystem on {mounted_on}."
    return text


def kubelet_label(node: NodeProfile) -> str:
    """'kubelet v1.31.4 on node-legacy', or as much of it as is known."""
    who = f"kubelet {node.kubelet_version}" if node.kubelet_version else "the kubelet"
    return f"{who} on {node.name}" if node.name else who


def gate_label(node: NodeProfile) -> str:
    """'SizeMemoryBackedVolumes on|off', or why the kubelet has no such gate."""
    version = parse_version(node.kubelet_version)
    if version is not None and version[:2] < _GATE_INTRODUCED:
        return "predates SizeMemoryBackedVolumes"
    state = "on" if node.sizes_memory_volumes else "off"
    return f"{SIZE_MEMORY_BACKED_VOLUMES} {state}"


def _expected(
    shm: ContainerShm, node: NodeProfile, pod_limit: int | None, observed: int | None
) -> str:
    """The rule that produces the expected size, as the cause of what was observed."""
    size = _size(observed if observed is not None else shm.expected_bytes)
    source = shm.source
    if source is ShmSource.RUNTIME_DEFAULT:
        return (
            "No volume at /dev/shm: the container runtime's own tmpfs (64Mi in containerd "
            "and CRI-O), shared by the pod's containers."
        )
    if source is ShmSource.HOST_IPC:
        return (
            f"hostIPC: /dev/shm is the host's own ({size}), shared with the node "
            f"and every hostIPC pod on it."
        )
    if source is ShmSource.HOST_PATH:
        return (
            f"A hostPath volume: /dev/shm is the host's ({size}), shared with every pod "
            f"that mounts it."
        )
    if source is ShmSource.EMPTYDIR_DISK:
        return (
            f"emptyDir {shm.volume!r} has no medium: Memory, so /dev/shm is a directory on "
            f"the node's disk, not a tmpfs ({size} is that disk)."
        )
    if source is ShmSource.OTHER:
        return f"Volume {shm.volume!r} at /dev/shm is not a tmpfs that the kubelet sizes."
    return _memory_volume(shm, node, pod_limit)


def _memory_volume(shm: ContainerShm, node: NodeProfile, pod_limit: int | None) -> str:
    kubelet = kubelet_label(node)
    size_limit = shm.size_limit_bytes
    if shm.basis is Basis.HALF_NODE_MEMORY:
        half = _size(shm.expected_bytes) if shm.expected_bytes else "node memory unknown"
        after = (
            f"sizeLimit {format_bytes(size_limit)} is no mount size: past it the pod is evicted."
            if size_limit
            else "No sizeLimit: only memory bounds it."
        )
        return (
            f"{_capital(kubelet)} {_gate_off(node)}, so it mounts the tmpfs without size= "
            f"and the kernel makes it half the node's RAM ({half}). {after}"
        )
    smallest = (
        f"the smallest of sizeLimit ({format_bytes(size_limit)}), the pod memory limit "
        f"({format_bytes(pod_limit) if pod_limit else 'none'}) and node allocatable "
        f"({_size(node.allocatable_memory_bytes)})"
    )
    if shm.basis is Basis.SIZE_LIMIT:
        below = f"below node allocatable ({_size(node.allocatable_memory_bytes)})"
        below = (
            f"below the pod memory limit ({format_bytes(pod_limit)}) and {below[6:]}"
            if pod_limit
            else f"{below}; the pod has no memory limit"
        )
        return (
            f"{_capital(kubelet)} sizes memory volumes ({gate_label(node)}): the tmpfs is "
            f"sizeLimit ({_size(shm.expected_bytes)}), {below}."
        )
    if shm.basis is Basis.POD_MEMORY_LIMIT:
        return (
            f"Capped by the pod memory limit ({_size(pod_limit)}): {kubelet} sizes the tmpfs "
            f"at {smallest}; shm pages count against that limit (OOM kill, not ENOSPC)."
        )
    if shm.basis is Basis.NODE_ALLOCATABLE and shm.expected_bytes:
        return (
            f"Capped by node allocatable memory ({_size(shm.expected_bytes)}): {kubelet} sizes "
            f"memory volumes and neither sizeLimit nor a pod memory limit is smaller."
        )
    return (
        f"{_capital(kubelet)} sizes memory volumes at {smallest}; node allocatable is "
        f"unknown, so the size cannot be predicted."
    )


def _mismatch(shm: ContainerShm, node: NodeProfile, pod_limit: int | None, observed: int) -> str:
    expected = f"{_size(shm.expected_bytes)} ({_BASIS_NAMES.get(shm.basis, shm.basis.value)})"
    if shm.source is ShmSource.RUNTIME_DEFAULT:
        return (
            f"No volume at /dev/shm, so the runtime's 64Mi was expected, but it is "
            f"{_size(observed)}: the runtime is configured otherwise (e.g. CRI-O's "
            f"io.kubernetes.cri-o.ShmSize annotation, Docker's --shm-size), or the container "
            f"mounted a /dev/shm of its own."
        )
    equal_to = _known_size_equal_to(observed, shm, node, pod_limit)
    if equal_to == Basis.HALF_NODE_MEMORY:
        return (
            f"{_size(observed)} is half the node's RAM: {kubelet_label(node)} mounted the tmpfs "
            f"without size=, as kubelets without {SIZE_MEMORY_BACKED_VOLUMES} do, though the "
            f"gate was taken to be on ({_GATE_SOURCES[node.gate_source]}) and {expected} "
            f"expected. sizeLimit is then enforced only by eviction."
        )
    kubelet = f"{kubelet_label(node)} ({gate_label(node)})"
    if equal_to is not None:
        return (
            f"{_size(observed)} equals {_BASIS_NAMES[equal_to]}, not {expected} as expected "
            f"from {kubelet}.{_DIFFERS}"
        )
    return (
        f"{_size(observed)} is none of sizeLimit, the pod memory limit, node allocatable or half "
        f"the node's RAM; {expected} was expected from {kubelet}.{_DIFFERS}"
    )


def _known_size_equal_to(
    observed: int, shm: ContainerShm, node: NodeProfile, pod_limit: int | None
) -> Basis | None:
    """Which size the kubelet could have used equals `observed`, if any."""
    candidates = (
        (Basis.SIZE_LIMIT, shm.size_limit_bytes),
        (Basis.POD_MEMORY_LIMIT, pod_limit),
        (Basis.NODE_ALLOCATABLE, node.allocatable_memory_bytes),
        (Basis.HALF_NODE_MEMORY, half_of_node_memory(node.capacity_memory_bytes)),
        (Basis.RUNTIME_DEFAULT, RUNTIME_DEFAULT_SHM_BYTES),
    )
    for basis, size in candidates:
        if size and sizes_match(observed, size):
            return basis
    return None


def _gate_off(node: NodeProfile) -> str:
    version = parse_version(node.kubelet_version)
    if version is not None and version[:2] < _GATE_INTRODUCED:
        return "predates SizeMemoryBackedVolumes (1.20)"
    explicit = dict(node.gates).get(SIZE_MEMORY_BACKED_VOLUMES)
    if explicit is None and version is not None and version[:2] < _GATE_DEFAULT_ON:
        return f"has {SIZE_MEMORY_BACKED_VOLUMES} off (alpha, off by default before 1.22)"
    return f"has {SIZE_MEMORY_BACKED_VOLUMES} off"


def _size(size: int | None) -> str:
    return format_bytes(size) if size is not None else "unknown"


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]
