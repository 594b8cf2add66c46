"""What `kubectl shm set` asks the cluster besides the patch: nodes, and rollouts to follow."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from kubectl_shm.errors import ClusterError
from kubectl_shm.feedback import Feedback
from kubectl_shm.kube.client import Kube
from kubectl_shm.kube.errors import Forbidden, KubeError, NotFound
from kubectl_shm.kube.fetching import list_nodes
from kubectl_shm.kube.node_profiles import profiles_of, short_reason
from kubectl_shm.kube.workloads import get_workload, list_pods
from kubectl_shm.model.nodes import NodeProfile, parse_version
from kubectl_shm.model.workload_kinds import WorkloadKind
from kubectl_shm.set.plan import ShmPlan
from kubectl_shm.set.rollout import label_selector, pod_problems, rollout_effect, rollout_status

POLL_SECONDS = 1.0
# Kubelets where SizeMemoryBackedVolumes exists and can be switched (alpha 1.20, locked 1.32):
# only there can the gate differ from the version's default, so only there is it probed.
_GATE_SWITCHABLE = ((1, 20), (1, 32))
_MAX_POD_REASONS = 3


class RolloutFailed(ClusterError):
    """The patch was stored, but the new pods did not become ready (exit 3)."""


def undo_commands(kind: WorkloadKind, namespace: str, plan: ShmPlan) -> list[str]:
    """How to take the change back: `kubectl rollout undo`, and the `kubectl shm set` that does."""
    target = f"{kind.kind.lower()}/{plan.name}"
    commands = []
    if kind.rolls_out:
        commands.append(f"kubectl rollout undo {target} -n {namespace}")
    argument = plan.undo_argument()
    if argument:
        only = f" -c {','.join(plan.request.containers)}" if plan.request.containers else ""
        commands.append(f"kubectl shm set {target} {argument} -n {namespace}{only}")
    return commands


def cluster_nodes(
    kube: Kube, warnings: list[str]
) -> list[tuple[NodeProfile, Mapping[str, str]]] | None:
    """Every node with its labels; None (and a warning) when nodes cannot be listed.

    Only kubelets whose SizeMemoryBackedVolumes gate can differ from their
    version's default are asked for it (through the node proxy).
    """
    try:
        listed = list_nodes(kube)
    except (Forbidden, NotFound) as error:
        warnings.append(
            f"cannot list nodes ({short_reason(error)}): SIZE is not checked against the "
            f"nodes' kubelets and memory"
        )
        return None
    probe = {n["name"] for n in listed if _gate_switchable(n["kubeletVersion"])}
    profiles = profiles_of(kube, listed, probe=probe, warnings=warnings)
    return [(profiles[node["name"]], node["labels"]) for node in listed]


def follow_rollout(
    feedback: Feedback,
    kube: Kube,
    kind: WorkloadKind,
    namespace: str,
    patched: Mapping[str, Any],
    *,
    undo: list[str],
    timeout: float | None,
) -> None:
    """Poll until the new pods are ready; RolloutFailed with the pods' reasons otherwise."""
    restarts, _ = rollout_effect(patched)
    if not kind.rolls_out or not restarts:
        return
    name = str((patched.get("metadata") or {}).get("name"))
    label = kind.label(name)
    deadline = None if timeout is None else time.monotonic() + timeout
    with feedback.rollout(label) as update:
        while True:
            obj = get_workload(kube, kind=kind, namespace=namespace, name=name)
            status = rollout_status(obj)
            if status.done:
                break
            update(status.updated, status.desired, status.message)
            timed_out = deadline is not None and time.monotonic() >= deadline
            if status.failed or timed_out:
                why = "failed" if status.failed else f"not finished after {timeout:g}s"
                message = _failure(kube, obj, namespace, label, why, status.message, undo)
                raise RolloutFailed(message)
            time.sleep(POLL_SECONDS)
    feedback.note(f"{label}: rolled out, {status.desired} of {status.desired} pods ready")


def _failure(
    kube: Kube,
    obj: Mapping[str, Any],
    namespace: str,
    label: str,
    why: str,
    progress: str,
    undo: list[str],
) -> str:
    selector = label_selector((obj.get("spec") or {}).get("selector") or {})
    try:
        problems = pod_problems(list_pods(kube, namespace=namespace, selector=selector))
    except KubeError:
        problems = []
    reasons = f"; pods: {'; '.join(problems[:_MAX_POD_REASONS])}" if problems else ""
    undo_text = f". Undo: {' or '.join(undo)}" if undo else ""
    return f"rollout of {label} {why} ({progress}){reasons}{undo_text}"


def _gate_switchable(version: str | None) -> bool:
    parsed = parse_version(version)
    low, high = _GATE_SWITCHABLE
    return parsed is not None and low <= parsed[:2] < high
