"""`kubectl shm audit` against the live cluster: per node, per kubelet, with RBAC limits."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from tests.e2e.conftest import fill_shm
from tests.e2e.manifests import as_input, deployment, pod, pod_spec

SHM_256 = {"medium": "Memory", "sizeLimit": "256Mi"}
WORKLOAD_KEYS = {"kind", "namespace", "name", "podMemoryLimitBytes", "containers", "findings"}
CONTAINER_KEYS = {
    "name", "shmSource", "volume", "sizeLimitBytes", "expectedBytes", "expectedBasis", "usedBytes",
}  # fmt: skip
FINDING_KEYS = {"rule", "severity", "container", "message", "fingerprint"}


@pytest.fixture
def workloads(two_nodes, kubectl, namespace):
    """Deployments on each node, one spread over both, a GPU pod and a clean web server."""
    image = two_nodes.image
    spread = pod_spec(image=image, shm=SHM_256)
    spread["topologySpreadConstraints"] = [
        {
            "maxSkew": 1,
            "topologyKey": "kubernetes.io/hostname",
            "whenUnsatisfiable": "DoNotSchedule",
            "labelSelector": {"matchLabels": {"app": "spread"}},
        }
    ]
    gpu = pod("gpu-trainer", image=image, node=two_nodes.node_current)
    gpu["spec"]["containers"][0]["resources"] = {"limits": {"nvidia.com/gpu": "1"}}
    objects = [
        deployment("on-legacy", pod_spec(image=image, node=two_nodes.node_legacy, shm=SHM_256)),
        deployment("on-current", pod_spec(image=image, node=two_nodes.node_current, shm=SHM_256)),
        deployment("spread", spread, replicas=2),
        gpu,
        pod("web", image=image, labels={"app": "web", "tier": "frontend"}),
    ]
    kubectl("apply", "-n", namespace, "-f", "-", input=as_input(*objects))
    kubectl("wait", "--for=condition=Available", "deployment", "--all", "-n", namespace,
            "--timeout=120s")  # fmt: skip
    kubectl("wait", "--for=condition=Ready", "pod", "--all", "-n", namespace, "--timeout=120s")
    return namespace


def audit_json(shm, *args: str) -> dict:
    result = shm("audit", "-o", "json", "--fail-on", "never", *args)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def by_name(document: dict) -> dict[str, dict]:
    return {w["name"]: w for w in document["workloads"]}


def rules(workload: dict) -> set[str]:
    return {f["rule"] for f in workload["findings"]}


def test_json_follows_the_contract(workloads, shm):
    document = audit_json(shm, "-n", workloads)
    assert document["kind"] == "ShmAudit"
    assert document["cluster"]["serverVersion"].startswith("v1.37.")
    nodes = {n["name"]: n for n in document["cluster"]["nodes"]}
    assert nodes["node-legacy"]["sizeMemoryBackedVolumes"] is False
    assert nodes["node-legacy"]["gateSource"] in ("metrics", "configz")
    assert nodes["node-current"]["sizeMemoryBackedVolumes"] is True
    assert set(document["summary"]) == {"workloads", "error", "warning", "info"}
    assert document["summary"]["workloads"] == len(document["workloads"]) == 5
    for workload in document["workloads"]:
        assert set(workload) >= WORKLOAD_KEYS
        for container in workload["containers"]:
            assert set(container) >= CONTAINER_KEYS
        for finding in workload["findings"]:
            assert set(finding) == FINDING_KEYS


def test_legacy_node_gets_half_of_ram_and_the_finding(workloads, shm, kubectl):
    found = by_name(audit_json(shm, "-n", workloads))
    memory = kubectl("get", "node", "node-legacy", "-o", "jsonpath={.status.capacity.memory}")
    half = int(memory.stdout.removesuffix("Ki")) * 1024 // 2 // 4096 * 4096

    legacy = found["on-legacy"]
    assert legacy["kind"] == "Deployment"
    assert "shm-sizelimit-not-applied" in rules(legacy)
    [container] = legacy["containers"]
    assert (container["expectedBytes"], container["expectedBasis"]) == (half, "half-node-memory")
    assert container["sizeLimitBytes"] == 256 * 1024 * 1024

    current = found["on-current"]
    assert "shm-sizelimit-not-applied" not in rules(current)
    [container] = current["containers"]
    assert (container["expectedBytes"], container["expectedBasis"]) == (256 << 20, "sizeLimit")


def test_workload_on_both_nodes_reports_each_answer(workloads, shm):
    spread = by_name(audit_json(shm, "-n", workloads))["spread"]
    answers = {(c["expectedBasis"], c["expectedBytes"] == 256 << 20) for c in spread["containers"]}
    assert answers == {("half-node-memory", False), ("sizeLimit", True)}
    assert "shm-sizelimit-not-applied" in rules(spread)


def test_gpu_pod_without_shm_and_clean_web_server(workloads, shm):
    found = by_name(audit_json(shm, "-n", workloads))
    gpu = found["gpu-trainer"]
    assert gpu["kind"] == "Pod"
    assert rules(gpu) == {"default-shm-ai-workload"}
    assert gpu["containers"][0]["expectedBytes"] == 64 << 20
    assert found["web"]["findings"] == []


def test_live_usage_and_near_full(workloads, shm, kubectl):
    pod_name = kubectl("get", "pods", "-n", workloads, "-l", "app=on-current", "-o",
                       "jsonpath={.items[0].metadata.name}").stdout  # fmt: skip
    fill_shm(kubectl, workloads, pod_name, 220)
    deadline = time.monotonic() + 90  # the kubelet refreshes volume stats every minute or so
    while True:
        current = by_name(audit_json(shm, "-n", workloads))["on-current"]
        used = current["containers"][0]["usedBytes"]
        if used and used >= 220 << 20:
            break
        assert time.monotonic() < deadline, f"usage never reported (last: {used})"
        time.sleep(5)
    assert "shm-near-full" in rules(current)


def test_selector_namespace_and_all_namespaces(workloads, shm):
    selected = audit_json(shm, "-n", workloads, "-l", "tier=frontend")
    assert [w["name"] for w in selected["workloads"]] == ["web"]
    everywhere = audit_json(shm, "-A")
    assert {w["name"] for w in everywhere["workloads"] if w["namespace"] == workloads} == {
        "on-legacy", "on-current", "spread", "gpu-trainer", "web",
    }  # fmt: skip


def test_table_and_exit_code(workloads, shm):
    result = shm("audit", "-n", workloads)
    assert result.returncode == 1  # an error finding, --fail-on error by default
    assert "deploy/on-legacy" in result.stdout or "deployment/on-legacy" in result.stdout.lower()
    assert "shm-sizelimit-not-applied" in result.stdout
    assert result.stderr == ""
    assert shm("audit", "-n", workloads, "--fail-on", "never").returncode == 0


def test_context_flag_selects_the_namespace(workloads, shm, kubectl, tmp_path):
    config = json.loads(kubectl("config", "view", "--raw", "-o", "json").stdout)
    base = config["contexts"][0]["context"]
    config["contexts"] = [
        {"name": "elsewhere", "context": {**base, "namespace": "kube-system"}},
        {"name": "workloads", "context": {**base, "namespace": workloads}},
    ]
    config["current-context"] = "elsewhere"
    path = tmp_path / "two-contexts"
    path.write_text(json.dumps(config))
    found = audit_json(shm, "--kubeconfig", str(path), "--context", "workloads")
    assert {w["namespace"] for w in found["workloads"]} == {workloads}
    unknown = shm("audit", "--kubeconfig", str(path), "--context", "nope")
    assert unknown.returncode == 3
    assert unknown.stderr.strip() == f"error: context 'nope' does not exist in kubeconfig {path}"


def test_rbac_limited_user_gets_a_degraded_report(workloads, shm, limited_kubeconfig):
    # May list pods in its namespace, nothing else: no ReplicaSets, no nodes, no nodes/proxy.
    kubeconfig = limited_kubeconfig([{"apiGroups": [""], "resources": ["pods"], "verbs": ["list"]}])
    result = shm("audit", "--kubeconfig", kubeconfig, "-o", "json", "--fail-on", "never")
    assert result.returncode == 0, result.stderr
    warnings = result.stderr.splitlines()
    assert any("cannot list ReplicaSets" in line for line in warnings), warnings
    assert any("cannot list nodes" in line for line in warnings), warnings
    assert all(line.startswith("Warning: ") for line in warnings)
    found = by_name(json.loads(result.stdout))
    # Without ReplicaSets, pods group by their ReplicaSet; still every pod is audited.
    assert {w["kind"] for w in found.values()} == {"ReplicaSet", "Pod"}

    everywhere = shm("audit", "--kubeconfig", kubeconfig, "-A")
    assert everywhere.returncode == 3
    assert everywhere.stderr.startswith("error: ")
    assert "forbidden" in everywhere.stderr.lower()
    assert len(everywhere.stderr.splitlines()) == 1


def test_shipped_audit_role_is_enough(two_nodes, workloads, shm, kubectl, limited_kubeconfig):
    manifest = Path(__file__).parents[2] / "deploy" / "rbac.yaml"
    kubectl("apply", "-f", str(manifest))
    roles = json.loads(kubectl("get", "clusterrole", "kubectl-shm-audit", "-o", "json").stdout)
    kubeconfig = limited_kubeconfig([], cluster_rules=roles["rules"])
    result = shm("audit", "--kubeconfig", kubeconfig, "-A", "-o", "json", "--fail-on", "never")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""  # nothing degraded
    document = json.loads(result.stdout)
    # Kubelets are asked for their gates where pods mount something at /dev/shm: the
    # workloads run on these two nodes (the frontier node is tainted).
    probed = {two_nodes.node_current, two_nodes.node_legacy}
    nodes = [n for n in document["cluster"]["nodes"] if n["name"] in probed]
    assert len(nodes) == 2
    assert all(n["gateSource"] != "default" for n in nodes)
    assert any(w["namespace"] == workloads for w in document["workloads"])
