"""`kubectl shm set` on custom resources and on objects an operator owns, on the real cluster.

The CRDs are the projects' own (KubeRay, Kubeflow training-operator) or a minimal
structural one (LeaderWorkerSet); see tests/e2e/crds.py. No operator runs: the
API server stores and validates the objects, and a loop in the test plays the
operator that puts a StatefulSet's template back.
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest

from kubectl_shm.kube.client import connect
from kubectl_shm.kube.connection import ConnectionOptions
from kubectl_shm.kube.errors import Conflict
from kubectl_shm.kube.patching import patch_with_retry, patch_workload
from kubectl_shm.model.workload_kinds import BY_KIND, WorkloadKind
from kubectl_shm.set.json_patch import json_patch
from kubectl_shm.set.plan import ShmRequest, plan_shm
from tests.e2e.crds import install_crds
from tests.e2e.manifests import as_input

pytestmark = pytest.mark.e2e

RAYCLUSTER = WorkloadKind("RayCluster", "ray.io", "v1", "rayclusters", "", False, custom=True)
DSHM_96 = {"name": "dshm", "emptyDir": {"medium": "Memory", "sizeLimit": "96Mi"}}
MOUNT = {"name": "dshm", "mountPath": "/dev/shm"}


@pytest.fixture(scope="session")
def crds(cluster):
    import subprocess

    def kubectl(*args: str, input: str | None = None):
        result = subprocess.run(
            ["kubectl", f"--kubeconfig={cluster.kubeconfig}", *args],
            input=input,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, f"kubectl {' '.join(args)}: {result.stderr}"
        return result

    install_crds(kubectl)


def container(name: str, **extra) -> dict:
    return {"name": name, "image": "busybox", **extra}


def raycluster(name: str) -> dict:
    worker = {
        "containers": [
            container("ray-worker", volumeMounts=[{"name": "data", "mountPath": "/data"}])
        ],
        "volumes": [{"name": "data", "emptyDir": {}}],
    }
    return {
        "apiVersion": "ray.io/v1",
        "kind": "RayCluster",
        "metadata": {"name": name},
        "spec": {
            "headGroupSpec": {
                "rayStartParams": {},
                "template": {"spec": {"containers": [container("ray-head")]}},
            },
            "workerGroupSpecs": [
                {
                    "groupName": group,
                    "replicas": 1,
                    "minReplicas": 0,
                    "maxReplicas": 2,
                    "rayStartParams": {},
                    "template": {"spec": worker},
                }
                for group in ("cpu", "gpu")
            ],
        },
    }


def get(kubectl, namespace: str, target: str) -> dict:
    shown = kubectl("get", target, "-n", namespace, "-o", "json", "--show-managed-fields")
    return json.loads(shown.stdout)


def create(kubectl, namespace: str, *objects: dict) -> None:
    kubectl("apply", "-n", namespace, "-f", "-", input=as_input(*objects))


def test_every_pod_template_of_a_raycluster_in_one_conditional_patch(crds, kubectl, shm, namespace):
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


def test_template_choice_dry_runs_and_local(crds, kubectl, shm, namespace, tmp_path: Path):
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


def test_pytorchjob_and_leaderworkerset_by_singular_and_short_names(crds, kubectl, shm, namespace):
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


def test_a_stale_json_patch_is_a_conflict_and_is_retried(crds, cluster, kubectl, namespace):
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


class OperatorLoop:
    """Plays an operator: puts the StatefulSet's pod template back whenever it differs."""

    def __init__(self, cluster, namespace: str, name: str, template: dict) -> None:
        self.kube = connect(ConnectionOptions(kubeconfig=cluster.kubeconfig, namespace=namespace))
        self.namespace, self.name, self.template = namespace, name, template
        self.reverted = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        deadline = time.monotonic() + 120  # bounded, whatever happens
        kind = BY_KIND["StatefulSet"]
        while not self.stop.is_set() and time.monotonic() < deadline:
            obj = self.kube.get(
                f"/apis/apps/v1/namespaces/{self.namespace}/statefulsets/{self.name}"
            )
            if obj["spec"]["template"] != self.template:
                operations = [{"op": "replace", "path": "/spec/template", "value": self.template}]
                patch_workload(
                    self.kube, kind=kind, namespace=self.namespace, name=self.name, patch=operations
                )
                self.reverted += 1
            self.stop.wait(0.3)

    def __enter__(self) -> OperatorLoop:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.thread.join(timeout=10)
        self.kube.close()


def test_an_operator_owned_statefulset_is_refused_and_force_is_undone(
    crds, cluster, kubectl, shm, namespace
):
    lws = {
        "apiVersion": "leaderworkerset.x-k8s.io/v1",
        "kind": "LeaderWorkerSet",
        "metadata": {"name": "serve"},
        "spec": {
            "replicas": 1,
            "leaderWorkerTemplate": {
                "workerTemplate": {"spec": {"containers": [container("worker")]}}
            },
        },
    }
    create(kubectl, namespace, lws)
    uid = get(kubectl, namespace, "leaderworkerset/serve")["metadata"]["uid"]
    owner = {
        "apiVersion": "leaderworkerset.x-k8s.io/v1",
        "kind": "LeaderWorkerSet",
        "name": "serve",
        "uid": uid,
        "controller": True,
        "blockOwnerDeletion": False,
    }
    template = {
        "metadata": {"labels": {"app": "serve"}},
        "spec": {"containers": [container("worker")]},
    }
    sts = {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": {"name": "serve", "ownerReferences": [owner]},
        "spec": {
            "replicas": 0,
            "selector": {"matchLabels": {"app": "serve"}},
            "template": template,
        },
    }
    create(kubectl, namespace, sts)
    stored_template = get(kubectl, namespace, "statefulset/serve")["spec"]["template"]
    with OperatorLoop(cluster, namespace, "serve", stored_template) as operator:
        refused = shm("set", "sts/serve", "64Mi", "-n", namespace)
        assert refused.returncode == 2, refused.stderr
        assert (
            "statefulset/serve is controlled by LeaderWorkerSet 'serve' (leaderworkerset.x-k8s.io)"
            in refused.stderr
        )
        assert f"`kubectl shm set leaderworkerset/serve 64Mi -n {namespace}`" in refused.stderr
        assert "--force" in refused.stderr and refused.stdout == ""
        assert (
            "volumes"
            not in get(kubectl, namespace, "statefulset/serve")["spec"]["template"]["spec"]
        )
        forced = shm("set", "sts/serve", "64Mi", "-n", namespace, "--force")
        assert forced.returncode == 0, forced.stderr
        assert "statefulset/serve patched" in forced.stdout
        assert "(patched: --force)" in forced.stderr
        deadline = time.monotonic() + 30
        while operator.reverted == 0:
            assert time.monotonic() < deadline, "the operator loop never saw the change"
            time.sleep(0.2)
        undone = get(kubectl, namespace, "statefulset/serve")["spec"]["template"]["spec"]
        assert "volumes" not in undone
    offered = shm("set", "leaderworkerset/serve", "64Mi", "-n", namespace)
    assert offered.returncode == 0, offered.stderr
    worker = get(kubectl, namespace, "lws/serve")["spec"]["leaderWorkerTemplate"]["workerTemplate"]
    assert worker["spec"]["volumes"] == [
        {"name": "dshm", "emptyDir": {"medium": "Memory", "sizeLimit": "64Mi"}}
    ]


def test_shipped_set_role_plus_rights_on_the_custom_resource(
    crds, kubectl, shm, namespace, limited_kubeconfig
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


def test_audit_groups_pods_under_the_custom_resource_and_its_fix_runs(
    crds, two_nodes, kubectl, shm, namespace
):
    """A pod the RayCluster controls (as KubeRay's would be): audit names the RayCluster,
    and the `kubectl shm set` its finding prints works as printed."""
    create(kubectl, namespace, raycluster("llm"))
    uid = get(kubectl, namespace, "raycluster/llm")["metadata"]["uid"]
    owner = {
        "apiVersion": "ray.io/v1",
        "kind": "RayCluster",
        "name": "llm",
        "uid": uid,
        "controller": True,
    }
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "llm-head", "ownerReferences": [owner]},
        "spec": {
            "nodeName": two_nodes.node_current,
            "containers": [
                {
                    "name": "ray-head",
                    "image": two_nodes.image,
                    "command": ["sh", "-c", "sleep 3600", "ray", "start"],
                }
            ],
        },
    }
    create(kubectl, namespace, pod)
    audited = shm("audit", "-n", namespace, "-o", "json", "--fail-on", "never")
    assert audited.returncode == 0, audited.stderr
    [workload] = json.loads(audited.stdout)["workloads"]
    assert (workload["kind"], workload["name"]) == ("RayCluster", "llm")
    fixes = [
        finding["message"][finding["message"].index("kubectl shm set raycluster/llm") :]
        for finding in workload["findings"]
        if "kubectl shm set raycluster/llm" in finding["message"]
    ]
    assert fixes, workload["findings"]
    words = fixes[0].split("`")[0].rstrip(".)").split()[2:]
    words = ["256Mi" if word == "<size>" else word for word in words]
    fixed = shm(*words)
    assert fixed.returncode == 0, fixed.stderr
    stored = get(kubectl, namespace, "raycluster/llm")
    volumes = stored["spec"]["headGroupSpec"]["template"]["spec"]["volumes"]
    assert volumes == [{"name": "dshm", "emptyDir": {"medium": "Memory", "sizeLimit": "256Mi"}}]
