"""Fixtures of the end-to-end tests: a real cluster, a fresh namespace per test,
and the real `kubectl` and `kubectl-shm` executables run as subprocesses.

The local two-node cluster (tests/e2e/cluster) is started once per session
unless one is already running (then it is reused and left running). With
SHM_E2E_KUBECONFIG=path the tests use that cluster instead (kind, k3d); tests
that need the two local node profiles skip there. When the cluster cannot
start, the tests fail under CI=true and skip with the reason elsewhere.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.e2e.cluster import cluster as local_cluster
from tests.e2e.cluster import config

KUBECTL_TIMEOUT = 120


@dataclass(frozen=True)
class Cluster:
    kubeconfig: str
    node_current: str | None
    node_legacy: str | None
    node_frontier: str | None
    image: str
    distroless_image: str | None
    local: bool


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def cluster() -> Iterator[Cluster]:
    external = os.environ.get("SHM_E2E_KUBECONFIG")
    if external:
        yield Cluster(
            kubeconfig=external,
            node_current=None,
            node_legacy=None,
            node_frontier=None,
            image=os.environ.get("SHM_E2E_IMAGE", "busybox:1.36"),
            distroless_image=None,
            local=False,
        )
        return
    owned = not local_cluster.healthy()
    try:
        kubeconfig = local_cluster.up(_log)
    except Exception as error:
        if owned:
            local_cluster.down(_log)
        message = f"the local test cluster did not start: {error}"
        if os.environ.get("CI") == "true":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    try:
        yield Cluster(
            kubeconfig=str(kubeconfig),
            node_current=config.NODES[0].name,
            node_legacy=config.NODES[1].name,
            node_frontier=config.NODES[2].name,
            image=config.BUSYBOX_IMAGE,
            distroless_image=config.SLEEPER_IMAGE,
            local=True,
        )
    finally:
        if owned and not os.environ.get("SHM_E2E_KEEP"):
            local_cluster.down(_log)


def kubectl_runner(cluster: Cluster) -> Callable[..., subprocess.CompletedProcess[str]]:
    """run(*args, input=None, check=True): the real kubectl against the cluster."""

    def run(*args: str, input: str | None = None, check: bool = True):
        result = subprocess.run(
            ["kubectl", f"--kubeconfig={cluster.kubeconfig}", *args],
            input=input,
            capture_output=True,
            text=True,
            timeout=KUBECTL_TIMEOUT,
            check=False,
        )
        if check and result.returncode != 0:
            raise AssertionError(
                f"kubectl {' '.join(args)} exited {result.returncode}: {result.stderr.strip()}"
            )
        return result

    return run


def shm_runner(cluster: Cluster) -> Callable[..., subprocess.CompletedProcess[str]]:
    """run(*args, input=None, check=False): the installed kubectl-shm, as a user runs it."""
    executable = shutil.which("kubectl-shm", path=str(Path(sys.executable).parent)) or (
        shutil.which("kubectl-shm")
    )
    assert executable, "kubectl-shm is not installed in this environment"

    def run(*args: str, input: str | None = None, check: bool = False):
        result = subprocess.run(
            [executable, *args],
            input=input,
            capture_output=True,
            text=True,
            timeout=KUBECTL_TIMEOUT * 3,
            env={**os.environ, "KUBECONFIG": cluster.kubeconfig, "NO_COLOR": "1"},
            check=False,
        )
        if check and result.returncode != 0:
            raise AssertionError(
                f"kubectl-shm {' '.join(args)} exited {result.returncode}: {result.stderr}"
            )
        return result

    return run


@contextmanager
def fresh_namespace(kubectl: Callable[..., subprocess.CompletedProcess[str]]) -> Iterator[str]:
    """A new namespace whose default service account exists; deleted afterwards."""
    name = f"e2e-{uuid.uuid4().hex[:8]}"
    kubectl("create", "namespace", name)
    try:
        deadline = time.monotonic() + 60
        while kubectl("get", "serviceaccount", "default", "-n", name, check=False).returncode:
            assert time.monotonic() < deadline, f"no default service account in {name}"
            time.sleep(0.5)
        yield name
    finally:
        kubectl("delete", "namespace", name, "--wait=false", check=False)


@pytest.fixture
def kubectl(cluster: Cluster) -> Callable[..., subprocess.CompletedProcess[str]]:
    """kubectl(*args, input=None, check=True): the real kubectl against the cluster."""
    return kubectl_runner(cluster)


@pytest.fixture
def shm(cluster: Cluster) -> Callable[..., subprocess.CompletedProcess[str]]:
    """shm(*args, input=None, check=False): the installed kubectl-shm, as a user runs it."""
    return shm_runner(cluster)


@pytest.fixture
def namespace(cluster: Cluster, kubectl) -> Iterator[str]:
    """A fresh namespace whose default service account exists; deleted afterwards."""
    with fresh_namespace(kubectl) as name:
        yield name


@pytest.fixture
def apply(kubectl, namespace) -> Callable[..., None]:
    """apply(*objects): `kubectl apply` the objects into the test's namespace."""

    def run(*objects: dict) -> None:
        items = {"apiVersion": "v1", "kind": "List", "items": list(objects)}
        kubectl("apply", "-n", namespace, "-f", "-", input=json.dumps(items))

    return run


@pytest.fixture
def two_nodes(cluster: Cluster) -> Cluster:
    """Skip unless the cluster has the local node-current / node-legacy profiles."""
    if not cluster.local:
        pytest.skip("needs the local two-node cluster (node-current and node-legacy)")
    return cluster


@pytest.fixture
def limited_kubeconfig(
    cluster: Cluster, kubectl, namespace, tmp_path
) -> Iterator[Callable[..., str]]:
    """limited_kubeconfig(rules, cluster_rules=()) -> a kubeconfig for a service account
    of `namespace` that may do only what the given RBAC rules allow (Role in the
    namespace, ClusterRole for cluster_rules)."""

    def make(rules: list[dict], cluster_rules: list[dict] = ()) -> str:
        account = f"limited-{uuid.uuid4().hex[:6]}"
        kubectl("create", "serviceaccount", account, "-n", namespace)
        objects = [
            {
                "apiVersion": "rbac.authorization.k8s.io/v1",
                "kind": "Role",
                "metadata": {"name": account, "namespace": namespace},
                "rules": rules,
            },
            {
                "apiVersion": "rbac.authorization.k8s.io/v1",
                "kind": "RoleBinding",
                "metadata": {"name": account, "namespace": namespace},
                "roleRef": {
                    "apiGroup": "rbac.authorization.k8s.io",
                    "kind": "Role",
                    "name": account,
                },
                "subjects": [{"kind": "ServiceAccount", "name": account, "namespace": namespace}],
            },
        ]
        if cluster_rules:
            objects += [
                {
                    "apiVersion": "rbac.authorization.k8s.io/v1",
                    "kind": "ClusterRole",
                    "metadata": {"name": f"{namespace}-{account}"},
                    "rules": list(cluster_rules),
                },
                {
                    "apiVersion": "rbac.authorization.k8s.io/v1",
                    "kind": "ClusterRoleBinding",
                    "metadata": {"name": f"{namespace}-{account}"},
                    "roleRef": {
                        "apiGroup": "rbac.authorization.k8s.io",
                        "kind": "ClusterRole",
                        "name": f"{namespace}-{account}",
                    },
                    "subjects": [
                        {"kind": "ServiceAccount", "name": account, "namespace": namespace}
                    ],
                },
            ]
            created_cluster_objects.append(f"{namespace}-{account}")
        kubectl(
            "apply",
            "-f",
            "-",
            input=json.dumps({"apiVersion": "v1", "kind": "List", "items": objects}),
        )
        token = kubectl("create", "token", account, "-n", namespace).stdout.strip()
        admin = json.loads(kubectl("config", "view", "--raw", "-o", "json").stdout)
        admin_cluster = admin["clusters"][0]
        path = tmp_path / f"{account}.kubeconfig"
        path.write_text(
            json.dumps(
                {
                    "apiVersion": "v1",
                    "kind": "Config",
                    "clusters": [admin_cluster],
                    "users": [{"name": account, "user": {"token": token}}],
                    "contexts": [
                        {
                            "name": account,
                            "context": {
                                "cluster": admin_cluster["name"],
                                "user": account,
                                "namespace": namespace,
                            },
                        }
                    ],
                    "current-context": account,
                }
            )
        )
        return str(path)

    created_cluster_objects: list[str] = []
    yield make
    for name in created_cluster_objects:
        kubectl("delete", "clusterrolebinding,clusterrole", name, "--ignore-not-found", check=False)


def wait_for_pod(kubectl, namespace: str, name: str, timeout: int = 90) -> dict:
    """Wait until the pod is Running with every container ready; returns the pod."""
    kubectl(
        "wait", "--for=condition=Ready", f"pod/{name}", "-n", namespace, f"--timeout={timeout}s"
    )
    return json.loads(kubectl("get", "pod", name, "-n", namespace, "-o", "json").stdout)


def shm_df_kib(kubectl, namespace: str, pod: str, container: str = "main") -> tuple[int, int]:
    """(size, used) of /dev/shm in KiB, from `df -k` run in the container: the kernel's answer."""
    out = kubectl("exec", pod, "-n", namespace, "-c", container, "--", "df", "-k", "/dev/shm")
    fields = out.stdout.strip().splitlines()[-1].split()
    return int(fields[1]), int(fields[2])


def fill_shm(kubectl, namespace: str, pod: str, mib: int, *, check: bool = True):
    """Write `mib` MiB into /dev/shm of the pod with dd; returns kubectl's result."""
    command = ("dd", "if=/dev/zero", "of=/dev/shm/fill", "bs=1M", f"count={mib}")
    return kubectl("exec", pod, "-n", namespace, "--", *command, check=check)


def wait_for_volume_stats(kubectl, node: str, namespace: str, pod_name: str) -> None:
    """The kubelet gathers volume stats in the background, about once a minute."""
    deadline = time.monotonic() + 150
    while time.monotonic() < deadline:
        summary = json.loads(
            kubectl("get", "--raw", f"/api/v1/nodes/{node}/proxy/stats/summary").stdout
        )
        for found in summary.get("pods") or []:
            ref = found.get("podRef") or {}
            if (ref.get("namespace"), ref.get("name")) == (namespace, pod_name) and any(
                v.get("name") == "dshm" and v.get("capacityBytes")
                for v in found.get("volume") or []
            ):
                return
        time.sleep(5)
    raise AssertionError(f"the kubelet of {node} never reported the volume of {pod_name}")


def _log(message: str) -> None:
    print(f"[e2e cluster] {message}", file=sys.stderr, flush=True)
