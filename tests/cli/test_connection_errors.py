"""Cluster errors end as one line and exit 3, against real sockets (nothing listens)."""

import socket

import pytest

from kubectl_shm.kube.client import Kube, connect
from kubectl_shm.kube.connection import ConnectionOptions
from kubectl_shm.kube.errors import KubeError, Unreachable, from_api_exception


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def kubeconfig(tmp_path):
    path = tmp_path / "config"
    path.write_text(f"""
apiVersion: v1
kind: Config
clusters:
- name: dead
  cluster: {{server: "https://127.0.0.1:{closed_port()}", insecure-skip-tls-verify: true}}
users:
- name: me
  user: {{token: abc}}
contexts:
- name: dead
  context: {{cluster: dead, user: me, namespace: ml}}
current-context: dead
""")
    return str(path)


def test_unreachable_server_exits_3_with_one_line(shm, kubeconfig):
    result = shm("audit", "--kubeconfig", kubeconfig, "--request-timeout", "5s")
    assert result.status == 3
    assert result.stderr.startswith("error: ")
    assert "cannot reach the API server" in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.splitlines()) == 1


@pytest.mark.parametrize(
    ("flags", "fragment"),
    [
        (["--context", "nope"], "context 'nope' does not exist"),
        (["--cluster", "nope"], "cluster 'nope' does not exist"),
        (["--user", "nope"], "user 'nope' does not exist"),
    ],
)
def test_unknown_kubeconfig_names_exit_3(shm, kubeconfig, flags, fragment):
    result = shm("audit", "--kubeconfig", kubeconfig, *flags)
    assert result.status == 3
    assert fragment in result.stderr


def test_missing_kubeconfig_exits_3(shm, tmp_path, monkeypatch):
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "absent"))
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    result = shm("audit")
    assert result.status == 3
    assert "no kubeconfig found" in result.stderr


def test_bad_request_timeout_is_usage(shm, kubeconfig):
    assert shm("audit", "--kubeconfig", kubeconfig, "--request-timeout", "soon").status == 2


def test_context_namespace_and_kubeconfig_list(kubeconfig, tmp_path, monkeypatch):
    empty = tmp_path / "empty"
    empty.write_text("apiVersion: v1\nkind: Config\n")
    monkeypatch.setenv("KUBECONFIG", f"{empty}:{kubeconfig}")
    kube = connect(ConnectionOptions())
    assert kube.namespace == "ml"
    assert connect(ConnectionOptions(namespace="other")).namespace == "other"


def test_client_exceptions_never_leave_the_adapter(kubeconfig):
    kube: Kube = connect(ConnectionOptions(kubeconfig=kubeconfig, request_timeout=5))
    with pytest.raises(Unreachable):
        kube.get("/version", doing="reading the version")


def test_api_exceptions_map_to_our_errors():
    from kubernetes.client.exceptions import ApiException

    error = ApiException(status=403, reason="Forbidden")
    error.body = b'{"kind":"Status","message":"pods is forbidden: User \\"x\\" cannot list"}'
    mapped = from_api_exception(error, "listing pods")
    assert isinstance(mapped, KubeError)
    assert type(mapped).__name__ == "Forbidden"
    assert str(mapped) == 'listing pods: pods is forbidden: User "x" cannot list'
    assert from_api_exception(ApiException(status=401), "x").status == 401
