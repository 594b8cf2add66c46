"""Group live pods into workloads: the top owner reached through ownerReferences.

Pod -> ReplicaSet -> Deployment, Pod -> Job -> CronJob, Pod -> StatefulSet,
Pod -> any custom resource; a pod without a controller stands alone. Only
ReplicaSets and Jobs are looked up (their metadata is listed once); a
controller of any other kind is taken as the top.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple


class WorkloadRef(NamedTuple):
    """Who the finding is about, to write the fix command."""

    kind: str
    namespace: str
    name: str

    def set_command(self, size: str = "<size>", container: str | None = None) -> str:
        """The `kubectl shm set` line that fixes it (local edit for immutable kinds)."""
        target = f"{self.kind.lower()}/{self.name}"
        only = f" -c {container}" if container else ""
        if self.kind in ("Pod", "Job") or not self.kind:
            return f"kubectl shm set -f <manifest> --local {size}{only}"
        return f"kubectl shm set {target} {size} -n {self.namespace}{only}"


# ReplicaSet names are "<deployment>-<pod-template-hash>" (pkg/controller/deployment).
TEMPLATE_HASH_LABEL = "pod-template-hash"


@dataclass(frozen=True)
class OwnerIndex:
    """uid -> (kind, name, controller reference) of the listed ReplicaSets and Jobs."""

    owners: Mapping[str, tuple[str, str, Mapping[str, Any] | None]]

    @classmethod
    def build(cls, listed: Iterable[tuple[str, Mapping[str, Any]]]) -> OwnerIndex:
        """From (kind, metadata) pairs as listed by the adapter."""
        owners = {}
        for kind, metadata in listed:
            uid = metadata.get("uid")
            if uid:
                owners[str(uid)] = (kind, str(metadata.get("name")), controller_of(metadata))
        return cls(owners)


def controller_of(metadata: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The ownerReference with controller: true, if any."""
    for reference in metadata.get("ownerReferences") or []:
        if isinstance(reference, Mapping) and reference.get("controller"):
            return reference
    return None


def top_owner(pod_metadata: Mapping[str, Any], index: OwnerIndex) -> WorkloadRef:
    """The workload a pod belongs to, following controllers through the index."""
    namespace = str(pod_metadata.get("namespace") or "default")
    reference = controller_of(pod_metadata)
    if reference is None:
        return WorkloadRef("Pod", namespace, str(pod_metadata.get("name")))
    kind, name = str(reference.get("kind")), str(reference.get("name"))
    seen = set()
    uid = str(reference.get("uid"))
    while uid in index.owners and uid not in seen:
        seen.add(uid)
        _, _, parent = index.owners[uid]
        if parent is None:
            break
        kind, name, uid = str(parent.get("kind")), str(parent.get("name")), str(parent.get("uid"))
    return WorkloadRef(kind, namespace, name)


def direct_controller_uid(pod_metadata: Mapping[str, Any]) -> str | None:
    """Pods of one controller share a template: the cheap key to deduplicate them."""
    reference = controller_of(pod_metadata)
    return str(reference.get("uid")) if reference and reference.get("uid") else None
