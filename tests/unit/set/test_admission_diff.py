"""The plan against the object the API server would store: /dev/shm only."""

from __future__ import annotations

import copy

from kubectl_shm.set.admission_diff import admission_changes
from kubectl_shm.set.plan import ShmRequest, plan_shm


def _deployment() -> dict:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "ml"},
        "spec": {"template": {"spec": {"containers": [{"name": "main", "image": "busybox"}]}}},
    }


def _plan(size: str | None = "16Gi"):
    return plan_shm(_deployment(), ShmRequest(size=size, containers=(), remove=size is None))


def test_stored_as_planned_is_no_change_whatever_the_spelling_and_other_mutations():
    plan = _plan()
    stored = copy.deepcopy(plan.after)
    spec = stored["spec"]["template"]["spec"]
    spec["volumes"][0]["emptyDir"]["sizeLimit"] = "16384Mi"
    spec["containers"][0]["imagePullPolicy"] = "Always"  # defaulting: not ours to compare
    assert admission_changes(plan, stored) == []


def test_a_lowered_size_limit_is_reported():
    plan = _plan()
    stored = copy.deepcopy(plan.after)
    stored["spec"]["template"]["spec"]["volumes"][0]["emptyDir"]["sizeLimit"] = "100Mi"
    [change] = admission_changes(plan, stored)
    assert str(change) == (
        "spec.template.spec: volume 'dshm': planned memory emptyDir, sizeLimit 16Gi, the API "
        "server would store memory emptyDir, sizeLimit 100Mi"
    )


def test_a_removed_mount_and_a_changed_medium_are_reported():
    plan = _plan()
    stored = copy.deepcopy(plan.after)
    spec = stored["spec"]["template"]["spec"]
    del spec["containers"][0]["volumeMounts"]
    del spec["volumes"][0]["emptyDir"]["medium"]
    changes = [str(c) for c in admission_changes(plan, stored)]
    assert any("container 'main' /dev/shm mount: planned volume 'dshm'" in c
               and c.endswith("no mount") for c in changes)  # fmt: skip
    assert any("emptyDir medium (disk), sizeLimit 16Gi" in c for c in changes)


def test_a_read_only_mount_is_reported():
    plan = _plan()
    stored = copy.deepcopy(plan.after)
    stored["spec"]["template"]["spec"]["containers"][0]["volumeMounts"][0]["readOnly"] = True
    [change] = admission_changes(plan, stored)
    assert change.stored == "volume 'dshm' read-only"
