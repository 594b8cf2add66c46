"""The pod's memory limit as the kubelet computes it for the pod cgroup.

The kubelet sizes memory emptyDirs with the same number it gives the pod
cgroup: pkg/kubelet/cm/helpers_linux.go ResourceConfigForPod, which sums
limits with k8s.io/component-helpers/resource/helpers.go PodLimits:
- app containers are added up;
- a sidecar (init container with restartPolicy Always, kubelets from 1.28) is
  added to that sum, and stays running for every init container after it;
- a regular init container needs its own limit plus the sidecars started
  before it; the pod needs at least the largest such figure;
- pod overhead (RuntimeClass) is added to a limit that exists;
- with PodLevelResources, `spec.resources.limits.memory` is the pod's limit.
The cgroup gets a memory limit only when the containers the kubelet checks declare
a non-zero memory limit (which ones depends on its version: model.kubelet_rules);
otherwise there is none.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from fractions import Fraction
from typing import Any, NamedTuple

from kubectl_shm.model.kubelet_rules import KubeletRules, LimitCheck, kubelet_rules
from kubectl_shm.model.podspec import container_name, containers_of, mapping
from kubectl_shm.model.quantity import QuantityError, nonnegative_bytes, parse_quantity


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
    rules: KubeletRules | None = None,
    pod_level_resources: bool = True,
) -> PodMemoryLimit:
    """The pod memory limit per ResourceConfigForPod of a kubelet following `rules`.

    Limits are added up exactly and the total is rounded up once, as the kubelet
    adds Quantities and then takes `Value()` (not a sum of rounded values).
    """
    rules = rules or kubelet_rules(None)
    problems: list[QuantityProblem] = []
    pod_level = _pod_level_limit(pod_spec, problems) if pod_level_resources else None
    if pod_level is not None:
        total: Fraction | None = pod_level
        missing = None
    else:
        total, missing = _aggregate_container_limits(pod_spec, problems, rules)
    if total is not None:
        total += _overhead(pod_spec, problems)
    return PodMemoryLimit(None if total is None else math.ceil(total), missing, tuple(problems))


def container_memory_limit(
    container: Mapping[str, Any], problems: list[QuantityProblem]
) -> Fraction | None:
    """A container's exact memory limit; None when unset, zero or invalid."""
    name = container_name(container)
    return _memory_limit(container, "resources.limits.memory", problems, container=name)


def _aggregate_container_limits(
    pod_spec: Mapping[str, Any], problems: list[QuantityProblem], rules: KubeletRules
) -> tuple[Fraction | None, str | None]:
    missing: list[str] = []
    app_total = Fraction(0)
    for container in containers_of(pod_spec, "containers"):
        limit = container_memory_limit(container, problems)
        if limit is None:
            missing.append(container_name(container))
        app_total += limit or 0

    sidecars_so_far = Fraction(0)
    largest_init = Fraction(0)
    for container in containers_of(pod_spec, "initContainers"):
        own = container_memory_limit(container, problems) or Fraction(0)
        if rules.sidecars and container.get("restartPolicy") == "Always":
            app_total += own  # a sidecar runs beside the apps
            sidecars_so_far += own
            needed = sidecars_so_far
        else:
            needed = own + sidecars_so_far
        if _undeclared(rules.limit_check, own=own, needed=needed):
            missing.append(container_name(container))
        largest_init = max(largest_init, needed)

    if missing:
        names = ", ".join(repr(name) for name in missing)
        verb = "declares" if len(missing) == 1 else "declare"
        noun = "container" if len(missing) == 1 else "containers"
        return None, f"{noun} {names} {verb} no memory limit"
    return max(app_total, largest_init), None


def _undeclared(check: LimitCheck, *, own: Fraction, needed: Fraction) -> bool:
    """Whether an init container leaves the pod without a memory limit."""
    if check is LimitCheck.APP_CONTAINERS:
        return False
    if check is LimitCheck.SIDECARS_COVER:
        # ContainerFn sees its limit plus the sidecars started before it (1.28-1.36).
        return needed == 0
    return own == 0


def _pod_level_limit(
    pod_spec: Mapping[str, Any], problems: list[QuantityProblem]
) -> Fraction | None:
    return _memory_limit(pod_spec, "spec.resources.limits.memory", problems)


def _memory_limit(
    holder: Mapping[str, Any],
    field: str,
    problems: list[QuantityProblem],
    *,
    container: str | None = None,
) -> Fraction | None:
    """`holder.resources.limits.memory` (a container's, or the pod's); None when unset,
    zero or invalid (then a problem naming `field`)."""
    raw = mapping(mapping(holder.get("resources")).get("limits")).get("memory")
    if raw is None:
        return None
    parsed = _parse(raw, field, problems, container=container)
    return parsed if parsed else None


def _overhead(pod_spec: Mapping[str, Any], problems: list[QuantityProblem]) -> Fraction:
    raw = mapping(pod_spec.get("overhead")).get("memory")
    if raw is None:
        return Fraction(0)
    return _parse(raw, "spec.overhead.memory", problems) or Fraction(0)


def _parse(
    raw: object, field: str, problems: list[QuantityProblem], *, container: str | None = None
) -> Fraction | None:
    try:
        nonnegative_bytes(raw)  # refuses what the API server refuses: negative, past int64
        return parse_quantity(raw)  # exact: the limits are added before rounding
    except QuantityError as error:
        problems.append(QuantityProblem(field, raw, error.reason, container))
        return None
