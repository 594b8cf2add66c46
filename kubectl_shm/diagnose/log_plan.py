"""Which container logs to read, and how much of each: pure.

A log is read only where it can hold a crash: a container that restarted (its previous
instance's log) or that has terminated, or every container of the pods a TYPE/NAME or
pod/NAME names. Reads are bounded in number (the most recently finished first) and
in size (a tail of lines and bytes), so `diagnose -A` costs the lists plus at most
`max_reads` small reads whatever the cluster's size.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

from kubectl_shm.model.podspec import mapping

TAIL_LINES = 200
LIMIT_BYTES = 64 * 1024
MAX_READS = 200


class LogRead(NamedTuple):
    namespace: str
    pod: str
    container: str
    previous: bool
    finished_at: str  # when the instance whose log this is ended ("" while it runs)


def plan_log_reads(pods: Iterable[Mapping[str, Any]], *, every_container: bool) -> list[LogRead]:
    """Every log worth reading in `pods`, the most recently ended first."""
    reads = []
    for pod in pods:
        metadata = mapping(pod.get("metadata"))
        namespace, name = str(metadata.get("namespace")), str(metadata.get("name"))
        status = mapping(pod.get("status"))
        for key in ("initContainerStatuses", "containerStatuses"):
            for entry in status.get(key) or []:
                reads.extend(_reads(namespace, name, mapping(entry), every_container))
    return sorted(reads, key=lambda read: read.finished_at, reverse=True)


def _reads(
    namespace: str, pod: str, status: Mapping[str, Any], every_container: bool
) -> list[LogRead]:
    container = str(status.get("name"))
    state, last = mapping(status.get("state")), mapping(status.get("lastState"))
    reads = []
    last_terminated = mapping(last.get("terminated"))
    if last_terminated:
        finished = str(last_terminated.get("finishedAt") or "")
        reads.append(LogRead(namespace, pod, container, True, finished))
    terminated = mapping(state.get("terminated"))
    if terminated:
        finished = str(terminated.get("finishedAt") or "")
        reads.append(LogRead(namespace, pod, container, False, finished))
    elif every_container and "running" in state:
        reads.append(LogRead(namespace, pod, container, False, ""))
    return reads
