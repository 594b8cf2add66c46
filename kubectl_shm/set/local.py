"""`set --local`: the change made in manifests the user hands over, with no cluster."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from kubectl_shm.errors import InputError
from kubectl_shm.feedback import Feedback
from kubectl_shm.model.podspec import container_name, containers_of
from kubectl_shm.model.templates import find_pod_templates, is_list_kind
from kubectl_shm.set.plan import ShmPlan, ShmRequest, plan_shm
from kubectl_shm.set.warnings import size_warnings


def change_manifests(
    objects: Sequence[Mapping[str, Any]],
    request: ShmRequest,
    feedback: Feedback,
    *,
    sources: Sequence[str],
) -> list[Mapping[str, Any]]:
    """Every object, in order; those with pod templates changed. `sources` name the input.

    InputError when nothing in the input can take the change (no pod template,
    a -c container that no object has); otherwise each change is told to `feedback`.
    """
    plans: list[ShmPlan] = []
    results = [_change_local(obj, request, plans) for obj in objects]
    if not plans and not request.containers:
        raise InputError(f"no object with a pod template in {', '.join(sources)}")
    found = {name for plan in plans for name in plan.containers}
    missing = [name for name in request.containers if name not in found]
    if missing:
        raise InputError(f"no container named {', '.join(missing)} in {', '.join(sources)}")
    for plan in plans:
        for warning in size_warnings(plan):
            feedback.warning(warning)
        for note in plan.notes:
            feedback.note(f"{plan.label}: {note}")
        feedback.note(f"{plan.label}: {plan.summary()}")
    return results


def _change_local(
    obj: Mapping[str, Any], request: ShmRequest, plans: list[ShmPlan]
) -> Mapping[str, Any]:
    """`obj` with the change made (Lists item by item); objects without templates as they are."""
    if is_list_kind(obj):
        return {**obj, "items": [_change_local(item, request, plans) for item in obj["items"]]}
    if not isinstance(obj, Mapping) or not find_pod_templates(obj):
        return obj
    if request.containers:
        plan = _plan_if_has_containers(obj, request)
        if plan is None:
            return obj
    else:
        plan = plan_shm(obj, request)
    plans.append(plan)
    return plan.after


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
    return plan_shm(obj, ShmRequest(request.size, wanted, request.remove, request.overwrite))
