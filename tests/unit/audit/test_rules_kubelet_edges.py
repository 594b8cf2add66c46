"""The rules for /dev/shm specs that the kubelet refuses, mounts read-only or leaves to CRI-O."""

from kubectl_shm.audit.report import Placement, audit_workload
from kubectl_shm.model.nodes import NodeProfile
from kubectl_shm.model.ownership import WorkloadRef

Gi = 2**30
REF = WorkloadRef("Deployment", "ml", "trainer")
NODE = NodeProfile(name="n", kubelet_version="v1.34.4", allocatable_memory_bytes=30 * Gi)
AI = "vllm/vllm-openai:v0.9"


def pod(volume=None, read_only=None, image="busybox"):
    container = {"name": "main", "image": image, "resources": {"limits": {"memory": "4Gi"}}}
    spec = {"containers": [container]}
    if volume is not None:
        mount = {"name": "dshm", "mountPath": "/dev/shm"}
        if read_only is not None:
            mount["readOnly"] = read_only
        container["volumeMounts"] = [mount]
        spec["volumes"] = [{"name": "dshm", **volume}]
    return spec


def findings(spec, node=NODE, annotations=None):
    report = audit_workload(REF, [Placement(spec, node, annotations=annotations)])
    return {f.rule.value: f.message for f in report.findings}


def test_unknown_medium_is_shm_volume_invalid():
    found = findings(pod({"emptyDir": {"medium": "memory", "sizeLimit": "1Gi"}}))
    assert list(found) == ["shm-volume-invalid"]
    assert found["shm-volume-invalid"].startswith("the pod never starts: volume 'dshm'")
    assert 'unknown storage medium "memory"' in found["shm-volume-invalid"]


def test_read_only_mount_and_secret_volume_are_shm_read_only():
    memory = {"emptyDir": {"medium": "Memory", "sizeLimit": "1Gi"}}
    mounted = findings(pod(memory, read_only=True))
    assert "shm-read-only" in mounted
    assert "drop readOnly: true" in mounted["shm-read-only"]
    secret = findings(pod({"secret": {"secretName": "s"}}))
    assert list(secret) == ["shm-read-only"]
    assert "a secret volume ('dshm')" in secret["shm-read-only"]
    assert "--overwrite" in secret["shm-read-only"]
    assert "shm-read-only" not in findings(pod(memory, read_only=False))
    on_disk = findings(pod({"emptyDir": {}}, read_only=True))
    assert set(on_disk) == {"shm-read-only", "shm-disk-backed"}


def test_host_path_that_is_not_the_hosts_shm_says_what_it_is():
    scratch = findings(pod({"hostPath": {"path": "/mnt/scratch"}}))["shm-host-shared"]
    assert "the host directory /mnt/scratch" in scratch
    assert "not a tmpfs and not the node's /dev/shm" in scratch
    shared = findings(pod({"hostPath": {"path": "/dev/shm/"}}))["shm-host-shared"]
    assert "the node's own, through a hostPath volume" in shared


def test_crio_annotation_is_never_a_certain_default_shm_finding():
    crio = NODE._replace(container_runtime="cri-o://1.36.3")
    annotated = findings(pod(image=AI), crio, {"shm-size.crio.io": "8Gi"})
    assert list(annotated) == ["shm-runtime-annotation"]
    assert (
        "8Gi only if the node's CRI-O runtime handler allows" in annotated["shm-runtime-annotation"]
    )
    plain = findings(pod(image=AI), crio)
    assert "default_annotations" in plain["default-shm-ai-workload"]
    containerd = findings(pod(image=AI), NODE, {"shm-size.crio.io": "8Gi"})
    assert list(containerd) == ["default-shm-ai-workload"]
    assert "default_annotations" not in containerd["default-shm-ai-workload"]


def test_windows_rows_have_no_shm_findings():
    windows = NODE._replace(operating_system="windows")
    assert findings(pod(image=AI), windows) == {}
