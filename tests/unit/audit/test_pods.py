"""The live audit's grouping, on recorded (slimmed) pods from a two-node cluster."""

import copy

from kubectl_shm.audit.pods import PodAuditor, audit_pods
from kubectl_shm.kube.slim_pods import slim_pod
from kubectl_shm.model.nodes import NodeProfile
from kubectl_shm.model.ownership import OwnerIndex
from kubectl_shm.model.volume_stats import VolumeStats
from kubectl_shm.render.documents import audit_document
from tests.unit.fixtures import load

Gi = 2**30
NODES = {
    "node-current": NodeProfile(
        name="node-current",
        kubelet_version="v1.34.4",
        capacity_memory_bytes=24 * Gi,
        allocatable_memory_bytes=20 * Gi,
    ),
    "node-legacy": NodeProfile(
        name="node-legacy",
        kubelet_version="v1.31.4",
        gates=(("SizeMemoryBackedVolumes", False),),
        capacity_memory_bytes=24 * Gi,
        allocatable_memory_bytes=20 * Gi,
    ),
}


def audit(pods, usage=None):
    owners = OwnerIndex.build(("ReplicaSet", rs["metadata"]) for rs in load("replicasets.yaml"))
    return audit_pods(
        [slim_pod(p) for p in pods],
        owners=owners,
        nodes=NODES,
        unknown_node=NodeProfile(),
        usage=usage or {},
        server_version="v1.34.4",
    )


def test_workload_on_both_nodes_reports_each_answer_and_the_error():
    report = audit(load("pods-two-nodes.yaml"))
    [workload] = report.workloads
    assert (workload.kind, workload.name) == ("Deployment", "trainer")
    answers = sorted((c.expected_bytes, c.basis.value, c.nodes) for c in workload.containers)
    assert answers == [
        (256 * 2**20, "sizeLimit", ("node-current",)),
        (12 * Gi, "half-node-memory", ("node-legacy",)),
    ]
    assert [f.rule.value for f in workload.findings] == ["shm-sizelimit-not-applied"]


def test_usage_is_attached_and_near_full_fires():
    usage = {("ml", "trainer-5d9c-a", "dshm"): VolumeStats(256 * 2**20, 250 * 2**20)}
    [workload] = audit(load("pods-two-nodes.yaml"), usage).workloads
    current = next(c for c in workload.containers if c.nodes == ("node-current",))
    assert current.used_bytes == 250 * 2**20
    assert "shm-near-full" in {f.rule.value for f in workload.findings}


def test_document_lists_cluster_and_nodes():
    document = audit_document(audit(load("pods-two-nodes.yaml")))
    assert document["cluster"]["serverVersion"] == "v1.34.4"
    assert [n["sizeMemoryBackedVolumes"] for n in document["cluster"]["nodes"]] == [True, False]
    assert document["workloads"][0]["containers"][0]["nodes"]


def test_a_tmpfs_mounted_smaller_than_the_spec_implies_is_told_apart():
    # trainer-5d9c-a had its memory limit resized in place from 128Mi: the kubelet's
    # stats report the tmpfs as mounted then (capacityBytes), not what the spec says now.
    [resized, *_] = load("pods-two-nodes.yaml")
    del resized["spec"]["volumes"][0]["emptyDir"]["sizeLimit"]  # the limit decides the size
    usage = {("ml", "trainer-5d9c-a", "dshm"): VolumeStats(128 * 2**20, 0)}
    [workload] = audit([resized], usage).workloads
    [container] = workload.containers
    assert (container.expected_bytes, container.basis.value) == (128 * 2**20, "mounted")
    [finding] = [f for f in workload.findings if f.rule.value == "shm-resize-not-applied"]
    assert "mounted at 128Mi, but the pod spec now implies 1Gi" in finding.message
    assert "kubectl rollout restart deployment/trainer -n ml" in finding.message


def test_a_mount_that_matches_the_spec_changes_nothing():
    [pod, *_] = load("pods-two-nodes.yaml")
    usage = {("ml", "trainer-5d9c-a", "dshm"): VolumeStats(256 * 2**20, 0)}
    [workload] = audit([pod], usage).workloads
    [container] = workload.containers
    assert container.basis.value == "sizeLimit"
    assert "shm-resize-not-applied" not in {f.rule.value for f in workload.findings}


def test_pods_taken_a_page_at_a_time_give_the_report_of_all_at_once():
    """A live audit hands PodAuditor each page as it arrives: bare pods are audited then,
    a controller's pods (here split over pages) after the last."""
    a, b = load("pods-two-nodes.yaml")
    bare = copy.deepcopy(a)
    bare["metadata"].update(name="solo", uid="solo", ownerReferences=[])
    usage = {("ml", "trainer-5d9c-a", "dshm"): VolumeStats(256 * 2**20, 250 * 2**20)}
    pods = [slim_pod(p) for p in (b, bare, a)]
    owners = OwnerIndex.build(("ReplicaSet", rs["metadata"]) for rs in load("replicasets.yaml"))
    whole = audit([b, bare, a], usage)
    auditor = PodAuditor(owners=owners, unknown_node=NodeProfile())
    for page in ([pods[0]], [pods[1]], [pods[2]]):
        auditor.add(page, nodes=NODES, usage=usage)
    paged = auditor.report(nodes=NODES, server_version="v1.34.4")
    assert paged == whole
    assert [(w.kind, w.name) for w in paged.workloads] == [
        ("Deployment", "trainer"),
        ("Pod", "solo"),
    ]
