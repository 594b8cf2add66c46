"""Run one fixed, read-only command in a container through the API server.

The official client's websocket streaming (`kubernetes.stream.stream` over
`connect_get_namespaced_pod_exec`) carries stdout, stderr and, on channel 3,
the exit status as a `metav1.Status`. Only the commands of `ReadCommand` can be
run: nothing typed by a user reaches a container, and no shell is involved.

Each exec has two deadlines. The websocket handshake (connection, TLS, the
upgrade) has the request deadline (--request-timeout) like any call; the
command has `timeout`. The client's handshake has no timeout of its own
(kubernetes 37.0.2, stream/ws_client.py create_websocket passes none), so the
exec runs in a daemon thread that is abandoned when a deadline passes; reading
stops at the command's deadline too.
"""

from __future__ import annotations

import json
import re
import threading
from enum import Enum
from typing import Any

from kubectl_shm.kube.client import Kube
from kubectl_shm.kube.deadlines import Deadline
from kubectl_shm.kube.errors import KubeError, from_status, from_transport_error, timed_out
from kubectl_shm.model.exec_output import ExecOutput

_STDOUT, _STDERR, _ERROR = 1, 2, 3
# Neither command prints much; stop reading a container that floods its output.
_MAX_OUTPUT = 1 << 20
_HANDSHAKE_STATUS = re.compile(r"Handshake status (\d{3})")


class ReadCommand(Enum):
    """The only commands inspect ever runs."""

    DF = ("df", "-k", "/dev/shm")
    PROC_MOUNTS = ("cat", "/proc/mounts")

    @property
    def text(self) -> str:
        return " ".join(self.value)


def run_read_command(
    kube: Kube,
    *,
    namespace: str,
    pod: str,
    container: str,
    command: ReadCommand,
    timeout: float,
) -> ExecOutput:
    """Run `command` in the container; the output, or `timed_out` past `timeout` seconds.

    Raises Forbidden when RBAC refuses pods/exec, NotFound when the pod is gone,
    and another KubeError when the API server or the kubelet refuses the exec.
    """
    doing = f"exec {command.text} in {namespace}/{pod} [{container}]"
    deadline = Deadline.start(timeout, not_after=kube.not_after)
    handshake = Deadline.start(kube.request_timeout, not_after=deadline.at)
    outcome: list[ExecOutput | BaseException] = []
    handshake_over = threading.Event()

    def work() -> None:
        try:
            target = (namespace, pod, container)
            outcome.append(_exec(kube, target, command, deadline, doing, handshake_over))
        except BaseException as error:  # handed to the caller's thread below
            outcome.append(error)
        finally:
            handshake_over.set()

    thread = threading.Thread(target=work, name=f"exec {pod}/{container}", daemon=True)
    thread.start()
    if not handshake_over.wait(handshake.remaining()) and handshake.at != deadline.at:
        raise timed_out(doing, kube.server, handshake.seconds)
    thread.join(deadline.remaining())
    if not outcome:
        return ExecOutput("", "", None, timed_out=True)
    if isinstance(outcome[0], BaseException):
        raise outcome[0]
    return outcome[0]


def exec_status(text: str) -> tuple[int | None, str | None]:
    """(exit code, failure) from the error channel's Status document.

    Success is (0, None); a command that exited non-zero carries its code in
    details.causes (reason ExitCode); anything else (the runtime could not start
    it) is (None, the message). No document at all is (None, a message).
    """
    if not text.strip():
        return None, "the exec ended without an exit status"
    try:
        status = json.loads(text)
    except ValueError:
        return None, text.strip().splitlines()[0]
    if not isinstance(status, dict):
        return None, text.strip()
    if status.get("status") == "Success":
        return 0, None
    for cause in (status.get("details") or {}).get("causes") or []:
        if isinstance(cause, dict) and cause.get("reason") == "ExitCode":
            code = str(cause.get("message"))
            if code.lstrip("-").isdigit():
                return int(code), None
            break
    return None, str(status.get("message") or "the exec failed")


def _exec(
    kube: Kube,
    target: tuple[str, str, str],
    command: ReadCommand,
    deadline: Deadline,
    doing: str,
    handshake_over: threading.Event,
) -> ExecOutput:
    from kubernetes import client
    from kubernetes.client.exceptions import ApiException
    from kubernetes.stream import stream

    namespace, pod, container = target
    # stream() swaps call_api on the client it is given while it connects: a
    # client of its own keeps that away from calls running in other threads.
    api_client = client.ApiClient(kube.api_client.configuration)
    try:
        try:
            socket = stream(
                client.CoreV1Api(api_client).connect_get_namespaced_pod_exec,
                pod,
                namespace,
                container=container,
                command=list(command.value),
                stdin=False,
                stdout=True,
                stderr=True,
                tty=False,
                _preload_content=False,
            )
        except ApiException as error:
            raise _handshake_error(error, doing, kube.server) from error
        handshake_over.set()
        try:
            return _read(socket, deadline)
        except Exception as error:  # socket, TLS and websocket-client's own errors
            raise from_transport_error(error, doing, kube.server) from error
        finally:
            socket.close()
    finally:
        api_client.close()


def _read(socket: Any, deadline: Deadline) -> ExecOutput:
    """Gather the channels until the server closes the stream or the deadline passes."""
    stdout: list[str] = []
    stderr: list[str] = []
    status: list[str] = []
    received = 0
    while socket.is_open() and received < _MAX_OUTPUT:
        remaining = deadline.remaining()
        if remaining is not None and remaining <= 0:
            return ExecOutput("".join(stdout), "".join(stderr), None, timed_out=True)
        socket.update(timeout=1.0 if remaining is None else min(remaining, 1.0))
        for channel, sink in ((_STDOUT, stdout), (_STDERR, stderr), (_ERROR, status)):
            data = socket.read_channel(channel)
            if data:
                sink.append(data)
                received += len(data)
    exit_code, failure = exec_status("".join(status))
    return ExecOutput("".join(stdout), "".join(stderr), exit_code, failure)


def _handshake_error(error: Any, doing: str, server: str | None) -> KubeError:
    """The API server's answer to the websocket upgrade, as one of our errors.

    The client wraps the websocket library's exception (which holds the HTTP
    status and body) in an ApiException with status 0.
    """
    cause = error.__context__
    status = getattr(cause, "status_code", None)
    if isinstance(status, int) and status:
        return from_status(
            status, getattr(cause, "status_message", None), getattr(cause, "resp_body", None), doing
        )
    found = _HANDSHAKE_STATUS.search(str(getattr(error, "reason", "") or ""))
    if found:
        return from_status(int(found.group(1)), None, None, doing)
    return from_transport_error(cause or error, doing, server)
