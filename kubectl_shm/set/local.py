"""`set --local`: the change made in manifests the user hands over, with no cluster.

Each object is planned as live objects are (set.plan); the change is then made in the
manifest's own text (set.edits_in_text), so that every byte outside the /dev/shm volume and
mounts stays as it was: comments, quoting, key order, indentation, line breaks,
encoding. The edited text is read back with kubectl's rules and must give exactly the
planned objects, or nothing is printed.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kubectl_shm.errors import InputError
from kubectl_shm.feedback import Feedback
from kubectl_shm.manifests.errors import ManifestError
from kubectl_shm.manifests.files import STDIN, STDIN_NAME, ManifestFile
from kubectl_shm.manifests.json_nodes import locate_json
from kubectl_shm.manifests.parsing import Document, parse_manifests
from kubectl_shm.model.podspec import container_name, containers_of
from kubectl_shm.model.templates import find_pod_templates, is_list_kind, walk
from kubectl_shm.set.edits_in_text import SpecChange, spec_replacements
from kubectl_shm.set.manifest_text import NotInPlace, manifest_text
from kubectl_shm.set.plan import ShmPlan, ShmRequest, plan_shm
from kubectl_shm.set.text_edits import Replacement, apply_replacements
from kubectl_shm.set.warnings import size_warnings

# A plan, and the path from its document's root to the object it was made for.
Planned = tuple[tuple[str | int, ...], ShmPlan]


@dataclass(frozen=True)
class ChangedManifest:
    """A manifest's text with the change made, and the encoding to write it in."""

    source: str
    text: str
    encoding: str
    bom: bytes


@dataclass(frozen=True)
class LocalChange:
    """Every object after the change, in order (for -o json), and every manifest's text."""

    objects: list[Mapping[str, Any]]
    manifests: list[ChangedManifest]


def change_manifests(
    files: Sequence[ManifestFile],
    request: ShmRequest,
    feedback: Feedback,
    *,
    sources: Sequence[str],
    in_place: bool = True,
) -> LocalChange:
    """Every object, in order; those with pod templates changed. `sources` name the input.

    InputError when nothing in the input can take the change (no pod template, a -c
    container that no object has) or, with `in_place`, when a change cannot be made in
    the text (a pod spec shared through a YAML anchor); each change is told to `feedback`.
    """
    planned = [[_change_document(doc.obj, request) for doc in file.documents] for file in files]
    plans = [plan for per_file in planned for _, doc_plans in per_file for _, plan in doc_plans]
    _validate(plans, request, sources)
    for file in files:
        if file.decoded.invalid_bytes:
            feedback.warning(
                f"{file.source}: {file.decoded.invalid_bytes} bytes from line "
                f"{file.decoded.first_invalid_line} on are not UTF-8: kubectl reads each as "
                f"U+FFFD; they are written back unchanged"
            )
    for plan in plans:
        for warning in size_warnings(plan):
            feedback.warning(warning)
        for note in plan.notes:
            feedback.note(f"{plan.label}: {note}")
        feedback.note(f"{plan.label}: {plan.summary()}")
    objects = [after for per_file in planned for after, _ in per_file]
    manifests = [
        _changed_text(file, per_file) if in_place else _unchanged(file)
        for file, per_file in zip(files, planned, strict=True)
    ]
    return LocalChange(objects, manifests)


def _validate(plans: Sequence[ShmPlan], request: ShmRequest, paths: Sequence[str]) -> None:
    sources = [STDIN_NAME if path == STDIN else path for path in paths]
    if not plans and not request.containers:
        raise InputError(f"no object with a pod template in {', '.join(sources)}")
    found = {name for plan in plans for name in plan.containers}
    missing = [name for name in request.containers if name not in found]
    if missing:
        raise InputError(f"no container named {', '.join(missing)} in {', '.join(sources)}")


def _change_document(
    obj: Mapping[str, Any], request: ShmRequest, prefix: tuple[str | int, ...] = ()
) -> tuple[Mapping[str, Any], list[Planned]]:
    """`obj` with the change made (Lists item by item), and the plans with where they apply."""
    if is_list_kind(obj):
        changed = [
            _change_document(item, request, (*prefix, "items", index))
            if isinstance(item, Mapping)
            else (item, [])
            for index, item in enumerate(obj["items"])
        ]
        items = [after for after, _ in changed]
        return {**obj, "items": items}, [planned for _, plans in changed for planned in plans]
    if not find_pod_templates(obj):
        return obj, []
    if request.containers:
        plan = _plan_if_has_containers(obj, request)
        if plan is None:
            return obj, []
    else:
        plan = plan_shm(obj, request)
    return plan.after, [(prefix, plan)]


def _plan_if_has_containers(obj: Mapping[str, Any], request: ShmRequest) -> ShmPlan | None:
    """With -c, a file may hold workloads without those containers: they stay as they are."""
    names = {
        container_name(c)
        for template in find_pod_templates(obj)
        for key in ("containers", "initContainers")
        for c in containers_of(template.pod_spec, key)
    }
    wanted = tuple(name for name in request.containers if name in names)
    if not wanted:
        return None
    return plan_shm(obj, dataclasses.replace(request, containers=wanted))


def _changed_text(
    file: ManifestFile, planned: Sequence[tuple[Mapping[str, Any], list[Planned]]]
) -> ChangedManifest:
    text = file.decoded.text
    replacements: list[Replacement] = []
    for document, (_, plans) in zip(file.documents, planned, strict=True):
        replacements += _document_replacements(file.source, text, document, plans)
    if not replacements:
        return _unchanged(file)
    changed = apply_replacements(text, replacements)
    _check_reads_back(file, changed, [after for after, _ in planned])
    return ChangedManifest(file.source, changed, file.decoded.encoding, file.decoded.bom)


def _document_replacements(
    source: str, text: str, document: Document, plans: Sequence[Planned]
) -> list[Replacement]:
    changes = [
        SpecChange(
            (*document.item_path, *prefix, *template.keys),
            _pod_spec_before(plan, template.keys),
            template.pod_spec_after,
            template.edits,
        )
        for prefix, plan in plans
        for template in plan.templates
        if template.edits
    ]
    if not changes:
        return []
    root = document.root or locate_json(text, *document.span)
    located = manifest_text(source, text, root, document.syntax)
    return [r for change in changes for r in spec_replacements(located, change)]


def _check_reads_back(
    file: ManifestFile, changed: str, expected: Sequence[Mapping[str, Any]]
) -> None:
    """The edited text must read, with kubectl's rules, as exactly the planned objects."""
    try:
        reread = [document.obj for document in parse_manifests(changed, file.source)]
    except ManifestError as error:
        reread = [{"error": str(error)}]
    wanted = list(expected)
    if len(reread) != len(wanted) or not all(map(_same, reread, wanted)):
        raise NotInPlace(
            f"{file.source}: cannot change this manifest in place: the edited text would not "
            f"read back as planned (please report this); use -o json"
        )


def _unchanged(file: ManifestFile) -> ChangedManifest:
    decoded = file.decoded
    return ChangedManifest(file.source, decoded.text, decoded.encoding, decoded.bom)


def _pod_spec_before(plan: ShmPlan, keys: tuple[Any, ...]) -> Mapping[str, Any]:
    found = walk(plan.before, keys)
    if not isinstance(found, Mapping):  # the plan found a pod spec there
        raise TypeError(f"no pod spec at {keys} of {plan.label}")
    return found


def _same(ours: Any, theirs: Any) -> bool:
    """Equal as kubectl's JSON: a boolean is never a number, whatever Python says."""
    if isinstance(ours, bool) or isinstance(theirs, bool):
        return type(ours) is type(theirs) and ours == theirs
    if isinstance(ours, Mapping) and isinstance(theirs, Mapping):
        return ours.keys() == theirs.keys() and all(_same(ours[k], theirs[k]) for k in ours)
    if isinstance(ours, list) and isinstance(theirs, list):
        return len(ours) == len(theirs) and all(map(_same, ours, theirs))
    return bool(ours == theirs)
