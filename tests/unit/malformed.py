"""Hypothesis strategies for malformed manifests: a valid workload with wrong types put at
any of the fields the model walks (and some it does not), for the property tests that
every bad input gives a finding, a warning or an InputError, never an exception.
"""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import strategies as st

GPU = {
    "name": "gpu",
    "image": "nvcr.io/nvidia/pytorch:24.01-py3",
    "resources": {"limits": {"nvidia.com/gpu": 1, "memory": "8Gi"}},
}
WEB = {
    "name": "web",
    "image": "nginx",
    "env": [{"name": "A", "value": "1"}],
    "args": ["--port", "80"],
    "resources": {"limits": {"memory": "1Gi"}},
    "volumeMounts": [{"name": "dshm", "mountPath": "/dev/shm"}],
}
INIT = {"name": "init", "image": "busybox", "restartPolicy": "Always"}
POD_SPEC = {
    "initContainers": [INIT],
    "containers": [GPU, WEB],
    "volumes": [{"name": "dshm", "emptyDir": {"medium": "Memory", "sizeLimit": "1Gi"}}],
    "overhead": {"memory": "10Mi"},
    "nodeSelector": {"pool": "gpu"},
}


def deployment() -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "trainer", "namespace": "ml"},
        "spec": {"template": {"metadata": {"labels": {"a": "b"}}, "spec": copy.deepcopy(POD_SPEC)}},
    }


TEMPLATE = ("spec", "template", "spec")
_CONTAINER_FIELDS = [
    (),
    ("name",),
    ("image",),
    ("env",),
    ("env", 0),
    ("args",),
    ("command",),
    ("restartPolicy",),
    ("resources",),
    ("resources", "limits"),
    ("resources", "limits", "memory"),
    ("resources", "limits", "nvidia.com/gpu"),
    ("resources", "requests"),
    ("volumeMounts",),
    ("volumeMounts", 0),
    ("volumeMounts", 0, "name"),
    ("volumeMounts", 0, "mountPath"),
]
# Every place a wrong value can go: the object, the way to the pod spec, the pod spec.
PATHS = [
    ("kind",),
    ("metadata",),
    ("metadata", "name"),
    ("metadata", "namespace"),
    ("spec",),
    ("spec", "template"),
    ("spec", "template", "metadata"),
    ("spec", 5),
    ("spec", None),
    ("spec", "a.b"),
    TEMPLATE,
    (*TEMPLATE, "containers"),
    (*TEMPLATE, "initContainers"),
    (*TEMPLATE, "volumes"),
    (*TEMPLATE, "volumes", 0),
    (*TEMPLATE, "volumes", 0, "name"),
    (*TEMPLATE, "volumes", 0, "emptyDir"),
    (*TEMPLATE, "volumes", 0, "emptyDir", "medium"),
    (*TEMPLATE, "volumes", 0, "emptyDir", "sizeLimit"),
    (*TEMPLATE, "hostIPC"),
    (*TEMPLATE, "overhead"),
    (*TEMPLATE, "overhead", "memory"),
    (*TEMPLATE, "resources"),
    (*TEMPLATE, "resources", "limits", "memory"),
    (*TEMPLATE, "nodeSelector"),
    *(
        (*TEMPLATE, "containers", index, *field)
        for index in (0, 1, 2)
        for field in _CONTAINER_FIELDS
    ),
    *((*TEMPLATE, "initContainers", 0, *field) for field in _CONTAINER_FIELDS),
]
QUANTITY_JUNK = ["1e400", "-1Mi", "\u0663Mi", "512m", "1", "0", "", " ", "9Ei", "1e-400", "Mi"]
_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.sampled_from(["", "x", "/dev/shm", "Memory", "List", "Always", *QUANTITY_JUNK])
    | st.text(max_size=8)
)
JUNK = st.recursive(
    _scalars,
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.text(max_size=4) | st.integers() | st.none(), children, max_size=3)
    ),
    max_leaves=6,
)


def put(obj: Any, path: tuple[Any, ...], value: Any) -> None:
    """Set `value` at `path`, when the way there exists (a mutation may have broken it)."""
    node = obj
    for key in path[:-1]:
        if not _has(node, key):
            return
        node = node[key]
    if isinstance(node, dict) or _has(node, path[-1]):
        node[path[-1]] = value


def _has(node: Any, key: Any) -> bool:
    if isinstance(node, dict):
        return key in node
    return isinstance(node, list) and isinstance(key, int) and 0 <= key < len(node)


@st.composite
def malformed_workloads(draw: st.DrawFn) -> dict[str, Any]:
    """A Deployment (or the same pod spec in another kind) with up to three wrong values."""
    obj = deployment()
    kind = draw(st.sampled_from(["Deployment", "Deployment", "PyTorchJob", "DeploymentList"]))
    if kind == "PyTorchJob":
        obj["kind"] = kind
    for path, value in draw(st.lists(st.tuples(st.sampled_from(PATHS), JUNK), max_size=3)):
        put(obj, path, value)
    if kind == "DeploymentList":
        obj = {"kind": "DeploymentList", "items": [obj, draw(JUNK)]}
    return obj


def gpu_container_intact(obj: Any) -> bool:
    """The GPU container is still in its place, as written, with its pod spec's way there."""
    node = obj
    if isinstance(obj, dict) and obj.get("kind") == "DeploymentList":
        node = obj["items"][0]
    for key in (*TEMPLATE, "containers"):
        if not isinstance(node, dict) or key not in node:
            return False
        node = node[key]
    return isinstance(node, list) and bool(node) and node[0] == GPU
