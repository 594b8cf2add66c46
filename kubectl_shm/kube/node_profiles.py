"""Each node as the size model needs it: kubelet version, memory and gate state.

Shared by `audit` and `inspect`. Anything refused for lack of rights degrades
to a warning that names the missing permission and what is assumed instead.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from kubectl_shm.kube import fetching
from kubectl_shm.kube.client import Kube
from kubectl_shm.kube.errors import Forbidden, KubeError, NotFound
from kubectl_shm.model.nodes import MODELLED_GATES, GateSource, NodeProfile

# Parallel requests to kubelets through the API server's node proxy.
KUBELET_CONCURRENCY = 8
T = TypeVar("T")
U = TypeVar("U")


def node_profiles(
    kube: Kube, *, probe: set[str], assumption: NodeProfile, warnings: list[str]
) -> dict[str, NodeProfile]:
    """Every listed node; the kubelets of the nodes in `probe` are asked for their gates.

    Returns {} (with a warning) when nodes cannot be listed: callers then use
    `assumption` for every node.
    """
    listed = list_node_info(kube, assumption, warnings)
    return profiles_of(kube, listed, probe=probe, warnings=warnings)


def list_node_info(
    kube: Kube, assumption: NodeProfile, warnings: list[str]
) -> list[dict[str, Any]]:
    """Every node as fetching.list_nodes gives it; none, with a warning, when nodes cannot
    be listed (callers then use `assumption` for every node)."""
    listed: list[dict[str, Any]] = optional_read(
        lambda: fetching.list_nodes(kube),
        [],
        warnings,
        "cannot list nodes ({reason}): assuming "
        + (
            f"kubelet {assumption.kubelet_version}"
            if assumption.kubelet_version
            else "current kubelets"
        )
        + " with unknown memory",
    )
    return listed


def profiles_of(
    kube: Kube, listed: Iterable[dict[str, Any]], *, probe: set[str], warnings: list[str]
) -> dict[str, NodeProfile]:
    """Profiles of already listed nodes (dicts as fetching.list_nodes returns them);
    the kubelets of the nodes in `probe` are asked for their gates, in parallel."""
    listed = list(listed)
    gates = read_gates(kube, probe & {node["name"] for node in listed})
    refusal = gates_refusal(gates)
    if refusal:
        warnings.append(refusal)
    return {node["name"]: profile_of(node, gates.get(node["name"])) for node in listed}


# What a kubelet said of its gates: (found or None, the refusal reason or None).
GateReading = tuple[tuple[GateSource, dict[str, bool]] | None, str | None]


def read_gates(kube: Kube, names: Iterable[str]) -> dict[str, GateReading]:
    """The gates of each named node's kubelet, asked in parallel."""
    return dict(parallel(lambda name: (name, kubelet_gates(kube, name)), sorted(names)))


def gates_refusal(gates: Mapping[str, GateReading]) -> str | None:
    """The warning for the kubelets that refused to tell their gates, if any did."""
    refused = sorted(name for name, (_, error) in gates.items() if error)
    if not refused:
        return None
    return (
        f"cannot read kubelet feature gates of {', '.join(refused)} "
        f"({gates[refused[0]][1]}; needs nodes/proxy): assuming each kubelet version's default"
    )


def profile_of(node: Mapping[str, Any], reading: GateReading | None = None) -> NodeProfile:
    """A listed node (as fetching.list_nodes gives it) with what its kubelet said of its
    gates (None: not asked; its version's defaults)."""
    found = reading[0] if reading else None
    source, states = found or (GateSource.DEFAULT, {})
    return NodeProfile(
        name=node["name"],
        kubelet_version=node["kubeletVersion"],
        gates=tuple(sorted(states.items())),
        gate_source=source,
        capacity_memory_bytes=node["capacityMemory"],
        allocatable_memory_bytes=node["allocatableMemory"],
        container_runtime=node["containerRuntimeVersion"],
        operating_system=node.get("operatingSystem"),
    )


def kubelet_gates(kube: Kube, node: str) -> GateReading:
    """The gate state the kubelet reports: metrics (effective) first, then configz (explicit).

    Returns (found or None, the refusal reason when both reads were refused).
    """
    reasons = []
    for source, read in (
        (GateSource.METRICS, fetching.kubelet_feature_metrics),
        (GateSource.CONFIGZ, fetching.kubelet_configz_gates),
    ):
        try:
            states = read(kube, node)
        except (Forbidden, NotFound) as error:
            reasons.append(short_reason(error))
            continue
        known = {gate: states[gate] for gate in MODELLED_GATES if gate in states}
        if known:
            return (source, known), None
    return None, (reasons[0] if len(reasons) == 2 else None)


def optional_read(read: Callable[[], T], fallback: T, warnings: list[str], message: str) -> T:
    """`read()`, or `fallback` with a warning (`message` formatted with {reason}) on 403/404."""
    try:
        return read()
    except (Forbidden, NotFound) as error:
        warnings.append(message.format(reason=short_reason(error)))
        return fallback


def parallel(work: Callable[[U], T], items: Iterable[U]) -> list[T]:
    """`work` over `items` with up to KUBELET_CONCURRENCY threads, results in order."""
    items = list(items)
    if len(items) <= 1:
        return [work(item) for item in items]
    with ThreadPoolExecutor(max_workers=KUBELET_CONCURRENCY) as pool:
        return list(pool.map(work, items))


def short_reason(error: KubeError) -> str:
    if isinstance(error, Forbidden):
        return "forbidden"
    return "not found" if isinstance(error, NotFound) else str(error)
