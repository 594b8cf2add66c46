"""The JSON patch (RFC 6902) that makes a plan on a custom resource.

The API server applies no strategic merge patch to a custom resource
(k8s.io/apiextensions-apiserver pkg/apiserver/customresource_handler.go
serves only JSON, merge and apply patches: a strategic one is 415), and a merge
patch replaces whole lists. So the change is a JSON patch that replaces, in each
changed pod template, the `volumes` list and the `volumeMounts` of each changed
container, each preceded by a `test` that the list (and the container's name at
that index) is still what the plan was made from. The adapter puts a `test` of
`metadata.resourceVersion` first (kube.patching), so a patch built from an
object that changed since is refused whole.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from kubectl_shm.model.templates import walk
from kubectl_shm.model.workload_kinds import WorkloadKind
from kubectl_shm.set.plan import ShmPlan, TemplateChange
from kubectl_shm.set.volumes import CHOOSABLE_LISTS

Operation = dict[str, Any]


def patch_for(kind: WorkloadKind, plan: ShmPlan) -> dict[str, Any] | list[Operation]:
    """The patch for a changed plan: JSON for a custom resource, strategic merge otherwise
    (the resourceVersion precondition is added by kube.patching.conditional)."""
    return json_patch(plan) if kind.custom else plan.patch(None)


def json_patch(plan: ShmPlan) -> list[Operation]:
    """The operations for every changed template of `plan` (the resourceVersion test aside)."""
    operations: list[Operation] = []
    for template in plan.templates:
        if template.edits:
            before = walk(plan.before, template.keys)
            if not isinstance(before, Mapping):
                raise TypeError(f"no pod spec at {template.path}")  # the plan found one there
            operations.extend(_template_operations(template, before))
    return operations


def pointer(keys: Sequence[Any]) -> str:
    """A JSON pointer (RFC 6901): `~` and `/` in keys escaped."""
    return "".join("/" + str(key).replace("~", "~0").replace("/", "~1") for key in keys)


def _template_operations(template: TemplateChange, before: Mapping[str, Any]) -> list[Operation]:
    after = template.pod_spec_after
    operations = _replace_field(template.keys, "volumes", before, after)
    for list_key in CHOOSABLE_LISTS:
        old, new = before.get(list_key), after.get(list_key)
        if not isinstance(old, list) or not isinstance(new, list) or len(old) != len(new):
            continue
        for index, (container, changed) in enumerate(zip(old, new, strict=True)):
            if not isinstance(container, Mapping) or container == changed:
                continue
            where = (*template.keys, list_key, index)
            name_test = {
                "op": "test",
                "path": pointer((*where, "name")),
                "value": container.get("name"),
            }
            operations.append(name_test)
            operations.extend(_replace_field(where, "volumeMounts", container, changed))
    return operations


def _replace_field(
    keys: Sequence[Any], field: str, before: Mapping[str, Any], after: Mapping[str, Any]
) -> list[Operation]:
    """test + replace, add, or remove of one field, as it changed from `before` to `after`."""
    path = pointer((*keys, field))
    old, new = before.get(field), after.get(field)
    if old == new:
        return []
    if field not in before:
        return [{"op": "add", "path": path, "value": new}]
    test = {"op": "test", "path": path, "value": old}
    if field not in after:
        return [test, {"op": "remove", "path": path}]
    return [test, {"op": "replace", "path": path, "value": new}]
