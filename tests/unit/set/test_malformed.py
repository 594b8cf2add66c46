"""set on malformed manifests: a plan or a refusal (InputError) naming the field, never a crash."""

import copy

import pytest
from hypothesis import HealthCheck, given, settings

from kubectl_shm.errors import InputError
from kubectl_shm.model.nodes import NodeProfile
from kubectl_shm.model.shapes import object_problems
from kubectl_shm.model.sizing import ShmSource, expected_shm
from kubectl_shm.model.templates import find_pod_templates
from kubectl_shm.set.plan import ShmRefused, ShmRequest, plan_shm
from kubectl_shm.set.warnings import size_warnings
from tests.unit.malformed import deployment, malformed_workloads

NODES = [(NodeProfile(name="n1"), {"pool": "gpu"})]


@pytest.mark.parametrize(
    ("field", "value", "says"),
    [
        ("volumes", 5, "spec.template.spec.volumes is an integer, not a list"),
        ("containers", "x", "spec.template.spec.containers is a string, not a list"),
        ("initContainers", {"a": 1}, "initContainers is a mapping, not a list"),
    ],
)
def test_a_malformed_pod_spec_is_refused_naming_the_field(field, value, says):
    obj = deployment()
    obj["spec"]["template"]["spec"][field] = value
    with pytest.raises(ShmRefused) as refused:
        plan_shm(obj, ShmRequest("1Gi"))
    assert str(refused.value).startswith("deployment/trainer: ") and says in str(refused.value)


def test_mounts_of_the_wrong_type_are_refused_not_dropped():
    obj = deployment()
    obj["spec"]["template"]["spec"]["containers"][1]["volumeMounts"] = 7
    with pytest.raises(ShmRefused, match=r"containers\[1\]\.volumeMounts is an integer"):
        plan_shm(obj, ShmRequest("1Gi"))


def test_a_list_is_refused_as_one_object():
    with pytest.raises(ShmRefused, match="a list"):
        plan_shm({"kind": "DeploymentList", "items": [deployment()]}, ShmRequest("1Gi"))


def test_keys_with_dots_numbers_and_null_on_the_way_to_a_custom_template():
    template = deployment()["spec"]["template"]
    obj = {
        "kind": "Trainer",
        "metadata": {"name": "t"},
        "spec": {"a.b": template, 5: {"x": template}},
    }
    plan = plan_shm(obj, ShmRequest("1Gi"))
    assert [t.keys for t in plan.templates] == [("spec", "a.b", "spec"), ("spec", 5, "x", "spec")]
    assert plan.after["spec"][5]["x"]["spec"]["volumes"][0]["emptyDir"]["sizeLimit"] == "1Gi"
    assert plan.after["spec"]["a.b"]["spec"]["volumes"][0]["emptyDir"]["sizeLimit"] == "1Gi"
    assert [path for path, _, _ in plan.template_diffs()] == ["spec.a.b", "spec.5.x"]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(malformed_workloads())
def test_set_plans_or_refuses_malformed_workloads(obj):
    """Without shape problems the plan gives the chosen containers a 1Gi memory /dev/shm."""
    original = copy.deepcopy(obj)
    try:
        plan = plan_shm(obj, ShmRequest("1Gi"))
    except InputError:
        return
    assert obj == original, "planning must not change its input"
    assert not object_problems(obj), "a malformed template was planned"
    size_warnings(plan, NODES)
    plan.patch("1")
    plan.template_diffs()
    for template in find_pod_templates(plan.after):
        shm = expected_shm(template.pod_spec, NodeProfile())
        chosen = {c.container: c for c in shm.containers if c.container in plan.containers}
        assert chosen and all(c.source is ShmSource.EMPTYDIR_MEMORY for c in chosen.values())
        assert {c.size_limit_bytes for c in chosen.values()} == {2**30}
