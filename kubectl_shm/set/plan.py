"""Plan `kubectl shm set` on one object: the change to each of its pod templates.

The decisions for one pod spec are in set.volumes; here they are applied to a
copy of the object (for --local and --dry-run=client) and gathered into one
strategic merge patch for the live object.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from kubectl_shm.model.podspec import container_name, containers_of, mapping
from kubectl_shm.model.shapes import object_problems
from kubectl_shm.model.templates import (
    PodTemplate,
    dotted,
    find_pod_templates,
    is_list_kind,
    walk,
)
from kubectl_shm.set.edits import Edit, apply_edits, strategic_patch, unshared_copy
from kubectl_shm.set.volumes import (
    CHOOSABLE_LISTS,
    Previous,
    ShmRefused,
    ShmRequest,
    choose_containers,
    free_volume_name,
    parse_size,
    plan_remove,
    plan_set,
)

__all__ = [
    "ShmPlan",
    "ShmRefused",
    "ShmRequest",
    "TemplateChange",
    "free_volume_name",
    "parse_size",
    "plan_shm",
]
REMOVE = "--remove"


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
    # `path` as the object's own keys (PodTemplate.keys), to walk it.
    keys: tuple[Any, ...] = ()


@dataclass(frozen=True)
class ShmPlan:
    """The change for one object: the request, the object before and after, per template."""

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
                parent = template.keys[:-1]
                before, after = walk(self.before, parent), walk(self.after, parent)
                pairs.append((dotted(parent), before, after))
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
            for key in template.keys:
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
    if is_list_kind(obj):
        raise ShmRefused(f"{label}: a list: plan each of its items instead")
    problems = object_problems(obj)
    if problems:  # the edits would guess where /dev/shm goes, or drop what is malformed
        raise ShmRefused(f"{label}: {problems[0]}; fix the manifest first")
    templates = find_pod_templates(obj)
    if not templates:
        raise ShmRefused(f"{label}: no pod template with containers to change")
    if request.templates:
        templates = chosen_templates(label, templates, request.templates)
    after = unshared_copy(obj)
    changes = []
    for template in templates:
        chosen = choose_containers(template.pod_spec, request.containers)
        if chosen:
            _check_names(label, template.path, chosen)
            changes.append(_change_template(template, chosen, request, label, after))
    found = {name for change in changes for name in change.containers}
    missing = [c for c in request.containers if c not in found]
    if missing:
        raise ShmRefused(_missing_containers(label, missing, templates))
    namespace = metadata.get("namespace")
    return ShmPlan(
        kind, str(namespace) if namespace else None, name, request, obj, after, tuple(changes)
    )


def chosen_templates(
    label: str, templates: Sequence[PodTemplate], paths: Sequence[str]
) -> list[PodTemplate]:
    """The templates --template names: at a path, or below it (`spec.workerGroupSpecs`
    takes every worker group); ShmRefused listing the object's paths for one that
    names none."""
    chosen: list[PodTemplate] = []
    for path in paths:
        wanted = path.strip().strip(".")
        found = [t for t in templates if t.path == wanted or t.path.startswith(wanted + ".")]
        if not found:
            have = ", ".join(t.path for t in templates)
            raise ShmRefused(f"{label} has no pod template at {path!r} (its templates: {have})")
        chosen.extend(t for t in found if t not in chosen)
    return [t for t in templates if t in chosen]


def _change_template(
    template: PodTemplate,
    chosen: Sequence[tuple[str, Mapping[str, Any]]],
    request: ShmRequest,
    label: str,
    after: Any,
) -> TemplateChange:
    """Plan one pod template and make the edits in `after`, the object's copy."""
    planner = plan_remove if request.remove else plan_set
    draft = planner(template.pod_spec, chosen, request, label)
    pod_spec_after = walk(after, template.keys)
    if not isinstance(pod_spec_after, MutableMapping):  # unshared_copy keeps every key
        raise TypeError(f"no pod spec at {template.path} in the copy")
    apply_edits(pod_spec_after, draft.edits)
    return TemplateChange(
        template.path,
        tuple(container_name(container) for _, container in chosen),
        tuple(draft.edits),
        tuple(draft.notes),
        tuple(draft.previous),
        pod_spec_after,
        draft.volume,
        template.keys,
    )


def _check_names(label: str, path: str, chosen: Sequence[tuple[str, Mapping[str, Any]]]) -> None:
    """The edits name the containers they change: each must have a name, a string (as
    Kubernetes requires; a manifest may not)."""
    for key, container in chosen:
        name = container.get("name")
        if not name:
            raise ShmRefused(f"{label}: a container in {path}.{key} has no name")
        if not isinstance(name, str):
            raise ShmRefused(f"{label}: container name {name!r} in {path}.{key} is not a string")


def _missing_containers(
    label: str, missing: Sequence[str], templates: Sequence[PodTemplate]
) -> str:
    names = [
        container_name(c)
        for template in templates
        for key in CHOOSABLE_LISTS
        for c in containers_of(template.pod_spec, key)
    ]
    noun = "container" if len(missing) == 1 else "containers"
    wanted = ", ".join(repr(name) for name in missing)
    have = ", ".join(dict.fromkeys(names)) or "none"
    return f"{label} has no {noun} {wanted} (its containers: {have})"
