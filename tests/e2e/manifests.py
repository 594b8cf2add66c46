"""Small builders for the objects the end-to-end tests create."""

from __future__ import annotations

import json
from typing import Any


def pod(
    name: str,
    *,
    image: str,
    node: str | None = None,
    shm: dict[str, Any] | None = None,
    memory_limit: str | None = None,
    command: tuple[str, ...] = ("sleep", "3600"),
    labels: dict[str, str] | None = None,
) -> dict[str, Any]:
    """A pod with one container `main`; `shm` is the emptyDir mounted at /dev/shm, if any."""
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "labels": labels or {"app": name}},
        "spec": pod_spec(
            image=image, node=node, shm=shm, memory_limit=memory_limit, command=command
        ),
    }


def pod_spec(
    *,
    image: str,
    node: str | None = None,
    shm: dict[str, Any] | None = None,
    memory_limit: str | None = None,
    command: tuple[str, ...] = ("sleep", "3600"),
) -> dict[str, Any]:
    container: dict[str, Any] = {
        "name": "main",
        "image": image,
        "imagePullPolicy": "IfNotPresent",
        "command": list(command),
    }
    spec: dict[str, Any] = {"containers": [container], "terminationGracePeriodSeconds": 1}
    if node:
        spec["nodeSelector"] = {"kubernetes.io/hostname": node}
    if shm is not None:
        spec["volumes"] = [{"name": "dshm", "emptyDir": shm}]
        container["volumeMounts"] = [{"name": "dshm", "mountPath": "/dev/shm"}]
    if memory_limit:
        container["resources"] = {"limits": {"memory": memory_limit}}
    return spec


def deployment(name: str, spec: dict[str, Any], *, replicas: int = 1) -> dict[str, Any]:
    return _workload("Deployment", name, spec, replicas=replicas)


def statefulset(name: str, spec: dict[str, Any], *, replicas: int = 1) -> dict[str, Any]:
    return _workload("StatefulSet", name, spec, replicas=replicas, serviceName=name)


def daemonset(name: str, spec: dict[str, Any]) -> dict[str, Any]:
    return _workload("DaemonSet", name, spec)


def _workload(kind: str, name: str, spec: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """A workload whose pods, labelled app=`name`, run `spec`."""
    return {
        "apiVersion": "apps/v1",
        "kind": kind,
        "metadata": {"name": name},
        "spec": {
            **extra,
            "selector": {"matchLabels": {"app": name}},
            "template": {"metadata": {"labels": {"app": name}}, "spec": spec},
        },
    }


def as_input(*objects: dict[str, Any]) -> str:
    """Objects as `kubectl apply -f -` input (a List; JSON is YAML)."""
    return json.dumps({"apiVersion": "v1", "kind": "List", "items": list(objects)})
