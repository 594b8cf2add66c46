"""What already went wrong with /dev/shm, read from a pod's status, its events and its logs: pure.

Each reader turns one kind of record into `Evidence` about one container (or the pod, for
an eviction: then every container that mounts the evicted volume at /dev/shm). Nothing
here decides the cause or the fix (verdict.py does).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from enum import Enum
from typing import Any, NamedTuple

from kubectl_shm.model.crash_signatures import LogMatch, quote
from kubectl_shm.model.podspec import all_containers, container_name, mapping, shm_mount

SIGBUS = 7
# A process killed by a signal exits 128 + the signal's number (runc reports it so).
SIGBUS_EXIT_CODE = 128 + SIGBUS
# The kubelet's eviction of an emptyDir over its sizeLimit: emptyDirMessageFmt in
# pkg/kubelet/eviction/helpers.go, sent by emptyDirLimitEviction and evictPod
# (pkg/kubelet/eviction/eviction_manager.go), the same at v1.31.4, v1.34.4 and v1.37.2:
# a Warning event with reason "Evicted", and the pod's status.reason/message the same.
_EMPTYDIR_EVICTION = re.compile(
    r'Usage of EmptyDir volume "(?P<volume>[^"]+)" exceeds the limit "(?P<limit>[^"]+)"'
)
EVICTED = "Evicted"
OOM_KILLED = "OOMKilled"
# Events about a pod that can be about its /dev/shm volume or mount.
MOUNT_EVENT_REASONS = frozenset({"FailedMount"})
CREATE_EVENT_REASONS = frozenset({"Failed"})
_CREATE_WAITING_REASONS = frozenset({"CreateContainerError", "CreateContainerConfigError"})


class EvidenceKind(str, Enum):
    SIGBUS = "sigbus"
    OOM_KILLED = "oom-killed"
    EVICTED = "evicted"
    MOUNT_FAILED = "mount-failed"
    CREATE_FAILED = "create-failed"
    LOG = "log"


class Evidence(NamedTuple):
    """One record that points at /dev/shm, quoted, with its time and where it was read."""

    kind: EvidenceKind
    container: str
    quote: str
    time: str | None
    where: str  # "lastState", "state", "pod status", "event", "log", "previous log"
    signature: str | None = None  # the catalogue entry of a log line
    meaning: str | None = None
    source: str | None = None  # where the message comes from (a log signature's source)
    bytes: int | None = None  # a byte count the message carries
    bytes_meaning: str | None = None  # "requested" or "available"
    volume: str | None = None  # the evicted or refused volume
    lines: int = 1  # log lines with this signature (the last one is quoted)
    unusable: bool = False  # says /dev/shm is missing or not writable, not too small


def shm_volumes(pod_spec: Mapping[str, Any]) -> dict[str, list[str]]:
    """Volume name -> the containers that mount it at /dev/shm."""
    volumes: dict[str, list[str]] = {}
    for container, _ in all_containers(pod_spec):
        mount = shm_mount(container)
        if mount is not None and mount.get("name"):
            volumes.setdefault(str(mount["name"]), []).append(container_name(container))
    return volumes


def from_container_statuses(pod: Mapping[str, Any]) -> list[Evidence]:
    """SIGBUS deaths, and OOM kills where /dev/shm is a memory volume (its pages count
    against the writer's memory limit), from state and lastState; refused creations
    that name /dev/shm or its volume."""
    status = mapping(pod.get("status"))
    volumes = shm_volumes(mapping(pod.get("spec")))
    memory_shm = _memory_shm_containers(mapping(pod.get("spec")))
    found = []
    for container_status in _container_statuses(status):
        name = str(container_status.get("name"))
        for where in ("state", "lastState"):
            state = mapping(container_status.get(where))
            terminated = mapping(state.get("terminated"))
            if terminated:
                found.extend(_terminated(name, where, terminated, name in memory_shm))
            waiting = mapping(state.get("waiting"))
            if waiting.get("reason") in _CREATE_WAITING_REASONS:
                message = str(waiting.get("message") or "")
                if _about_shm(message, volumes):
                    found.append(
                        Evidence(EvidenceKind.CREATE_FAILED, name, quote(message), None, where)
                    )
    return found


def from_pod_status(pod: Mapping[str, Any]) -> list[Evidence]:
    """The kubelet's eviction of the pod for an emptyDir at /dev/shm over its sizeLimit."""
    status = mapping(pod.get("status"))
    if status.get("reason") != EVICTED:
        return []
    return _eviction(str(status.get("message") or ""), pod, _eviction_time(status), "pod status")


def from_events(events: Iterable[Mapping[str, Any]], pod: Mapping[str, Any]) -> list[Evidence]:
    """Evictions, failed mounts and refused containers about the pod's /dev/shm volume."""
    volumes = shm_volumes(mapping(pod.get("spec")))
    found = []
    for event in events:
        reason = event.get("reason")
        message = str(event.get("message") or "")
        time = event.get("time")
        if reason == EVICTED:
            found.extend(_eviction(message, pod, time, "event"))
        elif reason in MOUNT_EVENT_REASONS | CREATE_EVENT_REASONS:
            volume = _volume_named_in(message, volumes)
            if volume is None and "/dev/shm" not in message:
                continue
            kind = (
                EvidenceKind.MOUNT_FAILED
                if reason in MOUNT_EVENT_REASONS
                else EvidenceKind.CREATE_FAILED
            )
            field_container = _container_of_field_path(event.get("fieldPath"))
            for container in _affected(volume, volumes, field_container):
                found.append(
                    Evidence(kind, container, quote(message), time, "event", volume=volume)
                )
    return found


def without_repeats(from_status: list[Evidence], from_events: list[Evidence]) -> list[Evidence]:
    """The pod status's eviction, unless an event already tells it (with its time)."""
    told = {(e.kind, e.container, e.quote) for e in from_events}
    return [e for e in from_status if (e.kind, e.container, e.quote) not in told]


def from_log(container: str, matches: Iterable[LogMatch], *, previous: bool) -> list[Evidence]:
    where = "previous log" if previous else "log"
    return [
        Evidence(
            EvidenceKind.LOG,
            container,
            match.line,
            match.time,
            where,
            signature=match.signature.id,
            meaning=match.signature.meaning,
            source=match.signature.source,
            bytes=match.bytes,
            bytes_meaning=match.signature.bytes_meaning if match.bytes is not None else None,
            lines=match.lines,
            unusable=match.signature.unusable,
        )
        for match in matches
    ]


def _terminated(
    name: str, where: str, terminated: Mapping[str, Any], memory_shm: bool
) -> list[Evidence]:
    time = terminated.get("finishedAt")
    code, signal = terminated.get("exitCode"), terminated.get("signal")
    reason = terminated.get("reason") or "Error"
    if code == SIGBUS_EXIT_CODE or signal == SIGBUS:
        text = f"terminated: {reason}, exit code {code} (SIGBUS)"
        return [Evidence(EvidenceKind.SIGBUS, name, text, time, where)]
    if reason == OOM_KILLED and memory_shm:
        text = f"terminated: OOMKilled, exit code {code}"
        return [Evidence(EvidenceKind.OOM_KILLED, name, text, time, where)]
    return []


def _eviction(message: str, pod: Mapping[str, Any], time: str | None, where: str) -> list[Evidence]:
    match = _EMPTYDIR_EVICTION.search(message)
    if match is None:
        return []
    volume = match.group("volume")
    containers = shm_volumes(mapping(pod.get("spec"))).get(volume, [])
    return [
        Evidence(EvidenceKind.EVICTED, container, quote(message), time, where, volume=volume)
        for container in containers
    ]


def _memory_shm_containers(pod_spec: Mapping[str, Any]) -> set[str]:
    memory_volumes = {
        str(volume.get("name"))
        for volume in pod_spec.get("volumes") or []
        if isinstance(volume, Mapping) and mapping(volume.get("emptyDir")).get("medium") == "Memory"
    }
    return {
        container
        for volume, containers in shm_volumes(pod_spec).items()
        if volume in memory_volumes
        for container in containers
    }


def _container_statuses(status: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [
        entry
        for key in ("initContainerStatuses", "containerStatuses")
        for entry in status.get(key) or []
        if isinstance(entry, Mapping)
    ]


def _about_shm(message: str, volumes: Mapping[str, list[str]]) -> bool:
    return "/dev/shm" in message or _volume_named_in(message, volumes) is not None


def _volume_named_in(message: str, volumes: Mapping[str, list[str]]) -> str | None:
    """The /dev/shm volume a kubelet message names (`volume "dshm"`), if any."""
    for volume in volumes:
        if f'volume "{volume}"' in message or f'"{volume}"' in message:
            return volume
    return None


def _affected(
    volume: str | None, volumes: Mapping[str, list[str]], field_container: str | None
) -> list[str]:
    if field_container is not None:
        return [field_container]
    if volume is not None:
        return volumes.get(volume, [])
    return sorted({c for containers in volumes.values() for c in containers})


def _container_of_field_path(field_path: object) -> str | None:
    """'spec.containers{main}' -> 'main' (an event's involvedObject.fieldPath)."""
    match = re.fullmatch(r"spec\.(?:init)?[cC]ontainers\{(.+)\}", str(field_path or ""))
    return match.group(1) if match else None


def _eviction_time(status: Mapping[str, Any]) -> str | None:
    """When the pod was evicted: its DisruptionTarget condition where the kubelet set one,
    else when its containers were stopped (the emptyDir eviction sets no condition:
    evictPod passes none, pkg/kubelet/eviction/eviction_manager.go, v1.31.4)."""
    for condition in status.get("conditions") or []:
        if isinstance(condition, Mapping) and condition.get("type") == "DisruptionTarget":
            time = condition.get("lastTransitionTime")
            if time:
                return str(time)
    stopped = [
        str(mapping(mapping(entry.get("state")).get("terminated")).get("finishedAt") or "")
        for entry in _container_statuses(status)
    ]
    return max(stopped, default="") or None
