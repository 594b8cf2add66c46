"""The size model's kubelet rules, each shown by a real pod: `df` equals what audit and
inspect predict, or the pod fails the way the rule says (DESIGN section 2)."""

from __future__ import annotations

import json
import shutil
import time

import pytest

from tests.e2e.conftest import shm_df_kib, wait_for_pod
from tests.e2e.manifests import pod

pytestmark = pytest.mark.e2e

Mi = 1024 * 1024
MEMORY_512 = {"medium": "Memory", "sizeLimit": "512Mi"}


def audit_row(shm, namespace: str, name: str) -> tuple[dict, list[dict]]:
    """(the container 'main', the findings) of pod `name` in `audit -o json`."""
    result = shm("audit", "-n", namespace, "-o", "json", "--fail-on", "never", "--no-usage")
    assert result.returncode == 0, result.stderr
    [workload] = [w for w in json.loads(result.stdout)["workloads"] if w["name"] == name]
    [main] = [c for c in workload["containers"] if c["name"] == "main"]
    return main, workload["findings"]


def inspected(shm, namespace: str, name: str) -> dict:
    result = shm("inspect", f"pod/{name}", "-n", namespace, "-c", "main", "-o", "json")
    assert result.returncode == 0, result.stdout + result.stderr
    [found] = json.loads(result.stdout)["pods"]
    [main] = found["containers"]
    return main


def assert_df_is_predicted(kubectl, shm, namespace: str, name: str, expected: int, basis: str):
    wait_for_pod(kubectl, namespace, name)
    size_kib, _ = shm_df_kib(kubectl, namespace, name)
    assert size_kib * 1024 == expected
    main, _ = audit_row(shm, namespace, name)
    assert (main["expectedBytes"], main["expectedBasis"]) == (expected, basis)
    seen = inspected(shm, namespace, name)
    assert (seen["expectedBytes"], seen["observedBytes"], seen["match"]) == (
        expected,
        expected,
        True,
    )


def test_a_relative_mount_path_is_dev_shm(two_nodes, kubectl, shm, namespace, apply):
    # makeMounts makes `dev/shm` absolute: it replaces the runtime's 64Mi.
    manifest = pod("relative", image=two_nodes.image, node=two_nodes.node_current, shm=MEMORY_512)
    manifest["spec"]["containers"][0]["volumeMounts"][0]["mountPath"] = "dev/shm"
    apply(manifest)
    assert_df_is_predicted(kubectl, shm, namespace, "relative", 512 * Mi, "sizeLimit")


def sidecar_then_init(two_nodes, name: str, node: str) -> dict:
    """A 64Mi sidecar, then an init container without a limit, an app of 128Mi, sizeLimit
    512Mi: the pod limit the kubelet computes differs between 1.34 and 1.37."""
    manifest = pod(name, image=two_nodes.image, node=node, shm=MEMORY_512, memory_limit="128Mi")
    manifest["spec"]["initContainers"] = [
        {
            "name": "proxy",
            "image": two_nodes.image,
            "command": ["sleep", "3600"],
            "restartPolicy": "Always",
            "resources": {"limits": {"memory": "64Mi"}},
        },
        {"name": "setup", "image": two_nodes.image, "command": ["true"]},
    ]
    return manifest


def test_a_sidecar_covers_a_later_init_container_on_1_34(two_nodes, kubectl, shm, namespace, apply):
    # 1.28-1.36: the init container 'setup' has no limit, but ContainerFn sees it with the
    # 64Mi sidecar before it, so the pod has a limit: app 128Mi + sidecar 64Mi = 192Mi.
    apply(sidecar_then_init(two_nodes, "covered", two_nodes.node_current))
    assert_df_is_predicted(kubectl, shm, namespace, "covered", 192 * Mi, "pod-memory-limit")


def test_1_37_checks_each_containers_own_limit(two_nodes, kubectl, shm, namespace, apply):
    # v1.37.2 ResourceConfigForPod: 'setup' declares no limit of its own, so the pod has
    # none and sizeLimit decides: 512Mi where 1.34 mounted 192Mi.
    manifest = sidecar_then_init(two_nodes, "uncovered", two_nodes.node_frontier)
    manifest["spec"]["tolerations"] = [{"key": "kubectl-shm.local/frontier", "operator": "Exists"}]
    apply(manifest)
    assert_df_is_predicted(kubectl, shm, namespace, "uncovered", 512 * Mi, "sizeLimit")


def test_pod_level_memory_limit_caps_shm_on_1_34(two_nodes, kubectl, shm, namespace, apply):
    # PodLevelResources is beta and on in 1.34: spec.resources.limits.memory is the pod's.
    manifest = pod("podlevel", image=two_nodes.image, node=two_nodes.node_current, shm=MEMORY_512)
    manifest["spec"]["resources"] = {"limits": {"memory": "160Mi"}}
    apply(manifest)
    assert_df_is_predicted(kubectl, shm, namespace, "podlevel", 160 * Mi, "pod-memory-limit")


def test_lowercase_memory_medium_never_starts(two_nodes, kubectl, shm, namespace, apply):
    apply(
        pod(
            "lowercase",
            image=two_nodes.image,
            node=two_nodes.node_current,
            shm={"medium": "memory", "sizeLimit": "64Mi"},
        )
    )
    message = _wait_for_event(kubectl, namespace, "lowercase", "FailedMount")
    assert 'unknown storage medium "memory"' in message
    phase = kubectl("get", "pod", "lowercase", "-n", namespace, "-o", "jsonpath={.status.phase}")
    assert phase.stdout == "Pending"
    _, findings = audit_row(shm, namespace, "lowercase")
    assert [f["rule"] for f in findings] == ["shm-volume-invalid"]
    assert 'unknown storage medium "memory"' in findings[0]["message"]


def test_a_read_only_dev_shm_refuses_writes(two_nodes, kubectl, shm, namespace, apply):
    manifest = pod("readonly", image=two_nodes.image, node=two_nodes.node_current, shm=MEMORY_512)
    manifest["spec"]["containers"][0]["volumeMounts"][0]["readOnly"] = True
    apply(manifest)
    wait_for_pod(kubectl, namespace, "readonly")
    written = kubectl(
        "exec", "readonly", "-n", namespace, "--", "touch", "/dev/shm/segment", check=False
    )
    assert written.returncode != 0
    assert "Read-only file system" in written.stderr
    _, findings = audit_row(shm, namespace, "readonly")
    assert "shm-read-only" in [f["rule"] for f in findings]


def test_a_host_path_elsewhere_is_a_host_directory(two_nodes, kubectl, shm, namespace, apply):
    host_dir = f"/tmp/kubectl-shm-e2e-{namespace}"
    manifest = pod("scratch", image=two_nodes.image, node=two_nodes.node_current)
    manifest["spec"]["volumes"] = [
        {"name": "dshm", "hostPath": {"path": host_dir, "type": "DirectoryOrCreate"}}
    ]
    manifest["spec"]["containers"][0]["volumeMounts"] = [{"name": "dshm", "mountPath": "/dev/shm"}]
    apply(manifest)
    wait_for_pod(kubectl, namespace, "scratch")
    mounts = kubectl("exec", "scratch", "-n", namespace, "--", "cat", "/proc/mounts").stdout
    [line] = [m for m in mounts.splitlines() if m.split()[1] == "/dev/shm"]
    assert line.split()[2] != "tmpfs"  # the host's disk, not a tmpfs
    _, findings = audit_row(shm, namespace, "scratch")
    [finding] = [f for f in findings if f["rule"] == "shm-host-shared"]
    assert f"the host directory {host_dir}" in finding["message"]
    kubectl("delete", "pod", "scratch", "-n", namespace, "--wait=true")
    shutil.rmtree(host_dir, ignore_errors=True)  # the kubelet runs on this host


def _wait_for_event(kubectl, namespace: str, pod_name: str, reason: str, timeout: float = 90):
    deadline = time.monotonic() + timeout
    while True:
        events = json.loads(
            kubectl(
                "get",
                "events",
                "-n",
                namespace,
                "--field-selector",
                f"involvedObject.name={pod_name},reason={reason}",
                "-o",
                "json",
            ).stdout
        )["items"]
        if events:
            return events[0]["message"]
        assert time.monotonic() < deadline, f"no {reason} event for {pod_name}"
        time.sleep(2)
