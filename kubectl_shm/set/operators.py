"""Objects an operator owns: `set` refuses them (unless --force) and names the knob instead.

A Deployment, StatefulSet or custom resource whose controller ownerReference
points at an operator's resource (any kind outside the built-in workload
groups) is rewritten from that resource on the operator's next reconcile: a
live edit is undone, and the pods never get the new /dev/shm. The refusal names
the owner, the knob its operator documents (model/operator_knobs.json), and,
when the owner itself holds pod templates, the `kubectl shm set` for it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from kubectl_shm.errors import InputError
from kubectl_shm.kube.client import Kube
from kubectl_shm.kube.discovery import discover_resources
from kubectl_shm.kube.errors import KubeError
from kubectl_shm.kube.workloads import get_workload
from kubectl_shm.model.api_resources import ApiResource
from kubectl_shm.model.operator_knobs import chart_knob, operator_knob
from kubectl_shm.model.ownership import controller_of
from kubectl_shm.model.templates import find_pod_templates
from kubectl_shm.set.custom_kinds import custom_kind, served_resource
from kubectl_shm.set.volumes import ShmRefused

# Groups whose controllers are Kubernetes' own (kube-controller-manager).
BUILT_IN_GROUPS = frozenset({"", "apps", "batch"})


def operator_owner(obj: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The controller ownerReference of `obj` when it is an operator's resource."""
    owner = controller_of(obj.get("metadata") or {})
    if owner is None:
        return None
    group = str(owner.get("apiVersion") or "").rpartition("/")[0]
    return None if group in BUILT_IN_GROUPS else owner


class OperatorCheck:
    """Reads owners (through discovery, asked at most once) to word the refusal."""

    def __init__(self, kube: Kube) -> None:
        self._kube = kube
        self._resources: list[ApiResource] | None = None

    def refusal(
        self, label: str, namespace: str, owner: Mapping[str, Any], size: str | None
    ) -> str:
        """Why `label` is not patched, the knob, and the command for the owner if it has one."""
        api_version, kind = str(owner.get("apiVersion")), str(owner.get("kind"))
        name = str(owner.get("name"))
        group = api_version.rpartition("/")[0]
        message = (
            f"{label} is controlled by {kind} {name!r} ({group}): its operator puts the pod "
            f"template back on its next reconcile, so a change here would not last"
        )
        knob = operator_knob(api_version, kind)
        if knob is not None:
            message += f"; change {knob.knob} instead"
        command = self._owner_command(namespace, api_version, kind, name, size)
        if command:
            message += f"; or run `{command}`"
        if knob is None and not command:
            message += f"; change the {kind} instead (see its operator's documentation)"
        return message + " (--force patches it anyway)"

    def _owner_command(
        self, namespace: str, api_version: str, kind: str, name: str, size: str | None
    ) -> str | None:
        """`kubectl shm set kind/name SIZE -n NS` when the owner can be read and has pod
        templates; None otherwise (not served, not readable, or no templates)."""
        try:
            resource = self._served(api_version, kind)
            if resource is None or not resource.namespaced:
                return None
            owner_kind = custom_kind(resource, kind)
            obj = get_workload(self._kube, kind=owner_kind, namespace=namespace, name=name)
        except (KubeError, InputError):  # not readable, or not a kind set can change
            return None
        if not find_pod_templates(obj):
            return None
        return f"kubectl shm set {kind.lower()}/{name} {size or '--remove'} -n {namespace}"

    def _served(self, api_version: str, kind: str) -> ApiResource | None:
        if self._resources is None:
            self._resources = discover_resources(self._kube)
        return served_resource(self._resources, api_version, kind)


def check_operator_owned(
    kube: Kube,
    targets: Sequence[tuple[str, str, Mapping[str, Any]]],
    size: str | None,
    *,
    force: bool,
) -> list[str]:
    """ShmRefused for the first (label, namespace, object) an operator owns; with
    `force`, the same words as warnings (the change is made, and will likely be undone)."""
    check = OperatorCheck(kube)
    warnings = []
    for label, namespace, obj in targets:
        owner = operator_owner(obj)
        if owner is None:
            labels = (obj.get("metadata") or {}).get("labels") or {}
            chart = chart_knob(labels) if isinstance(labels, Mapping) else None
            if chart is not None:
                warnings.append(
                    f"{label} looks rendered by the {chart.id} chart: set {chart.knob} "
                    f"instead, or the next upgrade of the release puts the old /dev/shm back"
                )
            continue
        message = check.refusal(label, namespace, owner, size)
        if not force:
            raise ShmRefused(message)
        warnings.append(message.replace(" (--force patches it anyway)", " (patched: --force)"))
    return warnings
