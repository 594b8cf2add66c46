"""What the kubelet will really make of SIZE: warnings before `kubectl shm set` changes anything.

The size model (sizing.expected_shm) runs on the pod spec as it will be, on
every node the pods may land on (those matching the template's nodeSelector):
- the pod memory limit lowers the tmpfs below SIZE (calculateEmptyDirMemorySize);
- so does node allocatable memory;
- a kubelet without SizeMemoryBackedVolumes ignores SIZE altogether: the tmpfs
  is half the node's RAM and sizeLimit is enforced only by eviction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from kubectl_shm.model.nodes import NodeProfile
from kubectl_shm.model.podspec import mapping
from kubectl_shm.model.quantity import format_bytes
from kubectl_shm.model.sizing import Basis, ShmSource, expected_shm
from kubectl_shm.set.plan import ShmPlan, TemplateChange


def nodes_for(
    pod_spec: Mapping[str, Any], nodes: Sequence[tuple[NodeProfile, Mapping[str, str]]]
) -> list[NodeProfile]:
    """The nodes whose labels match the template's nodeSelector (all of them without one)."""
    selector = mapping(pod_spec.get("nodeSelector"))
    return [
        node
        for node, labels in nodes
        if all(labels.get(key) == str(value) for key, value in selector.items())
    ]


def size_warnings(
    plan: ShmPlan, nodes: Sequence[tuple[NodeProfile, Mapping[str, str]]] | None = None
) -> list[str]:
    """Warnings for `plan` (a size being set) on `nodes`; None: one assumed current kubelet."""
    request = plan.request
    if request.remove or request.size is None:
        return []
    warnings = []
    for template in plan.templates:
        if template.volume is None:
            continue
        candidates = [NodeProfile()] if nodes is None else nodes_for(template.pod_spec_after, nodes)
        warnings.extend(_template_warnings(plan, template, candidates or [NodeProfile()]))
    return list(dict.fromkeys(warnings))


def _template_warnings(
    plan: ShmPlan, template: TemplateChange, nodes: Sequence[NodeProfile]
) -> list[str]:
    size = str(plan.request.size)
    size_bytes = plan.request.size_bytes
    capped: set[int] = set()
    allocatable: dict[str, int] = {}
    legacy: dict[str, tuple[str, int | None]] = {}
    for node in nodes:
        shm = expected_shm(template.pod_spec_after, node)
        for container in shm.containers:
            if container.container not in template.containers:
                continue
            if container.source is not ShmSource.EMPTYDIR_MEMORY:
                continue
            expected = container.expected_bytes
            if container.basis is Basis.HALF_NODE_MEMORY:
                legacy[node.name or "?"] = (node.kubelet_version or "?", expected)
            elif expected is not None and expected < size_bytes:
                if container.basis is Basis.POD_MEMORY_LIMIT:
                    capped.add(expected)
                elif container.basis is Basis.NODE_ALLOCATABLE:
                    allocatable[node.name or "?"] = expected
    warnings = []
    label = plan.label
    for limit in sorted(capped):
        warnings.append(
            f"{label}: SIZE {size} is above the pod memory limit {format_bytes(limit)}: "
            f"/dev/shm will be capped at {format_bytes(limit)}, and what it holds counts "
            f"against that limit (an OOM kill, not 'no space left'). Raise the containers' "
            f"memory limits, or ask for {format_bytes(limit)} or less"
        )
    if allocatable:
        where = ", ".join(f"{name} ({format_bytes(b)})" for name, b in sorted(allocatable.items()))
        warnings.append(
            f"{label}: SIZE {size} is more than the allocatable memory of {where}: "
            f"/dev/shm is capped there at that"
        )
    for name, (version, expected) in sorted(legacy.items()):
        gets = format_bytes(expected) if expected else "half of the node's RAM"
        warnings.append(
            f"{label}: node {name} (kubelet {version}, SizeMemoryBackedVolumes off) does not "
            f"apply SIZE: pods there get a tmpfs of {gets} (half its RAM) instead of {size}, "
            f"and are evicted once /dev/shm holds more than {size}"
        )
    return warnings
