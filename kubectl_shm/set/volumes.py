"""Decide the /dev/shm edits for one pod spec: `kubectl shm set` rules, without I/O.

Setting a size, per chosen container (default: every app container):
- a memory emptyDir already at /dev/shm gets the new sizeLimit (nothing when
  the size is the same, however it is spelled: 1Gi == 1024Mi);
- an emptyDir on disk used only at /dev/shm becomes memory-backed;
- anything else at /dev/shm (hostPath, a PVC, HugePages, a disk emptyDir that
  is also mounted elsewhere) is refused unless --overwrite: then the volume's
  source is replaced in place when only these /dev/shm mounts use it, else the
  mounts move to a memory volume of their own and the old volume stays;
- a container with nothing at /dev/shm mounts the memory volume the other
  chosen containers use (they share /dev/shm, as they shared the runtime's),
  else a new one named `dshm`, or `dshm-1`, ... when that name is taken.
Removing (--remove) takes the /dev/shm mounts of the chosen containers away,
and the volume with them once nothing else mounts it. Nothing else is touched.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from kubectl_shm.errors import InputError
from kubectl_shm.model.podspec import (
    container_name,
    containers_of,
    is_shm_path,
    mapping,
    mappings_in,
    shm_mount,
    volume_named,
)
from kubectl_shm.model.quantity import (
    QuantityError,
    mebibytes_meant,
    positive_bytes,
    spelled_out,
    to_bytes,
)
from kubectl_shm.set.edits import (
    MEMORY,
    AddMount,
    AddVolume,
    Edit,
    RemoveMount,
    RemoveVolume,
    ReplaceVolume,
    RepointMount,
    SetSize,
)

SHM_VOLUME = "dshm"
SMALLEST_SIZE_BYTES = 2**20
# Where volumeMounts can reference a volume (ephemeral containers only in live Pods).
_MOUNTING_LISTS = ("containers", "initContainers", "ephemeralContainers")
CHOOSABLE_LISTS = ("containers", "initContainers")
Chosen = Sequence[tuple[str, Mapping[str, Any]]]


class ShmRefused(InputError):
    """The change would replace what someone put at /dev/shm on purpose, or cannot apply."""


@dataclass(frozen=True)
class ShmRequest:
    """What the user asked for. `size` is the quantity as typed (validated by `parse_size`)."""

    size: str | None
    containers: tuple[str, ...] = ()
    remove: bool = False
    overwrite: bool = False
    # --template: only the pod templates at these dotted paths (or below them).
    templates: tuple[str, ...] = ()

    @property
    def size_bytes(self) -> int:
        return positive_bytes(self.size) if self.size is not None else 0


def parse_size(text: str, *, force: bool = False) -> str:
    """SIZE as written to `sizeLimit`; InputError naming the value and why it is not one.

    A SIZE below 1Mi is a forgotten or mistyped unit ('512' bytes, '512m' millibytes)
    far more often than a wish: refused unless `force`.
    """
    size = text.strip()
    try:
        size_bytes = positive_bytes(size)
    except QuantityError as error:
        raise InputError(f"invalid SIZE {text!r}: {error.reason}") from error
    if size_bytes < SMALLEST_SIZE_BYTES and not force:
        meant = mebibytes_meant(size)
        guess = f"; did you mean {meant}?" if meant else "."
        raise InputError(
            f"SIZE {size} is {spelled_out(size)}{guess} A /dev/shm below 1Mi is refused: "
            f"add --force if you mean it"
        )
    return size


@dataclass(frozen=True)
class Previous:
    """What a chosen container had at /dev/shm before the change."""

    container: str
    volume: str | None
    # "none", "memory", "disk", "undefined", or the volume's source ("hostPath", ...).
    source: str
    size_limit: object = None


def free_volume_name(pod_spec: Mapping[str, Any]) -> str:
    """`dshm`, or the first of `dshm-1`, `dshm-2`, ... no volume or mount uses."""
    taken = {str(volume.get("name")) for volume in mappings_in(pod_spec.get("volumes"))}
    taken |= {str(use.volume) for use in _mount_uses(pod_spec)}
    candidate, number = SHM_VOLUME, 0
    while candidate in taken:
        number += 1
        candidate = f"{SHM_VOLUME}-{number}"
    return candidate


@dataclass(frozen=True)
class _Use:
    """A container's mount of `path`, and the volume source behind it."""

    list_key: str
    container: str
    path: str
    volume: object


@dataclass
class Draft:
    """The edits for one pod spec, with what the user should know about them."""

    edits: list[Edit] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    previous: list[Previous] = field(default_factory=list)
    volume: str | None = None


def plan_set(spec: Mapping[str, Any], chosen: Chosen, request: ShmRequest, label: str) -> Draft:
    """The edits that give the chosen containers a memory /dev/shm of `request.size`."""
    draft = Draft()
    chosen_keys = {(key, container_name(c)) for key, c in chosen}
    decided: dict[str, bool] = {}  # volume at /dev/shm -> kept (True) or left for others
    pending: list[tuple[str, str, str | None]] = []  # (list, container, mountPath to repoint)
    for key, container in chosen:
        name = container_name(container)
        mount = shm_mount(container)
        if mount is None:
            draft.previous.append(Previous(name, None, "none"))
            if spec.get("hostIPC") is True:
                draft.notes.append(
                    f"hostIPC is on: container {name!r} now gets its own /dev/shm instead of "
                    f"the node's (hostIPC itself is unchanged)"
                )
            pending.append((key, name, None))
            continue
        volume_name, path = str(mount.get("name")), str(mount.get("mountPath"))
        volume = volume_named(spec, volume_name)
        draft.previous.append(Previous(name, volume_name, _source(volume), _size_limit(volume)))
        if volume_name not in decided:
            others = _other_uses(spec, volume_name, chosen_keys)
            where = _Mount(name, volume_name, volume, others)
            decided[volume_name] = _decide_volume(draft, where, request, label)
            if decided[volume_name] and draft.volume is None:
                draft.volume = volume_name
        if not decided[volume_name]:
            pending.append((key, name, path))
    if pending:
        _mount_pending(spec, draft, pending, str(request.size))
    return draft


@dataclass(frozen=True)
class _Mount:
    """A chosen container's volume at /dev/shm, and who else mounts that volume."""

    container: str
    volume_name: str
    volume: Mapping[str, Any] | None
    others: Sequence[_Use]


def _decide_volume(draft: Draft, mount: _Mount, request: ShmRequest, label: str) -> bool:
    """Edit the volume at /dev/shm in place (True), or leave it to others (False: the
    container moves to a memory volume of its own); raises ShmRefused without --overwrite."""
    size, name, others = str(request.size), mount.volume_name, mount.others
    source = _source(mount.volume)
    if source == "memory":
        if _size_differs(mount.volume, request.size_bytes):
            draft.edits.append(SetSize(name, size))
            if others:
                draft.notes.append(
                    f"volume {name!r} is also mounted by {_describe(others)}: "
                    f"it gets the new size too"
                )
    elif source == "disk" and not others:
        draft.edits.append(SetSize(name, size, make_memory=True))
        draft.notes.append(
            f"emptyDir {name!r} at /dev/shm was on the node's disk: it becomes memory-backed"
        )
    elif source == "undefined":
        draft.edits.append(AddVolume(name, size))
        draft.notes.append(
            f"volume {name!r} was mounted at /dev/shm but not defined: it is now a memory emptyDir"
        )
    elif not request.overwrite:
        raise ShmRefused(_refusal(label, mount.container, name, source, others, size))
    elif others:
        draft.notes.append(
            f"{source} volume {name!r} stays for {_describe(others)}; "
            f"/dev/shm gets a memory volume of its own"
        )
        return False
    else:
        draft.edits.append(ReplaceVolume(name, size))
        draft.notes.append(f"{source} volume {name!r} at /dev/shm is replaced by a memory emptyDir")
    return True


def _mount_pending(
    spec: Mapping[str, Any],
    draft: Draft,
    pending: Sequence[tuple[str, str, str | None]],
    size: str,
) -> None:
    """Mount the shared memory volume (a new one if there is none) where it is missing."""
    if draft.volume is None:
        draft.volume = free_volume_name(spec)
        draft.edits.append(AddVolume(draft.volume, size))
        if draft.volume != SHM_VOLUME:
            draft.notes.append(
                f"the name {SHM_VOLUME!r} is taken by another volume: "
                f"the new volume is {draft.volume!r}"
            )
    for key, name, path in pending:
        if path is None:
            draft.edits.append(AddMount(key, name, draft.volume))
        else:
            draft.edits.append(RepointMount(key, name, path, draft.volume))


def plan_remove(spec: Mapping[str, Any], chosen: Chosen, request: ShmRequest, label: str) -> Draft:
    """The edits that take the chosen containers' /dev/shm volume away again."""
    draft = Draft()
    removed: dict[str, list[tuple[str, str, str]]] = {}
    for key, container in chosen:
        name = container_name(container)
        mount = shm_mount(container)
        if mount is None:
            draft.previous.append(Previous(name, None, "none"))
            continue
        volume_name, path = str(mount.get("name")), str(mount.get("mountPath"))
        volume = volume_named(spec, volume_name)
        source = _source(volume)
        draft.previous.append(Previous(name, volume_name, source, _size_limit(volume)))
        if source not in ("memory", "disk", "undefined") and not request.overwrite:
            raise ShmRefused(
                f"{label}: container {name!r} has {source} volume {volume_name!r} at /dev/shm, "
                f"not an emptyDir; add --overwrite to remove that mount too"
            )
        draft.edits.append(RemoveMount(key, name, path))
        removed.setdefault(volume_name, []).append((key, name, path))
    for volume_name, mounts in removed.items():
        if volume_named(spec, volume_name) is None:
            continue
        remaining = [
            use
            for use in _mount_uses(spec)
            if use.volume == volume_name and (use.list_key, use.container, use.path) not in mounts
        ]
        if remaining:
            draft.notes.append(
                f"volume {volume_name!r} stays: it is still mounted by {_describe(remaining)}"
            )
        else:
            draft.edits.append(RemoveVolume(volume_name))
    return draft


def choose_containers(
    spec: Mapping[str, Any], names: Sequence[str]
) -> list[tuple[str, Mapping[str, Any]]]:
    """The chosen containers with their list: every app container, or those named."""
    if not names:
        return [("containers", c) for c in containers_of(spec, "containers")]
    by_name = {
        container_name(c): (key, c) for key in CHOOSABLE_LISTS for c in containers_of(spec, key)
    }
    return [by_name[name] for name in names if name in by_name]


def _mount_uses(spec: Mapping[str, Any]) -> list[_Use]:
    return [
        _Use(key, container_name(container), str(mount.get("mountPath")), mount.get("name"))
        for key in _MOUNTING_LISTS
        for container in containers_of(spec, key)
        for mount in mappings_in(container.get("volumeMounts"))
    ]


def _other_uses(spec: Mapping[str, Any], volume: str, chosen: set[tuple[str, str]]) -> list[_Use]:
    """Mounts of `volume` that are not /dev/shm of a chosen container."""
    return [
        use
        for use in _mount_uses(spec)
        if use.volume == volume
        and not ((use.list_key, use.container) in chosen and is_shm_path(use.path))
    ]


def _describe(uses: Sequence[_Use]) -> str:
    return ", ".join(f"container {use.container!r} at {use.path}" for use in uses)


def _source(volume: Mapping[str, Any] | None) -> str:
    if volume is None:
        return "undefined"
    if "emptyDir" in volume:
        medium = mapping(volume.get("emptyDir")).get("medium") or ""
        if medium == MEMORY:
            return "memory"
        return "disk" if medium == "" else f"emptyDir (medium {medium})"
    return next((str(key) for key in volume if key != "name"), "unknown")


def _size_limit(volume: Mapping[str, Any] | None) -> object:
    return mapping(mapping(volume).get("emptyDir")).get("sizeLimit")


def _size_differs(volume: Mapping[str, Any] | None, size_bytes: int) -> bool:
    raw = _size_limit(volume)
    if raw is None:
        return True
    try:
        return to_bytes(raw) != size_bytes
    except QuantityError:
        return True


def _refusal(
    label: str, container: str, volume: str, source: str, others: Sequence[_Use], size: str
) -> str:
    if source == "hostPath":
        what = (
            f"hostPath volume {volume!r} at /dev/shm (the node's own /dev/shm, shared with "
            f"every such pod)"
        )
    elif source == "disk":
        what = (
            f"disk emptyDir {volume!r} at /dev/shm that is also mounted by {_describe(others)}, "
            f"which making it memory-backed would change too"
        )
    else:
        what = f"{source} volume {volume!r} at /dev/shm"
    return (
        f"{label}: container {container!r} has {what}; add --overwrite to give /dev/shm "
        f"a memory emptyDir of {size} instead"
    )
