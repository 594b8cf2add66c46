"""`kubectl shm audit`, `inspect` and `diagnose` over several contexts against the real
cluster: two users of the one cluster (an admin, and a service account that may only list
pods in the test namespace), a user that may list nothing, and a context whose server is a
dead address."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.e2e.manifests import as_input, pod
from tests.unit.render.sarif_schema import sarif_errors

DEAD_SERVER = "https://127.0.0.1:1"  # nothing listens on port 1
ONLY_PODS = [{"apiGroups": [""], "resources": ["pods"], "verbs": ["list"]}]


@pytest.fixture
def fleet(cluster, kubectl, namespace, limited_kubeconfig, tmp_path) -> Path:
    """A kubeconfig with contexts admin, pods-only, nothing and dead; a GPU pod (an error
    finding) and a plain pod (none) in the test namespace."""
    gpu = pod("gpu-trainer", image=cluster.image, node=cluster.node_current)
    gpu["spec"]["containers"][0]["resources"] = {"limits": {"nvidia.com/gpu": "1"}}
    kubectl(
        "apply", "-n", namespace, "-f", "-", input=as_input(gpu, pod("web", image=cluster.image))
    )
    admin = json.loads(kubectl("config", "view", "--raw", "-o", "json").stdout)
    [admin_cluster] = admin["clusters"]
    [admin_context] = admin["contexts"]
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [admin_cluster, {"name": "dead", "cluster": {"server": DEAD_SERVER}}],
        "users": list(admin["users"]),
        "contexts": [{"name": "admin", "context": admin_context["context"]}],
        "current-context": "admin",
    }
    for name, rules in (("pods-only", ONLY_PODS), ("nothing", [])):
        limited = json.loads(Path(limited_kubeconfig(rules)).read_text())
        [user] = limited["users"]
        [context] = limited["contexts"]
        config["users"].append(user)
        config["contexts"].append({"name": name, "context": context["context"]})
    dead_user = admin_context["context"]["user"]
    config["contexts"].append({"name": "dead", "context": {"cluster": "dead", "user": dead_user}})
    path = tmp_path / "fleet.kubeconfig"
    path.write_text(json.dumps(config))
    return path


def test_json_carries_every_context_and_exit_3(fleet, namespace, shm):
    result = shm("audit", "--kubeconfig", str(fleet), "--all-contexts", "-n", namespace,
                 "-o", "json")  # fmt: skip
    assert result.returncode == 3, result.stderr
    document = json.loads(result.stdout)
    assert document["kind"] == "ShmAuditList"
    items = {item["context"]: item for item in document["items"]}
    assert list(items) == ["admin", "pods-only", "nothing", "dead"]
    for reader in ("admin", "pods-only"):
        item = items[reader]
        assert item["kind"] == "ShmAudit"
        assert item["error"] is None
        assert item["cluster"]["serverVersion"].startswith("v1.37.")
        workloads = {w["name"]: w for w in item["workloads"]}
        assert set(workloads) == {"gpu-trainer", "web"}
        [finding] = workloads["gpu-trainer"]["findings"]
        assert finding["rule"] == "default-shm-ai-workload"
        assert workloads["web"]["findings"] == []
    # The admin reads the nodes; the pods-only user may not, and says so in a warning.
    assert {n["name"] for n in items["admin"]["cluster"]["nodes"]} >= {"node-current"}
    assert "pods-only: cannot list nodes" in result.stderr
    # Same workload, same rule and container: the same fingerprint from either user.
    prints = [
        {w["name"]: w for w in items[c]["workloads"]}["gpu-trainer"]["findings"][0]["fingerprint"]
        for c in ("admin", "pods-only")
    ]
    assert prints[0] == prints[1]
    assert "forbidden" in items["nothing"]["error"]
    assert items["dead"]["error"].endswith(f"cannot reach the API server at {DEAD_SERVER}: "
                                           "connection refused")  # fmt: skip
    for failed in ("nothing", "dead"):
        assert items[failed]["cluster"] is None and items[failed]["workloads"] == []
    assert document["summary"]["clusters"] == 4
    assert document["summary"]["failed"] == 2
    assert document["summary"]["error"] == 2


def test_table_has_a_cluster_column_and_the_dead_one_is_one_row(fleet, namespace, shm):
    result = shm("audit", "--kubeconfig", str(fleet), "--context", "admin,dead,pods-only",
                 "-n", namespace)  # fmt: skip
    assert result.returncode == 3
    lines = result.stdout.splitlines()
    assert lines[0].split()[:3] == ["CLUSTER", "NAMESPACE", "WORKLOAD"]
    # A row's first line starts with its cluster; a long cell folds onto indented lines.
    clusters = [line.split()[0] for line in lines[1:] if line[:1].strip()][:5]
    assert clusters == ["admin", "admin", "dead", "pods-only", "pods-only"]
    [dead] = [line for line in lines if line.startswith("dead")]
    assert "cluster error" in dead
    assert f"admin: {namespace}/pod/gpu-trainer [main]" in result.stdout
    assert "3 clusters (1 failed), 4 workloads: 2 error" in result.stdout


def test_every_cluster_answering_exits_on_findings_only(fleet, namespace, shm):
    both = ("audit", "--kubeconfig", str(fleet), "--context", "admin,pods-only", "-n", namespace)
    assert shm(*both).returncode == 1
    assert shm(*both, "--fail-on", "never").returncode == 0
    first = shm(*both, "-o", "sarif")
    log = json.loads(first.stdout)
    assert sarif_errors(log) == []
    results = log["runs"][0]["results"]
    assert sorted(r["properties"]["context"] for r in results) == ["admin", "pods-only"]
    assert {r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] for r in results} == {
        f"{context}/{namespace}/Pod/gpu-trainer/main" for context in ("admin", "pods-only")
    }
    baseline = fleet.parent / "baseline.sarif"
    baseline.write_text(first.stdout)
    again = shm(*both, "--baseline", str(baseline))
    assert again.returncode == 0, again.stderr
    assert "admin: 1 finding in the baseline, not shown" in again.stderr


INSPECT_RULES = [
    {"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list"]},
    {"apiGroups": [""], "resources": ["pods/exec"], "verbs": ["get", "create"]},
]
NODE_RULES = [
    {"apiGroups": [""], "resources": ["nodes"], "verbs": ["get", "list"]},
    {"apiGroups": [""], "resources": ["nodes/proxy"], "verbs": ["get"]},
]


def test_inspect_finds_the_target_where_it_exists(
    cluster, kubectl, namespace, limited_kubeconfig, fleet, shm
):
    """Without -n each context keeps its own namespace: the admin's (default) has no such
    pod, the inspector's (the test namespace) has it running."""
    kubectl("wait", "--for=condition=Ready", "pod/web", "-n", namespace, "--timeout=120s")
    config = json.loads(fleet.read_text())
    inspector = json.loads(Path(limited_kubeconfig(INSPECT_RULES, NODE_RULES)).read_text())
    config["users"] += inspector["users"]
    config["contexts"].append({"name": "inspector", "context": inspector["contexts"][0]["context"]})
    fleet.write_text(json.dumps(config))
    both = ("inspect", "--kubeconfig", str(fleet), "pod/web", "--context", "admin,inspector")
    result = shm(*both, "-o", "json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["kind"] == "ShmInspectionList"
    items = {item["context"]: item for item in document["items"]}
    assert items["admin"]["found"] is False
    assert 'pods "web" not found in namespace "default"' in items["admin"]["error"]
    [pod_] = items["inspector"]["pods"]
    [container] = pod_["containers"]
    assert container["method"] == "exec-df"
    assert container["observedBytes"] == 64 * 1024 * 1024
    assert container["match"] is True
    with_dead = shm(*both[:-1], "admin,inspector,dead")
    assert with_dead.returncode == 3
    assert "CLUSTER dead\ncluster error:" in with_dead.stdout
    assert "CLUSTER inspector\n" in with_dead.stdout


def test_diagnose_reads_every_context_and_names_the_real_crash(fleet, kubectl, namespace, shm):
    """A real SIGBUS in the test namespace, seen by the admin and the pods-only user; the
    user who may read nothing and the dead address are one failed entry each."""
    crash = pod(
        "toucher",
        image="kubectl-shm.local/busybox:e2e",
        command=("shmtouch", "/dev/shm/segment", str(96 * 2**20)),
    )
    crash["spec"]["restartPolicy"] = "Never"
    kubectl("apply", "-n", namespace, "-f", "-", input=as_input(crash))
    kubectl("wait", "--for=jsonpath={.status.phase}=Failed", "pod/toucher", "-n", namespace,
            "--timeout=120s")  # fmt: skip
    result = shm("diagnose", "--kubeconfig", str(fleet), "--all-contexts", "-n", namespace,
                 "-o", "json")  # fmt: skip
    assert result.returncode == 3, result.stderr
    items = {item["context"]: item for item in json.loads(result.stdout)["items"]}
    assert list(items) == ["admin", "pods-only", "nothing", "dead"]
    for reader in ("admin", "pods-only"):
        [found] = items[reader]["diagnoses"]
        assert (found["pod"], found["cause"]) == ("toucher", "shm-too-small")
        assert [e["kind"] for e in found["evidence"]] == ["sigbus"]
    assert "pods-only: cannot list events" in result.stderr
    assert "forbidden" in items["nothing"]["error"]
    assert "cannot reach the API server" in items["dead"]["error"]
    both = ("diagnose", "--kubeconfig", str(fleet), "--context", "admin,pods-only", "-n", namespace)
    assert shm(*both).returncode == 1
