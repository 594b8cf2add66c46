"""What happens to a workload's pods after its template changes, and how far a rollout got.

`rollout_status` follows kubectl's status viewers (k8s.io/kubectl/pkg/
polymorphichelpers/rollout_status.go): a rollout is done once the controller
has observed the new generation and every replica is updated and available;
a Deployment that exceeded its progress deadline has failed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kubectl_shm.model.podspec import mapping

# Waiting reasons after which a pod will not become ready without a change
# (kubectl's rollout status warns on the same ones).
STUCK_REASONS = frozenset(
    {
        "ImagePullBackOff",
        "ErrImagePull",
        "CrashLoopBackOff",
        "CreateContainerConfigError",
        "CreateContainerError",
        "InvalidImageName",
        "RunContainerError",
    }
)


@dataclass(frozen=True)
class RolloutStatus:
    """Where a rollout stands, in kubectl's `rollout status` terms."""

    done: bool
    message: str
    updated: int = 0
    desired: int = 0
    failed: bool = False


def rollout_effect(obj: Mapping[str, Any]) -> tuple[bool, str]:
    """Whether changing the template replaces running pods by itself, and what to tell the user."""
    kind = str(obj.get("kind"))
    spec = mapping(obj.get("spec"))
    strategy = str(mapping(spec.get("updateStrategy")).get("type") or "RollingUpdate")
    if kind == "Deployment":
        if spec.get("paused"):
            return False, "it is paused: nothing rolls out until `kubectl rollout resume`"
        return True, "its pods will be replaced (a rollout) to get the new /dev/shm"
    if kind in ("StatefulSet", "DaemonSet"):
        if strategy == "OnDelete":
            return False, "updateStrategy OnDelete: each pod gets it only when you delete the pod"
        partition = mapping(mapping(spec.get("updateStrategy")).get("rollingUpdate")).get(
            "partition"
        )
        if kind == "StatefulSet" and isinstance(partition, int) and partition > 0:
            return True, (
                f"pods with ordinal {partition} and up will be replaced (a partitioned rollout)"
            )
        return True, "its pods will be replaced (a rollout) to get the new /dev/shm"
    if kind == "CronJob":
        return False, "Jobs it starts from now on get the new /dev/shm; running Jobs keep theirs"
    if kind in ("ReplicaSet", "ReplicationController"):
        return False, "running pods keep their /dev/shm; only pods created from now on get it"
    if kind not in ("Pod", "Job"):  # a custom resource: its operator makes the pods
        return False, "its operator decides whether and when running pods are replaced to get it"
    return False, "running pods keep their /dev/shm"


def rollout_status(obj: Mapping[str, Any]) -> RolloutStatus:
    """How far the rollout of a Deployment, StatefulSet or DaemonSet got (`obj` as read)."""
    kind = str(obj.get("kind"))
    metadata = mapping(obj.get("metadata"))
    spec, status = mapping(obj.get("spec")), mapping(obj.get("status"))
    generation = int(metadata.get("generation") or 0)
    observed = int(status.get("observedGeneration") or 0)
    if observed < generation or not observed:
        return RolloutStatus(False, "waiting for the controller to see the change")
    if kind == "Deployment":
        return _deployment(spec, status)
    if kind == "StatefulSet":
        return _statefulset(spec, status)
    if kind == "DaemonSet":
        return _daemonset(status)
    return RolloutStatus(True, "no rollout")


def _deployment(spec: Mapping[str, Any], status: Mapping[str, Any]) -> RolloutStatus:
    desired = _int(spec.get("replicas"), 1)
    updated, replicas = _int(status.get("updatedReplicas")), _int(status.get("replicas"))
    available = _int(status.get("availableReplicas"))
    for condition in status.get("conditions") or []:
        condition = mapping(condition)
        if condition.get("type") == "Progressing" and condition.get("reason") == (
            "ProgressDeadlineExceeded"
        ):
            return RolloutStatus(
                False, "exceeded its progress deadline", updated, desired, failed=True
            )
    if updated < desired:
        message = f"{updated} of {desired} new replicas updated"
    elif replicas > updated:
        message = f"{replicas - updated} old replicas pending termination"
    elif available < updated:
        message = f"{available} of {updated} updated replicas available"
    else:
        return RolloutStatus(True, "rolled out", desired, desired)
    return RolloutStatus(False, message, min(updated, available), desired)


def _statefulset(spec: Mapping[str, Any], status: Mapping[str, Any]) -> RolloutStatus:
    desired = _int(spec.get("replicas"), 1)
    ready, updated = _int(status.get("readyReplicas")), _int(status.get("updatedReplicas"))
    partition = _int(
        mapping(mapping(spec.get("updateStrategy")).get("rollingUpdate")).get("partition")
    )
    wanted = max(desired - partition, 0)
    if ready < desired:
        return RolloutStatus(False, f"{ready} of {desired} pods ready", min(updated, ready), wanted)
    if updated < wanted:
        return RolloutStatus(False, f"{updated} of {wanted} pods updated", updated, wanted)
    if partition == 0 and status.get("updateRevision") != status.get("currentRevision"):
        return RolloutStatus(False, "finishing the rolling update", updated, wanted)
    return RolloutStatus(True, "rolled out", wanted, wanted)


def _daemonset(status: Mapping[str, Any]) -> RolloutStatus:
    desired = _int(status.get("desiredNumberScheduled"))
    updated = _int(status.get("updatedNumberScheduled"))
    available = _int(status.get("numberAvailable"))
    if updated < desired:
        return RolloutStatus(False, f"{updated} of {desired} pods updated", updated, desired)
    if available < desired:
        return RolloutStatus(
            False, f"{available} of {desired} pods available", min(updated, available), desired
        )
    return RolloutStatus(True, "rolled out", desired, desired)


def pod_problems(pods: Sequence[Mapping[str, Any]]) -> list[str]:
    """Why pods are not ready, one line per pod that has a reason: 'web-1: CrashLoopBackOff: …'."""
    problems = []
    for pod in pods:
        metadata, status = mapping(pod.get("metadata")), mapping(pod.get("status"))
        if metadata.get("deletionTimestamp"):
            continue
        reason = _pod_reason(status)
        if reason:
            problems.append(f"{metadata.get('name')}: {reason}")
    return problems


def _pod_reason(status: Mapping[str, Any]) -> str | None:
    if status.get("reason"):  # Evicted, OutOfmemory, NodeAffinity, ...
        return _join(status.get("reason"), status.get("message"))
    for condition in status.get("conditions") or []:
        condition = mapping(condition)
        if condition.get("type") == "PodScheduled" and condition.get("status") == "False":
            return _join(condition.get("reason") or "Unschedulable", condition.get("message"))
    statuses = [
        *(status.get("initContainerStatuses") or []),
        *(status.get("containerStatuses") or []),
    ]
    for container in statuses:
        container = mapping(container)
        state = mapping(container.get("state"))
        waiting, terminated = mapping(state.get("waiting")), mapping(state.get("terminated"))
        last = mapping(mapping(container.get("lastState")).get("terminated"))
        name = container.get("name")
        if waiting.get("reason") and waiting.get("reason") != "PodInitializing":
            detail = waiting.get("message")
            if not detail and last.get("reason"):
                detail = f"last exit {last.get('reason')} (code {last.get('exitCode')})"
            return _join(f"container {name}: {waiting.get('reason')}", detail)
        if terminated.get("reason") and terminated.get("exitCode") not in (0, None):
            return _join(f"container {name}: {terminated.get('reason')}", terminated.get("message"))
    if status.get("phase") == "Pending":
        return "Pending"
    return None


def label_selector(selector: Mapping[str, Any]) -> str:
    """A LabelSelector (matchLabels, matchExpressions) as the `labelSelector` query string."""
    parts = [f"{key}={value}" for key, value in mapping(selector.get("matchLabels")).items()]
    for expression in selector.get("matchExpressions") or []:
        expression = mapping(expression)
        key, operator = expression.get("key"), expression.get("operator")
        values = ",".join(str(v) for v in expression.get("values") or [])
        if operator == "In":
            parts.append(f"{key} in ({values})")
        elif operator == "NotIn":
            parts.append(f"{key} notin ({values})")
        elif operator == "Exists":
            parts.append(str(key))
        elif operator == "DoesNotExist":
            parts.append(f"!{key}")
    return ",".join(parts)


def _join(reason: object, message: object) -> str:
    text = " ".join(str(message).split()) if message else ""
    return f"{reason}: {text}" if text else str(reason)


def _int(value: object, default: int = 0) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default
