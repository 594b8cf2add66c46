"""`kind: ShmAuditList`: one ShmAudit per cluster audited, in the order asked for."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from kubectl_shm.audit.fleet import ClusterAudit
from kubectl_shm.audit.rules import Severity
from kubectl_shm.render.documents import audit_document


def audit_list_document(clusters: Sequence[ClusterAudit]) -> dict[str, Any]:
    """Each item is the cluster's ShmAudit with its `context` and `error` (null when it
    was audited; a cluster that failed has `cluster: null` and no workloads)."""
    items = [_item(cluster) for cluster in clusters]
    return {
        "kind": "ShmAuditList",
        "items": items,
        "summary": {
            "clusters": len(clusters),
            "failed": sum(1 for cluster in clusters if cluster.error is not None),
            "workloads": sum(item["summary"]["workloads"] for item in items),
            **{
                severity.value: sum(item["summary"][severity.value] for item in items)
                for severity in Severity
            },
        },
    }


def _item(cluster: ClusterAudit) -> dict[str, Any]:
    if cluster.report is None:
        empty = {"workloads": 0, **{severity.value: 0 for severity in Severity}}
        audit: dict[str, Any] = {
            "kind": "ShmAudit",
            "cluster": None,
            "workloads": [],
            "summary": empty,
        }
    else:
        audit = audit_document(cluster.report)
    return {"kind": "ShmAudit", "context": cluster.context, "error": cluster.error, **audit}
