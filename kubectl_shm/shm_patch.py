"""Plan `kubectl shm set` on one object: the edits to each pod template, and why.

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

from collections.abc import Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from kubectl_shm.errors import InputError
from kubectl_shm.podspec import (
    container_name,
    containers_of,
    is_shm_path,
    mapping,
    shm_mount,
    volume_named,
)
from kubectl_shm.quantity import QuantityError, positive_bytes, to_bytes
from kubectl_shm.shm_edits import (
    MEMORY,
    AddMount,
    AddVolume,
    Edit,
    RemoveMount,
    RemoveVolume,
    ReplaceVolume,
    RepointMount,
    SetSize,
    apply_edits,
    strategic_patch,
    unshared_copy,
)
from kubectl_shm.templates import find_pod_templates

SHM_VOLUME = "dshm"
# Where volumeMounts can reference a volume (ephemeral containers only in live Pods).
_MOUNTING_LISTS = ("containers", "initContainers", "ephemeralContainers")
_CHOOSABLE_LISTS = ("containers", "initContainers")
REMOVE = "--remove"


class ShmRefused(InputError):
    """The change would replace what someone put at /dev/shm on purpose, or cannot apply."""


@dataclass(frozen=True)
class ShmRequest:
    """What the user asked for. `size` is the quantity as typed (validated by `parse_size`)."""

    size: str | None
    containers: tuple[str, ...] = ()
    remove: bool = False
    overwrite: bool = False

    @property
    def size_bytes(self) -> int:
        return positive_bytes(self.size) if self.size is not None else 0


def parse_size(text: str) -> str:
    """SIZE as written to `sizeLimit`; InputError naming the value and why it is not one."""
    try:
        positive_bytes(text.strip())
    except QuantityError as error:
        raise InputError(f"invalid SIZE {text!r}: {error.reason}") from error
    return text.strip()


@dataclass(frozen=True)
class Previous:
    """What a chosen container had at /dev/shm before the change."""

    container: str
    volume: str | None
    # "none", "memory", "disk", "undefined", or the volume's source ("hostPath", ...).
    source: str
    size_limit: object = None


@dataclass(frozen=True)
class TemplateChange:
    """The change to one pod template of the object."""

    path: str
    containers: tuple[str, ...]
    edits: tuple[Edit, ...]
    notes: tuple[str, ...]
    previous: tuple[Previous, ...]
    pod_spec_after: Mapping[str, Any]
    # The memory volume now at /dev/shm in the chosen containers (None after --remove).
    volume: str | None


@dataclass(frozen=True)
class ShmPlan:
    kind: str
    namespace: str | None
    name: str
    request: ShmRequest
    before: Mapping[str, Any]
    after: Mapping[str, Any]
    templates: tuple[TemplateChange, ...] = field(default=())

    @property
    def label(self) -> str:
        return f"{self.kind.lower()}/{self.name}"

    @property
    def changed(self) -> bool:
        return any(template.edits for template in self.templates)

    @property
    def notes(self) -> tuple[str, ...]:
        return tuple(note for template in self.templates for note in template.notes)

    @property
    def containers(self) -> tuple[str, ...]:
        names = (name for template in self.templates for name in template.containers)
        return tuple(dict.fromkeys(names))

    def summary(self) -> str:
        """One line: what changes (or why nothing does), for people."""
        names = ", ".join(repr(name) for name in self.containers)
        noun = "container" if len(self.containers) == 1 else "containers"
        if self.request.remove:
            if self.changed:
                return f"/dev/shm volume removed from {noun} {names}"
            return f"unchanged: no /dev/shm volume to remove in {noun} {names}"
        if self.changed:
            return f"/dev/shm {self.request.size} for {noun} {names}"
        return f"unchanged: /dev/shm of {noun} {names} is already {self.request.size}"

    def template_diffs(self) -> list[tuple[str, Any, Any]]:
        """(path, before, after) of each changed pod template, metadata included."""
        pairs = []
        for template in self.templates:
            if template.edits:
                parent = template.path.rpartition(".")[0]
                before, after = _walk_any(self.before, parent), _walk_any(self.after, parent)
                pairs.append((parent, before, after))
        return pairs

    def patch(self, resource_version: str | None) -> dict[str, Any]:
        """The strategic merge patch; `resource_version` makes it conditional (409 if stale).

        Only for kinds with a fixed template path (no list index in it).
        """
        patch: dict[str, Any] = {}
        for template in self.templates:
            if not template.edits:
                continue
            node = patch
            for key in template.path.split("."):
                node = node.setdefault(key, {})
            node.update(strategic_patch(template.edits))
        if resource_version:
            patch = {"metadata": {"resourceVersion": resource_version}, **patch}
        return patch

    def undo_argument(self) -> str | None:
        """What `kubectl shm set` takes to restore the previous state: --remove, a size, or None."""
        previous = [p for t in self.templates if t.edits for p in t.previous]
        if not previous:
            return None
        if not self.request.remove and all(p.source == "none" for p in previous):
            return REMOVE
        sizes = {str(p.size_limit) for p in previous if p.size_limit is not None}
        all_sized = all(p.source == "memory" and p.size_limit is not None for p in previous)
        return sizes.pop() if all_sized and len(sizes) == 1 else None


def plan_shm(obj: Mapping[str, Any], request: ShmRequest) -> ShmPlan:
    """The plan for every pod template of `obj`; raises ShmRefused, never half-plans."""
    metadata = mapping(obj.get("metadata"))
    kind = str(obj.get("kind") or "Object")
    name = str(metadata.get("name") or "<unnamed>")
    label = f"{kind.lower()}/{name}"
    templates = find_pod_templates(obj)
    if not templates:
        raise ShmRefused(f"{label}: no pod template with containers to change")
    after = unshared_copy(obj)
    changes = []
    found: set[str] = set()
    for template in templates:
        chosen = _choose(template.pod_spec, request.containers)
        if not chosen:
            continue
        found.update(container_name(container) for _, container in chosen)
        planner = _plan_remove if request.remove else _plan_set
        draft = planner(template.pod_spec, chosen, request, label)
        pod_spec_after = _walk(after, template.path)
        apply_edits(pod_spec_after, draft.edits)
        changes.append(
            TemplateChange(
                template.path,
                tuple(container_name(container) for _, container in chosen),
                tuple(draft.edits),
                tuple(draft.notes),
                tuple(draft.previous),
                pod_spec_after,
                draft.volume,
            )
        )
    missing = [c for c in request.containers if c not in found]
    if missing:
        raise ShmRefused(_missing_containers(label, missing, templates))
    namespace = metadata.get("namespace")
    return ShmPlan(
        kind,
        str(namespace) if namespace else None,
        name,
        request,
        obj,
        after,
        tuple(changes),
    )


def free_volume_name(pod_spec: Mapping[str, Any]) -> str:
    """`dshm`, or the first of `dshm-1`, `dshm-2`, ... no volume or mount uses."""
    taken = {volume.get("name") for volume in pod_spec.get("volumes") or [] if _is_map(volume)}
    taken |= {use.volume for use in _mount_uses(pod_spec)}
    candidate, number = SHM_VOLUME, 0
    while candidate in taken:
        number += 1
        candidate = f"{SHM_VOLUME}-{number}"
    return candidate


@dataclass(frozen=True)
class _Use:
    list_key: str
    container: str
    path: str
    volume: object


@dataclass
class _Draft:
    edits: list[Edit] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    previous: list[Previous] = field(default_factory=list)
    volume: str | None = None


def _plan_set(
    spec: Mapping[str, Any],
    chosen: Sequence[tuple[str, Mapping[str, Any]]],
    request: ShmRequest,
    label: str,
) -> _Draft:
    size = str(request.size)
    draft = _Draft()
    chosen_keys = {(key, container_name(c)) for key, c in chosen}
    decided: dict[str, str] = {}  # volume -> "keep" (memory at /dev/shm) or "move"
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
        source = _source(volume)
        draft.previous.append(Previous(name, volume_name, source, _size_limit(volume)))
        if volume_name in decided:
            if decided[volume_name] == "move":
                pending.append((key, name, path))
            continue
        others = _other_uses(spec, volume_name, chosen_keys)
        if source == "memory":
            decided[volume_name] = "keep"
            if _size_differs(volume, request.size_bytes):
                draft.edits.append(SetSize(volume_name, size))
                if others:
                    draft.notes.append(
                        f"volume {volume_name!r} is also mounted by {_describe(others)}: "
                        f"it gets the new size too"
                    )
        elif source == "disk" and not others:
            decided[volume_name] = "keep"
            draft.edits.append(SetSize(volume_name, size, make_memory=True))
            draft.notes.append(
                f"emptyDir {volume_name!r} at /dev/shm was on the node's disk: "
                f"it becomes memory-backed"
            )
        elif source == "undefined":
            decided[volume_name] = "keep"
            draft.edits.append(AddVolume(volume_name, size))
            draft.notes.append(
                f"volume {volume_name!r} was mounted at /dev/shm but not defined: "
                f"it is now a memory emptyDir"
            )
        elif not request.overwrite:
            raise ShmRefused(_refusal(label, name, volume_name, source, others, size))
        elif others:
            decided[volume_name] = "move"
            pending.append((key, name, path))
            draft.notes.append(
                f"{source} volume {volume_name!r} stays for {_describe(others)}; "
                f"/dev/shm gets a memory volume of its own"
            )
        else:
            decided[volume_name] = "keep"
            draft.edits.append(ReplaceVolume(volume_name, size))
            draft.notes.append(
                f"{source} volume {volume_name!r} at /dev/shm is replaced by a memory emptyDir"
            )
        if decided[volume_name] == "keep" and draft.volume is None:
            draft.volume = volume_name
    if pending:
        _mount_pending(spec, draft, pending, size)
    return draft


def _mount_pending(
    spec: Mapping[str, Any],
    draft: _Draft,
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


def _plan_remove(
    spec: Mapping[str, Any],
    chosen: Sequence[tuple[str, Mapping[str, Any]]],
    request: ShmRequest,
    label: str,
) -> _Draft:
    draft = _Draft()
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


def _choose(spec: Mapping[str, Any], names: Sequence[str]) -> list[tuple[str, Mapping[str, Any]]]:
    """The chosen containers with their list: every app container, or those named."""
    if not names:
        return [("containers", c) for c in containers_of(spec, "containers")]
    by_name = {
        container_name(c): (key, c) for key in _CHOOSABLE_LISTS for c in containers_of(spec, key)
    }
    return [by_name[name] for name in names if name in by_name]


def _mount_uses(spec: Mapping[str, Any]) -> list[_Use]:
    uses = []
    for key in _MOUNTING_LISTS:
        for container in containers_of(spec, key):
            for mount in container.get("volumeMounts") or []:
                if _is_map(mount):
                    uses.append(
                        _Use(
                            key,
                            container_name(container),
                            str(mount.get("mountPath")),
                            mount.get("name"),
                        )
                    )
    return uses


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


def _missing_containers(label: str, missing: Sequence[str], templates: Sequence[Any]) -> str:
    names = [
        container_name(c)
        for template in templates
        for key in _CHOOSABLE_LISTS
        for c in containers_of(template.pod_spec, key)
    ]
    noun = "container" if len(missing) == 1 else "containers"
    wanted = ", ".join(repr(name) for name in missing)
    have = ", ".join(dict.fromkeys(names)) or "none"
    return f"{label} has no {noun} {wanted} (its containers: {have})"


def _walk_any(obj: Any, dotted: str) -> Any:
    node = obj
    for part in dotted.split(".") if dotted else ():
        node = node[int(part)] if isinstance(node, list) else node[part]
    return node


def _walk(obj: Any, dotted: str) -> MutableMapping[str, Any]:
    node = _walk_any(obj, dotted)
    if not isinstance(node, MutableMapping):
        raise TypeError(f"no mapping at {dotted}")
    return node


def _is_map(value: object) -> bool:
    return isinstance(value, Mapping)
