"""`kubectl shm diagnose` against real crashes: a real SIGBUS, a real ENOSPC, a real OOM kill
by /dev/shm pages, a real eviction by the v1.31 kubelet, and a container printing each
catalogued framework line."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest

from kubectl_shm.model.crash_signatures import catalogue
from tests.crash_lines import CRASH_LINES
from tests.e2e.conftest import Cluster, fresh_namespace, kubectl_runner, shm_runner, wait_for_pod
from tests.e2e.manifests import as_input, deployment, pod, pod_spec

MI = 2**20
# 96Mi does not fit the runtime's 64Mi /dev/shm; it fits 128Mi.
SEGMENT_BYTES = 96 * MI


def diagnosis(shm, *args: str) -> dict:
    result = shm("diagnose", *args, "-o", "json")
    assert result.returncode in (0, 1), result.stderr
    document = json.loads(result.stdout)
    assert (result.returncode == 1) == bool(document["diagnoses"]), result.stderr
    return document


def wait_until(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = predicate()
        if found:
            return found
        time.sleep(2)
    pytest.fail(f"{what} within {timeout:.0f}s")


def pod_status(kubectl, namespace: str, name: str) -> dict:
    return json.loads(kubectl("get", "pod", name, "-n", namespace, "-o", "json").stdout)["status"]


def test_a_real_sigbus_is_diagnosed_and_the_suggested_fix_ends_it(
    two_nodes, kubectl, namespace, shm, apply
):
    command = ("sh", "-c", f"shmtouch /dev/shm/segment {SEGMENT_BYTES} && exec sleep 3600")
    spec = pod_spec(image=two_nodes.image, node=two_nodes.node_current, command=command)
    apply(deployment("trainer", spec))

    def crashed() -> bool:
        pods = json.loads(kubectl("get", "pods", "-n", namespace, "-o", "json").stdout)["items"]
        statuses = [s for p in pods for s in p["status"].get("containerStatuses") or []]
        return any(
            (s.get("lastState") or {}).get("terminated", {}).get("exitCode") == 135
            or (s.get("state") or {}).get("terminated", {}).get("exitCode") == 135
            for s in statuses
        )

    wait_until(crashed, 120, "the trainer did not die of SIGBUS")
    document = diagnosis(shm, "deploy/trainer", "-n", namespace)
    (found,) = document["diagnoses"]
    assert found["workload"] == {"kind": "Deployment", "name": "trainer"}
    assert found["cause"] == "shm-too-small"
    assert "sigbus" in {e["kind"] for e in found["evidence"]}
    assert found["shm"]["shmSource"] == "runtime-default"
    assert found["shm"]["expectedBytes"] == 64 * MI
    assert found["node"]["name"] == two_nodes.node_current
    assert found["fix"]["sizeBytes"] == 128 * MI
    command = found["fix"]["command"]
    assert command == f"kubectl shm set deployment/trainer 128Mi -n {namespace}"

    # The fix, as printed: the new pod maps its 96Mi and keeps running.
    fixed = shm(*command.split()[2:], "--wait", "--timeout", "2m")
    assert fixed.returncode == 0, fixed.stderr
    assert "No /dev/shm trouble" in shm("diagnose", "deploy/trainer", "-n", namespace).stderr


def test_a_real_enospc_is_found_in_the_log(two_nodes, kubectl, namespace, shm, apply):
    command = ("dd", "if=/dev/zero", "of=/dev/shm/fill", "bs=1M", "count=100")
    filler = pod("filler", image=two_nodes.image, node=two_nodes.node_current, command=command)
    filler["spec"]["restartPolicy"] = "Never"
    apply(filler)
    wait_until(
        lambda: pod_status(kubectl, namespace, "filler").get("phase") == "Failed",
        90,
        "dd did not fail",
    )
    (found,) = diagnosis(shm, "-n", namespace)["diagnoses"]
    (evidence,) = found["evidence"]
    assert (evidence["kind"], evidence["signature"]) == ("log", "dev-shm-enospc")
    assert "No space left on device" in evidence["quote"]
    assert found["fix"]["command"] == "kubectl shm set -f <manifest> --local 128Mi"


def test_a_real_eviction_by_a_kubelet_without_sized_memory_volumes_blames_the_kubelet(
    two_nodes, kubectl, namespace, shm, apply
):
    command = ("sh", "-c", "dd if=/dev/zero of=/dev/shm/fill bs=1M count=100; exec sleep 3600")
    shm_volume = {"medium": "Memory", "sizeLimit": "64Mi"}
    apply(
        pod(
            "legacy",
            image=two_nodes.image,
            node=two_nodes.node_legacy,
            shm=shm_volume,
            command=command,
        )
    )
    wait_until(
        lambda: pod_status(kubectl, namespace, "legacy").get("reason") == "Evicted",
        180,
        "the legacy kubelet did not evict the pod",
    )
    (found,) = diagnosis(shm, "-n", namespace)["diagnoses"]
    assert found["cause"] == "kubelet-evicts-past-size-limit"
    assert found["node"]["name"] == two_nodes.node_legacy
    assert found["node"]["sizeMemoryBackedVolumes"] is False
    assert {e["kind"] for e in found["evidence"]} == {"evicted"}
    assert all(e["volume"] == "dshm" for e in found["evidence"])
    assert found["fix"]["kind"] == "kubelet"
    assert found["fix"]["sizeBytes"] == 128 * MI
    assert "SizeMemoryBackedVolumes" in " ".join(found["fix"]["reasons"])


def test_a_real_oom_kill_by_shm_pages_asks_for_memory_not_a_bigger_shm(
    two_nodes, kubectl, namespace, shm, apply
):
    # The tmpfs is min(sizeLimit, memory limit) = 96Mi; its pages count against the 96Mi
    # limit, so filling it kills the writer before the tmpfs is full.
    command = ("sh", "-c", "dd if=/dev/zero of=/dev/shm/fill bs=1M count=200; sleep 1")
    shm_volume = {"medium": "Memory", "sizeLimit": "1Gi"}
    writer = pod(
        "writer",
        image=two_nodes.image,
        node=two_nodes.node_current,
        shm=shm_volume,
        memory_limit="96Mi",
        command=command,
    )
    writer["spec"]["restartPolicy"] = "Never"
    apply(writer)

    def oom_killed() -> bool:
        statuses = pod_status(kubectl, namespace, "writer").get("containerStatuses") or []
        return any(
            (s.get("state") or {}).get("terminated", {}).get("reason") == "OOMKilled"
            for s in statuses
        )

    wait_until(oom_killed, 90, "the writer was not OOM-killed")
    (found,) = diagnosis(shm, "-n", namespace)["diagnoses"]
    assert found["cause"] == "oom-with-memory-shm"
    assert [e["kind"] for e in found["evidence"]] == ["oom-killed"]
    assert found["shm"]["expectedBytes"] == 96 * MI
    assert found["fix"]["kind"] == "memory-limit"
    assert found["fix"]["command"] is None


def test_a_healthy_namespace_exits_0_with_no_rows(cluster, kubectl, namespace, shm, apply):
    apply(pod("quiet", image=cluster.image))
    wait_for_pod(kubectl, namespace, "quiet")
    result = shm("diagnose", "-n", namespace)
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert "No /dev/shm trouble found in 1 pod" in result.stderr


@pytest.fixture(scope="module")
def printed_lines(cluster: Cluster) -> Iterator[str]:
    """A namespace with one pod per catalogue entry, each printing its line and exiting 1."""
    kubectl = kubectl_runner(cluster)
    pods = []
    for entry, (lines, _) in CRASH_LINES.items():
        printer = pod(
            entry, image=cluster.image, command=("sh", "-c", 'printf "%s\\n" "$LINES"; exit 1')
        )
        printer["spec"]["restartPolicy"] = "Never"
        printer["spec"]["containers"][0]["env"] = [{"name": "LINES", "value": "\n".join(lines)}]
        pods.append(printer)
    with fresh_namespace(kubectl) as namespace:
        kubectl("apply", "-n", namespace, "-f", "-", input=as_input(*pods))

        def all_failed() -> bool:
            listed = json.loads(kubectl("get", "pods", "-n", namespace, "-o", "json").stdout)
            return len(listed["items"]) == len(pods) and all(
                p["status"].get("phase") == "Failed" for p in listed["items"]
            )

        wait_until(all_failed, 120, "the printing pods did not all end")
        yield namespace


@pytest.fixture(scope="module")
def diagnosed_lines(printed_lines: str, cluster: Cluster) -> dict[str, dict]:
    result = shm_runner(cluster)("diagnose", "-n", printed_lines, "-o", "json")
    assert result.returncode == 1, result.stderr
    return {d["pod"]: d for d in json.loads(result.stdout)["diagnoses"]}


@pytest.mark.parametrize("signature", catalogue(), ids=lambda signature: signature.id)
def test_each_catalogued_line_printed_by_a_container_is_named(diagnosed_lines, signature):
    found = diagnosed_lines.get(signature.id)
    assert found is not None, f"no diagnosis for the pod printing {signature.id}"
    by_signature = {e["signature"]: e for e in found["evidence"]}
    evidence = by_signature[signature.id]
    assert evidence["bytes"] == CRASH_LINES[signature.id][1]
    assert evidence["where"] == "log"
    assert found["cause"] == ("shm-unusable" if signature.unusable else "shm-too-small")


def test_all_namespaces_names_every_printing_pod(printed_lines, diagnosed_lines, cluster, shm):
    document = diagnosis(shm, "-A")
    named = {d["pod"] for d in document["diagnoses"] if d["namespace"] == printed_lines}
    assert named == set(CRASH_LINES)
    assert document["scanned"]["events"] is not None
