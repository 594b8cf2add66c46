"""CEL variables and per-container conditions that read a pod spec as model.sizing does.

The policy matches Pods and every kind with a pod template; `spec` is the pod spec
of whichever it is. A container's /dev/shm is its last volumeMount at /dev/shm
(podspec.shm_mount), and the volume of that name (podspec.volume_named).
"""

from __future__ import annotations

# podspec.is_shm_path: '/dev/shm', '/dev/shm/', '//dev//shm', 'dev/shm' and './' segments
# (the kubelet makes a mountPath absolute and cleans it); '..' segments are not resolved.
SHM_MOUNT_PATH_RE2 = r"^/*(\./+)*dev/+(\./+)*shm(/+\.?)*/*$"
_READ_ONLY_SOURCES = ("secret", "configMap", "projected", "downwardAPI")


def _memory_limit(holder: str) -> str:
    """`holder.resources.limits.memory` in whole bytes; 0 when unset (or not whole bytes)."""
    quantity = f"quantity({holder}.resources.limits.memory)"
    return (
        f"(has({holder}.resources) && has({holder}.resources.limits) && "
        f"has({holder}.resources.limits.memory) && {quantity}.isInteger() ? "
        f"{quantity}.asInteger() : 0)"
    )


def _is_sidecar(c: str) -> str:
    return f"(has({c}.restartPolicy) && {c}.restartPolicy == 'Always')"


def pod_memory_limit() -> str:
    """pod_limits.pod_memory_limit for a current kubelet (1.37 rules, PodLevelResources on):
    the pod-level limit if set, else none (-1) when any container declares none, else the
    larger of the app containers plus the sidecars and of each init container plus the
    sidecars before it; the overhead added. Limits that are not whole bytes count as none."""
    pod_level, limit_c = _memory_limit("variables.spec"), _memory_limit("c")
    limit_i, limit_s = _memory_limit("i"), _memory_limit("s")
    overhead = (
        "(has(variables.spec.overhead) && has(variables.spec.overhead.memory) && "
        "quantity(variables.spec.overhead.memory).isInteger() ? "
        "quantity(variables.spec.overhead.memory).asInteger() : 0)"
    )
    inits = "variables.initContainers"
    running = (
        f"([0] + variables.spec.containers.map(c, {limit_c})).sum() + "
        f"([0] + {inits}.filter(i, {_is_sidecar('i')}).map(i, {limit_i})).sum()"
    )
    sidecars_before = (
        f"([0] + {inits}.filter(s, {_is_sidecar('s')} && {inits}.indexOf(s) < "
        f"{inits}.indexOf(i)).map(s, {limit_s})).sum()"
    )
    init_needs = f"{inits}.filter(i, !{_is_sidecar('i')}).map(i, {limit_i} + {sidecars_before})"
    return (
        f"({pod_level} > 0 ? {pod_level} + {overhead} : "
        f"variables.containers.exists(c, {limit_c} == 0) ? -1 : "
        f"([{running}] + {init_needs}).max() + {overhead})"
    )


def variables() -> list[dict[str, str]]:
    """The policy's `variables`, in order (each may use the ones before it)."""
    return [
        {
            "name": "spec",
            "expression": "has(object.spec.jobTemplate) ? "
            "object.spec.jobTemplate.spec.template.spec : "
            "has(object.spec.template) ? object.spec.template.spec : object.spec",
        },
        {
            "name": "volumes",
            "expression": "has(variables.spec.volumes) ? variables.spec.volumes : []",
        },
        {
            "name": "initContainers",
            "expression": "has(variables.spec.initContainers) ? variables.spec.initContainers : []",
        },
        # Init containers first, as podspec.all_containers lists them.
        {
            "name": "containers",
            "expression": "variables.initContainers + variables.spec.containers",
        },
        {
            "name": "windows",
            "expression": "has(variables.spec.os) && has(variables.spec.os.name) && "
            "variables.spec.os.name == 'windows'",
        },
        {
            "name": "hostIPC",
            "expression": "has(variables.spec.hostIPC) && variables.spec.hostIPC == true",
        },
        {"name": "podMemoryLimit", "expression": pod_memory_limit()},
        {
            "name": "fix",
            "expression": "object.kind in ['Pod', 'Job'] ? "
            "'kubectl shm set -f <manifest> --local <size>' : 'kubectl shm set ' + "
            "object.kind.lowerAscii() + '/' + "
            "(has(object.metadata.name) ? object.metadata.name : '<name>') + "
            "' <size> -n ' + request.namespace",
        },
    ]


def shm_mounts(c: str) -> str:
    """The container's volumeMounts at /dev/shm."""
    return (
        f"(has({c}.volumeMounts) ? {c}.volumeMounts : [])"
        f".filter(m, m.mountPath.matches(r'{SHM_MOUNT_PATH_RE2}'))"
    )


def with_shm_volume(c: str, condition: str) -> str:
    """`condition` on `m` (the container's last mount at /dev/shm) and `v` (its volume,
    `{}` when the pod has no volume of that name): false without a mount there."""
    return (
        f"[{shm_mounts(c)}].exists(ms, size(ms) > 0 && [ms[size(ms) - 1]].exists(m, "
        f"[variables.volumes.filter(x, x.name == m.name)].exists(vs, "
        f"[size(vs) > 0 ? vs[0] : {{'name': m.name}}].exists(v, {condition}))))"
    )


def no_shm_mount(c: str) -> str:
    return f"size({shm_mounts(c)}) == 0"


def medium() -> str:
    """The medium of emptyDir `v` ('' when unset)."""
    return "(has(v.emptyDir.medium) ? v.emptyDir.medium : '')"


def read_only_source() -> str:
    """Volume `v` is one the kubelet mounts read-only (sizing._READ_ONLY_VOLUMES)."""
    return "(" + " || ".join(f"has(v.{source})" for source in _READ_ONLY_SOURCES) + ")"


def size_limit_set() -> str:
    """emptyDir `v` has a non-zero sizeLimit (0 means none, as in sizing)."""
    return (
        "(has(v.emptyDir.sizeLimit) && quantity(v.emptyDir.sizeLimit).isGreaterThan(quantity('0')))"
    )


def requests_resource_starting(prefix: str) -> str:
    """Some container (or the pod) requests or limits a resource whose name starts with
    `prefix` (a CEL string expression), as sizing._requested_resources reads them."""

    def names(holder: str) -> str:
        return " || ".join(
            f"(has({holder}.resources) && has({holder}.resources.{section}) && "
            f"{holder}.resources.{section}.exists(n, n.startsWith({prefix})))"
            for section in ("requests", "limits")
        )

    return (
        f"((has(variables.spec.resources) && has(variables.spec.resources.requests) && "
        f"variables.spec.resources.requests.exists(n, n.startsWith({prefix}))) || "
        f"variables.containers.exists(k, {names('k')}))"
    )
