import pytest

from kubectl_shm.audit.report import Placement, audit_workload
from kubectl_shm.audit.rules import Rule, is_accelerated
from kubectl_shm.model.nodes import NodeProfile
from kubectl_shm.model.ownership import WorkloadRef
from kubectl_shm.model.shm_users import image_repository

Gi = 2**30
REF = WorkloadRef("Deployment", "ml", "trainer")
CURRENT = NodeProfile(
    name="node-current",
    kubelet_version="v1.34.4",
    capacity_memory_bytes=32 * Gi,
    allocatable_memory_bytes=30 * Gi,
)
LEGACY = NodeProfile(
    name="node-legacy",
    kubelet_version="v1.31.4",
    gates=(("SizeMemoryBackedVolumes", False),),
    capacity_memory_bytes=32 * Gi,
    allocatable_memory_bytes=30 * Gi,
)


def spec(image="busybox", resources=None, volume=None, host_ipc=False):
    container = {"name": "main", "image": image, "resources": resources or {}}
    pod = {"containers": [container]}
    if volume:
        pod["volumes"] = [{"name": "dshm", **volume}]
        container["volumeMounts"] = [{"name": "dshm", "mountPath": "/dev/shm"}]
    if host_ipc:
        pod["hostIPC"] = True
    return pod


def rules(pod, node=CURRENT, used=None):
    report = audit_workload(REF, [Placement(pod, node, used)])
    return sorted(f.rule.value for f in report.findings)


MEMORY_2G = {"emptyDir": {"medium": "Memory", "sizeLimit": "2Gi"}}
LIMIT_8G = {"limits": {"memory": "8Gi"}}


def test_clean_web_server_has_no_findings():
    assert rules(spec("nginx:1.27", LIMIT_8G)) == []


def test_well_sized_shm_has_no_findings():
    assert (
        rules(
            spec("vllm/vllm-openai", {"limits": {"nvidia.com/gpu": 1, "memory": "8Gi"}}, MEMORY_2G)
        )
        == []
    )


@pytest.mark.parametrize(
    ("image", "resources"),
    [
        ("busybox", {"limits": {"nvidia.com/gpu": 1}}),
        ("busybox", {"requests": {"amd.com/gpu": 1}}),
        ("nvcr.io/nvidia/pytorch:24.01-py3", {}),
        ("rayproject/ray:2.9.0", {}),
        ("ghcr.io/huggingface/text-generation-inference:2.0", {}),
        ("localhost:5000/vllm/vllm-openai@sha256:abc", {}),
    ],
)
def test_ai_workload_with_default_shm_is_an_error(image, resources):
    assert rules(spec(image, resources)) == ["default-shm-ai-workload"]


@pytest.mark.parametrize("image", ["xray/daemon", "gray:1", "array-service", "ray.io/web/nginx"])
def test_image_matching_is_by_whole_word(image):
    assert is_accelerated({"image": image}) is None


def test_image_repository_strips_registry_tag_digest():
    assert image_repository("nvcr.io/nvidia/pytorch:24.01") == "nvidia/pytorch"
    assert image_repository("localhost:5000/a/b@sha256:0") == "a/b"
    assert image_repository("busybox") == "busybox"


def test_legacy_node_sizelimit_not_applied():
    assert rules(spec(resources=LIMIT_8G, volume=MEMORY_2G), LEGACY) == [
        "shm-sizelimit-not-applied"
    ]
    assert rules(spec(resources=LIMIT_8G, volume=MEMORY_2G), CURRENT) == []


def test_workload_on_both_nodes_reports_each_answer():
    pod = spec(resources=LIMIT_8G, volume=MEMORY_2G)
    report = audit_workload(REF, [Placement(pod, CURRENT), Placement(pod, LEGACY)])
    assert sorted((c.expected_bytes, c.nodes) for c in report.containers) == [
        (2 * Gi, ("node-current",)),
        (16 * Gi, ("node-legacy",)),
    ]
    assert [f.rule for f in report.findings] == [Rule.SIZELIMIT_NOT_APPLIED]


def test_capped_by_memory_limit():
    assert rules(spec(resources={"limits": {"memory": "1Gi"}}, volume=MEMORY_2G)) == [
        "shm-capped-by-memory-limit"
    ]


@pytest.mark.parametrize(
    ("node", "says"),
    [
        (CURRENT, "/dev/shm is capped at 1Gi"),
        # Gate off: the tmpfs is half the RAM; the cgroup limit still OOM-kills past 1Gi.
        (LEGACY, "/dev/shm shows 16Gi, but shm pages count against that limit"),
    ],
)
def test_capped_message_says_what_df_shows_on_each_kubelet(node, says):
    pod = spec(resources={"limits": {"memory": "1Gi"}}, volume=MEMORY_2G)
    report = audit_workload(REF, [Placement(pod, node)])
    [capped] = [f for f in report.findings if f.rule is Rule.CAPPED_BY_MEMORY_LIMIT]
    assert says in capped.message
    assert "OOM kill past 1Gi" in capped.message


def test_unbounded_and_no_memory_limit():
    assert rules(spec(volume={"emptyDir": {"medium": "Memory"}})) == [
        "shm-no-memory-limit",
        "shm-unbounded",
    ]


def test_disk_backed_and_host_shared():
    assert rules(spec(volume={"emptyDir": {}})) == ["shm-disk-backed"]
    assert rules(spec(volume={"hostPath": {"path": "/dev/shm"}})) == ["shm-host-shared"]
    assert rules(spec(host_ipc=True)) == ["shm-host-shared"]


def test_near_full_uses_live_usage():
    pod = spec(resources=LIMIT_8G, volume=MEMORY_2G)
    assert rules(pod, used={"main": int(1.7 * Gi)}) == ["shm-near-full"]
    assert rules(pod, used={"main": Gi}) == []


def test_invalid_quantity_is_a_finding_and_audit_goes_on():
    pod = spec(
        resources={"limits": {"memory": "8 gigs"}},
        volume={"emptyDir": {"medium": "Memory", "sizeLimit": "2Gi"}},
    )
    found = rules(pod)
    assert "invalid-quantity" in found
    assert "shm-no-memory-limit" in found


def test_messages_say_size_and_fix():
    report = audit_workload(REF, [Placement(spec(resources=LIMIT_8G, volume=MEMORY_2G), LEGACY)])
    [finding] = report.findings
    assert "16Gi" in finding.message
    assert "evicted" in finding.message
    assert "node-legacy" in finding.message


def memory(size_limit):
    return {"emptyDir": {"medium": "Memory", "sizeLimit": size_limit}}


@pytest.mark.parametrize(
    ("size_limit", "says", "meant"),
    [
        (
            "512m",
            "sizeLimit '512m' of volume 'dshm' is 512 millibytes: /dev/shm holds at most 1 byte, "
            "less than the runtime's 64Mi without any volume; did you mean 512Mi?",
            "512Mi",
        ),
        ("64", "is 64 bytes: /dev/shm holds at most 64 bytes", "64Mi"),
        (1000, "sizeLimit 1000 of volume 'dshm' is 1000 bytes", "1000Mi"),
        ("32Mi", "sizeLimit '32Mi' of volume 'dshm': /dev/shm holds at most 32Mi", "<size>"),
    ],
)
def test_shm_smaller_than_the_runtime_default_is_an_error_with_the_fix(size_limit, says, meant):
    gpu = {"limits": {"nvidia.com/gpu": 1, "memory": "8Gi"}}
    report = audit_workload(REF, [Placement(spec("pytorch", gpu, memory(size_limit)), CURRENT)])
    [finding] = report.findings
    assert (finding.rule, finding.severity.value) == (Rule.SMALLER_THAN_DEFAULT, "error")
    assert says in finding.message
    assert finding.message.endswith(
        f"Fix: kubectl shm set deployment/trainer {meant} -n ml -c main"
    )


def test_small_shm_on_a_kubelet_that_does_not_size_it_is_evicted_past_it():
    pod = spec(resources=LIMIT_8G, volume=memory("1Mi"))
    report = audit_workload(REF, [Placement(pod, LEGACY)])
    [small] = [f for f in report.findings if f.rule is Rule.SMALLER_THAN_DEFAULT]
    assert "the pod is evicted once /dev/shm holds more than 1Mi" in small.message


@pytest.mark.parametrize(
    ("resources", "size_limit"),
    [
        (LIMIT_8G, "64Mi"),  # as large as the default: fine
        ({"limits": {"memory": "32Mi"}}, "48Mi"),  # the pod limit decides, not the sizeLimit
        (LIMIT_8G, "0"),  # zero is no sizeLimit to the kubelet (shm-unbounded says so)
    ],
)
def test_no_small_shm_finding_where_the_size_limit_does_not_decide(resources, size_limit):
    assert "shm-smaller-than-default" not in rules(
        spec(resources=resources, volume=memory(size_limit))
    )


@pytest.mark.parametrize(
    ("size_limit", "reason"),
    [
        ("-1Gi", "must not be negative"),
        ("\u0661Gi", "not an ASCII digit 0-9"),
        ("1e400", "too large"),
    ],
)
def test_size_limits_the_api_server_refuses_or_cannot_count_are_invalid(size_limit, reason):
    report = audit_workload(
        REF, [Placement(spec(resources=LIMIT_8G, volume=memory(size_limit)), CURRENT)]
    )
    [invalid] = [f for f in report.findings if f.rule is Rule.INVALID_QUANTITY]
    assert reason in invalid.message
    assert invalid.message.startswith("volumes[dshm].emptyDir.sizeLimit is ")
