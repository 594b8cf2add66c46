"""`kubectl shm set pod/NAME SIZE`: a running pod's /dev/shm resized in place, on the real
cluster's v1.37 frontier node, and refused with the reason where it cannot be done.

The v1.37 kubelet resizes a memory emptyDir in place only on cgroup v2 hosts
(pkg/kubelet/allocation/handlers.go marks it Infeasible on cgroup v1). On such a host
the test shows `set` reporting the kubelet's refusal and putting the sizeLimit back;
on a cgroup v2 host it shows /dev/shm growing and shrinking with nothing restarted or lost.
"""

from __future__ import annotations

import json
import os
import time

import pytest

from tests.e2e.conftest import fill_shm, shm_df_kib, wait_for_pod
from tests.e2e.manifests import pod, statefulset

pytestmark = pytest.mark.e2e

Mi = 1024 * 1024
FRONTIER_TOLERATION = {"key": "kubectl-shm.local/frontier", "operator": "Exists"}
CGROUP_V2 = os.path.exists("/sys/fs/cgroup/cgroup.controllers")


def frontier_pod(two_nodes, name: str, size_limit: str) -> dict:
    manifest = pod(
        name,
        image=two_nodes.image,
        node=two_nodes.node_frontier,
        shm={"medium": "Memory", "sizeLimit": size_limit},
    )
    manifest["spec"]["tolerations"] = [FRONTIER_TOLERATION]
    return manifest


def size_limit(kubectl, namespace: str, name: str) -> str:
    return kubectl(
        "get", "pod", name, "-n", namespace, "-o", "jsonpath={.spec.volumes[0].emptyDir.sizeLimit}"
    ).stdout


def restarts(kubectl, namespace: str, name: str) -> int:
    found = kubectl("get", "pod", name, "-n", namespace, "-o", "json").stdout
    return json.loads(found)["status"]["containerStatuses"][0]["restartCount"]


def test_in_place_on_the_frontier_node(two_nodes, kubectl, shm, namespace, apply):
    apply(frontier_pod(two_nodes, "frontier", "64Mi"))
    wait_for_pod(kubectl, namespace, "frontier")
    kubectl("exec", "frontier", "-n", namespace, "--", "sh", "-c", "echo kept > /dev/shm/marker")

    result = shm("set", "pod/frontier", "128Mi", "-n", namespace, "--timeout", "90s")
    if CGROUP_V2:
        assert result.returncode == 0, result.stderr
        assert "pod/frontier resized in place: /dev/shm 64Mi -> 128Mi" in result.stdout
        assert shm_df_kib(kubectl, namespace, "frontier")[0] * 1024 == 128 * Mi
        shrunk = shm("set", "pod/frontier", "96Mi", "-n", namespace, "--timeout", "90s")
        assert shrunk.returncode == 0, shrunk.stderr
        assert shm_df_kib(kubectl, namespace, "frontier")[0] * 1024 == 96 * Mi
        expected_limit = "96Mi"
    else:
        # The kubelet's own refusal, and the spec put back: nothing claims a size it lacks.
        assert result.returncode == 3, result.stdout + result.stderr
        [line] = [entry for entry in result.stderr.splitlines() if entry.startswith("error:")]
        assert "PodResizePending Infeasible" in line
        assert "not supported on cgroups v1" in line
        assert "its sizeLimit is back at 64Mi" in line
        assert shm_df_kib(kubectl, namespace, "frontier")[0] * 1024 == 64 * Mi
        expected_limit = "64Mi"
    assert size_limit(kubectl, namespace, "frontier") == expected_limit
    assert restarts(kubectl, namespace, "frontier") == 0
    marker = kubectl("exec", "frontier", "-n", namespace, "--", "cat", "/dev/shm/marker")
    assert marker.stdout == "kept\n"  # nothing lost


def test_a_shrink_below_what_is_in_use_is_refused_first(two_nodes, kubectl, shm, namespace, apply):
    apply(frontier_pod(two_nodes, "full", "128Mi"))
    wait_for_pod(kubectl, namespace, "full")
    fill_shm(kubectl, namespace, "full", 100)
    _wait_for_used(kubectl, two_nodes.node_frontier, namespace, "full", 100 * Mi)
    result = shm("set", "pod/full", "64Mi", "-n", namespace)
    assert result.returncode == 2, result.stdout + result.stderr
    assert (
        "cannot change pod/full in place: /dev/shm of pod full holds 100Mi, more than 64Mi"
        in result.stderr
    )
    assert size_limit(kubectl, namespace, "full") == "128Mi"


def test_a_kubelet_without_the_feature_is_refused_with_the_way_that_works(
    two_nodes, kubectl, shm, namespace, apply
):
    manifest = pod(
        "older",
        image=two_nodes.image,
        node=two_nodes.node_current,
        shm={"medium": "Memory", "sizeLimit": "64Mi"},
    )
    apply(manifest)
    wait_for_pod(kubectl, namespace, "older")
    result = shm("set", "pod/older", "128Mi", "-n", namespace)
    assert result.returncode == 2, result.stdout + result.stderr
    assert (
        "node node-current (v1.34.4) does not declare "
        "InPlacePodVerticalScalingMemoryBackedVolumes" in result.stderr
    )
    assert "kubectl shm set -f pod.yaml --local 128Mi" in result.stderr
    assert size_limit(kubectl, namespace, "older") == "64Mi"


def _wait_for_used(kubectl, node: str, namespace: str, name: str, at_least: int) -> None:
    """The kubelet refreshes volume usage in the background, about once a minute."""
    deadline = time.monotonic() + 150
    while time.monotonic() < deadline:
        summary = json.loads(
            kubectl("get", "--raw", f"/api/v1/nodes/{node}/proxy/stats/summary").stdout
        )
        for found in summary.get("pods") or []:
            if (found["podRef"]["namespace"], found["podRef"]["name"]) != (namespace, name):
                continue
            for volume in found.get("volume") or []:
                if volume.get("name") == "dshm" and (volume.get("usedBytes") or 0) >= at_least:
                    return
        time.sleep(5)
    raise AssertionError(f"the kubelet of {node} never reported {name} using {at_least} bytes")


def test_a_statefulset_with_on_delete_in_place(two_nodes, kubectl, shm, namespace, apply):
    spec = frontier_pod(two_nodes, "unused", "64Mi")["spec"]
    db = statefulset("db", spec, replicas=2)
    db["spec"]["updateStrategy"] = {"type": "OnDelete"}
    apply(db)
    for name in ("db-0", "db-1"):
        wait_for_pod(kubectl, namespace, name)
    result = shm("set", "sts/db", "128Mi", "--in-place", "-n", namespace, "--timeout", "90s")
    template = kubectl(
        "get", "sts", "db", "-n", namespace,
        "-o", "jsonpath={.spec.template.spec.volumes[0].emptyDir.sizeLimit}",
    ).stdout  # fmt: skip
    if CGROUP_V2:
        assert result.returncode == 0, result.stderr
        assert "statefulset/db patched: /dev/shm 64Mi -> 128Mi" in result.stdout
        assert template == "128Mi"
        sizes = {"db-0": 128 * Mi, "db-1": 128 * Mi}
    else:
        # The first pod's resize is refused by the kubelet: it, and the template, are put back.
        assert result.returncode == 3, result.stdout + result.stderr
        assert "not supported on cgroups v1" in result.stderr
        assert "the template is back at 64Mi too" in result.stderr
        assert template == "64Mi"
        sizes = {"db-0": 64 * Mi, "db-1": 64 * Mi}
    for name, size in sizes.items():
        assert size_limit(kubectl, namespace, name) == ("128Mi" if CGROUP_V2 else "64Mi")
        assert shm_df_kib(kubectl, namespace, name)[0] * 1024 == size
        assert restarts(kubectl, namespace, name) == 0


def test_in_place_needs_on_delete(two_nodes, kubectl, shm, namespace, apply):
    spec = frontier_pod(two_nodes, "unused", "64Mi")["spec"]
    apply(statefulset("rolling", spec))
    wait_for_pod(kubectl, namespace, "rolling-0")
    result = shm("set", "sts/rolling", "128Mi", "--in-place", "-n", namespace)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "updateStrategy is OnDelete (this one: RollingUpdate)" in result.stderr
