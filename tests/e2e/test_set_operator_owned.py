"""`kubectl shm set` on objects an operator owns, and audit's fix for a custom resource's pods.

No operator runs on the test cluster: OperatorLoop plays one, putting a
StatefulSet's pod template back whenever it differs, as a controller's reconcile
would (LeaderWorkerSet's controller owns the StatefulSets it creates).
"""

from __future__ import annotations

import json
import threading
import time

import pytest

from kubectl_shm.kube.client import connect
from kubectl_shm.kube.connection import ConnectionOptions
from kubectl_shm.kube.patching import patch_workload
from kubectl_shm.model.workload_kinds import BY_KIND
from tests.e2e.crds import container, crds, create, get, raycluster  # noqa: F401 (fixture)

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("crds")]


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
    cluster, kubectl, shm, namespace
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


def test_audit_groups_pods_under_the_custom_resource_and_its_fix_runs(
    two_nodes, kubectl, shm, namespace
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
