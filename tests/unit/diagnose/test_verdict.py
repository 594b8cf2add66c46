"""From evidence to cause and fix, per kubelet."""

from kubectl_shm.diagnose.evidence import Evidence, EvidenceKind
from kubectl_shm.diagnose.verdict import Cause, FixKind, diagnose_pod
from kubectl_shm.model.nodes import NodeProfile
from kubectl_shm.model.ownership import WorkloadRef
from kubectl_shm.model.sizing import Basis, ShmSource
from kubectl_shm.model.volume_stats import VolumeStats

MI = 2**20
GI = 2**30
CURRENT = NodeProfile(name="node-current", kubelet_version="v1.34.4", capacity_memory_bytes=16 * GI)
LEGACY = NodeProfile(
    name="node-legacy",
    kubelet_version="v1.31.4",
    gates=(("SizeMemoryBackedVolumes", False),),
    capacity_memory_bytes=16 * GI,
)
TRAINER = WorkloadRef("Deployment", "ml", "trainer")


def pod(*, shm=None, memory_limit=None, host_ipc=False):
    container = {"name": "main"}
    spec = {"containers": [container]}
    if memory_limit:
        container["resources"] = {"limits": {"memory": memory_limit}}
    if shm:
        container["volumeMounts"] = [{"name": "dshm", "mountPath": "/dev/shm"}]
        spec["volumes"] = [{"name": "dshm", "emptyDir": shm}]
    if host_ipc:
        spec["hostIPC"] = True
    return {"metadata": {"name": "trainer-x", "namespace": "ml"}, "spec": spec}


def evidence(kind, **fields):
    return Evidence(kind, "main", "quoted", "2026-12-01T10:00:00Z", "state", **fields)


def diagnose(target, found, node=CURRENT, stats=None):
    return diagnose_pod(
        target,
        workload=TRAINER,
        node=node,
        unknown_node=NodeProfile(),
        evidence=found,
        volume_stats=stats or {},
    )


def test_sigbus_with_the_runtime_default_asks_for_twice_the_size():
    (found,) = diagnose(pod(), [evidence(EvidenceKind.SIGBUS)])
    assert found.cause is Cause.SHM_TOO_SMALL
    assert (found.shm.source, found.shm.expected_bytes) == (ShmSource.RUNTIME_DEFAULT, 64 * MI)
    assert found.fix.kind is FixKind.SIZE
    assert found.fix.size_bytes == 128 * MI
    assert found.fix.command == "kubectl shm set deployment/trainer 128Mi -n ml"


def test_an_eviction_on_a_kubelet_that_does_not_size_memory_volumes_blames_the_kubelet():
    shm = {"medium": "Memory", "sizeLimit": "256Mi"}
    (found,) = diagnose(pod(shm=shm), [evidence(EvidenceKind.EVICTED, volume="dshm")], LEGACY)
    assert found.cause is Cause.KUBELET_EVICTION
    assert found.shm.basis is Basis.HALF_NODE_MEMORY
    assert found.fix.kind is FixKind.KUBELET
    assert "SizeMemoryBackedVolumes" in found.fix.reasons[1]
    # Meanwhile: the sizeLimit it passed, doubled.
    assert found.fix.size_bytes == 512 * MI
    assert found.fix.command == "kubectl shm set deployment/trainer 512Mi -n ml"


def test_a_framework_request_and_the_use_seen_size_the_fix_within_the_memory_limit():
    shm = {"medium": "Memory", "sizeLimit": "1Gi"}
    found_log = evidence(EvidenceKind.LOG, bytes=3 * GI, bytes_meaning="requested")
    stats = {"main": VolumeStats(capacity_bytes=GI, used_bytes=GI)}
    (found,) = diagnose(pod(shm=shm, memory_limit="2Gi"), [found_log], stats=stats)
    assert found.used_bytes == GI
    assert found.fix.size_bytes == 2 * GI
    assert "the container's memory limit must grow with it: set both" in found.fix.reasons


def test_available_bytes_do_not_size_the_fix():
    found_log = evidence(EvidenceKind.LOG, bytes=10 * GI, bytes_meaning="available")
    (found,) = diagnose(pod(), [found_log])
    assert found.fix.size_bytes == 128 * MI


def test_an_oom_kill_alone_asks_for_memory_not_a_bigger_shm():
    shm = {"medium": "Memory", "sizeLimit": "1Gi"}
    (found,) = diagnose(pod(shm=shm, memory_limit="1Gi"), [evidence(EvidenceKind.OOM_KILLED)])
    assert found.cause is Cause.OOM_WITH_MEMORY_SHM
    assert found.fix.kind is FixKind.MEMORY_LIMIT
    assert found.fix.command is None


def test_a_refused_volume_says_so():
    shm = {"medium": "Memory"}
    (found,) = diagnose(pod(shm=shm), [evidence(EvidenceKind.MOUNT_FAILED, volume="dshm")])
    assert found.cause is Cause.SHM_VOLUME_REFUSED
    assert found.fix.kind is FixKind.VOLUME
    assert found.fix.reasons[-1] == "quoted"


def test_the_hosts_dev_shm_cannot_be_sized_from_the_pod():
    (found,) = diagnose(pod(host_ipc=True), [evidence(EvidenceKind.SIGBUS)])
    assert found.fix.kind is FixKind.HOST
    assert found.fix.command is None


def test_containers_without_evidence_are_left_out():
    target = pod()
    target["spec"]["containers"].append({"name": "side"})
    found = diagnose(target, [evidence(EvidenceKind.SIGBUS)])
    assert [d.container for d in found] == ["main"]


def test_a_dev_shm_that_cannot_be_written_is_not_called_too_small():
    unusable = evidence(EvidenceKind.LOG, unusable=True)
    (found,) = diagnose(pod(), [unusable])
    assert found.cause is Cause.SHM_UNUSABLE
    assert found.fix.kind is FixKind.VOLUME
    (alongside,) = diagnose(pod(), [unusable, evidence(EvidenceKind.SIGBUS)])
    assert alongside.cause is Cause.SHM_TOO_SMALL
