"""The -o json contract of DESIGN section 5, on the shipped examples."""

from pathlib import Path

from kubectl_shm.audit.report import audit_templates
from kubectl_shm.manifests.parsing import parse_manifests
from kubectl_shm.model.nodes import NodeProfile
from kubectl_shm.model.templates import find_pod_templates
from kubectl_shm.render.documents import audit_document

EXAMPLES = Path(__file__).parents[3] / "examples"
CONTAINER_KEYS = {
    "name",
    "shmSource",
    "volume",
    "sizeLimitBytes",
    "expectedBytes",
    "expectedBasis",
    "usedBytes",
}


def audit_examples(node=None):
    node = node or NodeProfile()
    templates = []
    for path in sorted(EXAMPLES.glob("*.yaml")):
        for doc in parse_manifests(path.read_text(), str(path)):
            templates.extend(find_pod_templates(doc.obj))
    return audit_document(audit_templates(templates, node))


def by_name(document):
    return {f"{w['kind']}/{w['name']}": w for w in document["workloads"]}


def test_document_shape():
    document = audit_examples()
    assert document["kind"] == "ShmAudit"
    assert document["cluster"] is None
    for workload in document["workloads"]:
        assert set(workload) == {
            "kind",
            "namespace",
            "name",
            "podMemoryLimitBytes",
            "containers",
            "findings",
        }
        for container in workload["containers"]:
            assert set(container) == CONTAINER_KEYS
        for finding in workload["findings"]:
            assert set(finding) == {"rule", "severity", "container", "message", "fingerprint"}
    assert document["summary"] == {"workloads": 8, "error": 2, "warning": 2, "info": 2}


def test_field_reports_on_a_current_kubelet():
    workloads = by_name(audit_examples())
    default = workloads["Pod/hello-world-memory"]["containers"][0]
    assert workloads["Pod/hello-world"]["containers"][0]["expectedBytes"] == 64 * 2**20
    assert default["expectedBasis"] == "node-allocatable"
    capped = workloads["Pod/hello-world-capped"]
    assert capped["podMemoryLimitBytes"] == 128 * 2**20
    assert capped["containers"][0]["expectedBytes"] == 128 * 2**20
    assert workloads["Deployment/vllm"]["findings"][0]["rule"] == "default-shm-ai-workload"
    assert workloads["Deployment/web"]["findings"] == []


def test_field_reports_on_a_v1_19_kubelet_with_29g_of_ram():
    node = NodeProfile(
        kubelet_version="v1.19.2",
        capacity_memory_bytes=29 * 2**30,
        allocatable_memory_bytes=29 * 2**30,
    )
    deployment = by_name(audit_examples(node))["Deployment/hello-world"]
    container = deployment["containers"][0]
    assert container["sizeLimitBytes"] == 256 * 2**20
    assert container["expectedBytes"] == 29 * 2**30 // 2
    assert container["expectedBasis"] == "half-node-memory"
    assert "shm-sizelimit-not-applied" in [f["rule"] for f in deployment["findings"]]
