"""`kubectl shm set pod/NAME SIZE`: resize a running pod's /dev/shm in place, no restart.

Complete -> validate -> run, each step able to refuse before anything is stored:
1. read the pod, plan the resize (set.pod_resize), read its node: it must declare the
   feature, and a shrink must leave room for what /dev/shm holds (kubelet stats);
2. a server dry run of the resize: an API server without the gate drops a sizeLimit
   change silently (pkg/registry/core/pod/strategy.go), so the dry-run result must carry it;
3. the resize, conditional on the version read;
4. with wait: until the kubelet's stats show the new size, or the kubelet refuses
   (PodResizePending Infeasible, PodResizeInProgress Error): then the old sizeLimit is
   put back, so the spec never claims a /dev/shm the pod does not have.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any, NamedTuple

from kubectl_shm.errors import ClusterError
from kubectl_shm.feedback import Feedback
from kubectl_shm.kube import fetching
from kubectl_shm.kube.client import Kube
from kubectl_shm.kube.errors import Forbidden, KubeError, NotFound
from kubectl_shm.kube.patching import patch_pod_resize
from kubectl_shm.kube.workloads import get_workload
from kubectl_shm.model.podspec import mapping, volume_named
from kubectl_shm.model.quantity import positive_bytes
from kubectl_shm.model.volume_stats import sizes_match
from kubectl_shm.model.workload_kinds import BY_KIND, Target
from kubectl_shm.set.live import owner_alternative
from kubectl_shm.set.pod_resize import InPlaceResize, node_refusal, plan_in_place, usage_refusal
from kubectl_shm.set.volumes import ShmRefused, ShmRequest

POLL_SECONDS = 2.0
_RESIZE_CONDITIONS = ("PodResizePending", "PodResizeInProgress")


class ResizeFailed(ClusterError):
    """The kubelet did not apply the resize; the old sizeLimit was put back (exit 3)."""


class ResizeResult(NamedTuple):
    label: str
    resize: InPlaceResize
    changed: bool
    applied: bool | None  # True: the kubelet reports the new size; None: not waited for


def resize_in_place(
    kube: Kube,
    feedback: Feedback,
    target: Target,
    request: ShmRequest,
    *,
    dry_run: str,
    wait: bool,
    timeout: float | None,
) -> ResizeResult:
    namespace = target.namespace or kube.namespace
    label = f"pod/{target.name}"
    pod = get_workload(kube, kind=BY_KIND["Pod"], namespace=namespace, name=target.name)
    try:
        resize, node = prepare_pod(kube, namespace, pod, request)
    except ShmRefused as error:
        raise ShmRefused(
            f"cannot change {label} in place: {error}; {_instead(kube, target, request)}"
        ) from error
    if resize.old_size == resize.new_size:
        return ResizeResult(label, resize, changed=False, applied=None)
    feedback.note(f"{label}: {resize.summary()} in place (no restart)")
    if dry_run == "client":
        return ResizeResult(label, resize, changed=True, applied=None)
    version = mapping(pod.get("metadata")).get("resourceVersion")
    check_on_server(kube, namespace, resize, version)
    if dry_run == "server":
        return ResizeResult(label, resize, changed=True, applied=None)
    try:
        applied = apply_resize(kube, namespace, resize, node, version, wait=wait, timeout=timeout)
    except ResizeFailed as error:
        raise ResizeFailed(f"{error}; {_ROLLOUT}") from error
    return ResizeResult(label, resize, changed=True, applied=applied)


def prepare_pod(
    kube: Kube, namespace: str, pod: Mapping[str, Any], request: ShmRequest
) -> tuple[InPlaceResize, str]:
    """The resize of one running pod and its node; ShmRefused saying why it cannot be."""
    name = str(mapping(pod.get("metadata")).get("name"))
    resize = plan_in_place(pod, request, name)
    node = str(mapping(pod.get("spec")).get("nodeName") or "")
    if resize.old_size == resize.new_size:
        return resize, node
    if not node:
        raise ShmRefused(f"pod/{name} is not scheduled yet: nothing is mounted to resize")
    refusal = node_refusal(fetching.get_node(kube, node))
    refusal = refusal or usage_refusal(resize, _used(kube, node, namespace, resize))
    if refusal:
        raise ShmRefused(refusal)
    return resize, node


def apply_resize(
    kube: Kube,
    namespace: str,
    resize: InPlaceResize,
    node: str,
    version: Any,
    *,
    wait: bool,
    timeout: float | None,
) -> bool | None:
    """The resize, conditional on `version`; with `wait`, until the kubelet applied it
    (True), else ResizeFailed after putting the old sizeLimit back. None: not waited for."""
    patch = {**resize.patch(), "metadata": {"resourceVersion": version}}
    stored = patch_pod_resize(kube, namespace=namespace, name=resize.pod, patch=patch)
    if not wait:
        return None
    generation = mapping(stored.get("metadata")).get("generation") or 0
    _wait_for_kubelet(kube, node, namespace, resize, timeout, generation)
    return True


def put_back(kube: Kube, namespace: str, resize: InPlaceResize) -> None:
    """The old sizeLimit again (after a later step failed); KubeError propagates."""
    patch_pod_resize(kube, namespace=namespace, name=resize.pod, patch=resize.revert_patch())


_ROLLOUT = "change its owner instead (kubectl shm set TYPE/NAME SIZE: a rollout)"


def _instead(kube: Kube, target: Target, request: ShmRequest) -> str:
    """What works where a resize in place does not: the owner's change, else a new pod."""
    try:
        found = owner_alternative(kube, target, request)
    except KubeError:
        found = None
    return found or (
        f"recreate the pod from a manifest with the new size: kubectl shm set -f pod.yaml "
        f"--local {request.size or 'SIZE'} -o yaml"
    )


def check_on_server(kube: Kube, namespace: str, resize: InPlaceResize, version: Any) -> None:
    """A server dry run of the resize; ShmRefused when the API server drops the change."""
    patch = {**resize.patch(), "metadata": {"resourceVersion": version}}
    stored = patch_pod_resize(kube, namespace=namespace, name=resize.pod, patch=patch, dry_run=True)
    stored_size = _size_limit(stored, resize.volume)
    if stored_size is None or positive_bytes(stored_size) != resize.new_bytes:
        raise ShmRefused(
            f"cannot resize pod/{resize.pod} in place: the API server dropped the sizeLimit "
            f"change (InPlacePodVerticalScalingMemoryBackedVolumes is off there); {_ROLLOUT}"
        )


def _wait_for_kubelet(
    kube: Kube,
    node: str,
    namespace: str,
    resize: InPlaceResize,
    timeout: float | None,
    generation: int,
) -> None:
    """Until the kubelet's stats show the new size; ResizeFailed (after putting the old
    sizeLimit back) when the kubelet refuses it or time runs out. `generation` is the pod's
    after the resize: conditions about an earlier one are not the kubelet's answer."""
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        pod = get_workload(kube, kind=BY_KIND["Pod"], namespace=namespace, name=resize.pod)
        refused = _kubelet_refusal(pod, generation)
        mounted = _mounted(kube, node, namespace, resize)
        if refused is None and (
            sizes_match(mounted, resize.new_bytes) if mounted is not None else _settled(pod)
        ):
            return
        timed_out = deadline is not None and time.monotonic() >= deadline
        if refused or timed_out:
            why = refused or f"not applied after {timeout:g}s"
            _put_back(kube, namespace, resize)
            raise ResizeFailed(
                f"the kubelet did not resize /dev/shm of pod/{resize.pod}: {why}; its sizeLimit "
                f"is back at {resize.old_size} and the pod runs on unchanged"
            )
        time.sleep(POLL_SECONDS)


def _kubelet_refusal(pod: Mapping[str, Any], generation: int) -> str | None:
    """The kubelet's word when it will not do the resize (Infeasible, or an Error)."""
    for condition in mapping(pod.get("status")).get("conditions") or []:
        kind, reason = condition.get("type"), condition.get("reason")
        seen = condition.get("observedGeneration")
        if seen is not None and seen < generation:
            continue  # about an earlier resize
        if kind in _RESIZE_CONDITIONS and reason in ("Infeasible", "Error"):
            return f"{kind} {reason}: {condition.get('message') or 'no message'}"
    return None


def _settled(pod: Mapping[str, Any]) -> bool:
    """Without kubelet stats: the kubelet has seen the new spec and has no resize left."""
    status = mapping(pod.get("status"))
    generation = mapping(pod.get("metadata")).get("generation") or 0
    pending = any(c.get("type") in _RESIZE_CONDITIONS for c in status.get("conditions") or [])
    return not pending and (status.get("observedGeneration") or 0) >= generation


def _put_back(kube: Kube, namespace: str, resize: InPlaceResize) -> None:
    try:
        put_back(kube, namespace, resize)
    except KubeError as error:
        raise ResizeFailed(
            f"the kubelet did not resize /dev/shm of pod/{resize.pod}, and putting its "
            f"sizeLimit back to {resize.old_size} failed too ({error}): fix it with kubectl "
            f"patch pod {resize.pod} --subresource resize"
        ) from error


def _used(kube: Kube, node: str, namespace: str, resize: InPlaceResize) -> int | None:
    stats = _volume_stats(kube, node, namespace, resize)
    return None if stats is None else stats.used_bytes


def _mounted(kube: Kube, node: str, namespace: str, resize: InPlaceResize) -> int | None:
    stats = _volume_stats(kube, node, namespace, resize)
    return None if stats is None else stats.capacity_bytes


def _volume_stats(kube: Kube, node: str, namespace: str, resize: InPlaceResize) -> Any:
    try:
        index = fetching.kubelet_volume_stats(kube, node)
    except (Forbidden, NotFound):
        return None  # without nodes/proxy: no usage check, and waiting relies on conditions
    return index.get((namespace, resize.pod, resize.volume))


def _size_limit(pod: Mapping[str, Any], volume: str) -> str | None:
    empty_dir = mapping(mapping(volume_named(mapping(pod.get("spec")), volume)).get("emptyDir"))
    size = empty_dir.get("sizeLimit")
    return None if size is None else str(size)
