"""The metadata of workloads (annotations, managedFields), for who set a /dev/shm sizeLimit.

Metadata only (PartialObjectMetadata): no pod template crosses the wire. One list per
kind in the audited scope; a bare Pod is read on its own (listing every pod's metadata
again for the few bare ones would cost more).
"""

from __future__ import annotations

import json
from typing import Any

from kubectl_shm.kube.client import Kube
from kubectl_shm.kube.errors import NotFound
from kubectl_shm.kube.fetching import METADATA_ONLY
from kubectl_shm.kube.workloads import workload_path
from kubectl_shm.model.workload_kinds import WorkloadKind

_METADATA_ONE = "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json"


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


def get_workload_metadata(
    kube: Kube, *, kind: WorkloadKind, namespace: str, name: str
) -> dict[str, Any] | None:
    """The metadata of one object; None when it is gone (deleted since its pods were read)."""
    try:
        raw = kube.get_raw(
            workload_path(kind, namespace, name),
            doing=f"reading {kind.label(name)} (metadata)",
            accept=_METADATA_ONE,
        )
    except NotFound:
        return None
    metadata: dict[str, Any] = json.loads(raw).get("metadata") or {}
    return metadata
