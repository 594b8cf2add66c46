"""From a container's evidence to its cause and fix, with its /dev/shm as the model sees it: pure.

The cause, in the order the evidence decides it:
- an eviction for the /dev/shm emptyDir on a kubelet that does not size memory volumes: the
  kubelet (half the node's RAM, evicted past sizeLimit), not a small sizeLimit, is the cause;
- a SIGBUS, a framework's message, an eviction elsewhere: /dev/shm is too small;
- a volume the kubelet or runtime refused, or a program that found /dev/shm missing or not
  writable: the volume or mount is wrong, not its size;
- only an OOM kill with a memory /dev/shm: its pages counted against the memory limit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from enum import Enum
from typing import Any, NamedTuple

from kubectl_shm.diagnose.evidence import Evidence, EvidenceKind
from kubectl_shm.diagnose.suggestion import Suggestion, suggest_size
from kubectl_shm.model.nodes import NodeProfile
from kubectl_shm.model.ownership import WorkloadRef
from kubectl_shm.model.podspec import all_containers, container_name, mapping
from kubectl_shm.model.quantity import format_bytes
from kubectl_shm.model.shm_users import Match, matches
from kubectl_shm.model.sizing import ContainerShm, ShmSource, expected_shm, with_mounted
from kubectl_shm.model.volume_stats import VolumeStats

_REFUSALS = (EvidenceKind.MOUNT_FAILED, EvidenceKind.CREATE_FAILED)


class Cause(str, Enum):
    SHM_TOO_SMALL = "shm-too-small"
    KUBELET_EVICTION = "kubelet-evicts-past-size-limit"
    SHM_VOLUME_REFUSED = "shm-volume-refused"
    SHM_UNUSABLE = "shm-unusable"
    OOM_WITH_MEMORY_SHM = "oom-with-memory-shm"


class FixKind(str, Enum):
    SIZE = "size"  # a bigger /dev/shm: the `kubectl shm set` command
    KUBELET = "kubelet"  # the node's kubelet (and a bigger sizeLimit meanwhile)
    VOLUME = "volume"  # the volume itself is wrong
    MEMORY_LIMIT = "memory-limit"  # memory for the processes and /dev/shm together
    HOST = "host"  # the host's /dev/shm: nothing in the pod sizes it


class Fix(NamedTuple):
    kind: FixKind
    size_bytes: int | None
    command: str | None
    reasons: tuple[str, ...]


class ContainerDiagnosis(NamedTuple):
    """One container that shows /dev/shm trouble: the evidence, its /dev/shm, cause, fix."""

    namespace: str
    pod: str
    workload: WorkloadRef
    container: str
    node: NodeProfile | None
    shm: ContainerShm | None
    used_bytes: int | None
    pod_memory_limit_bytes: int | None
    evidence: tuple[Evidence, ...]
    cause: Cause
    fix: Fix
    # The first /dev/shm user of model/shm_users.json the container shows, if any.
    known_user: Match | None = None


def diagnose_pod(
    pod: Mapping[str, Any],
    *,
    workload: WorkloadRef,
    node: NodeProfile | None,
    unknown_node: NodeProfile,
    evidence: Sequence[Evidence],
    volume_stats: Mapping[str, VolumeStats],
) -> list[ContainerDiagnosis]:
    """A diagnosis for each container of `pod` that has evidence (in container order).

    `volume_stats` is the kubelet's stats of each container's /dev/shm volume.
    """
    metadata, spec = mapping(pod.get("metadata")), mapping(pod.get("spec"))
    shm = expected_shm(spec, node or unknown_node, mapping(metadata.get("annotations")))
    mounted = {c: s.capacity_bytes for c, s in volume_stats.items() if s.capacity_bytes}
    if mounted:
        shm = with_mounted(shm, mounted)
    specs = {container_name(c): c for c, _ in all_containers(spec)}
    by_container: dict[str, list[Evidence]] = {}
    for each in evidence:
        by_container.setdefault(each.container, []).append(each)
    diagnoses = []
    for container in shm.containers:
        found = by_container.pop(container.container, [])
        if not found:
            continue
        used = volume_stats.get(container.container)
        diagnoses.append(
            _diagnosis(
                metadata,
                workload,
                node,
                container,
                used.used_bytes if used else None,
                shm.memory_limit.limit_bytes,
                found,
                specs.get(container.container, {}),
            )
        )
    return diagnoses


def _diagnosis(
    metadata: Mapping[str, Any],
    workload: WorkloadRef,
    node: NodeProfile | None,
    shm: ContainerShm,
    used: int | None,
    pod_limit: int | None,
    evidence: list[Evidence],
    container_spec: Mapping[str, Any],
) -> ContainerDiagnosis:
    cause = _cause(evidence, node)
    fix = _fix(cause, workload, node, shm, used, pod_limit, evidence)
    return ContainerDiagnosis(
        str(metadata.get("namespace")),
        str(metadata.get("name")),
        workload,
        shm.container,
        node,
        shm,
        used,
        pod_limit,
        tuple(sorted(evidence, key=lambda e: e.time or "")),
        cause,
        fix,
        next(iter(matches(container_spec)), None),
    )


def _cause(evidence: list[Evidence], node: NodeProfile | None) -> Cause:
    kinds = {each.kind for each in evidence if not each.unusable}
    if EvidenceKind.EVICTED in kinds and node is not None and not node.sizes_memory_volumes:
        return Cause.KUBELET_EVICTION
    if kinds - {EvidenceKind.OOM_KILLED, *_REFUSALS}:
        return Cause.SHM_TOO_SMALL
    if kinds & set(_REFUSALS):
        return Cause.SHM_VOLUME_REFUSED
    if any(each.unusable for each in evidence):
        return Cause.SHM_UNUSABLE
    return Cause.OOM_WITH_MEMORY_SHM


def _fix(
    cause: Cause,
    workload: WorkloadRef,
    node: NodeProfile | None,
    shm: ContainerShm,
    used: int | None,
    pod_limit: int | None,
    evidence: list[Evidence],
) -> Fix:
    if cause in (Cause.SHM_VOLUME_REFUSED, Cause.SHM_UNUSABLE):
        return Fix(FixKind.VOLUME, None, None, _refusal_reasons(evidence))
    if cause is Cause.OOM_WITH_MEMORY_SHM:
        return Fix(FixKind.MEMORY_LIMIT, None, None, _oom_reasons(shm, used, pod_limit))
    if shm.source in (ShmSource.HOST_IPC, ShmSource.HOST_PATH):
        return Fix(FixKind.HOST, None, None, _host_reasons(shm))
    suggestion = _suggestion(cause, shm, used, pod_limit, evidence)
    size = format_bytes(suggestion.size_bytes) if suggestion.size_bytes else "<size>"
    command = workload.set_command(size)
    reasons = suggestion.reasons
    if suggestion.raise_memory_limit:
        reasons += ("the container's memory limit must grow with it: set both",)
    if cause is Cause.KUBELET_EVICTION:
        assert node is not None
        return Fix(FixKind.KUBELET, suggestion.size_bytes, command, _kubelet_reasons(node, reasons))
    return Fix(FixKind.SIZE, suggestion.size_bytes, command, reasons)


def _suggestion(
    cause: Cause,
    shm: ContainerShm,
    used: int | None,
    pod_limit: int | None,
    evidence: list[Evidence],
) -> Suggestion:
    requested = [e.bytes for e in evidence if e.bytes and e.bytes_meaning == "requested"]
    if cause is Cause.KUBELET_EVICTION:
        # The kubelet evicted at sizeLimit: the limit, not the half-RAM tmpfs, was too small.
        current, current_is = shm.size_limit_bytes, "the sizeLimit it passed"
    else:
        current, current_is = shm.expected_bytes, "the current /dev/shm"
    return suggest_size(
        current_bytes=current,
        peak_used_bytes=used,
        requested_bytes=requested,
        pod_memory_limit_bytes=pod_limit,
        current_is=current_is,
    )


def _kubelet_reasons(node: NodeProfile, sizing: tuple[str, ...]) -> tuple[str, ...]:
    kubelet = node.kubelet_version or "of unknown version"
    return (
        f"the kubelet of node {node.name} ({kubelet}) does not size memory volumes "
        f"(SizeMemoryBackedVolumes off): its tmpfs is half the node's memory whatever "
        f"sizeLimit says, and it evicts the pod once use passes sizeLimit",
        "the fix is that kubelet: enable SizeMemoryBackedVolumes (on by default from 1.22, "
        "always on from 1.32); the tmpfs then stops at sizeLimit and a full /dev/shm fails "
        "a write instead of evicting the pod",
        "until then, a sizeLimit above the peak use stops the evictions:",
        *sizing,
    )


def _oom_reasons(shm: ContainerShm, used: int | None, pod_limit: int | None) -> tuple[str, ...]:
    limit = format_bytes(pod_limit) if pod_limit is not None else "no limit"
    seen = f" ({format_bytes(used)} in use when last read)" if used else ""
    return (
        f"/dev/shm is a memory volume{seen}: the pages written there count against the "
        f"memory limit ({limit}) of the container that writes them",
        "give the pod memory for its processes and its /dev/shm together, or a sizeLimit "
        "that leaves its processes room; a bigger /dev/shm alone makes this worse",
    )


def _refusal_reasons(evidence: list[Evidence]) -> tuple[str, ...]:
    refusals = [e for e in evidence if e.kind in _REFUSALS]
    if refusals:
        return (
            "the kubelet or the runtime refused the /dev/shm volume or mount; the message "
            "says why:",
            refusals[-1].quote,
        )
    return (
        "a program found /dev/shm missing or not writable (a read-only mount, a volume "
        "without write permission), not too small: give it a writable /dev/shm",
    )


def _host_reasons(shm: ContainerShm) -> tuple[str, ...]:
    what = "hostIPC" if shm.source is ShmSource.HOST_IPC else f"a hostPath ({shm.detail})"
    return (
        f"the container uses the host's /dev/shm through {what}: its size is the host's, "
        f"which no pod setting changes",
        "give the pod its own /dev/shm (a memory emptyDir) with kubectl shm set, or grow the "
        "host's /dev/shm",
    )
