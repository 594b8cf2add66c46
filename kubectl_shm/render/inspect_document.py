"""The `-o json` document of inspect (DESIGN section 5b): stable field names, exact bytes."""

from __future__ import annotations

from typing import Any

from kubectl_shm.inspect.comparison import ContainerInspection, InspectReport, PodInspection


def inspection_document(report: InspectReport) -> dict[str, Any]:
    """`kind: ShmInspection`."""
    return {"kind": "ShmInspection", "pods": [_pod(pod) for pod in report.pods]}


def _pod(pod: PodInspection) -> dict[str, Any]:
    scheduled = pod.node.name is not None
    return {
        "namespace": pod.namespace,
        "name": pod.name,
        "node": pod.node.name,
        "kubeletVersion": pod.node.kubelet_version,
        "sizeMemoryBackedVolumes": pod.node.gate_state if scheduled else None,
        "containers": [_container(c) for c in pod.containers],
    }


def _container(container: ContainerInspection) -> dict[str, Any]:
    return {
        "name": container.name,
        "shmSource": container.source.value,
        "sizeLimitBytes": container.size_limit_bytes,
        "expectedBytes": container.expected_bytes,
        "expectedBasis": container.basis.value,
        "observedBytes": container.observed_bytes,
        "observedUsedBytes": container.observed_used_bytes,
        "method": container.method.value,
        "match": container.match,
        "explanation": container.explanation,
    }
