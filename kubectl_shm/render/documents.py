"""The JSON/YAML documents of DESIGN section 5: stable field names, exact byte counts."""

from __future__ import annotations

from typing import Any

from kubectl_shm.audit.fingerprints import fingerprint
from kubectl_shm.audit.report import AuditReport, ClusterInfo, ContainerReport, WorkloadReport
from kubectl_shm.audit.rules import Severity
from kubectl_shm.model.nodes import POD_LEVEL_RESOURCES, NodeProfile


def audit_document(report: AuditReport) -> dict[str, Any]:
    """`kind: ShmAudit`."""
    return {
        "kind": "ShmAudit",
        "cluster": _cluster(report.cluster) if report.cluster else None,
        "workloads": [_workload(w, live=report.cluster is not None) for w in report.workloads],
        "summary": {
            "workloads": len(report.workloads),
            **{severity.value: report.count_findings(severity) for severity in Severity},
        },
    }


def node_document(node: NodeProfile) -> dict[str, Any]:
    return {
        "name": node.name,
        "kubeletVersion": node.kubelet_version,
        "sizeMemoryBackedVolumes": node.gate_state,
        "podLevelResources": node.known_gate(POD_LEVEL_RESOURCES),
        "gateSource": node.gate_source.value,
        "containerRuntime": node.container_runtime,
        "operatingSystem": node.operating_system,
    }


def _cluster(cluster: ClusterInfo) -> dict[str, Any]:
    return {
        "serverVersion": cluster.server_version,
        "nodes": [node_document(node) for node in cluster.nodes],
    }


def _workload(workload: WorkloadReport, *, live: bool) -> dict[str, Any]:
    document: dict[str, Any] = {
        "kind": workload.kind,
        "namespace": workload.namespace,
        "name": workload.name,
    }
    if workload.template_path:
        document["template"] = workload.template_path
    document["podMemoryLimitBytes"] = workload.pod_memory_limit_bytes
    document["containers"] = [_container(c, live=live) for c in workload.containers]
    document["findings"] = [
        {
            "rule": finding.rule.value,
            "severity": finding.severity.value,
            "container": finding.container,
            "message": finding.message,
            "fingerprint": fingerprint(workload, finding),
        }
        for finding in workload.findings
    ]
    return document


def _container(container: ContainerReport, *, live: bool) -> dict[str, Any]:
    document: dict[str, Any] = {
        "name": container.name,
        "shmSource": container.source.value,
        "volume": container.volume,
        "sizeLimitBytes": container.size_limit_bytes,
        "expectedBytes": container.expected_bytes,
        "expectedBasis": container.basis.value,
        "usedBytes": container.used_bytes,
    }
    if live:
        document["nodes"] = list(container.nodes)
    return document
