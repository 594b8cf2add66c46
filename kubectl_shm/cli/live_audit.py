"""Gather a live audit: which calls, in which order, and what to do when one is refused.

Anything refused for lack of rights degrades the report with a warning that
names the missing permission and what is assumed instead; only the pods
themselves are indispensable.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any, TypeVar

from kubectl_shm.audit import AuditReport
from kubectl_shm.cli.app import App
from kubectl_shm.cluster_audit import audit_pods, needs_kubelet
from kubectl_shm.kube import fetching
from kubectl_shm.kube.client import Kube, connect
from kubectl_shm.kube.connection import ConnectionOptions
from kubectl_shm.kube.errors import Forbidden, KubeError, NotFound
from kubectl_shm.nodes import SIZE_MEMORY_BACKED_VOLUMES, GateSource, NodeProfile
from kubectl_shm.ownership import OwnerIndex

# Parallel requests to kubelets through the API server's node proxy.
KUBELET_CONCURRENCY = 8
T = TypeVar("T")


def audit_cluster(
    app: App,
    connection: ConnectionOptions,
    *,
    all_namespaces: bool,
    selector: str | None,
    assumption: NodeProfile,
    usage: bool,
    output: str,
) -> AuditReport:
    kube = connect(connection)
    try:
        return _gather(
            kube,
            app,
            None if all_namespaces else kube.namespace,
            selector,
            assumption,
            usage,
            show_progress=output in ("table", "wide"),
        )
    finally:
        kube.close()


def _gather(
    kube: Kube,
    app: App,
    namespace: str | None,
    selector: str | None,
    assumption: NodeProfile,
    usage: bool,
    *,
    show_progress: bool,
) -> AuditReport:
    warnings: list[str] = []
    version = fetching.server_version(kube)
    from kubectl_shm.render.progress import progress_for

    with progress_for(app.terminal, "Listing pods", enabled=show_progress) as advance:
        pods = []
        for page in fetching.list_pods(kube, namespace=namespace, selector=selector):
            pods.extend(page)
            advance(len(page))
    listed_owners: list[tuple[str, dict[str, Any]]] = []
    for kind in fetching.OWNER_LISTS:
        message = f"cannot list {kind}s ({{reason}}): pods are grouped by their {kind} instead"
        owners_of_kind: list[dict[str, Any]] = _optional(
            partial(fetching.list_owner_metadata, kube, kind, namespace), [], warnings, message
        )
        listed_owners.extend((kind, metadata) for metadata in owners_of_kind)
    owners = OwnerIndex.build(listed_owners)
    wanted = {p["spec"].get("nodeName") for p in pods if needs_kubelet(p["spec"])} - {None}
    nodes = _node_profiles(kube, wanted, assumption, warnings)
    volume_usage = _usage(kube, wanted & set(nodes), warnings) if usage else {}
    return audit_pods(
        pods,
        owners=owners,
        nodes=nodes,
        unknown_node=assumption,
        usage=volume_usage,
        server_version=version,
        warnings=warnings,
    )


def _node_profiles(
    kube: Kube, probe: set[str], assumption: NodeProfile, warnings: list[str]
) -> dict[str, NodeProfile]:
    listed: list[dict[str, Any]] = _optional(
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
    probe &= {node["name"] for node in listed}
    gates = dict(_parallel(lambda name: (name, _kubelet_gates(kube, name)), sorted(probe)))
    refused = sorted(name for name, (_, error) in gates.items() if error)
    if refused:
        warnings.append(
            f"cannot read kubelet feature gates of {', '.join(refused)} "
            f"({gates[refused[0]][1]}; needs nodes/proxy): assuming each kubelet version's default"
        )
    profiles = {}
    for node in listed:
        found, _ = gates.get(node["name"], (None, None))
        source, states = found or (GateSource.DEFAULT, {})
        profiles[node["name"]] = NodeProfile(
            name=node["name"],
            kubelet_version=node["kubeletVersion"],
            gates=tuple(sorted(states.items())),
            gate_source=source,
            capacity_memory_bytes=node["capacityMemory"],
            allocatable_memory_bytes=node["allocatableMemory"],
            container_runtime=node["containerRuntimeVersion"],
        )
    return profiles


def _kubelet_gates(
    kube: Kube, node: str
) -> tuple[tuple[GateSource, dict[str, bool]] | None, str | None]:
    """The gate state the kubelet reports: metrics (effective) first, then configz (explicit)."""
    reasons = []
    for source, read in (
        (GateSource.METRICS, fetching.kubelet_feature_metrics),
        (GateSource.CONFIGZ, fetching.kubelet_configz_gates),
    ):
        try:
            states = read(kube, node)
        except (Forbidden, NotFound) as error:
            reasons.append(_short(error))
            continue
        if SIZE_MEMORY_BACKED_VOLUMES in states:
            return (source, {SIZE_MEMORY_BACKED_VOLUMES: states[SIZE_MEMORY_BACKED_VOLUMES]}), None
    return None, (reasons[0] if len(reasons) == 2 else None)


def _usage(kube: Kube, nodes: set[str], warnings: list[str]) -> dict[Any, int]:
    results = _parallel(lambda name: _stats_or_error(kube, name), sorted(nodes))
    usage: dict[Any, int] = {}
    refused = []
    for name, (stats, error) in zip(sorted(nodes), results, strict=True):
        usage.update(stats)
        if error:
            refused.append(f"{name} ({error})")
    if refused:
        warnings.append(
            f"cannot read /dev/shm usage from the kubelet stats of {', '.join(refused)} "
            f"(needs nodes/proxy): usage left unknown"
        )
    return usage


def _stats_or_error(kube: Kube, node: str) -> tuple[dict[Any, int], str | None]:
    try:
        return fetching.kubelet_stats_summary(kube, node), None
    except KubeError as error:
        return {}, _short(error)


def _optional(read: Callable[[], T], fallback: T, warnings: list[str], message: str) -> T:
    try:
        return read()
    except (Forbidden, NotFound) as error:
        warnings.append(message.format(reason=_short(error)))
        return fallback


def _parallel(work: Callable[[str], T], items: Iterable[str]) -> list[T]:
    items = list(items)
    if len(items) <= 1:
        return [work(item) for item in items]
    with ThreadPoolExecutor(max_workers=KUBELET_CONCURRENCY) as pool:
        return list(pool.map(work, items))


def _short(error: KubeError) -> str:
    if isinstance(error, Forbidden):
        return "forbidden"
    return "not found" if isinstance(error, NotFound) else str(error)
