"""In-place resize on the real cluster: a pod's memory limit raised without a restart leaves
its /dev/shm tmpfs at the size it was mounted with, and audit and inspect say so."""

from __future__ import annotations

import json
import time

import pytest

from tests.e2e.conftest import shm_df_kib, wait_for_pod, wait_for_volume_stats
from tests.e2e.manifests import pod

pytestmark = pytest.mark.e2e

Mi = 1024 * 1024


def resize_memory(kubectl, namespace: str, name: str, memory: str) -> None:
    """The pod's `resize` subresource (InPlacePodVerticalScaling, beta and on in 1.33+)."""
    limits = {"name": "main", "resources": {"limits": {"memory": memory}}}
    patch = {"spec": {"containers": [limits]}}
    kubectl(
        "patch", "pod", name, "-n", namespace, "--subresource", "resize",
        "--type", "strategic", "-p", json.dumps(patch),
    )  # fmt: skip


def wait_for_resized(kubectl, namespace: str, name: str, memory: str, timeout: float = 90):
    """Until the kubelet reports the container running with the new limit."""
    deadline = time.monotonic() + timeout
    while True:
        status = json.loads(kubectl("get", "pod", name, "-n", namespace, "-o", "json").stdout)
        [main] = status["status"]["containerStatuses"]
        if ((main.get("resources") or {}).get("limits") or {}).get("memory") == memory:
            return main
        assert time.monotonic() < deadline, f"{name} not resized: {status['status']}"
        time.sleep(2)


def test_a_resized_memory_limit_leaves_shm_as_mounted(two_nodes, kubectl, shm, namespace, apply):
    # No sizeLimit: the pod memory limit (128Mi) sizes the tmpfs when the pod starts.
    manifest = pod(
        "resized",
        image=two_nodes.image,
        node=two_nodes.node_current,
        shm={"medium": "Memory"},
        memory_limit="128Mi",
    )
    apply(manifest)
    wait_for_pod(kubectl, namespace, "resized")
    assert shm_df_kib(kubectl, namespace, "resized")[0] * 1024 == 128 * Mi

    resize_memory(kubectl, namespace, "resized", "256Mi")
    main = wait_for_resized(kubectl, namespace, "resized", "256Mi")
    assert main["restartCount"] == 0
    assert shm_df_kib(kubectl, namespace, "resized")[0] * 1024 == 128 * Mi  # not resized

    wait_for_volume_stats(kubectl, two_nodes.node_current, namespace, "resized")
    result = shm("audit", "-n", namespace, "-o", "json", "--fail-on", "never")
    assert result.returncode == 0, result.stderr
    [workload] = json.loads(result.stdout)["workloads"]
    [container] = workload["containers"]
    assert (container["expectedBytes"], container["expectedBasis"]) == (128 * Mi, "mounted")
    assert workload["podMemoryLimitBytes"] == 256 * Mi
    [finding] = [f for f in workload["findings"] if f["rule"] == "shm-resize-not-applied"]
    assert "mounted at 128Mi, but the pod spec now implies 256Mi" in finding["message"]

    inspected = shm("inspect", "pod/resized", "-n", namespace, "-o", "json")
    assert inspected.returncode == 1, inspected.stderr  # a mismatch: spec 256Mi, df 128Mi
    [seen] = json.loads(inspected.stdout)["pods"][0]["containers"]
    assert (seen["expectedBytes"], seen["observedBytes"], seen["match"]) == (
        256 * Mi,
        128 * Mi,
        False,
    )
    assert "resized in place" in seen["explanation"]
