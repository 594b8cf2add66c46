"""What admission did to a planned /dev/shm change: the object the API server would store
(from a server dry run) against the plan, on the /dev/shm volume and mounts only.

A mutating webhook or MutatingAdmissionPolicy may lower the sizeLimit, change the medium
or remove the volume or a mount; nothing else of the object is compared (defaulting and
unrelated mutations are not this command's business).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from kubectl_shm.model.admission_trail import engine_owner, kyverno_patch
from kubectl_shm.model.podspec import (
    containers_of,
    mapping,
    mappings_in,
    shm_mount,
    volume_named,
)
from kubectl_shm.model.quantity import QuantityError, nonnegative_bytes
from kubectl_shm.model.templates import walk
from kubectl_shm.set.plan import ShmPlan


class AdmissionChange(NamedTuple):
    """One difference: where (template path, container or volume) and what became of it."""

    where: str
    planned: str
    stored: str

    def __str__(self) -> str:
        return f"{self.where}: planned {self.planned}, the API server would store {self.stored}"


def admission_changes(plan: ShmPlan, stored: Mapping[str, Any]) -> list[AdmissionChange]:
    """Every difference on /dev/shm between `plan.after` and `stored`, per changed template."""
    changes: list[AdmissionChange] = []
    for template in plan.templates:
        if not template.edits:
            continue
        planned = mapping(template.pod_spec_after)
        actual = mapping(walk(stored, template.keys))
        prefix = f"{template.path}: " if template.path else ""
        for name in template.containers:
            changes.extend(_container_changes(planned, actual, name, prefix))
        if template.volume is not None:
            changes.extend(_volume_changes(planned, actual, template.volume, prefix))
    return changes


def _container_changes(
    planned: Mapping[str, Any], actual: Mapping[str, Any], name: str, prefix: str
) -> list[AdmissionChange]:
    want = _mount(planned, name)
    got = _mount(actual, name)
    if want == got:
        return []
    where = f"{prefix}container {name!r} /dev/shm mount"
    return [AdmissionChange(where, _describe_mount(want), _describe_mount(got))]


def _mount(pod_spec: Mapping[str, Any], name: str) -> tuple[str, bool] | None:
    for key in ("initContainers", "containers"):
        for container in containers_of(pod_spec, key):
            if container.get("name") == name:
                mount = shm_mount(container)
                if mount is None:
                    return None
                return str(mount.get("name")), mount.get("readOnly") is True
    return None


def _describe_mount(mount: tuple[str, bool] | None) -> str:
    if mount is None:
        return "no mount"
    name, read_only = mount
    return f"volume {name!r}{' read-only' if read_only else ''}"


def _volume_changes(
    planned: Mapping[str, Any], actual: Mapping[str, Any], name: str, prefix: str
) -> list[AdmissionChange]:
    want = _volume_shape(volume_named(planned, name))
    got = _volume_shape(volume_named(actual, name))
    if want == got:
        return []
    return [AdmissionChange(f"{prefix}volume {name!r}", _describe(want), _describe(got))]


def _volume_shape(volume: Mapping[str, Any] | None) -> tuple[str, ...] | None:
    """(source, medium, sizeLimit in bytes) as comparable text; None when there is none."""
    if volume is None:
        return None
    if "emptyDir" not in volume:
        return (next((key for key in volume if key != "name"), "no source"),)
    empty_dir = mapping(volume.get("emptyDir"))
    raw = empty_dir.get("sizeLimit")
    return ("emptyDir", str(empty_dir.get("medium") or ""), _size(raw))


def _size(raw: object) -> str:
    if raw is None:
        return "none"
    try:
        return str(nonnegative_bytes(raw))
    except QuantityError:
        return str(raw)


def _describe(shape: tuple[str, ...] | None) -> str:
    if shape is None:
        return "no volume"
    if shape[0] != "emptyDir":
        return f"a {shape[0]} volume"
    _, medium, size = shape
    what = "memory emptyDir" if medium == "Memory" else f"emptyDir medium {medium or '(disk)'}"
    shown = "no sizeLimit" if size == "none" else f"sizeLimit {_bytes(size)}"
    return f"{what}, {shown}"


def _bytes(size: str) -> str:
    from kubectl_shm.model.quantity import format_bytes

    return format_bytes(int(size)) if size.isdigit() else size


def who_mutated(stored: Mapping[str, Any], plan: ShmPlan) -> str | None:
    """The policy the stored object names for the sizeLimit of a planned volume: Kyverno's
    recorded patch of that volume, or a policy engine's managedFields entry
    (model.admission_trail); None when it names none. Ownership alone says nothing here:
    our own patch sets the sizeLimit, so we own it whatever admission made of it."""
    for template in plan.templates:
        if template.edits and template.volume is not None:
            named = mutator_named(stored, mapping(walk(stored, template.keys)), template.volume)
            if named is not None:
                return named
    return None


def mutator_named(
    stored: Mapping[str, Any], pod_spec: Mapping[str, Any], volume: str
) -> str | None:
    """See who_mutated, for one volume of one pod spec of `stored`."""
    metadata = mapping(stored.get("metadata"))
    names = [v.get("name") for v in mappings_in(pod_spec.get("volumes"))]
    index = names.index(volume) if volume in names else None
    found = kyverno_patch(metadata, index) if index is not None else None
    return found or engine_owner(metadata, volume)
