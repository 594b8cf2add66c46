"""The exec adapter against real local sockets: deadlines hold, refusals map to our errors."""

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest

from kubectl_shm.kube.client import connect
from kubectl_shm.kube.connection import ConnectionOptions
from kubectl_shm.kube.errors import Forbidden, KubeError, Unreachable
from kubectl_shm.kube.exec import ReadCommand, run_read_command

FORBIDDEN = {
    "kind": "Status",
    "apiVersion": "v1",
    "status": "Failure",
    "message": 'pods "web-1" is forbidden: User "viewer" cannot create resource "pods/exec" '
    'in API group "" in the namespace "ml"',
    "reason": "Forbidden",
    "code": 403,
}


def kube_at(tmp_path, port):
    path = tmp_path / "config"
    path.write_text(
        "apiVersion: v1\nkind: Config\n"
        f"clusters: [{{name: c, cluster: {{server: 'http://127.0.0.1:{port}'}}}}]\n"
        "users: [{name: u, user: {token: t}}]\n"
        "contexts: [{name: c, context: {cluster: c, user: u, namespace: ml}}]\n"
        "current-context: c\n"
    )
    return connect(ConnectionOptions(kubeconfig=str(path)))


def exec_df(kube, timeout=5.0):
    return run_read_command(
        kube, namespace="ml", pod="web-1", container="main", command=ReadCommand.DF, timeout=timeout
    )


def test_a_silent_api_server_times_the_exec_out(tmp_path):
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()  # accepts connections in the backlog, never answers
        kube = kube_at(tmp_path, listener.getsockname()[1])
        started = time.monotonic()
        output = exec_df(kube, timeout=0.5)
        assert output.timed_out
        assert output.exit_code is None
        assert time.monotonic() - started < 3


class _Refuse(BaseHTTPRequestHandler):
    requests: ClassVar[list[str]] = []

    def do_GET(self):
        type(self).requests.append(self.path)
        body = json.dumps(FORBIDDEN).encode()
        self.send_response(403)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def refusing_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Refuse)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_rbac_refusal_of_the_exec_is_forbidden_with_the_servers_words(tmp_path, refusing_server):
    kube = kube_at(tmp_path, refusing_server.server_address[1])
    with pytest.raises(Forbidden) as raised:
        exec_df(kube)
    assert 'cannot create resource "pods/exec"' in str(raised.value)
    assert str(raised.value).startswith("exec df -k /dev/shm in ml/web-1 [main]: ")
    [path] = _Refuse.requests[-1:]
    # The fixed command, as separate arguments: never a shell string.
    assert path.startswith("/api/v1/namespaces/ml/pods/web-1/exec?")
    assert path == (
        "/api/v1/namespaces/ml/pods/web-1/exec?command=df&command=-k&command=/dev/shm"
        "&container=main&stderr=true&stdin=false&stdout=true&tty=false"
    )


def test_nothing_listening_is_unreachable(tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    kube = kube_at(tmp_path, port)
    with pytest.raises(Unreachable) as raised:
        exec_df(kube)
    assert isinstance(raised.value, KubeError)
    assert raised.value.__cause__ is not None
