"""The ClusterRoles shipped in deploy/rbac.yaml are enough for set, inspect and diagnose."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from tests.e2e.manifests import as_input, deployment, pod_spec

MANIFEST = Path(__file__).parents[2] / "deploy" / "rbac.yaml"


@pytest.fixture
def shipped_rules(kubectl):
    kubectl("apply", "-f", str(MANIFEST))

    def rules(role: str) -> list[dict]:
        found = json.loads(kubectl("get", "clusterrole", role, "-o", "json").stdout)
        return found["rules"]

    return rules


def test_set_then_inspect_with_only_the_shipped_roles(
    two_nodes, kubectl, namespace, shm, shipped_rules, limited_kubeconfig
):
    web = deployment("web", pod_spec(image=two_nodes.image, node=two_nodes.node_current))
    kubectl("apply", "-n", namespace, "-f", "-", input=as_input(web))
    kubectl("rollout", "status", "deployment/web", "-n", namespace, "--timeout=120s")

    setter = limited_kubeconfig([], cluster_rules=shipped_rules("kubectl-shm-set"))
    changed = shm("set", "--kubeconfig", setter, "deploy/web", "96Mi", "--wait", "--timeout", "2m")
    assert changed.returncode == 0, changed.stderr
    assert "forbidden" not in changed.stderr.lower()

    inspector = limited_kubeconfig([], cluster_rules=shipped_rules("kubectl-shm-inspect"))
    result = shm("inspect", "--kubeconfig", inspector, "deploy/web", "-o", "json")
    assert result.returncode == 0, result.stderr
    pods = json.loads(result.stdout)["pods"]
    [pod] = pods
    [container] = pod["containers"]
    assert container["method"] == "exec-df"
    assert container["observedBytes"] == 96 * 1024 * 1024
    assert container["match"] is True


def test_diagnose_with_only_the_shipped_role_reads_states_events_and_logs(
    two_nodes, kubectl, namespace, shm, shipped_rules, limited_kubeconfig
):
    command = ("sh", "-c", "dd if=/dev/zero of=/dev/shm/fill bs=1M count=100; exit 1")
    crasher = deployment(
        "filler", pod_spec(image=two_nodes.image, node=two_nodes.node_current, command=command)
    )
    kubectl("apply", "-n", namespace, "-f", "-", input=as_input(crasher))
    deadline = time.monotonic() + 120
    while not _restarted(kubectl, namespace):
        assert time.monotonic() < deadline, "the filler never restarted"
        time.sleep(2)

    diagnoser = limited_kubeconfig([], cluster_rules=shipped_rules("kubectl-shm-diagnose"))
    result = shm("diagnose", "--kubeconfig", diagnoser, "deploy/filler", "-o", "json")
    assert result.returncode == 1, result.stderr
    assert "forbidden" not in result.stderr.lower() and "cannot" not in result.stderr
    (found,) = json.loads(result.stdout)["diagnoses"]
    assert "dev-shm-enospc" in {e["signature"] for e in found["evidence"]}
    assert found["fix"]["command"] == f"kubectl shm set deployment/filler 128Mi -n {namespace}"

    # Without pods/log and events: what it could not read is said, the rest still reported.
    states_only = limited_kubeconfig(
        [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list"]}]
    )
    result = shm("diagnose", "--kubeconfig", states_only, "-o", "json")
    assert "needs get pods/log" in result.stderr
    assert "needs list events" in result.stderr


def _restarted(kubectl, namespace: str) -> bool:
    pods = json.loads(kubectl("get", "pods", "-n", namespace, "-o", "json").stdout)["items"]
    return any(
        (s.get("restartCount") or 0) >= 1
        for p in pods
        for s in p["status"].get("containerStatuses") or []
    )
