"""What of a pod an audit keeps: the slim pod, made from a decoded pod or straight from
a raw page of pods.

A slim pod holds only what the size model, ownership and the policy rule read, so
10,000 of them stay small and pods of one template have equal specs (audit.memo).

Decoding whole pods was most of the CPU a large audit spent listing (DESIGN section
8): every managedFields entry, status, toleration and service account volume became
Python objects only to be dropped. `decode_slim_pods` has msgspec decode a page
against the shape of a slim pod and skip the rest of the JSON unread; volumes stay raw
JSON until a mount at /dev/shm names one, managedFields until a bare pod's sized
memory volume needs them. Its result equals `slim_pod` of each fully decoded pod
(tests/unit/kube/test_slim_pods.py proves it on recorded pods). Where msgspec is
missing, or a page does not have the shape the API server gives (a value of another
type), it answers None and the caller decodes the page whole.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypedDict, cast

from kubectl_shm.model.admission_trail import KYVERNO_PATCHES
from kubectl_shm.model.ownership import controller_of
from kubectl_shm.model.podspec import is_shm_path
from kubectl_shm.model.runtime_shm import CRIO_SHM_ANNOTATIONS

try:
    import msgspec
except ImportError:  # pragma: no cover - the release archive and pip install carry it
    msgspec = None  # type: ignore[assignment]  # then pages are decoded whole

# JSON kept undecoded until it is needed (msgspec.Raw).
if TYPE_CHECKING:
    Raw = bytes
else:
    Raw = msgspec.Raw if msgspec is not None else bytes


class _Metadata(TypedDict, total=False):
    name: Any
    namespace: Any
    uid: Any
    ownerReferences: list[dict[str, Any]]
    annotations: dict[str, Any]
    managedFields: Raw


class _EnvVar(TypedDict):
    name: Any  # only the names of env variables are read (model.shm_users)


class _Container(TypedDict, total=False):
    name: Any
    image: Any
    resources: Any
    volumeMounts: list[dict[str, Any]]
    restartPolicy: Any
    command: Any
    args: Any
    env: list[_EnvVar]


class _PodSpec(TypedDict, total=False):
    volumes: list[Raw]
    hostIPC: Any
    overhead: Any
    resources: Any
    nodeName: Any
    os: Any
    containers: list[_Container]
    initContainers: list[_Container]


class _Status(TypedDict, total=False):
    phase: Any


class _Pod(TypedDict, total=False):
    metadata: _Metadata
    spec: _PodSpec
    status: _Status


class _PodList(TypedDict, total=False):
    items: list[_Pod] | None


class _VolumeName(TypedDict, total=False):
    name: Any


# The fields a slim pod keeps are those the typed decoding reads: command and args feed
# the catalogue of /dev/shm users (model.shm_users), as do the names (not the values) of
# env variables, kept apart.
_CONTAINER_FIELDS = tuple(field for field in _Container.__annotations__ if field != "env")
_POD_SPEC_FIELDS = tuple(
    field for field in _PodSpec.__annotations__ if field not in ("containers", "initContainers")
)
# CRI-O sizes /dev/shm from these; Kyverno records its mutations in the other.
_KEPT_ANNOTATIONS = frozenset({*CRIO_SHM_ANNOTATIONS, KYVERNO_PATCHES})


def slim_pod(pod: dict[str, Any]) -> dict[str, Any]:
    """Only what the size model and ownership need; the rest of the pod is dropped.

    Of the volumes and mounts, only the mounts at /dev/shm and the volumes they name are
    kept: the model follows a container's mount at /dev/shm to its volume and reads no
    other (model.podspec shm_mount, volume_named). That drops the service account token
    volume every pod has, whose name is random per pod: pods of one template then have
    equal specs, which the size model's memo (audit.memo) relies on.
    """
    metadata = pod.get("metadata") or {}
    spec = pod.get("spec") or {}
    slim_spec = {key: spec[key] for key in _POD_SPEC_FIELDS if key in spec}
    for key in ("containers", "initContainers"):
        if key in spec:
            slim_spec[key] = [_slim_container(c) for c in spec[key] or []]
    if isinstance(spec.get("volumes"), list):
        slim_spec["volumes"] = _shm_volumes(spec["volumes"], slim_spec)
    slim_metadata = _slim_metadata(metadata)
    if _admission_trail_wanted(slim_metadata, slim_spec):
        slim_metadata["managedFields"] = metadata.get("managedFields") or []
    return {
        "metadata": slim_metadata,
        "spec": slim_spec,
        "status": {"phase": (pod.get("status") or {}).get("phase")},
    }


def _slim_metadata(metadata: Mapping[str, Any]) -> dict[str, Any]:
    """Name, namespace, uid, owners and the annotations the size model reads."""
    return {
        "name": metadata.get("name"),
        "namespace": metadata.get("namespace"),
        "uid": metadata.get("uid"),
        "ownerReferences": metadata.get("ownerReferences") or [],
        "annotations": {
            key: value
            for key, value in (metadata.get("annotations") or {}).items()
            if key in _KEPT_ANNOTATIONS
        },
    }


def _admission_trail_wanted(metadata: dict[str, Any], slim_spec: dict[str, Any]) -> bool:
    """A bare pod with a sized memory volume at /dev/shm keeps its managedFields: whether a
    policy set that sizeLimit is read from them (audit.policy_sizes), here rather than
    with a GET per pod. A controller's pods are answered by their owner's metadata."""
    if controller_of(metadata) is not None:
        return False
    return any(
        isinstance(volume, dict)
        and (volume.get("emptyDir") or {}).get("medium") == "Memory"
        and (volume.get("emptyDir") or {}).get("sizeLimit")
        for volume in slim_spec.get("volumes") or []
    )


def _shm_volumes(volumes: list[Any], slim_spec: dict[str, Any]) -> list[Any]:
    """The volumes named by a mount at /dev/shm (all of each name, in order)."""
    names = {
        mount.get("name")
        for key in ("containers", "initContainers")
        for container in slim_spec.get(key) or []
        if isinstance(container, dict) and isinstance(container.get("volumeMounts"), list)
        for mount in container["volumeMounts"]
    }
    return [v for v in volumes if isinstance(v, dict) and v.get("name") in names]


def _slim_container(container: dict[str, Any]) -> dict[str, Any]:
    slim = {field: container[field] for field in _CONTAINER_FIELDS if field in container}
    mounts = container.get("volumeMounts")
    if isinstance(mounts, list):
        slim["volumeMounts"] = [
            m for m in mounts if isinstance(m, dict) and is_shm_path(m.get("mountPath"))
        ]
    env = container.get("env")
    if isinstance(env, list):
        slim["env"] = [{"name": e.get("name")} for e in env if isinstance(e, dict)]
    return slim


if msgspec is not None:
    _PAGE = msgspec.json.Decoder(_PodList)
    _VOLUME_NAME = msgspec.json.Decoder(_VolumeName)


def decode_slim_pods(raw: bytes) -> list[dict[str, Any]] | None:
    """The slim pods of a raw pod list page; None where it cannot be decoded this way."""
    if msgspec is None:
        return None
    try:
        page = _PAGE.decode(raw)
        return [_finish(pod) for pod in page.get("items") or []]
    except msgspec.DecodeError:  # not the API server's shape: decoded whole instead
        return None


def _finish(pod: _Pod) -> dict[str, Any]:
    """The typed decoding of a pod brought to the shape of `slim_pod`."""
    metadata = pod.get("metadata", {})
    spec = cast("dict[str, Any]", pod.get("spec", {}))  # decoded as a plain dict
    for key in ("containers", "initContainers"):
        for container in spec.get(key, ()):
            mounts = container.get("volumeMounts")
            if mounts is not None:
                container["volumeMounts"] = [m for m in mounts if is_shm_path(m.get("mountPath"))]
    volumes = spec.get("volumes")
    if volumes is not None:
        spec["volumes"] = _named_shm_volumes(volumes, spec)
    slim_metadata = _slim_metadata(metadata)
    if _admission_trail_wanted(slim_metadata, spec):
        managed = metadata.get("managedFields")
        slim_metadata["managedFields"] = (msgspec.json.decode(managed) if managed else None) or []
    return {
        "metadata": slim_metadata,
        "spec": spec,
        "status": {"phase": pod.get("status", {}).get("phase")},
    }


def _named_shm_volumes(volumes: list[Any], spec: dict[str, Any]) -> list[Any]:
    """The volumes named by a mount at /dev/shm, decoded; the rest never are."""
    names = {
        mount.get("name")
        for key in ("containers", "initContainers")
        for container in spec.get(key, ())
        for mount in container.get("volumeMounts", ())
    }
    if not names:
        return []
    return [
        msgspec.json.decode(volume)
        for volume in volumes
        if _VOLUME_NAME.decode(volume).get("name") in names
    ]
