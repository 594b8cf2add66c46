"""Real custom resource definitions for the end-to-end tests, installed once per cluster.

KubeRay's RayCluster and Kubeflow's PyTorchJob come from the projects' own Go
modules, fetched through the Go module proxy at a pinned version into the module
cache (`go mod download`; both Apache-2.0, the LICENSE beside the CRD in the
module): ray-operator v1.5.0 config/crd/bases/ray.io_rayclusters.yaml and
training-operator v1.8.1 manifests/base/crds/kubeflow.org_pytorchjobs.yaml.
LeaderWorkerSet is not served by the module proxy: LWS_CRD below is a minimal
structural CRD with the real group, names, scope and template fields of
sigs.k8s.io/lws api/leaderworkerset/v1 (LeaderWorkerSetSpec.LeaderWorkerTemplate:
leaderTemplate, workerTemplate, size), its pod templates left unvalidated.

CRDs are cluster-scoped and the cluster is shared: they are applied
idempotently (server-side apply: the KubeRay CRD is too large for a
last-applied annotation) and never deleted, since deleting a CRD deletes every
object of it, including those of a test running at the same time. They define
types only; the objects live in each test's own namespace.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.manifests import as_input

KUBERAY = ("github.com/ray-project/kuberay/ray-operator", "v1.5.0")
TRAINING_OPERATOR = ("github.com/kubeflow/training-operator", "v1.8.1")
RAYCLUSTER_CRD = "config/crd/bases/ray.io_rayclusters.yaml"
PYTORCHJOB_CRD = "manifests/base/crds/kubeflow.org_pytorchjobs.yaml"
GO_TIMEOUT = 300

_PRESERVED = {"type": "object", "x-kubernetes-preserve-unknown-fields": True}
LWS_CRD: dict[str, Any] = {
    "apiVersion": "apiextensions.k8s.io/v1",
    "kind": "CustomResourceDefinition",
    "metadata": {"name": "leaderworkersets.leaderworkerset.x-k8s.io"},
    "spec": {
        "group": "leaderworkerset.x-k8s.io",
        "names": {
            "kind": "LeaderWorkerSet",
            "listKind": "LeaderWorkerSetList",
            "plural": "leaderworkersets",
            "singular": "leaderworkerset",
            "shortNames": ["lws"],
        },
        "scope": "Namespaced",
        "versions": [
            {
                "name": "v1",
                "served": True,
                "storage": True,
                "subresources": {"status": {}},
                "schema": {
                    "openAPIV3Schema": {
                        "type": "object",
                        "properties": {
                            "spec": {
                                "type": "object",
                                "properties": {
                                    "replicas": {"type": "integer"},
                                    "leaderWorkerTemplate": {
                                        "type": "object",
                                        "properties": {
                                            "size": {"type": "integer"},
                                            "leaderTemplate": _PRESERVED,
                                            "workerTemplate": _PRESERVED,
                                        },
                                    },
                                },
                            },
                            "status": _PRESERVED,
                        },
                    }
                },
            }
        ],
    },
}


def module_file(module: tuple[str, str], path: str) -> Path:
    """`path` inside the Go module at its pinned version, downloaded through the proxy."""
    name, version = module
    result = subprocess.run(
        ["go", "mod", "download", "-json", f"{name}@{version}"],
        capture_output=True,
        text=True,
        timeout=GO_TIMEOUT,
        cwd=tempfile.gettempdir(),  # outside any go.mod
        check=False,
    )
    info = json.loads(result.stdout or "{}")
    if result.returncode or "Dir" not in info:
        raise AssertionError(
            f"go mod download {name}@{version}: {info.get('Error') or result.stderr}"
        )
    return Path(info["Dir"]) / path


def install_crds(kubectl) -> None:
    """RayCluster, PyTorchJob and LeaderWorkerSet, applied and waited for (idempotent)."""
    files = [module_file(KUBERAY, RAYCLUSTER_CRD), module_file(TRAINING_OPERATOR, PYTORCHJOB_CRD)]
    for path in files:
        kubectl("apply", "--server-side", "--force-conflicts", "-f", str(path))
    kubectl("apply", "--server-side", "--force-conflicts", "-f", "-", input=json.dumps(LWS_CRD))
    for crd in ("rayclusters.ray.io", "pytorchjobs.kubeflow.org", LWS_CRD["metadata"]["name"]):
        _wait_established(kubectl, crd)


def _wait_established(kubectl, crd: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while True:
        shown = kubectl("get", "crd", crd, "-o", "json")
        conditions = json.loads(shown.stdout).get("status", {}).get("conditions") or []
        if any(c["type"] == "Established" and c["status"] == "True" for c in conditions):
            return
        assert time.monotonic() < deadline, f"CRD {crd} not established after {timeout:g}s"
        time.sleep(0.5)


@pytest.fixture(scope="session")
def crds(cluster):
    """The CRDs, installed once per session (import this fixture into a test module)."""

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
