"""`kubectl shm set` on custom resources, on the real cluster.

The CRDs are the projects' own (KubeRay, Kubeflow training-operator) or a minimal
structural one (LeaderWorkerSet); see tests/e2e/crds.py. No operator runs: the
API server stores the objects and validates them against the CRDs' schemas, which
is what a patch of ours must get through (test_set_operator_owned.py plays one).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kubectl_shm.kube.client import connect
from kubectl_shm.kube.connection import ConnectionOptions
from kubectl_shm.kube.errors import Conflict
from kubectl_shm.kube.patching import patch_with_retry, patch_workload
from kubectl_shm.model.workload_kinds import WorkloadKind
from kubectl_shm.set.json_patch import json_patch
from kubectl_shm.set.plan import ShmRequest, plan_shm
from tests.e2e.crds import container, crds, create, get, raycluster  # noqa: F401 (fixture)

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("crds")]

RAYCLUSTER = WorkloadKind("RayCluster", "ray.io", "v1", "rayclusters", "", False, custom=True)
DSHM_96 = {"name": "dshm", "emptyDir": {"medium": "Memory", "sizeLimit": "96Mi"}}
MOUNT = {"name": "dshm", "mountPath": "/dev/shm"}


def test_every_pod_template_of_a_raycluster_in_one_conditional_patch(kubectl, shm, namespace):
    create(kubectl, namespace, raycluster("llm"))
    result = shm("set", "rayclusters/llm", "96Mi", "-n", namespace)
    assert result.returncode == 0, result.stderr
    assert (
        result.stdout
        == "raycluster/llm patched: /dev/shm 96Mi for containers 'ray-head', 'ray-worker'\n"
    )
    stored = get(kubectl, namespace, "raycluster/llm")
    head = stored["spec"]["headGroupSpec"]["template"]["spec"]
    assert head["volumes"] == [DSHM_96]
    assert head["containers"][0]["volumeMounts"] == [MOUNT]
    for group in stored["spec"]["workerGroupSpecs"]:
        spec = group["template"]["spec"]
        assert spec["volumes"] == [{"name": "data", "emptyDir": {}}, DSHM_96]
        assert spec["containers"][0]["volumeMounts"] == [
            {"name": "data", "mountPath": "/data"},
            MOUNT,
        ]
    managers = {entry["manager"] for entry in stored["metadata"]["managedFields"]}
    assert "kubectl-shm" in managers
    again = shm("set", "raycluster.ray.io/llm", "96Mi", "-n", namespace)
    assert again.returncode == 0, again.stderr
    assert "unchanged" in again.stdout
    after = get(kubectl, namespace, "raycluster/llm")
    assert after["metadata"]["resourceVersion"] == stored["metadata"]["resourceVersion"]


def test_template_choice_dry_runs_and_local(kubectl, shm, namespace, tmp_path: Path):
    create(kubectl, namespace, raycluster("llm"))
    before = get(kubectl, namespace, "raycluster/llm")
    server = shm(
        "set",
        "raycluster/llm",
        "1Gi",
        "-n",
        namespace,
        "--template",
        "spec.workerGroupSpecs.1",
        "--dry-run=server",
        "-o",
        "json",
    )
    assert server.returncode == 0, server.stderr
    answered = json.loads(server.stdout)
    groups = answered["spec"]["workerGroupSpecs"]
    assert groups[1]["template"]["spec"]["volumes"][-1]["emptyDir"]["sizeLimit"] == "1Gi"
    assert len(groups[0]["template"]["spec"]["volumes"]) == 1
    assert "volumes" not in answered["spec"]["headGroupSpec"]["template"]["spec"]
    client = shm("set", "raycluster/llm", "1Gi", "-n", namespace, "--dry-run=client", "-o", "yaml")
    assert client.returncode == 0, client.stderr
    after = get(kubectl, namespace, "raycluster/llm")
    assert after["metadata"]["resourceVersion"] == before["metadata"]["resourceVersion"]
    wrong = shm("set", "raycluster/llm", "1Gi", "-n", namespace, "--template", "spec.nope")
    assert wrong.returncode == 2
    assert (
        "its templates: spec.headGroupSpec.template.spec, spec.workerGroupSpecs.0" in wrong.stderr
    )
    manifest = tmp_path / "rc.json"
    manifest.write_text(json.dumps(raycluster("llm")))
    local = shm(
        "set",
        "-f",
        str(manifest),
        "--local",
        "2Gi",
        "--template",
        "spec.headGroupSpec",
        "-o",
        "json",
    )
    assert local.returncode == 0, local.stderr
    changed = json.loads(local.stdout)
    assert (
        changed["spec"]["headGroupSpec"]["template"]["spec"]["volumes"][0]["emptyDir"]["sizeLimit"]
        == "2Gi"
    )
    from_file = shm("set", "-f", str(manifest), "128Mi", "-n", namespace)
    assert from_file.returncode == 0, from_file.stderr
    assert from_file.stdout.startswith("raycluster/llm patched: /dev/shm 128Mi")


def test_pytorchjob_and_leaderworkerset_by_singular_and_short_names(kubectl, shm, namespace):
    replica = {"replicas": 1, "template": {"spec": {"containers": [container("pytorch")]}}}
    job = {
        "apiVersion": "kubeflow.org/v1",
        "kind": "PyTorchJob",
        "metadata": {"name": "train"},
        "spec": {"pytorchReplicaSpecs": {"Master": replica, "Worker": {**replica, "replicas": 2}}},
    }
    lws = {
        "apiVersion": "leaderworkerset.x-k8s.io/v1",
        "kind": "LeaderWorkerSet",
        "metadata": {"name": "serve"},
        "spec": {
            "replicas": 1,
            "leaderWorkerTemplate": {
                "size": 2,
                "leaderTemplate": {"spec": {"containers": [container("leader")]}},
                "workerTemplate": {"spec": {"containers": [container("worker")]}},
            },
        },
    }
    create(kubectl, namespace, job, lws)
    result = shm("set", "pytorchjob/train", "lws/serve", "2Gi", "-n", namespace)
    assert result.returncode == 0, result.stderr
    assert "pytorchjob/train patched: /dev/shm 2Gi for container 'pytorch'" in result.stdout
    assert (
        "leaderworkerset/serve patched: /dev/shm 2Gi for containers 'leader', 'worker'"
        in result.stdout
    )
    stored = get(kubectl, namespace, "pytorchjob/train")["spec"]["pytorchReplicaSpecs"]
    for role in ("Master", "Worker"):
        volumes = stored[role]["template"]["spec"]["volumes"]
        assert volumes == [{"name": "dshm", "emptyDir": {"medium": "Memory", "sizeLimit": "2Gi"}}]
    templates = get(kubectl, namespace, "leaderworkerset/serve")["spec"]["leaderWorkerTemplate"]
    for key in ("leaderTemplate", "workerTemplate"):
        assert templates[key]["spec"]["containers"][0]["volumeMounts"] == [MOUNT]
    removed = shm("set", "pytorchjobs.kubeflow.org/train", "--remove", "-n", namespace)
    assert removed.returncode == 0, removed.stderr
    stored = get(kubectl, namespace, "pytorchjob/train")["spec"]["pytorchReplicaSpecs"]
    assert "volumes" not in stored["Master"]["template"]["spec"]
    unknown = shm("set", "nosuchthings/x", "1Gi", "-n", namespace)
    assert unknown.returncode == 2
    assert "unknown resource type 'nosuchthings': the server has no such resource" in unknown.stderr


def test_a_stale_json_patch_is_a_conflict_and_is_retried(cluster, kubectl, namespace):
    create(kubectl, namespace, raycluster("llm"))
    kube = connect(ConnectionOptions(kubeconfig=cluster.kubeconfig, namespace=namespace))
    request = ShmRequest("80Mi")
    raced: list[str] = []

    def concurrent_writer(obj: dict) -> None:
        if not raced:
            raced.append(obj["metadata"]["resourceVersion"])
            kubectl("label", "raycluster/llm", "-n", namespace, "team=ml")

    def build(obj: dict):
        plan = plan_shm(obj, request)
        return json_patch(plan) if plan.changed else None

    try:
        stale = get(kubectl, namespace, "raycluster/llm")
        kubectl("annotate", "raycluster/llm", "-n", namespace, "touched=yes")
        operations = json_patch(plan_shm(stale, request))
        test = {
            "op": "test",
            "path": "/metadata/resourceVersion",
            "value": stale["metadata"]["resourceVersion"],
        }
        with pytest.raises(Conflict):
            patch_workload(
                kube, kind=RAYCLUSTER, namespace=namespace, name="llm", patch=[test, *operations]
            )
        outcome = patch_with_retry(
            kube,
            kind=RAYCLUSTER,
            namespace=namespace,
            name="llm",
            build=build,
            before_patch=concurrent_writer,
        )
    finally:
        kube.close()
    assert outcome.attempts == 2 and outcome.patched
    stored = get(kubectl, namespace, "raycluster/llm")
    assert stored["metadata"]["labels"]["team"] == "ml"
    assert (
        stored["spec"]["headGroupSpec"]["template"]["spec"]["volumes"][0]["emptyDir"]["sizeLimit"]
        == "80Mi"
    )


def test_shipped_set_role_plus_rights_on_the_custom_resource(
    kubectl, shm, namespace, limited_kubeconfig
):
    """Discovery needs no rule of ours (system:discovery); the custom resource needs its own."""
    create(kubectl, namespace, raycluster("llm"))
    kubectl("apply", "-f", str(Path(__file__).parents[2] / "deploy" / "rbac.yaml"))
    shipped = json.loads(kubectl("get", "clusterrole", "kubectl-shm-set", "-o", "json").stdout)[
        "rules"
    ]
    rayclusters = {
        "apiGroups": ["ray.io"],
        "resources": ["rayclusters"],
        "verbs": ["get", "list", "patch"],
    }
    kubeconfig = limited_kubeconfig([rayclusters], cluster_rules=shipped)
    result = shm("set", "--kubeconfig", kubeconfig, "rayclusters/llm", "96Mi")
    assert result.returncode == 0, result.stderr
    assert "forbidden" not in result.stderr.lower()
    listed = shm("set", "--kubeconfig", kubeconfig, "rayclusters", "--all", "128Mi")
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.startswith("raycluster/llm patched: /dev/shm 128Mi")
