"""The ClusterRoles shipped in deploy/rbac.yaml are enough for set and inspect."""

from __future__ import annotations

import json
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
