"""The inspect comparison: observed beside expected, and the sentence that explains it."""

import pytest

from kubectl_shm.inspect.comparison import (
    InspectReport,
    Method,
    Observation,
    container_not_running,
    inspect_pod,
    observe_df,
    observe_proc_mounts,
    observe_volume_stats,
    pod_not_running,
    running_containers,
)
from kubectl_shm.model.exec_output import ExecOutput
from kubectl_shm.model.nodes import GateSource, NodeProfile
from kubectl_shm.model.sizing import Basis, ShmSource
from kubectl_shm.model.volume_stats import VolumeStats

Ki, Mi, Gi = 2**10, 2**20, 2**30
# The field report: a 29.4Gi node, so a tmpfs without size= is 14.7Gi.
HALF = int(14.7 * Gi) // 4096 * 4096
RAM = 2 * HALF
LEGACY = NodeProfile(
    name="node-legacy",
    kubelet_version="v1.31.4",
    gates=(("SizeMemoryBackedVolumes", False),),
    gate_source=GateSource.METRICS,
    capacity_memory_bytes=RAM,
    allocatable_memory_bytes=RAM - Gi,
)
CURRENT = NodeProfile(
    name="node-current",
    kubelet_version="v1.34.4",
    gate_source=GateSource.METRICS,
    gates=(("SizeMemoryBackedVolumes", True),),
    capacity_memory_bytes=RAM,
    allocatable_memory_bytes=RAM - Gi,
)


def pod(size_limit=None, memory=None, volume=True, phase="Running", host_ipc=False, **extra):
    main = {"name": "main", "image": "busybox"}
    spec = {"containers": [main]}
    if volume:
        main["volumeMounts"] = [{"name": "dshm", "mountPath": "/dev/shm"}]
        empty_dir = {"medium": "Memory"}
        if size_limit:
            empty_dir["sizeLimit"] = size_limit
        spec["volumes"] = [{"name": "dshm", "emptyDir": empty_dir}]
    if memory:
        main["resources"] = {"limits": {"memory": memory}}
    if host_ipc:
        spec["hostIPC"] = True
    spec.update(extra)
    return {
        "metadata": {"name": "trainer-0", "namespace": "ml"},
        "spec": spec,
        "status": {
            "phase": phase,
            "containerStatuses": [{"name": "main", "state": {"running": {}}}],
        },
    }


def df(size, used=0, filesystem="tmpfs"):
    blocks, used_blocks = size // Ki, used // Ki
    text = (
        "Filesystem           1K-blocks      Used Available Use% Mounted on\n"
        f"{filesystem:<20} {blocks:>9} {used_blocks:>9} {blocks - used_blocks:>9}   0% /dev/shm\n"
    )
    observation = observe_df(ExecOutput(text, "", 0))
    assert isinstance(observation, Observation)
    return observation


def only(report_pod):
    [container] = report_pod.containers
    return container


def test_field_report_sizelimit_256mi_on_gate_off_kubelet_is_half_the_ram():
    c = only(inspect_pod(pod("256Mi"), LEGACY, {"main": df(HALF, used=Mi)}))
    assert (c.expected_bytes, c.basis, c.observed_bytes) == (HALF, Basis.HALF_NODE_MEMORY, HALF)
    assert (c.match, c.method, c.observed_used_bytes) == (True, Method.EXEC_DF, Mi)
    assert c.size_limit_bytes == 256 * Mi
    assert c.explanation.startswith(
        "Kubelet v1.31.4 on node-legacy has SizeMemoryBackedVolumes off, so it mounts the tmpfs "
        "without size= and the kernel makes it half the node's RAM (14.7Gi)."
    )
    assert "sizeLimit 256Mi is no mount size: past it the pod is evicted." in c.explanation


def test_half_the_ram_on_a_kubelet_thought_to_size_volumes_is_a_mismatch():
    node = NodeProfile(
        name="n1",
        kubelet_version="v1.25.0",
        capacity_memory_bytes=RAM,
        allocatable_memory_bytes=RAM,
    )
    c = only(inspect_pod(pod("256Mi"), node, {"main": df(HALF)}))
    assert (c.expected_bytes, c.basis, c.match) == (256 * Mi, Basis.SIZE_LIMIT, False)
    assert c.explanation.startswith("14.7Gi is half the node's RAM: kubelet v1.25.0 on n1")
    assert "the default of its version" in c.explanation
    assert "256Mi (sizeLimit) expected" in c.explanation


def test_field_report_capped_by_the_memory_limit():
    c = only(inspect_pod(pod("256Mi", memory="128Mi"), CURRENT, {"main": df(128 * Mi)}))
    assert (c.expected_bytes, c.basis, c.match) == (128 * Mi, Basis.POD_MEMORY_LIMIT, True)
    assert c.explanation.startswith("Capped by the pod memory limit (128Mi): kubelet v1.34.4")
    assert "sizeLimit (256Mi), the pod memory limit (128Mi)" in c.explanation


def test_sizelimit_on_a_current_kubelet():
    c = only(inspect_pod(pod("256Mi"), CURRENT, {"main": df(256 * Mi)}))
    assert (c.basis, c.match) == (Basis.SIZE_LIMIT, True)
    assert c.explanation.startswith(
        "Kubelet v1.34.4 on node-current sizes memory volumes (SizeMemoryBackedVolumes on): "
        "the tmpfs is sizeLimit (256Mi)"
    )


def test_node_allocatable_caps_an_unbounded_volume():
    c = only(inspect_pod(pod(), CURRENT, {"main": df(RAM - Gi)}))
    assert (c.basis, c.match) == (Basis.NODE_ALLOCATABLE, True)
    assert c.explanation.startswith("Capped by node allocatable memory (28.4Gi)")


def test_runtime_default_64mi_and_a_runtime_configured_otherwise():
    c = only(inspect_pod(pod(volume=False), CURRENT, {"main": df(64 * Mi, filesystem="shm")}))
    assert (c.source, c.expected_bytes, c.match) == (ShmSource.RUNTIME_DEFAULT, 64 * Mi, True)
    assert c.explanation.startswith(
        "No volume at /dev/shm: the container runtime's own tmpfs (64Mi"
    )
    other = only(inspect_pod(pod(volume=False), CURRENT, {"main": df(128 * Mi)}))
    assert other.match is False
    assert "configured otherwise" in other.explanation


def test_a_size_equal_to_another_rule_names_it():
    """Expected sizeLimit, but the tmpfs has node allocatable: the kubelet settings differ."""
    c = only(inspect_pod(pod("256Mi"), CURRENT, {"main": df(RAM - Gi)}))
    assert c.match is False
    assert c.explanation.startswith(
        "28.4Gi equals node allocatable memory, not 256Mi (sizeLimit) as expected from "
        "kubelet v1.34.4 on node-current (SizeMemoryBackedVolumes on)."
    )
    odd = only(inspect_pod(pod("256Mi"), CURRENT, {"main": df(300 * Mi)}))
    assert odd.explanation.startswith("300Mi is none of sizeLimit")


def test_host_ipc_has_no_expected_size_so_no_match():
    c = only(inspect_pod(pod(volume=False, host_ipc=True), CURRENT, {"main": df(HALF)}))
    assert (c.source, c.expected_bytes, c.match) == (ShmSource.HOST_IPC, None, None)
    assert c.explanation.startswith("hostIPC: /dev/shm is the host's own (14.7Gi)")


def test_not_observed_says_why_and_what_to_expect():
    observation = Observation(Method.NONE, notes=("exec forbidden", "node proxy forbidden"))
    c = only(inspect_pod(pod("256Mi"), CURRENT, {"main": observation}))
    assert (c.observed_bytes, c.match, c.method) == (None, None, Method.NONE)
    assert c.explanation.startswith(
        "Not observed: exec forbidden; node proxy forbidden. Expected: Kubelet v1.34.4"
    )
    missing = only(inspect_pod(pod("256Mi"), CURRENT, {}))
    assert missing.explanation.startswith("Not observed: not inspected.")


def test_old_kubelets_name_why_the_gate_is_off():
    for version, phrase in (
        ("v1.19.2", "predates SizeMemoryBackedVolumes (1.20)"),
        ("v1.21.0", "has SizeMemoryBackedVolumes off (alpha, off by default before 1.22)"),
    ):
        node = NodeProfile(name="old", kubelet_version=version, capacity_memory_bytes=RAM)
        c = only(inspect_pod(pod("256Mi"), node, {"main": df(HALF)}))
        assert c.match is True
        assert phrase in c.explanation


def test_proc_mounts_without_size_is_the_kernel_default():
    text = "shm /dev/shm tmpfs rw,nosuid,nodev,noexec,relatime 0 0\n"
    observation = observe_proc_mounts(ExecOutput(text, "", 0), ram_bytes=RAM)
    assert observation == Observation(Method.EXEC_PROC_MOUNTS, HALF)
    c = only(inspect_pod(pod("256Mi"), LEGACY, {"main": observation}))
    assert (c.method, c.match) == (Method.EXEC_PROC_MOUNTS, True)
    assert observe_proc_mounts(ExecOutput(text, "", 0), ram_bytes=None) == (
        "/proc/mounts gives no size for /dev/shm (node memory unknown)"
    )
    assert observe_proc_mounts(ExecOutput("", "", 127), ram_bytes=RAM) == "no cat in the image"
    assert observe_proc_mounts(ExecOutput("proc /proc proc rw 0 0\n", "", 0), ram_bytes=RAM) == (
        "/dev/shm is not in /proc/mounts"
    )


def test_observe_df_failures_are_reasons():
    assert observe_df(ExecOutput("", "", None, 'exec: "df": executable file not found')) == (
        "no df in the image"
    )
    assert observe_df(ExecOutput("garbage\n", "", 0)).startswith("unreadable df output")


def test_stats_summary_capacity_is_the_tmpfs_size():
    stats = VolumeStats(capacity_bytes=256 * Mi, used_bytes=Mi)
    assert observe_volume_stats(stats, "dshm") == Observation(Method.STATS_SUMMARY, 256 * Mi, Mi)
    assert observe_volume_stats(None, "dshm") == ("the kubelet has no stats for volume 'dshm' yet")


def test_df_of_a_plain_directory_says_so():
    text = (
        "Filesystem     1K-blocks    Used Available Use% Mounted on\n"
        "overlay        102687672 5000000  97687672   5% /\n"
    )
    observation = observe_df(ExecOutput(text, "", 0))
    c = only(inspect_pod(pod(volume=False), CURRENT, {"main": observation}))
    assert c.match is False
    assert c.explanation.endswith(
        "/dev/shm is not a mount of its own: df reports the filesystem on /."
    )


@pytest.mark.parametrize(
    ("status", "reason"),
    [
        ({"phase": "Running"}, None),
        (
            {
                "phase": "Pending",
                "conditions": [
                    {"type": "PodScheduled", "status": "False", "reason": "Unschedulable"}
                ],
            },
            "pod is Pending, not scheduled (Unschedulable)",
        ),
        ({"phase": "Pending"}, "pod is Pending (containers not started)"),
        ({"phase": "Succeeded"}, "pod has succeeded: its containers have exited"),
        ({}, "pod is Unknown"),
    ],
)
def test_pod_not_running(status, reason):
    assert pod_not_running({"status": status}) == reason


@pytest.mark.parametrize(
    ("state", "reason"),
    [
        ({"running": {"startedAt": "x"}}, None),
        (
            {"waiting": {"reason": "CrashLoopBackOff"}},
            "container is not running (CrashLoopBackOff)",
        ),
        (
            {"terminated": {"reason": "OOMKilled", "exitCode": 137}},
            "container has exited (OOMKilled, exit code 137)",
        ),
        ({}, "container is not running"),
    ],
)
def test_container_not_running(state, reason):
    p = {"status": {"containerStatuses": [{"name": "main", "ready": False, "state": state}]}}
    assert container_not_running(p, "main") == reason
    assert container_not_running(p, "other") == "container has not started"


def test_sidecars_run_beside_the_apps_and_init_containers_do_not():
    spec = {
        "initContainers": [
            {"name": "setup"},
            {"name": "proxy", "restartPolicy": "Always"},
        ],
        "containers": [{"name": "main"}, {"name": "helper"}],
    }
    assert running_containers(spec) == ["proxy", "main", "helper"]


def test_only_one_container_and_the_report_counts():
    spec_pod = pod("256Mi")
    spec_pod["spec"]["containers"].append({"name": "helper", "image": "busybox"})
    inspected = inspect_pod(spec_pod, CURRENT, {"main": df(128 * Mi)}, only="main")
    assert [c.name for c in inspected.containers] == ["main"]
    assert (inspected.namespace, inspected.name, inspected.node) == ("ml", "trainer-0", CURRENT)
    full = inspect_pod(spec_pod, CURRENT, {"main": df(256 * Mi)})
    report = InspectReport((inspected, full))
    assert (report.mismatches, report.unobserved) == (1, 1)
