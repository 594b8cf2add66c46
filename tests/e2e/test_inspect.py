"""`kubectl shm inspect` against the real two-node cluster: the field reports, reproduced.

Every observed size is checked against the kernel's own answer (`df` run with
kubectl exec, or the node's memory), not against what the tool expects.
"""

from __future__ import annotations

import json
import time

import pytest

from tests.e2e.conftest import shm_df_kib, wait_for_volume_stats
from tests.e2e.manifests import as_input, daemonset, deployment, pod, pod_spec

pytestmark = pytest.mark.e2e

Mi = 2**20
SHM_256 = {"medium": "Memory", "sizeLimit": "256Mi"}
POD_KEYS = {"namespace", "name", "node", "kubeletVersion", "sizeMemoryBackedVolumes", "containers"}
CONTAINER_KEYS = {
    "name", "shmSource", "sizeLimitBytes", "expectedBytes", "expectedBasis", "observedBytes",
    "observedUsedBytes", "method", "match", "explanation",
}  # fmt: skip


def local(obj: dict) -> dict:
    """Never pull: the cluster's images are built locally."""
    spec = obj["spec"]["template"]["spec"] if "template" in obj["spec"] else obj["spec"]
    for container in spec["containers"]:
        container["imagePullPolicy"] = "Never"
    return obj


def run_pods(kubectl, namespace: str, *objects: dict) -> None:
    kubectl("apply", "-n", namespace, "-f", "-", input=as_input(*(local(o) for o in objects)))
    kubectl("wait", "--for=condition=Ready", "pod", "--all", "-n", namespace, "--timeout=120s")


def inspect_json(shm, *args: str, status: int = 0) -> dict:
    result = shm("inspect", *args, "-o", "json")
    assert result.returncode == status, result.stderr
    document = json.loads(result.stdout)
    assert document["kind"] == "ShmInspection"
    for found in document["pods"]:
        assert set(found) == POD_KEYS
        for container in found["containers"]:
            assert set(container) == CONTAINER_KEYS
    return document


def only_container(document: dict) -> dict:
    [found] = document["pods"]
    [container] = found["containers"]
    return container


def df_bytes(kubectl, namespace: str, name: str) -> int:
    """What the kernel says, read independently: 1K blocks of /dev/shm from `kubectl exec df`."""
    return shm_df_kib(kubectl, namespace, name)[0] * 1024


def half_of_ram(kubectl, node: str) -> int:
    """A tmpfs without size= is half the RAM, in pages (mm/shmem.c)."""
    capacity = json.loads(kubectl("get", "node", node, "-o", "json").stdout)["status"]["capacity"]
    kib = int(capacity["memory"].removesuffix("Ki"))
    return kib * 1024 // 4096 // 2 * 4096


def test_no_volume_is_the_runtime_default_64mi(two_nodes, kubectl, shm, namespace):
    run_pods(kubectl, namespace, pod("plain", image=two_nodes.image, node=two_nodes.node_legacy))
    container = only_container(inspect_json(shm, "pod/plain", "-n", namespace))
    assert container["observedBytes"] == 64 * Mi == df_bytes(kubectl, namespace, "plain")
    assert (container["shmSource"], container["expectedBasis"]) == (
        "runtime-default",
        "runtime-default",
    )
    assert (container["method"], container["match"]) == ("exec-df", True)
    assert "runtime's own tmpfs" in container["explanation"]


def test_field_report_sizelimit_256mi_on_the_legacy_kubelet_is_half_the_ram(
    two_nodes, kubectl, shm, namespace
):
    run_pods(
        kubectl,
        namespace,
        pod("trainer", image=two_nodes.image, node=two_nodes.node_legacy, shm=SHM_256),
    )
    document = inspect_json(shm, "trainer", "-n", namespace)
    [found] = document["pods"]
    assert (found["node"], found["kubeletVersion"]) == (two_nodes.node_legacy, "v1.31.4")
    assert found["sizeMemoryBackedVolumes"] is False
    container = found["containers"][0]
    half = half_of_ram(kubectl, two_nodes.node_legacy)
    assert container["observedBytes"] == df_bytes(kubectl, namespace, "trainer") == half
    assert container["observedBytes"] > 256 * Mi
    assert (container["expectedBasis"], container["expectedBytes"]) == ("half-node-memory", half)
    assert (container["sizeLimitBytes"], container["match"]) == (256 * Mi, True)
    explanation = container["explanation"]
    assert explanation.startswith("Kubelet v1.31.4 on node-legacy has SizeMemoryBackedVolumes off")
    assert "half the node's RAM" in explanation
    assert "evicted" in explanation


def test_sizelimit_256mi_on_the_current_kubelet(two_nodes, kubectl, shm, namespace):
    run_pods(
        kubectl,
        namespace,
        pod("trainer", image=two_nodes.image, node=two_nodes.node_current, shm=SHM_256),
    )
    document = inspect_json(shm, "pod/trainer", "-n", namespace)
    assert document["pods"][0]["sizeMemoryBackedVolumes"] is True
    container = only_container(document)
    assert container["observedBytes"] == 256 * Mi == df_bytes(kubectl, namespace, "trainer")
    assert (container["expectedBasis"], container["match"]) == ("sizeLimit", True)
    assert "SizeMemoryBackedVolumes on" in container["explanation"]


def test_field_report_capped_by_a_128mi_memory_limit(two_nodes, kubectl, shm, namespace):
    run_pods(
        kubectl,
        namespace,
        pod(
            "capped",
            image=two_nodes.image,
            node=two_nodes.node_current,
            shm=SHM_256,
            memory_limit="128Mi",
        ),
    )
    result = shm("inspect", "pod/capped", "-n", namespace)
    assert result.returncode == 0, result.stderr
    assert "Capped by the pod memory limit (128Mi)" in " ".join(result.stdout.split())
    container = only_container(inspect_json(shm, "pod/capped", "-n", namespace))
    assert container["observedBytes"] == 128 * Mi == df_bytes(kubectl, namespace, "capped")
    assert (container["expectedBasis"], container["match"]) == ("pod-memory-limit", True)


def test_container_without_df_falls_back_to_the_kubelet_stats(two_nodes, kubectl, shm, namespace):
    if two_nodes.distroless_image is None:
        pytest.skip("needs an image without df")
    sleeper = dict(image=two_nodes.distroless_image, node=two_nodes.node_current, command=())
    with_volume = pod("distroless", shm=SHM_256, **sleeper)
    without = pod("bare", **sleeper)
    for obj in (with_volume, without):
        del obj["spec"]["containers"][0]["command"]  # the image's entrypoint sleeps
    run_pods(kubectl, namespace, with_volume, without)
    assert kubectl("exec", "bare", "-n", namespace, "--", "df", check=False).returncode != 0
    wait_for_volume_stats(kubectl, two_nodes.node_current, namespace, "distroless")

    container = only_container(inspect_json(shm, "pod/distroless", "-n", namespace))
    assert (container["method"], container["observedBytes"]) == ("stats-summary", 256 * Mi)
    assert (container["match"], container["observedUsedBytes"]) == (True, 0)

    result = shm("inspect", "pod/bare", "-n", namespace, "-o", "json")
    assert result.returncode == 0, result.stderr
    assert "1 of 1 containers could not be observed" in result.stderr
    bare = only_container(json.loads(result.stdout))
    assert (bare["method"], bare["observedBytes"], bare["match"]) == ("none", None, None)
    assert bare["explanation"].startswith(
        "Not observed: no df in the image; no cat in the image. Expected:"
    )


def test_debug_container_reads_df_beside_a_distroless_container(
    two_nodes, kubectl, shm, namespace, limited_kubeconfig
):
    if two_nodes.distroless_image is None:
        pytest.skip("needs an image without df")
    bare = pod("bare", image=two_nodes.distroless_image, node=two_nodes.node_legacy)
    with_volume = pod(
        "distroless", image=two_nodes.distroless_image, node=two_nodes.node_current, shm=SHM_256
    )
    for obj in (bare, with_volume):
        del obj["spec"]["containers"][0]["command"]  # the image's entrypoint sleeps
    run_pods(kubectl, namespace, bare, with_volume)
    # May exec and add ephemeral containers, but not read the kubelets' stats (so the
    # memory volume is not answered by them) nor list nodes (a current kubelet is assumed).
    limited = limited_kubeconfig(
        [
            {"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list"]},
            {"apiGroups": [""], "resources": ["pods/exec"], "verbs": ["get", "create"]},
            {"apiGroups": [""], "resources": ["pods/ephemeralcontainers"], "verbs": ["patch"]},
        ]
    )
    for name, size, kubeconfig in (
        ("bare", 64 * Mi, two_nodes.kubeconfig),
        ("distroless", 256 * Mi, limited),
    ):
        args = ("inspect", f"pod/{name}", "-n", namespace, "--kubeconfig", kubeconfig)
        result = shm(*args, "-o", "json", "--debug", "--image", two_nodes.image)
        assert result.returncode == 0, result.stderr
        container = only_container(json.loads(result.stdout))
        assert (container["method"], container["observedBytes"]) == ("exec-df", size), container[
            "explanation"
        ]
        assert container["match"] is True
        spec = json.loads(kubectl("get", "pod", name, "-n", namespace, "-o", "json").stdout)
        [debug] = spec["spec"]["ephemeralContainers"]
        assert debug["name"].startswith("shm-inspect-")
        assert f"added ephemeral container {debug['name']} to pod {name}" in result.stderr


def test_a_daemonset_on_both_nodes_gets_two_answers(two_nodes, kubectl, shm, namespace):
    spec = pod_spec(image=two_nodes.image, shm=SHM_256)
    agent = local(daemonset("agent", spec))
    kubectl("apply", "-n", namespace, "-f", "-", input=as_input(agent))
    kubectl("rollout", "status", "ds/agent", "-n", namespace, "--timeout=120s")

    document = inspect_json(shm, "ds/agent", "-n", namespace)
    by_node = {p["node"]: p for p in document["pods"]}
    assert set(by_node) == {two_nodes.node_current, two_nodes.node_legacy}
    legacy = by_node[two_nodes.node_legacy]["containers"][0]
    current = by_node[two_nodes.node_current]["containers"][0]
    assert legacy["observedBytes"] == half_of_ram(kubectl, two_nodes.node_legacy)
    assert legacy["expectedBasis"] == "half-node-memory"
    assert (current["observedBytes"], current["expectedBasis"]) == (256 * Mi, "sizeLimit")
    assert legacy["match"] is current["match"] is True

    table = shm("inspect", "daemonsets.apps/agent", "-n", namespace, "-c", "main")
    assert table.returncode == 0, table.stderr
    assert f"on {two_nodes.node_legacy}" in table.stdout
    assert f"on {two_nodes.node_current}" in table.stdout
    assert "2 containers in 2 pods: 2 match, 0 differ, 0 not observed" in table.stdout


def test_a_size_that_differs_exits_1(two_nodes, kubectl, shm, namespace):
    """The container mounts its own 1Mi tmpfs over the runtime's 64Mi /dev/shm."""
    remount = pod(
        "remounted",
        image=two_nodes.image,
        node=two_nodes.node_current,
        command=("sh", "-c", "mount -t tmpfs -o size=1m tmpfs /dev/shm && exec sleep 3600"),
    )
    remount["spec"]["containers"][0]["securityContext"] = {"privileged": True}
    run_pods(kubectl, namespace, remount)
    assert df_bytes(kubectl, namespace, "remounted") == Mi
    container = only_container(inspect_json(shm, "remounted", "-n", namespace, status=1))
    assert (container["observedBytes"], container["expectedBytes"]) == (Mi, 64 * Mi)
    assert container["match"] is False
    assert "mounted a /dev/shm of its own" in container["explanation"]
    table = shm("inspect", "remounted", "-n", namespace)
    assert table.returncode == 1
    assert "NO" in table.stdout


def test_pending_pods_and_forbidden_exec_are_reported_in_their_rows(
    two_nodes, kubectl, shm, namespace, limited_kubeconfig
):
    """Two replicas that may not share a node, both pinned to node-current: one runs, one is
    Pending. Without pods/exec, the memory volume is still read from the kubelet's stats."""
    spec = pod_spec(image=two_nodes.image, node=two_nodes.node_current, shm=SHM_256)
    spec["containers"].append(
        {"name": "plain", "image": two_nodes.image, "command": ["sleep", "3600"]}
    )
    spec["affinity"] = {
        "podAntiAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": [
                {
                    "labelSelector": {"matchLabels": {"app": "mixed"}},
                    "topologyKey": "kubernetes.io/hostname",
                }
            ]
        }
    }
    kubectl(
        "apply",
        "-n",
        namespace,
        "-f",
        "-",
        input=as_input(local(deployment("mixed", spec, replicas=2))),
    )
    running = _wait_for_one_running_one_pending(kubectl, namespace)
    wait_for_volume_stats(kubectl, two_nodes.node_current, namespace, running)
    # May read pods and deployments, and the kubelets through the node proxy; no pods/exec.
    kubeconfig = limited_kubeconfig(
        [
            {"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list"]},
            {"apiGroups": ["apps"], "resources": ["deployments"], "verbs": ["get"]},
        ],
        cluster_rules=[
            {"apiGroups": [""], "resources": ["nodes"], "verbs": ["list"]},
            {"apiGroups": [""], "resources": ["nodes/proxy"], "verbs": ["get"]},
        ],
    )
    result = shm("inspect", "deploy/mixed", "--kubeconfig", kubeconfig, "-o", "json")
    assert result.returncode == 0, result.stderr
    assert "3 of 4 containers could not be observed" in result.stderr
    rows = {p["name"]: p for p in json.loads(result.stdout)["pods"]}
    assert len(rows) == 2
    ran = {c["name"]: c for c in rows.pop(running)["containers"]}
    assert (ran["main"]["method"], ran["main"]["observedBytes"], ran["main"]["match"]) == (
        "stats-summary",
        256 * Mi,
        True,
    )
    assert ran["plain"]["method"] == "none"
    assert ran["plain"]["explanation"].startswith(
        "Not observed: exec forbidden (needs get and create on pods/exec). Expected:"
    )
    [pending] = rows.values()
    assert pending["node"] is None
    for container in pending["containers"]:
        assert container["explanation"].startswith(
            "Not observed: pod is Pending, not scheduled (Unschedulable)."
        )


def test_a_missing_pod_is_one_line_and_exit_3(two_nodes, shm, namespace):
    result = shm("inspect", "pod/nope", "-n", namespace)
    assert result.returncode == 3
    assert result.stderr == f'error: pods "nope" not found in namespace "{namespace}"\n'
    assert result.stdout == ""


def _wait_for_one_running_one_pending(kubectl, namespace: str) -> str:
    """The name of the replica that runs, once the other is known to be unschedulable."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        pods = json.loads(kubectl("get", "pods", "-n", namespace, "-o", "json").stdout)["items"]
        ready = [
            p["metadata"]["name"]
            for p in pods
            for c in p["status"].get("conditions") or []
            if c["type"] == "Ready" and c["status"] == "True"
        ]
        unschedulable = [
            p
            for p in pods
            for c in p["status"].get("conditions") or []
            if c["type"] == "PodScheduled" and c.get("reason") == "Unschedulable"
        ]
        if len(pods) == 2 and len(ready) == 1 and len(unschedulable) == 1:
            return ready[0]
        time.sleep(2)
    raise AssertionError("expected one running and one unschedulable replica")
