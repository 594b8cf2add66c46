"""The edits `kubectl shm set` makes to one pod spec, and their two renderings.

An edit is applied to a copy of the object (field order kept, for --local and
--dry-run=client), or written as a strategic merge patch that names only what
changes. The patch relies on the merge keys of core/v1 (k8s.io/api/core/v1/
types.go): `volumes` merge by `name` with `retainKeys` (so `$retainKeys` can
swap a volume's source), `containers` and `initContainers` by `name`,
`volumeMounts` by `mountPath`; `$patch: delete` removes one item.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping, Sequence
from dataclasses import dataclass
from typing import Any

from kubectl_shm.model.podspec import SHM_PATH

MEMORY = "Memory"


@dataclass(frozen=True)
class AddVolume:
    """A new memory emptyDir volume, appended to `volumes`."""

    volume: str
    size: str


@dataclass(frozen=True)
class SetSize:
    """The sizeLimit of an existing emptyDir (and its medium, when it was on disk)."""

    volume: str
    size: str
    make_memory: bool = False


@dataclass(frozen=True)
class ReplaceVolume:
    """--overwrite: the volume keeps its name and place, its source becomes a memory emptyDir."""

    volume: str
    size: str


@dataclass(frozen=True)
class RemoveVolume:
    """Delete the volume named `volume` from the pod spec."""

    volume: str


@dataclass(frozen=True)
class AddMount:
    """Mount `volume` at /dev/shm in a container of `list_key` (containers or initContainers)."""

    list_key: str
    container: str
    volume: str


@dataclass(frozen=True)
class RepointMount:
    """The container's mount at `mount_path` now takes `volume` (other mount fields kept)."""

    list_key: str
    container: str
    mount_path: str
    volume: str


@dataclass(frozen=True)
class RemoveMount:
    """Delete the mount at `mount_path` from a container of `list_key`."""

    list_key: str
    container: str
    mount_path: str


Edit = AddVolume | SetSize | ReplaceVolume | RemoveVolume | AddMount | RepointMount | RemoveMount


def memory_empty_dir(size: str) -> dict[str, Any]:
    return {"medium": MEMORY, "sizeLimit": size}


def unshared_copy(value: Any) -> Any:
    """A deep copy with no shared parts: YAML aliases must not carry an edit to two places."""
    if isinstance(value, Mapping):
        return {key: unshared_copy(item) for key, item in value.items()}
    if isinstance(value, list):
        return [unshared_copy(item) for item in value]
    return value


def apply_edits(pod_spec: MutableMapping[str, Any], edits: Sequence[Edit]) -> None:
    """Apply `edits` to `pod_spec` in place (a copy made by `unshared_copy`)."""
    for edit in edits:
        if isinstance(edit, AddVolume):
            _list(pod_spec, "volumes").append(
                {"name": edit.volume, "emptyDir": memory_empty_dir(edit.size)}
            )
        elif isinstance(edit, SetSize):
            volume = _volume(pod_spec, edit.volume)
            empty_dir = volume.get("emptyDir")
            if not isinstance(empty_dir, dict):
                empty_dir = volume["emptyDir"] = {}
            if edit.make_memory:
                empty_dir["medium"] = MEMORY
            empty_dir["sizeLimit"] = edit.size
        elif isinstance(edit, ReplaceVolume):
            volumes = _list(pod_spec, "volumes")
            index = volumes.index(_volume(pod_spec, edit.volume))
            volumes[index] = {"name": edit.volume, "emptyDir": memory_empty_dir(edit.size)}
        elif isinstance(edit, RemoveVolume):
            _remove_item(pod_spec, "volumes", _volume(pod_spec, edit.volume))
        elif isinstance(edit, AddMount):
            container = _container(pod_spec, edit.list_key, edit.container)
            _list(container, "volumeMounts").append({"name": edit.volume, "mountPath": SHM_PATH})
        elif isinstance(edit, RepointMount):
            container = _container(pod_spec, edit.list_key, edit.container)
            _mount(container, edit.mount_path)["name"] = edit.volume
        else:
            container = _container(pod_spec, edit.list_key, edit.container)
            _remove_item(container, "volumeMounts", _mount(container, edit.mount_path))


def strategic_patch(edits: Sequence[Edit]) -> dict[str, Any]:
    """The pod spec part of a strategic merge patch making exactly `edits`."""
    volumes: list[dict[str, Any]] = []
    mounts: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for edit in edits:
        if isinstance(edit, AddVolume):
            volumes.append({"name": edit.volume, "emptyDir": memory_empty_dir(edit.size)})
        elif isinstance(edit, SetSize):
            size_only = {"sizeLimit": edit.size}
            empty_dir = memory_empty_dir(edit.size) if edit.make_memory else size_only
            volumes.append({"name": edit.volume, "emptyDir": empty_dir})
        elif isinstance(edit, ReplaceVolume):
            volumes.append(
                {
                    "$retainKeys": ["emptyDir", "name"],
                    "name": edit.volume,
                    "emptyDir": memory_empty_dir(edit.size),
                }
            )
        elif isinstance(edit, RemoveVolume):
            volumes.append({"name": edit.volume, "$patch": "delete"})
        else:
            item = _mount_patch(edit)
            mounts.setdefault((edit.list_key, edit.container), []).append(item)
    patch: dict[str, Any] = {}
    if volumes:
        patch["volumes"] = volumes
    for (list_key, container), items in mounts.items():
        patch.setdefault(list_key, []).append({"name": container, "volumeMounts": items})
    return patch


def _mount_patch(edit: AddMount | RepointMount | RemoveMount) -> dict[str, Any]:
    if isinstance(edit, AddMount):
        return {"mountPath": SHM_PATH, "name": edit.volume}
    if isinstance(edit, RepointMount):
        return {"mountPath": edit.mount_path, "name": edit.volume}
    return {"mountPath": edit.mount_path, "$patch": "delete"}


def _list(parent: MutableMapping[str, Any], key: str) -> list[Any]:
    items = parent.get(key)
    if not isinstance(items, list):
        items = parent[key] = []
    return items


def _remove_item(parent: MutableMapping[str, Any], key: str, item: object) -> None:
    """Remove `item` (by identity); an emptied list goes too, as the API server drops it."""
    items = _list(parent, key)
    items[:] = [other for other in items if other is not item]
    if not items:
        del parent[key]


# The planner found these items in the same pod spec: a miss is a bug, not bad input.
def _volume(pod_spec: Mapping[str, Any], name: str) -> dict[str, Any]:
    return _item(pod_spec.get("volumes"), "name", name)


def _container(pod_spec: Mapping[str, Any], list_key: str, name: str) -> dict[str, Any]:
    return _item(pod_spec.get(list_key), "name", name)


def _mount(container: Mapping[str, Any], mount_path: str) -> dict[str, Any]:
    return _item(container.get("volumeMounts"), "mountPath", mount_path)


def _item(items: object, key: str, value: str) -> dict[str, Any]:
    for item in items if isinstance(items, list) else ():
        if isinstance(item, dict) and item.get(key) == value:
            return item
    raise KeyError(f"no item with {key} {value!r}")
