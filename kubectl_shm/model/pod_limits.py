"""The pod's memory limit as the kubelet computes it for the pod cgroup.

The kubelet sizes memory emptyDirs with the same number it gives the pod
cgroup: pkg/kubelet/cm/helpers_linux.go ResourceConfigForPod, which sums
limits with k8s.io/component-helpers/resource/helpers.go PodLimits:
- app containers are added up;
- a sidecar (init container with restartPolicy Always) is added to that sum,
  and stays running for every init container after it;
- a regular init container needs its own limit plus the sidecars started
  before it; the pod needs at least the largest such figure;
- pod overhead (RuntimeClass) is added to a limit that exists;
- with PodLevelResources, `spec.resources.limits.memory` is the pod's limit.
The cgroup gets a memory limit only when every container PodLimits visits
declares a non-zero memory limit; otherwise there is none.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from kubectl_shm.model.podspec import container_name, containers_of, mapping
from kubectl_shm.model.quantity import QuantityError, nonnegative_bytes


class QuantityProblem(NamedTuple):
    """A quantity in the pod spec that cannot be parsed."""

    field: str
    value: object
    reason: str
    container: str | None = None


class PodMemoryLimit(NamedTuple):
    """The pod cgroup's memory limit in bytes, or None when the pod has none."""

    limit_bytes: int | None
    # Why there is no limit, for messages: e.g. "container 'sidecar' has no memory limit".
    missing_reason: str | None
    problems: tuple[QuantityProblem, ...] = ()


def pod_memory_limit(
    pod_spec: Mapping[str, Any],
    *,
    init_containers_must_declare: bool = True,
    pod_level_resources: bool = True,
) -> PodMemoryLimit:
    """The pod memory limit per ResourceConfigForPod.

    `init_containers_must_declare`: kubelets from 1.27 (ResourceConfigForPod over
    PodLimits' ContainerFn) also require init containers to declare one, counting
    each with the sidecars started before it; older kubelets looked at app
    containers only.
    """
    problems: list[QuantityProblem] = []
    pod_level = _pod_level_limit(pod_spec, problems) if pod_level_resources else None
    if pod_level is not None:
        total: int | None = pod_level
        missing = None
    else:
        total, missing = _aggregate_container_limits(
            pod_spec, problems, init_containers_must_declare=init_containers_must_declare
        )
    if total is not None:
        total += _overhead(pod_spec, problems)
    return PodMemoryLimit(total, missing, tuple(problems))


def container_memory_limit(
    container: Mapping[str, Any], problems: list[QuantityProblem]
) -> int | None:
    """A container's memory limit in bytes; None when unset, zero or invalid."""
    limits = mapping(mapping(container.get("resources")).get("limits"))
    raw = limits.get("memory")
    if raw is None:
        return None
    name = container_name(container)
    parsed = _parse(raw, "resources.limits.memory", problems, container=name)
    return parsed if parsed else None


def _aggregate_container_limits(
    pod_spec: Mapping[str, Any],
    problems: list[QuantityProblem],
    *,
    init_containers_must_declare: bool,
) -> tuple[int | None, str | None]:
    missing: list[str] = []
    app_total = 0
    for container in containers_of(pod_spec, "containers"):
        limit = container_memory_limit(container, problems)
        if limit is None:
            missing.append(container_name(container))
        app_total += limit or 0

    sidecars_so_far = 0
    largest_init = 0
    for container in containers_of(pod_spec, "initContainers"):
        own = container_memory_limit(container, problems) or 0
        if container.get("restartPolicy") == "Always":  # a sidecar runs beside the apps
            app_total += own
            sidecars_so_far += own
            needed = sidecars_so_far
        else:
            needed = own + sidecars_so_far
        # The kubelet checks the cumulative figure, not the container's own limit:
        # an init container without a limit after a sidecar with one counts as declared.
        if init_containers_must_declare and needed == 0:
            missing.append(container_name(container))
        largest_init = max(largest_init, needed)

    if missing:
        names = ", ".join(repr(name) for name in missing)
        verb = "declares" if len(missing) == 1 else "declare"
        noun = "container" if len(missing) == 1 else "containers"
        return None, f"{noun} {names} {verb} no memory limit"
    return max(app_total, largest_init), None


def _pod_level_limit(pod_spec: Mapping[str, Any], problems: list[QuantityProblem]) -> int | None:
    limits = mapping(mapping(pod_spec.get("resources")).get("limits"))
    raw = limits.get("memory")
    if raw is None:
        return None
    parsed = _parse(raw, "spec.resources.limits.memory", problems)
    return parsed if parsed else None


def _overhead(pod_spec: Mapping[str, Any], problems: list[QuantityProblem]) -> int:
    raw = mapping(pod_spec.get("overhead")).get("memory")
    if raw is None:
        return 0
    return _parse(raw, "spec.overhead.memory", problems) or 0


def _parse(
    raw: object, field: str, problems: list[QuantityProblem], *, container: str | None = None
) -> int | None:
    try:
        return nonnegative_bytes(raw)
    except QuantityError as error:
        problems.append(QuantityProblem(field, raw, error.reason, container))
        return None
