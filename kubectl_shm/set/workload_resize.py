"""`kubectl shm set sts/NAME SIZE --in-place`: a StatefulSet's or DaemonSet's /dev/shm
resized without a restart, where its pods are replaced only when deleted (OnDelete).

The pod template gets the new sizeLimit (OnDelete: no rollout follows), then each of its
running pods is resized in place (set.resize_live). Every pod is checked first (memory
emptyDir with a sizeLimit, a node that declares the feature, room for what is in use),
so a refusal changes nothing; if the kubelet refuses a pod later, the pods already
resized, that pod and the template are all put back: nothing is left half done.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from kubectl_shm.feedback import Feedback
from kubectl_shm.kube.client import Kube
from kubectl_shm.kube.errors import Forbidden, Invalid, KubeError
from kubectl_shm.kube.patching import patch_workload
from kubectl_shm.kube.workloads import get_workload, list_pods
from kubectl_shm.model.podspec import mapping
from kubectl_shm.model.workload_kinds import Target, WorkloadKind
from kubectl_shm.set.admission_check import check_template_size, refused_by_admission
from kubectl_shm.set.pod_resize import InPlaceResize, plan_in_place
from kubectl_shm.set.resize_live import (
    ResizeFailed,
    ResizeResult,
    apply_resize,
    check_on_server,
    prepare_pod,
    put_back,
)
from kubectl_shm.set.rollout import label_selector
from kubectl_shm.set.volumes import ShmRefused, ShmRequest

IN_PLACE_KINDS = ("StatefulSet", "DaemonSet")


class _PodStep(NamedTuple):
    pod: Mapping[str, Any]
    resize: InPlaceResize
    node: str


def resize_workload_in_place(
    kube: Kube,
    feedback: Feedback,
    target: Target,
    request: ShmRequest,
    *,
    dry_run: str,
    wait: bool,
    timeout: float | None,
) -> list[ResizeResult]:
    """The template's change, then each running pod's; refused or put back as a whole."""
    kind, namespace = target.kind, target.namespace or kube.namespace
    label = kind.label(target.name)
    obj = get_workload(kube, kind=kind, namespace=namespace, name=target.name)
    template = _template_resize(obj, label, request)
    steps = _prepare_pods(kube, namespace, obj, label, request)
    results = [ResizeResult(label, template, template.old_size != template.new_size, None)]
    planned = [ResizeResult(f"pod/{s.resize.pod}", s.resize, True, None) for s in steps]
    for step in steps:
        feedback.note(f"pod/{step.resize.pod}: {step.resize.summary()} in place (no restart)")
    if dry_run == "client":
        return results + planned
    version = mapping(obj.get("metadata")).get("resourceVersion")
    for step in steps:
        check_on_server(kube, namespace, step.resize, _version(step.pod))
    owner = _Owner(kind, namespace, target.name, template)
    try:
        stored = owner.patch(kube, version, dry_run=True)
    except (Invalid, Forbidden) as error:
        raise refused_by_admission(error, label, f"/dev/shm {template.new_size}") from error
    check_template_size(
        kube, kind=kind, label=label, stored=stored, volume=template.volume, size=template.new_size
    )
    if dry_run == "server":
        return results + planned
    owner.patch(kube, version)
    return results + _resize_pods(kube, owner, steps, wait, timeout)


def _template_resize(obj: Mapping[str, Any], label: str, request: ShmRequest) -> InPlaceResize:
    spec = mapping(obj.get("spec"))
    strategy = mapping(spec.get("updateStrategy")).get("type") or "RollingUpdate"
    if obj.get("kind") not in IN_PLACE_KINDS or strategy != "OnDelete":
        raise ShmRefused(
            f"cannot change {label} in place: --in-place needs a StatefulSet or DaemonSet whose "
            f"updateStrategy is OnDelete (this one: {strategy}), or its template change would "
            f"replace the pods; without --in-place, kubectl shm set rolls them out"
        )
    template_spec = mapping(mapping(spec.get("template")).get("spec"))
    try:
        return plan_in_place({"spec": template_spec}, request, label)
    except ShmRefused as error:
        raise ShmRefused(f"cannot change {label} in place: {error}") from error


def _prepare_pods(
    kube: Kube, namespace: str, obj: Mapping[str, Any], label: str, request: ShmRequest
) -> list[_PodStep]:
    """Every running pod of `obj`, each checked before anything is changed."""
    uid = mapping(obj.get("metadata")).get("uid")
    selector = label_selector(mapping(mapping(obj.get("spec")).get("selector")))
    steps = []
    for pod in list_pods(kube, namespace=namespace, selector=selector):
        owners = mapping(pod.get("metadata")).get("ownerReferences") or []
        if not any(o.get("uid") == uid and o.get("controller") for o in owners):
            continue
        if mapping(pod.get("status")).get("phase") != "Running":
            continue
        try:
            resize, node = prepare_pod(kube, namespace, pod, request)
        except ShmRefused as error:
            raise ShmRefused(
                f"cannot change {label} in place: {error}; without --in-place, kubectl shm "
                f"set {label} {request.size} rolls the change out"
            ) from error
        if resize.old_size != resize.new_size:
            steps.append(_PodStep(pod, resize, node))
    return steps


class _Owner(NamedTuple):
    """The StatefulSet or DaemonSet and the change of its template."""

    kind: WorkloadKind
    namespace: str
    name: str
    template: InPlaceResize

    def patch(
        self, kube: Kube, version: Any, *, dry_run: bool = False, size: str = ""
    ) -> dict[str, Any]:
        """The template's sizeLimit (`size`, default the new one), conditional on `version`;
        the object as stored (as it would be, with `dry_run`)."""
        volumes = self.template.patch(size or None)["spec"]["volumes"]
        patch: dict[str, Any] = {"spec": {"template": {"spec": {"volumes": volumes}}}}
        if version is not None:
            patch["metadata"] = {"resourceVersion": version}
        return patch_workload(
            kube,
            kind=self.kind,
            namespace=self.namespace,
            name=self.name,
            patch=patch,
            dry_run=dry_run,
        )


def _resize_pods(
    kube: Kube, owner: _Owner, steps: Sequence[_PodStep], wait: bool, timeout: float | None
) -> list[ResizeResult]:
    done: list[InPlaceResize] = []
    results = []
    for step in steps:
        try:
            applied = apply_resize(
                kube,
                owner.namespace,
                step.resize,
                step.node,
                _version(step.pod),
                wait=wait,
                timeout=timeout,
            )
        except (ResizeFailed, KubeError) as error:
            for resize in done:
                put_back(kube, owner.namespace, resize)
            owner.patch(kube, None, size=owner.template.old_size)
            label = owner.kind.label(owner.name)
            back = (
                f"the template and the {len(done)} pod(s) resized before it are"
                if done
                else ("the template is")
            )
            raise ResizeFailed(
                f"{error}; {back} back at {owner.template.old_size} too. Without a resize in "
                f"place: kubectl shm set {label} {owner.template.new_size}, then delete its "
                f"pods (OnDelete)"
            ) from error
        done.append(step.resize)
        results.append(ResizeResult(f"pod/{step.resize.pod}", step.resize, True, applied))
    return results


def _version(pod: Mapping[str, Any]) -> Any:
    return mapping(pod.get("metadata")).get("resourceVersion")
