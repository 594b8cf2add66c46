"""The objects bench/scale.py audits: pods that never run, alone or owned as a Deployment's.

Every pod names a scheduler that does not exist, so it stays Pending and unbound and no
kubelet runs it; an unbound pod is deleted at once (v1.37.2 pkg/registry/core/pod/
strategy.go CheckGracefulDelete: no nodeName, grace period 0).

A Deployment's pods are made here too, not by the controllers (which create them at the
controller manager's 20 requests a second, and would fight pods made beside them):
- the Deployment is paused: a paused Deployment's sync never creates a ReplicaSet
  (v1.37.2 pkg/controller/deployment/sync.go `sync` calls
  getAllReplicaSetsAndSyncRevision with createIfNotExisted false) and scales its
  ReplicaSet only when the replica counts differ (`scale`): they are equal here;
- its ReplicaSet is made here, owned by the Deployment, with the Deployment's labels and
  as many replicas as pods are made for it; its pod template names a ServiceAccount that
  does not exist, so each pod the ReplicaSet controller tries to add before ours exist is
  refused by the ServiceAccount admission plugin (plugin/pkg/admission/serviceaccount/
  admission.go: "error looking up service account");
- the pods are made here from the same template with the default ServiceAccount, labelled
  to match the ReplicaSet's selector and owned by it (controller: true): the ReplicaSet
  controller counts them as its replicas (pkg/controller/replicaset/replica_set.go
  manageReplicas: pending pods are active) and leaves them be.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from kubectl_shm.kube.client import Kube
from kubectl_shm.kube.errors import Conflict, Forbidden

PODS_PER_DEPLOYMENT = 50
DEPLOYMENTS_PER_NAMESPACE = 4
NO_SCHEDULER = "shm-bench-nonexistent"
NO_SERVICE_ACCOUNT = "shm-bench-nonexistent"
TEMPLATE_HASH = "6b9f7d8c5"
# The client's connection pool holds cpu_count * 5 connections; more workers than that
# would open (and TLS-handshake) a connection per request.
WORKERS = 10


def pod_spec(index: int) -> dict[str, Any]:
    """Workloads as a cluster has them, one in five with a finding (index mod 20):
    0 PyTorch without /dev/shm (error), 1 PostgreSQL without it (warning),
    2 a memory emptyDir without sizeLimit (warning), 3-9 a trainer with 1Gi of a 2Gi
    memory limit, 10-19 web servers; both of the last are clean."""
    kind = index % 20
    container: dict[str, Any] = {"name": "main", "image": "localhost/nginx:1.27"}
    volumes = []
    if kind == 0:
        container.update(image="localhost/pytorch/pytorch:2.4", command=["torchrun", "train.py"])
    elif kind == 1:
        container.update(name="postgres", image="localhost/postgres:16")
    elif kind in range(2, 10):
        size_limit = {} if kind == 2 else {"sizeLimit": "1Gi"}
        volumes = [{"name": "dshm", "emptyDir": {"medium": "Memory", **size_limit}}]
        container.update(
            name="trainer",
            image="localhost/trainer:1",
            resources={"limits": {"memory": "2Gi", "nvidia.com/gpu": "1"}},
            volumeMounts=[{"name": "dshm", "mountPath": "/dev/shm"}],
        )
    return {"schedulerName": NO_SCHEDULER, "volumes": volumes, "containers": [container]}


class Populator:
    """Makes (and remembers having made) the bench's namespaces and objects."""

    def __init__(self, kube: Kube, prefix: str, namespaces: int) -> None:
        self.kube = kube
        self.prefix = prefix
        self.max_namespaces = namespaces
        self.namespaces: set[str] = set()
        self.pods = 0

    def populate(self, shape: str, size: int) -> None:
        """Make `size` pods of `shape` exist ("pods" or "deployments")."""
        if shape == "pods":
            self._bare_pods(size)
        elif shape == "deployments":
            self._deployments(size)
        else:
            raise SystemExit(f"unknown shape {shape!r}: pods or deployments")
        self.pods = size

    def _bare_pods(self, size: int) -> None:
        count = min(self.max_namespaces, size)
        names = [f"{self.prefix}{n:04d}" for n in range(count)]
        self._namespaces(names)

        def make(index: int) -> None:
            # Each namespace gets every kind of pod once it holds 20.
            kind = index + index // count
            body = _pod(f"pod-{index}", pod_spec(kind), {"app": f"pod-{kind % 20}"})
            self._create(f"/api/v1/namespaces/{names[index % count]}/pods", body)

        _each(make, range(self.pods, size))

    def _deployments(self, size: int) -> None:
        first, last = self.pods // PODS_PER_DEPLOYMENT, size // PODS_PER_DEPLOYMENT
        names = [f"{self.prefix}{j // DEPLOYMENTS_PER_NAMESPACE:04d}" for j in range(last)]
        self._namespaces(sorted(set(names)))
        _each(lambda j: self._deployment(names[j], j), range(first, last))

    def _deployment(self, namespace: str, index: int) -> None:
        name = f"app-{index}"
        spec = pod_spec(index)
        labels = {"app": name}
        template = {"metadata": {"labels": labels}, "spec": spec}
        deployment = self._create(
            f"/apis/apps/v1/namespaces/{namespace}/deployments",
            {
                "apiVersion": "apps/v1",
                "kind": "Deployment",
                "metadata": {"name": name, "labels": labels},
                "spec": {
                    "replicas": PODS_PER_DEPLOYMENT,
                    "paused": True,
                    "selector": {"matchLabels": labels},
                    "template": template,
                },
            },
        )
        rs_name = f"{name}-{TEMPLATE_HASH}"
        rs_labels = {**labels, "pod-template-hash": TEMPLATE_HASH}
        replica_set = self._create(
            f"/apis/apps/v1/namespaces/{namespace}/replicasets",
            {
                "apiVersion": "apps/v1",
                "kind": "ReplicaSet",
                "metadata": {
                    "name": rs_name,
                    "labels": rs_labels,
                    "ownerReferences": [_owner("apps/v1", "Deployment", deployment)],
                },
                "spec": {
                    "replicas": PODS_PER_DEPLOYMENT,
                    "selector": {"matchLabels": rs_labels},
                    "template": {
                        "metadata": {"labels": rs_labels},
                        "spec": {**spec, "serviceAccountName": NO_SERVICE_ACCOUNT},
                    },
                },
            },
        )
        owner = _owner("apps/v1", "ReplicaSet", replica_set)
        for n in range(PODS_PER_DEPLOYMENT):
            body = _pod(f"{rs_name}-{n:05d}", spec, rs_labels, owner)
            self._create(f"/api/v1/namespaces/{namespace}/pods", body)

    def _namespaces(self, names: list[str]) -> None:
        missing = [name for name in names if name not in self.namespaces]
        namespace = {"apiVersion": "v1", "kind": "Namespace"}
        _each(
            lambda name: self._create(
                "/api/v1/namespaces", {**namespace, "metadata": {"name": name}}
            ),
            missing,
        )
        self.namespaces.update(missing)

    def _create(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        """POST `body`; the object as stored, also when it was there already."""
        for attempt in range(20):
            try:
                created = self.kube.call("POST", path, body=body, doing=f"creating {path}")
                return dict(json.loads(created))
            except Conflict:
                name = body["metadata"]["name"]
                return dict(self.kube.get(f"{path}/{name}", doing=f"reading {path}/{name}"))
            except Forbidden:
                # A new namespace's default ServiceAccount appears a moment later.
                time.sleep(0.2 * (attempt + 1))
        raise SystemExit(f"cannot create {path}")


def _pod(
    name: str,
    spec: dict[str, Any],
    labels: dict[str, str],
    owner: dict[str, Any] | None = None,
) -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": name, "labels": labels}
    if owner:
        metadata["ownerReferences"] = [owner]
    return {"apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": spec}


def _owner(api_version: str, kind: str, obj: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": api_version,
        "kind": kind,
        "name": obj["metadata"]["name"],
        "uid": obj["metadata"]["uid"],
        "controller": True,
        "blockOwnerDeletion": True,
    }


def _each(action: Callable[[Any], object], items: Any) -> None:
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        list(pool.map(action, items))
