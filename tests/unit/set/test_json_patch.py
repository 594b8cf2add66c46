"""The JSON patch for custom resources: replaces only what changed, each after a test."""

from __future__ import annotations

import copy

import pytest

from kubectl_shm.set.json_patch import json_patch, pointer
from kubectl_shm.set.plan import ShmRefused, ShmRequest, plan_shm
from tests.unit.fixtures import load


def apply(obj: dict, operations: list[dict]) -> dict:
    """A small RFC 6902 applier (add, remove, replace, test) to check the patch's effect."""
    doc = copy.deepcopy(obj)
    for op in operations:
        *parents, last = [
            p.replace("~1", "/").replace("~0", "~") for p in op["path"][1:].split("/")
        ]
        node = doc
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        key = int(last) if isinstance(node, list) else last
        if op["op"] == "test":
            assert node[key] == op["value"], op["path"]
        elif op["op"] == "remove":
            del node[key]
        else:
            node[key] = op["value"]
    return doc


@pytest.fixture
def raycluster() -> dict:
    [obj] = load("raycluster.yaml")
    return obj


def test_every_template_gets_volumes_and_mounts_and_the_result_is_the_plan(raycluster):
    plan = plan_shm(raycluster, ShmRequest("8Gi"))
    operations = json_patch(plan)
    assert apply(raycluster, operations) == plan.after
    paths = [(op["op"], op["path"]) for op in operations]
    assert paths == [
        ("add", "/spec/headGroupSpec/template/spec/volumes"),
        ("test", "/spec/headGroupSpec/template/spec/containers/0/name"),
        ("add", "/spec/headGroupSpec/template/spec/containers/0/volumeMounts"),
        ("add", "/spec/workerGroupSpecs/0/template/spec/volumes"),
        ("test", "/spec/workerGroupSpecs/0/template/spec/containers/0/name"),
        ("add", "/spec/workerGroupSpecs/0/template/spec/containers/0/volumeMounts"),
    ]


def test_existing_lists_are_tested_before_they_are_replaced(raycluster):
    first = plan_shm(raycluster, ShmRequest("1Gi")).after
    plan = plan_shm(first, ShmRequest("2Gi"))
    operations = json_patch(plan)
    assert apply(first, operations) == plan.after
    volumes = "/spec/headGroupSpec/template/spec/volumes"
    assert operations[:2] == [
        {
            "op": "test",
            "path": volumes,
            "value": first["spec"]["headGroupSpec"]["template"]["spec"]["volumes"],
        },
        {
            "op": "replace",
            "path": volumes,
            "value": plan.after["spec"]["headGroupSpec"]["template"]["spec"]["volumes"],
        },
    ]
    changed = copy.deepcopy(first)
    changed["spec"]["headGroupSpec"]["template"]["spec"]["volumes"][0]["emptyDir"]["sizeLimit"] = (
        "3Gi"
    )
    with pytest.raises(AssertionError):
        apply(changed, operations)  # the test op refuses an object the plan was not made from


def test_remove_takes_emptied_lists_away(raycluster):
    with_shm = plan_shm(raycluster, ShmRequest("1Gi")).after
    plan = plan_shm(with_shm, ShmRequest(None, remove=True))
    operations = json_patch(plan)
    assert apply(with_shm, operations) == plan.after == raycluster
    assert {"op": "remove", "path": "/spec/headGroupSpec/template/spec/volumes"} in operations


def test_template_choice_patches_only_the_chosen(raycluster):
    plan = plan_shm(raycluster, ShmRequest("1Gi", templates=("spec.workerGroupSpecs",)))
    operations = json_patch(plan)
    assert all(op["path"].startswith("/spec/workerGroupSpecs/0/") for op in operations)
    with pytest.raises(ShmRefused, match=r"its templates: spec\.headGroupSpec"):
        plan_shm(raycluster, ShmRequest("1Gi", templates=("spec.workers",)))


def test_pointer_escapes_keys():
    assert pointer(("spec", "a/b", "c~d", 0)) == "/spec/a~1b/c~0d/0"
