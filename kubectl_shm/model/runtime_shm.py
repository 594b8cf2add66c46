"""The /dev/shm a container runtime gives a pod that mounts nothing there.

- containerd hard-codes 64Mi and has no setting for it (v2.4.2
  internal/cri/server/podsandbox/helpers_linux.go defaultShmSize, used by
  setupSandboxFiles as "mode=1777,size=<bytes>"; v1.7.35 pkg/cri/server the same).
- CRI-O defaults to 64Mi too (v1.36.3 internal/lib/sandbox/sandbox.go DefaultShmSize)
  but takes the size from a pod annotation (v1.36.3 server/sandbox_run_linux.go
  setupSandboxShm: resource.ParseQuantity, then Value()):
  `io.kubernetes.cri-o.ShmSize` in every release, and `shm-size.crio.io` from v1.35.0,
  which wins when both are set (pkg/annotations/v2/annotations.go). A pod's annotation
  counts only if its runtime handler lists that exact name in `allowed_annotations`
  (pkg/config/config.go RuntimeHandler.AllowedAnnotations; not allowed by default), and
  from v1.32.0 a handler's `default_annotations` can set it for every pod
  (prepareKubeAnnotations). Neither setting is visible through the API: a size from
  an annotation is a prediction that depends on the node's CRI-O configuration.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from kubectl_shm.model.nodes import parse_version

RUNTIME_DEFAULT_SHM_BYTES = 64 * 1024 * 1024
CRIO_SHM_ANNOTATION = "shm-size.crio.io"
CRIO_SHM_ANNOTATION_V1 = "io.kubernetes.cri-o.ShmSize"
CRIO_SHM_ANNOTATIONS = (CRIO_SHM_ANNOTATION, CRIO_SHM_ANNOTATION_V1)
# CRI-O reads shm-size.crio.io from this release on.
_CRIO_V2_ANNOTATIONS_SINCE = (1, 35)


class RuntimeShm(NamedTuple):
    """What the runtime will make /dev/shm, for a container without a volume there."""

    runtime: str  # "containerd", "cri-o" or what the node reports
    annotation: str | None  # the CRI-O annotation that sets the size, if any
    raw_size: object  # its value as written


def runtime_of(container_runtime_version: str | None) -> str:
    """'cri-o://1.36.3' -> 'cri-o'; an unknown runtime is taken to be containerd."""
    if container_runtime_version and "://" in container_runtime_version:
        return container_runtime_version.split("://", 1)[0]
    return container_runtime_version or "containerd"


def runtime_shm(
    container_runtime_version: str | None, annotations: Mapping[str, Any]
) -> RuntimeShm:
    """The runtime and, on CRI-O, the annotation that would size /dev/shm."""
    runtime = runtime_of(container_runtime_version)
    if runtime != "cri-o":
        return RuntimeShm(runtime, None, None)
    version = container_runtime_version.split("://", 1)[1] if container_runtime_version else ""
    parsed = parse_version(version)
    names = (
        CRIO_SHM_ANNOTATIONS
        if parsed is None or parsed[:2] >= _CRIO_V2_ANNOTATIONS_SINCE
        else (CRIO_SHM_ANNOTATION_V1,)
    )
    for name in names:
        if name in annotations:
            return RuntimeShm(runtime, name, annotations[name])
    return RuntimeShm(runtime, None, None)
