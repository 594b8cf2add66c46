"""The test cluster reproduces the field reports: what /dev/shm really is, per kubelet.

These tests check the cluster itself (and so the ground truth every other
end-to-end test stands on) with nothing but kubectl and the container's df/dd.
"""

from __future__ import annotations

import json
import time

import pytest

from tests.e2e.conftest import fill_shm, shm_df_kib, wait_for_pod
from tests.e2e.manifests import pod

MiB = 1024 * 1024
SHM_256 = {"medium": "Memory", "sizeLimit": "256Mi"}


def node_memory_kib(kubectl, node: str) -> int:
    capacity = kubectl("get", "node", node, "-o", "jsonpath={.status.capacity.memory}").stdout
    assert capacity.endswith("Ki"), capacity
    return int(capacity[:-2])


def test_nodes_run_the_three_kubelet_profiles(two_nodes, kubectl):
    nodes = json.loads(kubectl("get", "nodes", "-o", "json").stdout)["items"]
    by_name = {n["metadata"]["name"]: n for n in nodes}
    versions = {name: n["status"]["nodeInfo"]["kubeletVersion"] for name, n in by_name.items()}
    assert versions[two_nodes.node_current].startswith(("v1.33.", "v1.34."))
    assert versions[two_nodes.node_legacy].startswith("v1.31.")
    assert versions[two_nodes.node_frontier].startswith("v1.37.")
    frontier = by_name[two_nodes.node_frontier]
    assert "InPlacePodVerticalScalingMemoryBackedVolumes" in frontier["status"]["declaredFeatures"]
    assert [t["key"] for t in frontier["spec"]["taints"]] == ["kubectl-shm.local/frontier"]
    server = json.loads(kubectl("version", "-o", "json").stdout)["serverVersion"]
    assert server["gitVersion"].startswith("v1.37.")
    configz = json.loads(
        kubectl("get", "--raw", f"/api/v1/nodes/{two_nodes.node_legacy}/proxy/configz").stdout
    )
    assert configz["kubeletconfig"]["featureGates"] == {"SizeMemoryBackedVolumes": False}


def test_default_shm_is_64m(two_nodes, kubectl, namespace, apply):
    apply(pod("plain", image=two_nodes.image, node=two_nodes.node_current))
    wait_for_pod(kubectl, namespace, "plain")
    assert shm_df_kib(kubectl, namespace, "plain")[0] == 64 * 1024


def test_legacy_kubelet_ignores_size_limit_and_evicts(two_nodes, kubectl, namespace, apply):
    apply(pod("legacy", image=two_nodes.image, node=two_nodes.node_legacy, shm=SHM_256))
    wait_for_pod(kubectl, namespace, "legacy")
    size, _ = shm_df_kib(kubectl, namespace, "legacy")
    half = node_memory_kib(kubectl, two_nodes.node_legacy) // 2
    assert abs(size - half) <= 4, (size, half)  # tmpfs without size=: half the RAM, in pages

    written = fill_shm(kubectl, namespace, "legacy", 300)
    assert "300+0 records out" in written.stderr
    message = _wait_for_eviction(kubectl, namespace, "legacy", timeout=180)
    assert 'Usage of EmptyDir volume "dshm" exceeds the limit "256Mi"' in message


def test_current_kubelet_sizes_tmpfs_and_refuses_overflow(two_nodes, kubectl, namespace, apply):
    apply(pod("current", image=two_nodes.image, node=two_nodes.node_current, shm=SHM_256))
    wait_for_pod(kubectl, namespace, "current")
    assert shm_df_kib(kubectl, namespace, "current")[0] == 256 * 1024
    written = fill_shm(kubectl, namespace, "current", 300, check=False)
    assert written.returncode != 0
    assert "No space left on device" in written.stderr
    assert shm_df_kib(kubectl, namespace, "current")[1] == 256 * 1024


def test_current_kubelet_caps_shm_at_the_memory_limit(two_nodes, kubectl, namespace, apply):
    apply(
        pod(
            "capped",
            image=two_nodes.image,
            node=two_nodes.node_current,
            shm=SHM_256,
            memory_limit="128Mi",
        )
    )
    wait_for_pod(kubectl, namespace, "capped")
    assert shm_df_kib(kubectl, namespace, "capped")[0] == 128 * 1024


def test_kubectl_get_exec_and_logs_work(cluster, kubectl, namespace, apply):
    apply(
        pod(
            "talker",
            image=cluster.image,
            command=("sh", "-c", "echo hello-from-shm; sleep 3600"),
        )
    )
    wait_for_pod(kubectl, namespace, "talker")
    listed = kubectl("get", "pods", "-n", namespace, "-o", "name").stdout.split()
    assert listed == ["pod/talker"]
    assert kubectl("exec", "talker", "-n", namespace, "--", "cat", "/proc/1/cmdline").stdout
    deadline = time.monotonic() + 30
    while "hello-from-shm" not in kubectl("logs", "talker", "-n", namespace).stdout:
        assert time.monotonic() < deadline, "no log line from the container"
        time.sleep(1)


def _wait_for_eviction(kubectl, namespace: str, name: str, timeout: float) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = json.loads(kubectl("get", "pod", name, "-n", namespace, "-o", "json").stdout)
        if status["status"].get("reason") == "Evicted":
            return str(status["status"].get("message"))
        time.sleep(2)
    pytest.fail(f"pod {name} was not evicted within {timeout:.0f}s")
