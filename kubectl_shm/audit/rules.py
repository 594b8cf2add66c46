"""The audit rules of DESIGN section 6: findings a user can act on.

Each message says what is wrong, what /dev/shm the container really gets,
and the one-line fix. Rule ids and severities are a stable contract.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from typing import Any, NamedTuple

from kubectl_shm.model.ownership import WorkloadRef
from kubectl_shm.model.pod_limits import QuantityProblem
from kubectl_shm.model.podspec import all_containers, is_shm_path, mapping, volume_named
from kubectl_shm.model.quantity import format_bytes, mebibytes_meant, shown_value, spelled_out
from kubectl_shm.model.runtime_shm import RUNTIME_DEFAULT_SHM_BYTES, runtime_of
from kubectl_shm.model.shm_users import (
    AI_WORKLOAD,
    KNOWN_WORKLOAD,
    WORKAROUND,
    Match,
    matches,
)
from kubectl_shm.model.sizing import Basis, ContainerShm, PodShm, ShmSource
from kubectl_shm.model.workload_kinds import BY_KIND

NEAR_FULL_RATIO = 0.8


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"error": 3, "warning": 2, "info": 1}[self.value]


class Rule(str, Enum):
    DEFAULT_SHM_AI_WORKLOAD = "default-shm-ai-workload"
    SIZELIMIT_NOT_APPLIED = "shm-sizelimit-not-applied"
    HOST_SHARED = "shm-host-shared"
    CAPPED_BY_MEMORY_LIMIT = "shm-capped-by-memory-limit"
    UNBOUNDED = "shm-unbounded"
    DISK_BACKED = "shm-disk-backed"
    NEAR_FULL = "shm-near-full"
    NO_MEMORY_LIMIT = "shm-no-memory-limit"
    INVALID_QUANTITY = "invalid-quantity"
    VOLUME_INVALID = "shm-volume-invalid"
    READ_ONLY = "shm-read-only"
    RUNTIME_ANNOTATION = "shm-runtime-annotation"
    SMALLER_THAN_DEFAULT = "shm-smaller-than-default"
    RESIZE_NOT_APPLIED = "shm-resize-not-applied"
    DEFAULT_SHM_KNOWN_WORKLOAD = "default-shm-known-workload"
    WORKAROUND = "shm-workaround"
    SIZE_FROM_POLICY = "shm-size-from-policy"

    @property
    def severity(self) -> Severity:
        return _SEVERITIES[self]


_SEVERITIES = {
    Rule.DEFAULT_SHM_AI_WORKLOAD: Severity.ERROR,
    Rule.SIZELIMIT_NOT_APPLIED: Severity.ERROR,
    Rule.HOST_SHARED: Severity.ERROR,
    Rule.INVALID_QUANTITY: Severity.ERROR,
    Rule.VOLUME_INVALID: Severity.ERROR,
    Rule.READ_ONLY: Severity.ERROR,
    Rule.RUNTIME_ANNOTATION: Severity.WARNING,
    Rule.SMALLER_THAN_DEFAULT: Severity.ERROR,
    Rule.RESIZE_NOT_APPLIED: Severity.WARNING,
    Rule.DEFAULT_SHM_KNOWN_WORKLOAD: Severity.WARNING,
    Rule.WORKAROUND: Severity.INFO,
    Rule.CAPPED_BY_MEMORY_LIMIT: Severity.WARNING,
    Rule.UNBOUNDED: Severity.WARNING,
    Rule.DISK_BACKED: Severity.WARNING,
    Rule.NEAR_FULL: Severity.WARNING,
    Rule.NO_MEMORY_LIMIT: Severity.INFO,
    Rule.SIZE_FROM_POLICY: Severity.WARNING,
}


class Finding(NamedTuple):
    """One rule that fired, for a container or (container None) the whole pod."""

    rule: Rule
    container: str | None
    message: str

    @property
    def severity(self) -> Severity:
        return self.rule.severity


def evaluate(
    workload: WorkloadRef,
    pod_spec: Mapping[str, Any],
    shm: PodShm,
    used_bytes: Mapping[str, int] | None = None,
) -> list[Finding]:
    """All findings for one pod spec on one node; `used_bytes` is live usage per container."""
    findings = [_invalid_quantity(problem) for problem in shm.problems]
    # shm.containers follow all_containers(pod_spec) one for one: pairing them by
    # position, not by name, keeps two containers of one name apart.
    specs = [container for container, _ in all_containers(pod_spec)]
    for spec, container in zip(specs, shm.containers, strict=True):
        used = (used_bytes or {}).get(container.container)
        findings.extend(_container_findings(workload, spec, container, shm, used))
        too_small = _smaller_than_default(workload, pod_spec, container, shm)
        if too_small is not None:
            findings.append(too_small)
    return findings


def is_accelerated(container: Mapping[str, Any]) -> str | None:
    """Why this container looks like an AI workload (the first catalogue signal), else None."""
    found = next((m for m in matches(container) if m.signal.rule == AI_WORKLOAD), None)
    return found.describe() if found else None


def _container_findings(
    workload: WorkloadRef,
    spec: Mapping[str, Any],
    shm: ContainerShm,
    pod: PodShm,
    used: int | None,
) -> list[Finding]:
    name = shm.container
    fix = workload.set_command(container=name)
    if shm.basis is Basis.WINDOWS:
        return []  # no /dev/shm on Windows: nothing here is about shared memory
    if shm.problem is not None:
        return [_volume_invalid(shm, fix)]
    findings = [_read_only(shm, fix)] if shm.read_only else []
    if shm.source is ShmSource.RUNTIME_DEFAULT:
        return findings + _runtime_default_findings(spec, shm, pod, fix)
    if shm.source in (ShmSource.HOST_PATH, ShmSource.HOST_IPC):
        return [*findings, Finding(Rule.HOST_SHARED, name, _host_message(shm, fix))]
    if shm.source is ShmSource.EMPTYDIR_DISK:
        message = (
            f"emptyDir {shm.volume!r} at /dev/shm has no medium: Memory, so it is a directory on "
            f"the node's disk, not a tmpfs: shared memory is slow and counts as disk usage. "
            f"Fix: {fix}"
        )
        return [*findings, Finding(Rule.DISK_BACKED, name, message)]
    if shm.source is ShmSource.EMPTYDIR_MEMORY:
        return findings + _memory_volume_findings(workload, shm, pod, used)
    return findings


def _runtime_default_findings(
    spec: Mapping[str, Any], shm: ContainerShm, pod: PodShm, fix: str
) -> list[Finding]:
    name = shm.container
    if shm.basis is Basis.RUNTIME_ANNOTATION:
        # CRI-O applies the annotation only where the runtime handler allows it
        # (allowed_annotations), which the API does not show: the size is not certain.
        message = (
            f"/dev/shm is {format_bytes(shm.expected_bytes)} only if the node's CRI-O runtime "
            f"handler allows the pod annotation {shm.detail} (allowed_annotations); otherwise "
            f"it is the runtime's 64Mi. Fix (works on every runtime): a memory emptyDir: {fix}"
        )
        return [Finding(Rule.RUNTIME_ANNOTATION, name, message)]
    unless = (
        " (unless the CRI-O runtime handler sets a default shm size in default_annotations)"
        if runtime_of(pod.node.container_runtime) == "cri-o"
        else ""
    )
    found = matches(spec)
    workaround = next((m for m in found if m.signal.rule == WORKAROUND), None)
    findings = [_workaround(name, workaround, fix)] if workaround else []
    ai = next((m for m in found if m.signal.rule == AI_WORKLOAD), None)
    if ai is not None:
        message = (
            f"{ai.describe()} but has no volume at /dev/shm: it gets the runtime's 64Mi{unless}, "
            f"and DataLoader workers or NCCL fail with 'bus error'. Fix: {fix}"
        )
        return [Finding(Rule.DEFAULT_SHM_AI_WORKLOAD, name, message), *findings]
    known = next((m for m in found if m.signal.rule == KNOWN_WORKLOAD), None)
    if known is not None:
        message = (
            f"{known.describe()} ({known.signal.meaning}) but has no volume at /dev/shm: it "
            f"gets the runtime's 64Mi{unless}. Fix: {fix}"
        )
        return [Finding(Rule.DEFAULT_SHM_KNOWN_WORKLOAD, name, message), *findings]
    return findings


def _workaround(name: str, found: Match, fix: str) -> Finding:
    message = (
        f"{found.describe()}: {found.signal.meaning}, a workaround for a small /dev/shm. "
        f"Fix: a memory emptyDir of the size it needs: {fix}"
    )
    return Finding(Rule.WORKAROUND, name, message)


def _host_message(shm: ContainerShm, fix: str) -> str:
    if shm.source is ShmSource.HOST_IPC:
        what = "/dev/shm is the node's own, through hostIPC"
    elif shm.detail is None or is_shm_path(shm.detail):
        what = "/dev/shm is the node's own, through a hostPath volume"
    else:
        what = (
            f"/dev/shm is the host directory {shm.detail} (a hostPath volume): on the node's "
            f"disk, not a tmpfs and not the node's /dev/shm"
        )
    overwrite = " --overwrite" if shm.source is ShmSource.HOST_PATH else ""
    return (
        f"{what}: every such pod on the node shares it and can read or fill it. Fix: use a "
        f"private memory emptyDir instead: {fix}{overwrite}"
    )


def _volume_invalid(shm: ContainerShm, fix: str) -> Finding:
    message = (
        f"the pod never starts: volume {shm.volume!r} at /dev/shm has {shm.problem}. The API "
        f"server accepts it, the kubelet refuses to mount it (FailedMount, ContainerCreating). "
        f"Fix: {fix} --overwrite"
    )
    return Finding(Rule.VOLUME_INVALID, shm.container, message)


def _read_only(shm: ContainerShm, fix: str) -> Finding:
    if shm.source is ShmSource.OTHER and shm.detail:
        why = f"a {shm.detail} volume ({shm.volume!r})"
        remedy = f"a writable memory emptyDir: {fix} --overwrite"
    else:
        why = f"volume {shm.volume!r} mounted readOnly"
        remedy = "drop readOnly: true from the container's /dev/shm volumeMount"
    message = (
        f"/dev/shm is read-only ({why}): shm_open, sem_open and DataLoader workers fail with "
        f"'Read-only file system'. Fix: {remedy}"
    )
    return Finding(Rule.READ_ONLY, shm.container, message)


def _smaller_than_default(
    workload: WorkloadRef, pod_spec: Mapping[str, Any], shm: ContainerShm, pod: PodShm
) -> Finding | None:
    """A sizeLimit below the runtime's 64Mi: a typo ('512m' is 0.512 bytes) more often than not.

    It decides the tmpfs size (basis sizeLimit) or, on kubelets without
    SizeMemoryBackedVolumes, the usage past which the pod is evicted.
    """
    size_limit = shm.size_limit_bytes
    if shm.source is not ShmSource.EMPTYDIR_MEMORY or not size_limit:
        return None
    binding = shm.basis is Basis.SIZE_LIMIT or not pod.node.sizes_memory_volumes
    if size_limit >= RUNTIME_DEFAULT_SHM_BYTES or not binding:
        return None
    raw = mapping(mapping(volume_named(pod_spec, shm.volume)).get("emptyDir")).get("sizeLimit")
    meant = mebibytes_meant(raw)
    effect = (
        f"/dev/shm holds at most {_bytes_in_words(size_limit)}"
        if pod.node.sizes_memory_volumes
        else f"the pod is evicted once /dev/shm holds more than {_bytes_in_words(size_limit)}"
    )
    # Below 1Mi the unit is likely the mistake: say what the number really is.
    spelled = f" is {spelled_out(raw)}" if size_limit < 2**20 else ""
    message = (
        f"sizeLimit {shown_value(raw)} of volume {shm.volume!r}{spelled}: {effect}, "
        f"less than the runtime's {format_bytes(RUNTIME_DEFAULT_SHM_BYTES)} without any volume"
        f"{f'; did you mean {meant}?' if meant else ''}. "
        f"Fix: {workload.set_command(meant or '<size>', shm.container)}"
    )
    return Finding(Rule.SMALLER_THAN_DEFAULT, shm.container, message)


def _bytes_in_words(size: int) -> str:
    return format_bytes(size) if size >= 1024 else f"{size} byte{'s' if size != 1 else ''}"


def _memory_volume_findings(
    workload: WorkloadRef, shm: ContainerShm, pod: PodShm, used: int | None
) -> list[Finding]:
    name, findings = shm.container, []
    fix = workload.set_command(container=name)
    if shm.basis is Basis.MOUNTED and shm.spec_bytes is not None:
        findings.append(Finding(Rule.RESIZE_NOT_APPLIED, name, _resize_message(workload, shm)))
    limit = pod.memory_limit.limit_bytes
    size_limit = shm.size_limit_bytes or None
    if not pod.node.sizes_memory_volumes:
        findings.append(Finding(Rule.SIZELIMIT_NOT_APPLIED, name, _not_applied_message(shm, pod)))
    if size_limit is None:
        gets = format_bytes(shm.expected_bytes) if shm.expected_bytes else "the node's memory"
        message = (
            f"memory emptyDir {shm.volume!r} at /dev/shm has no sizeLimit: it gets {gets} "
            f"({shm.basis.value}), more than it likely needs. Fix: {fix}"
        )
        findings.append(Finding(Rule.UNBOUNDED, name, message))
    elif limit is not None and size_limit > limit:
        findings.append(
            Finding(
                Rule.CAPPED_BY_MEMORY_LIMIT,
                name,
                _capped_message(workload, shm, pod, size_limit, limit),
            )
        )
    if limit is None:
        bound = "sizeLimit" if size_limit else "the node"
        message = (
            f"the pod has no memory limit ({pod.memory_limit.missing_reason or 'none set'}): "
            f"shm pages are bounded only by {bound}. Fix: give every container a memory limit"
        )
        findings.append(Finding(Rule.NO_MEMORY_LIMIT, name, message))
    if used is not None and shm.expected_bytes and used >= NEAR_FULL_RATIO * shm.expected_bytes:
        message = (
            f"/dev/shm holds {format_bytes(used)} of {format_bytes(shm.expected_bytes)} "
            f"({used * 100 // shm.expected_bytes}%): writes will soon fail or the pod be "
            f"evicted. Fix: a larger size, {fix}"
        )
        findings.append(Finding(Rule.NEAR_FULL, name, message))
    return findings


def _resize_message(workload: WorkloadRef, shm: ContainerShm) -> str:
    target = f"{workload.kind.lower()}/{workload.name}"
    kind = BY_KIND.get(workload.kind)
    if kind is not None and kind.rolls_out:  # `kubectl rollout restart` replaces its pods
        restart = f"kubectl rollout restart {target} -n {workload.namespace}"
    elif workload.kind == "Pod":
        restart = f"delete and recreate pod {workload.name}"
    else:
        restart = f"delete the pods of {target}: its controller recreates them"
    return (
        f"/dev/shm is mounted at {format_bytes(shm.expected_bytes)}, but the pod spec now "
        f"implies {format_bytes(shm.spec_bytes)}: the kubelet sizes the tmpfs once, when the "
        f"pod starts, so a memory limit (or sizeLimit) changed since then is not applied. Fix: "
        f"restart the pod ({restart}); on a kubelet with "
        f"InPlacePodVerticalScalingMemoryBackedVolumes (1.37) a sizeLimit can be resized in "
        f"place: kubectl shm set pod/<name> <size> -n {workload.namespace}"
    )


def _capped_message(
    workload: WorkloadRef, shm: ContainerShm, pod: PodShm, size_limit: int, limit: int
) -> str:
    if pod.node.sizes_memory_volumes:
        effect = f"/dev/shm is capped at {format_bytes(limit)}, and shm pages"
    else:
        # Without SizeMemoryBackedVolumes the tmpfs is not sized by the limit: df shows
        # half the RAM, but the memory cgroup still holds the pages (helpers_linux.go).
        shows = format_bytes(shm.expected_bytes) if shm.expected_bytes else "half of the RAM"
        effect = f"/dev/shm shows {shows}, but shm pages"
    return (
        f"sizeLimit {format_bytes(size_limit)} is larger than the pod memory limit "
        f"{format_bytes(limit)}: {effect} count against that limit (OOM kill past "
        f"{format_bytes(limit)}, not ENOSPC). Fix: raise the memory limit above "
        f"{format_bytes(size_limit)}, or lower the size: "
        f"{workload.set_command(format_bytes(limit), shm.container)}"
    )


def _not_applied_message(shm: ContainerShm, pod: PodShm) -> str:
    node = pod.node
    who = f"node {node.name}" if node.name else "the kubelet"
    version = f" ({node.kubelet_version})" if node.kubelet_version else ""
    size = format_bytes(shm.expected_bytes) if shm.expected_bytes else "half of the node's RAM"
    evicts = (
        f"; past sizeLimit {format_bytes(shm.size_limit_bytes)} the pod is evicted"
        if shm.size_limit_bytes
        else ""
    )
    return (
        f"{who}{version} does not size memory volumes (SizeMemoryBackedVolumes off): "
        f"/dev/shm is a tmpfs of {size} whatever the spec says{evicts}. Fix: enable "
        f"SizeMemoryBackedVolumes on the kubelet, or upgrade it to 1.22 or later"
    )


def _invalid_quantity(problem: QuantityProblem) -> Finding:
    where = f"container {problem.container!r}: " if problem.container else ""
    return Finding(
        Rule.INVALID_QUANTITY,
        problem.container,
        (
            f"{where}{problem.field} is {shown_value(problem.value)}, not a quantity Kubernetes "
            f"can use ({problem.reason}). Fix: use a value like 512Mi or 2Gi"
        ),
    )
