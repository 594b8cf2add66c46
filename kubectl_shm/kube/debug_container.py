"""--debug: an ephemeral container with df, beside a container whose image has none.

Only when asked: an ephemeral container cannot be removed again; it stays in
the pod's spec (stopped once its `sleep` ends) until the pod is deleted. It
mounts the container's /dev/shm volume read-only; without a volume it sees the
pod sandbox's own /dev/shm, which the runtime mounts into every container of
the pod (containerd: the sandbox's shm is bind-mounted into each container).
Its security context passes the "restricted" Pod Security Standard.
"""

from __future__ import annotations

import secrets
import time
from typing import Any

from kubectl_shm.kube.client import Kube

NAME_PREFIX = "shm-inspect-"
STRATEGIC_MERGE_PATCH = "application/strategic-merge-patch+json"
# Long enough to be exec'd into; it exits by itself afterwards.
SLEEP_SECONDS = 300
_POLL_SECONDS = 1.0
_FAILED_WAITING = ("ErrImagePull", "ImagePullBackOff", "InvalidImageName", "CreateContainerError")


class DebugContainerFailed(Exception):
    """The ephemeral container was added but did not start; the message says why."""

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(f"debug container {name} {reason}")
        self.name = name


def debug_container_spec(name: str, image: str, volume: str | None) -> dict[str, Any]:
    """The ephemeral container: sleeps, runs as nobody, mounts `volume` read-only at /dev/shm."""
    container: dict[str, Any] = {
        "name": name,
        "image": image,
        "command": ["sleep", str(SLEEP_SECONDS)],
        "stdin": False,
        "tty": False,
        "securityContext": {
            "allowPrivilegeEscalation": False,
            "capabilities": {"drop": ["ALL"]},
            "runAsNonRoot": True,
            "runAsUser": 65534,
            "seccompProfile": {"type": "RuntimeDefault"},
        },
    }
    if volume is not None:
        container["volumeMounts"] = [{"name": volume, "mountPath": "/dev/shm", "readOnly": True}]
    return container


def start_debug_container(
    kube: Kube, *, namespace: str, pod: str, volume: str | None, image: str, timeout: float
) -> str:
    """Add the ephemeral container to `pod` and wait until it runs; its name.

    Raises Forbidden without `patch` on pods/ephemeralcontainers, another
    KubeError if the API server refuses, DebugContainerFailed when it does not
    start within `timeout` seconds (image pull failure, ...).
    """
    name = f"{NAME_PREFIX}{secrets.token_hex(3)}"
    kube.call(
        "PATCH",
        f"/api/v1/namespaces/{namespace}/pods/{pod}/ephemeralcontainers",
        body={"spec": {"ephemeralContainers": [debug_container_spec(name, image, volume)]}},
        content_type=STRATEGIC_MERGE_PATCH,
        doing=f"adding ephemeral container {name} to {namespace}/{pod}",
    )
    deadline = time.monotonic() + timeout
    while True:
        found = kube.get(
            f"/api/v1/namespaces/{namespace}/pods/{pod}", doing=f"reading {namespace}/{pod}"
        )
        state = _state(found, name)
        if "running" in state:
            return name
        waiting = (state.get("waiting") or {}).get("reason")
        if waiting in _FAILED_WAITING:
            raise DebugContainerFailed(name, f"did not start ({waiting})")
        if "terminated" in state:
            raise DebugContainerFailed(name, "exited at once")
        if time.monotonic() >= deadline:
            raise DebugContainerFailed(name, f"not running after {timeout:g}s")
        time.sleep(_POLL_SECONDS)


def _state(pod: dict[str, Any], name: str) -> dict[str, Any]:
    for status in (pod.get("status") or {}).get("ephemeralContainerStatuses") or []:
        if status.get("name") == name:
            return dict(status.get("state") or {})
    return {}
