"""The corpus the generated admission policy is checked against: the examples, the test
fixtures, and variants generated around each rule's edges, wrapped in every kind the
policy matches."""

from __future__ import annotations

import copy
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from kubectl_shm.manifests.files import read_manifests

ROOT = Path(__file__).resolve().parents[2]
SOURCES = (
    ROOT / "examples",
    ROOT / "tests" / "unit" / "fixtures",
    ROOT / "tests" / "unit" / "manifests" / "corpus",
)
# What the policy matches: (apiVersion, kind).
MATCHED = {
    ("v1", "Pod"),
    ("apps/v1", "Deployment"),
    ("apps/v1", "ReplicaSet"),
    ("apps/v1", "StatefulSet"),
    ("apps/v1", "DaemonSet"),
    ("batch/v1", "Job"),
    ("batch/v1", "CronJob"),
}
SHM_MOUNT = {"name": "dshm", "mountPath": "/dev/shm"}


def file_objects() -> Iterator[tuple[str, dict[str, Any]]]:
    """(where, object) of every matched object in the corpus files."""
    for source in SOURCES:
        for path in sorted(source.rglob("*")):
            if path.suffix not in (".yaml", ".yml", ".json") or "refused" in path.parts:
                continue
            try:
                documents = read_manifests([str(path)], io.StringIO())
            except Exception:  # a deliberately broken fixture: not a manifest to admit
                continue
            for index, document in enumerate(documents, start=1):
                for obj in _items(document.obj):
                    if (obj.get("apiVersion"), obj.get("kind")) in MATCHED:
                        yield f"{path.relative_to(ROOT)}#{index}", obj


def _items(obj: Any) -> Iterator[dict[str, Any]]:
    if isinstance(obj, dict) and isinstance(obj.get("items"), list):
        for item in obj["items"]:
            yield from _items(item)
    elif isinstance(obj, dict):
        yield obj


def _container(name: str = "main", **extra: Any) -> dict[str, Any]:
    return {"name": name, "image": "busybox", **extra}


def _memory(limit: str) -> dict[str, Any]:
    return {"limits": {"memory": limit}}


def _spec(containers: list, volumes: list | None = None, **extra: Any) -> dict[str, Any]:
    return {"containers": containers, **({"volumes": volumes} if volumes else {}), **extra}


def _shm(empty_dir: dict[str, Any] | None = None, **mount: Any) -> dict[str, Any]:
    return _container(volumeMounts=[{**SHM_MOUNT, **mount}]), {
        "name": "dshm",
        "emptyDir": {"medium": "Memory", **(empty_dir or {})},
    }


def _with_shm(container_extra: dict, volume: dict, mount: dict | None = None) -> dict:
    container = _container(volumeMounts=[{**SHM_MOUNT, **(mount or {})}], **container_extra)
    return _spec([container], [{"name": "dshm", **volume}])


def pod_spec_variants() -> Iterator[tuple[str, dict[str, Any]]]:
    """(what, pod spec) around the edges of each rule."""
    yield from _volume_variants()
    yield from _signal_variants()
    yield from _limit_variants()


def _volume_variants() -> Iterator[tuple[str, dict[str, Any]]]:
    memory = {"emptyDir": {"medium": "Memory", "sizeLimit": "1Gi"}}
    yield "clean", _with_shm({"resources": _memory("2Gi")}, memory)
    yield "sizeLimit equal to the limit", _with_shm({"resources": _memory("1Gi")}, memory)
    yield "sizeLimit one byte over", _with_shm({"resources": _memory("1073741823")}, memory)
    yield "no sizeLimit", _with_shm({}, {"emptyDir": {"medium": "Memory"}})
    yield "sizeLimit 0", _with_shm({}, {"emptyDir": {"medium": "Memory", "sizeLimit": "0"}})
    yield "disk emptyDir", _with_shm({}, {"emptyDir": {}})
    yield "disk emptyDir read-only", _with_shm({}, {"emptyDir": {}}, {"readOnly": True})
    yield "unknown medium", _with_shm({}, {"emptyDir": {"medium": "memory"}})
    yield "hugepages without request", _with_shm({}, {"emptyDir": {"medium": "HugePages"}})
    yield (
        "hugepages-2Mi with request",
        _with_shm(
            {"resources": {"limits": {"hugepages-2Mi": "2Mi", "memory": "1Gi"},
                           "requests": {"memory": "1Gi"}}},
            {"emptyDir": {"medium": "HugePages-2Mi"}},
        ),
    )  # fmt: skip
    yield "hostPath /dev/shm", _with_shm({}, {"hostPath": {"path": "/dev/shm"}})
    yield "hostIPC", _spec([_container()], hostIPC=True)
    yield "hostIPC with own volume", {**_with_shm({}, memory), "hostIPC": True}
    yield "secret at /dev/shm", _with_shm({}, {"secret": {"secretName": "x"}})
    yield "configMap at /dev/shm", _with_shm({}, {"configMap": {"name": "x"}})
    yield "memory read-only", _with_shm({}, memory, {"readOnly": True})
    yield "path spelled /dev/shm/", _with_shm({}, {"emptyDir": {}}, {"mountPath": "/dev/shm/"})
    yield "path spelled dev//shm", _with_shm({}, {"emptyDir": {}}, {"mountPath": "dev//shm"})


def _signal_variants() -> Iterator[tuple[str, dict[str, Any]]]:
    yield "GPU without shm", _spec([_container(resources={"limits": {"nvidia.com/gpu": "1"}})])
    gpu = {"resources": {"limits": {"nvidia.com/gpu": "1"}}}
    yield "GPU with shm", _with_shm(gpu, {"emptyDir": {"medium": "Memory", "sizeLimit": "1Gi"}})
    yield (
        "intel monitoring resource",
        _spec([_container(resources={"limits": {"gpu.intel.com/i915_monitoring": "1"}})]),
    )
    yield "vllm image", _spec([_container(image="docker.io/vllm/vllm-openai:v0.9.1")])
    yield "torch as a tag only", _spec([_container(image="busybox:torch")])
    yield "ray as a registry only", _spec([_container(image="ray.example.com/web:1")])
    yield "pytorch with digest", _spec([_container(image="pytorch/pytorch@sha256:" + "0" * 64)])
    yield "torchrun", _spec([_container(command=["torchrun", "--nproc-per-node=8", "t.py"])])
    yield "tensor parallel 1", _spec([_container(args=["serve", "--tensor-parallel-size", "1"])])
    yield "tensor parallel 4", _spec([_container(args=["serve", "--tensor-parallel-size=4"])])
    yield "NCCL env", _spec([_container(env=[{"name": "NCCL_DEBUG", "value": "INFO"}])])
    yield (
        "NCCL_SHM_DISABLE only",
        _spec([_container(env=[{"name": "NCCL_SHM_DISABLE", "value": "1"}])]),
    )
    yield "AI on windows", _spec([_container(image="pytorch/pytorch")], os={"name": "windows"})


def _limit_variants() -> Iterator[tuple[str, dict[str, Any]]]:
    init = _container("init", resources=_memory("3Gi"))
    two = _with_shm(
        {"resources": _memory("1Gi")}, {"emptyDir": {"medium": "Memory", "sizeLimit": "2Gi"}}
    )
    yield "init container raises the pod limit", {**two, "initContainers": [init]}
    sidecar = _container("sidecar", restartPolicy="Always", resources=_memory("512Mi"))
    yield "sidecar adds to the pod limit", {**two, "initContainers": [sidecar]}
    bare_init = _container("init")
    yield "init container without limit", {**two, "initContainers": [bare_init]}
    after = _container("late", resources=_memory("1536Mi"))
    yield "sidecar before an init", {**two, "initContainers": [sidecar, after]}
    pod_level = {**two, "resources": {"limits": {"memory": "4Gi"}}}
    yield "pod-level limit", pod_level
    ai_init = _container("prep", image="pytorch/pytorch")
    yield "AI init container", {**_spec([_container()]), "initContainers": [ai_init]}
    container, volume = _shm()
    yield "two containers, one mount", _spec([container, _container("side")], [volume])


def wrapped(name: str, spec: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """`spec` as a Pod and in every workload kind the policy matches."""
    labels = {"app": name}
    template = {"metadata": {"labels": labels}, "spec": copy.deepcopy(spec)}
    selector = {"matchLabels": labels}
    job_spec = {"template": {**template, "spec": {**template["spec"], "restartPolicy": "Never"}}}
    yield {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name}, "spec": spec}
    for kind in ("Deployment", "ReplicaSet", "StatefulSet", "DaemonSet"):
        yield {
            "apiVersion": "apps/v1",
            "kind": kind,
            "metadata": {"name": name},
            "spec": {"selector": selector, "template": template,
                     **({"serviceName": name} if kind == "StatefulSet" else {})},
        }  # fmt: skip
    yield {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": name}, "spec": job_spec}
    yield {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": {"name": name},
        "spec": {"schedule": "0 0 * * *", "jobTemplate": {"spec": job_spec}},
    }
