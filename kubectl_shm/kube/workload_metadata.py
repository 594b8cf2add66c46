"""The metadata of workloads (annotations, managedFields), for who set a /dev/shm sizeLimit.

Metadata only (PartialObjectMetadata): no pod template crosses the wire. One list per
kind in the audited scope; a bare Pod's metadata comes with the pod list itself
(kube.slim_pods.slim_pod).
"""

from __future__ import annotations

from typing import Any

from kubectl_shm.kube.client import Kube
from kubectl_shm.kube.fetching import METADATA_ONLY
from kubectl_shm.kube.workloads import workload_path
from kubectl_shm.model.workload_kinds import WorkloadKind


def list_workload_metadata(
    kube: Kube, *, kind: WorkloadKind, namespace: str | None
) -> dict[tuple[str, str], dict[str, Any]]:
    """(namespace, name) -> metadata of every object of `kind` in `namespace` (None: all)."""
    if namespace is not None:
        path = workload_path(kind, namespace)
    else:
        base = f"/apis/{kind.group}/{kind.version}" if kind.group else f"/api/{kind.version}"
        path = f"{base}/{kind.plural}"
    found = {}
    doing = f"listing {kind.plural} (metadata)"
    for page in kube.list_pages(path, doing=doing, accept=METADATA_ONLY):
        for item in page.get("items") or []:
            metadata = item.get("metadata") or {}
            found[(str(metadata.get("namespace")), str(metadata.get("name")))] = metadata
    return found
