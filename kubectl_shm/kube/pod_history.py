"""Read what already happened to pods: their container states, warning events and log tails.

For `diagnose`. Pods are slimmed as the audit slims them, plus the status fields that
record crashes; events are listed once (Warning events about pods, paginated) and slimmed
to what names a pod, a reason and a message; a log is read as a bounded tail.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, NamedTuple

from kubectl_shm.kube.client import Kube
from kubectl_shm.kube.errors import KubeError, NotFound
from kubectl_shm.kube.fetching import list_pods
from kubectl_shm.kube.slim_pods import slim_pod

# What crashed containers leave in a pod's status.
_TERMINATED_FIELDS = ("exitCode", "signal", "reason", "message", "finishedAt")
_WAITING_FIELDS = ("reason", "message")
# The only condition that dates an eviction (the kubelet sets it before stopping the pod).
_CONDITIONS = ("DisruptionTarget",)
_WARNING_POD_EVENTS = "type=Warning,involvedObject.kind=Pod"
BAD_REQUEST = 400


class LogTail(NamedTuple):
    """The tail of one container's log, or why it could not be read."""

    text: str | None
    error: str | None = None


def list_pods_with_history(
    kube: Kube, *, namespace: str | None, selector: str | None
) -> Iterator[list[dict[str, Any]]]:
    """Pages of slimmed pods, each with what its containers' states and lastStates record."""
    return list_pods(kube, namespace=namespace, selector=selector, slim=slim_pod_with_history)


def slim_pod_with_history(pod: Mapping[str, Any]) -> dict[str, Any]:
    slim = slim_pod(dict(pod))
    status = pod.get("status") or {}
    slim["status"] = {
        "phase": status.get("phase"),
        "reason": status.get("reason"),
        "message": status.get("message"),
        "conditions": [
            condition
            for condition in status.get("conditions") or []
            if isinstance(condition, dict) and condition.get("type") in _CONDITIONS
        ],
        "containerStatuses": _slim_statuses(status.get("containerStatuses")),
        "initContainerStatuses": _slim_statuses(status.get("initContainerStatuses")),
    }
    return slim


def list_pod_warning_events(kube: Kube, *, namespace: str | None) -> list[dict[str, Any]]:
    """Warning events about pods: namespace, pod name and uid, fieldPath, reason, message,
    and the time they were last seen."""
    path = f"/api/v1/namespaces/{namespace}/events" if namespace else "/api/v1/events"
    events = []
    for page in kube.list_pages(
        path, query={"fieldSelector": _WARNING_POD_EVENTS}, doing="listing events"
    ):
        for event in page.get("items") or []:
            involved = event.get("involvedObject") or {}
            events.append(
                {
                    "namespace": involved.get("namespace"),
                    "name": involved.get("name"),
                    "uid": involved.get("uid"),
                    "fieldPath": involved.get("fieldPath"),
                    "reason": event.get("reason"),
                    "message": event.get("message"),
                    "time": _event_time(event),
                }
            )
    return events


def container_log_tail(
    kube: Kube,
    *,
    namespace: str,
    pod: str,
    container: str,
    previous: bool,
    tail_lines: int,
    limit_bytes: int,
    since_seconds: int | None,
) -> LogTail:
    """The last `tail_lines` lines (at most `limit_bytes`) of a container's log, each line
    after its RFC 3339 time (as `kubectl logs --timestamps`).

    A log the kubelet has not got (no previous instance, a container not started yet)
    is an error in the result, not an exception; Forbidden and Unreachable are raised.
    """
    query: dict[str, Any] = {
        "container": container,
        "previous": "true" if previous else None,
        "tailLines": tail_lines,
        "limitBytes": limit_bytes,
        "timestamps": "true",
        "sinceSeconds": since_seconds,
    }
    which = "previous log" if previous else "log"
    try:
        raw = kube.get_raw(
            f"/api/v1/namespaces/{namespace}/pods/{pod}/log",
            query=query,
            doing=f"reading the {which} of {namespace}/{pod} [{container}]",
            # The log subresource answers text; it refuses an Accept of text/plain alone.
            accept="*/*",
        )
    except NotFound as error:
        return LogTail(None, str(error))
    except KubeError as error:
        if getattr(error, "status", None) == BAD_REQUEST:
            return LogTail(None, str(error))
        raise
    return LogTail(raw.decode("utf-8", "replace"))


def _slim_statuses(statuses: object) -> list[dict[str, Any]]:
    if not isinstance(statuses, list):
        return []
    return [
        {
            "name": entry.get("name"),
            "restartCount": entry.get("restartCount"),
            "state": _slim_state(entry.get("state")),
            "lastState": _slim_state(entry.get("lastState")),
        }
        for entry in statuses
        if isinstance(entry, dict)
    ]


def _slim_state(state: object) -> dict[str, Any]:
    if not isinstance(state, dict):
        return {}
    slim = {}
    if isinstance(state.get("terminated"), dict):
        terminated = state["terminated"]
        slim["terminated"] = {k: terminated[k] for k in _TERMINATED_FIELDS if k in terminated}
    if isinstance(state.get("waiting"), dict):
        waiting = state["waiting"]
        slim["waiting"] = {k: waiting[k] for k in _WAITING_FIELDS if k in waiting}
    if "running" in state:
        slim["running"] = {}
    return slim


def _event_time(event: Mapping[str, Any]) -> str | None:
    """When the event was last seen: core/v1 keeps it in one of four fields."""
    series = event.get("series") or {}
    for value in (
        series.get("lastObservedTime"),
        event.get("lastTimestamp"),
        event.get("eventTime"),
        event.get("firstTimestamp"),
    ):
        if value:
            return str(value)
    return None
