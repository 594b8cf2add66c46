"""Every shape of the `kubectl shm set` change, from YAML fixtures (fixtures/shm_set/).

Each fixture gives the object and the request, and either the pod spec after the
change with the exact strategic merge patch, or `unchanged`, or the refusal. For
every change the patch, applied with strategic merge semantics to the object it
was planned from, must give the very object `--local` prints; and planning the
result again must find nothing left to do.
"""

import copy
from pathlib import Path

import pytest
import yaml

from kubectl_shm.errors import InputError
from kubectl_shm.model.templates import find_pod_templates
from kubectl_shm.set.plan import ShmRefused, ShmRequest, free_volume_name, parse_size, plan_shm
from tests.unit.set import smp

FIXTURES = Path(__file__).parent.parent / "fixtures" / "shm_set"
CASES = sorted(FIXTURES.glob("*.yaml"))


def load(path):
    case = yaml.safe_load(path.read_text())
    request = case["request"]
    return case, ShmRequest(
        size=request.get("size"),
        containers=tuple(request.get("containers") or ()),
        remove=request.get("remove", False),
        overwrite=request.get("overwrite", False),
    )


def spec_path(obj):
    [template] = find_pod_templates(obj)
    return template.path.split(".")


def with_spec(obj, path, spec):
    expected = copy.deepcopy(obj)
    node = expected
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = spec
    return expected


@pytest.mark.parametrize("path", CASES, ids=[c.stem for c in CASES])
def test_fixture(path):
    case, request = load(path)
    before = case["before"]
    original = copy.deepcopy(before)
    if "refused" in case:
        with pytest.raises(ShmRefused) as refused:
            plan_shm(before, request)
        assert case["refused"] in str(refused.value)
        return
    plan = plan_shm(before, request)
    assert before == original, "planning must not modify the object it was given"
    if case.get("unchanged"):
        assert not plan.changed
        assert plan.patch(None) == {}
        assert plan.after == before
        assert plan.summary().startswith("unchanged")
        return
    assert plan.changed
    expected = with_spec(before, spec_path(before), case["after_spec"])
    assert plan.after == expected
    patch = plan.patch(None)
    node = patch
    for key in spec_path(before):
        node = node[key]
    assert node == case["patch"]
    assert smp.apply(before, patch) == plan.after
    for note in case.get("notes") or []:
        assert any(note in text for text in plan.notes), (note, plan.notes)
    if "undo" in case:
        assert plan.undo_argument() == case["undo"]
    again = plan_shm(plan.after, request)
    assert not again.changed, "a second run must be a no-op"


def test_patch_carries_the_resource_version_first():
    case, request = load(FIXTURES / "update-size.yaml")
    patch = plan_shm(case["before"], request).patch("12345")
    assert next(iter(patch)) == "metadata"
    assert patch["metadata"] == {"resourceVersion": "12345"}


def test_undo_restores_the_previous_state():
    for name in ("add-new-volume", "update-size", "remove"):
        case, request = load(FIXTURES / f"{name}.yaml")
        plan = plan_shm(case["before"], request)
        undo = plan.undo_argument()
        back = (
            ShmRequest(None, request.containers, remove=True)
            if undo == "--remove"
            else (ShmRequest(undo, request.containers))
        )
        restored = plan_shm(plan.after, back)
        assert restored.after == case["before"], name


def test_field_order_is_kept_and_yaml_aliases_are_not_shared():
    text = """
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      containers:
        - name: a
          image: x
          volumeMounts: &mounts
            - {name: data, mountPath: /data}
        - name: b
          image: y
          volumeMounts: *mounts
      volumes: [{name: data, emptyDir: {}}]
"""
    obj = yaml.safe_load(text)
    plan = plan_shm(obj, ShmRequest("1Gi", ("a",)))
    spec = plan.after["spec"]["template"]["spec"]
    assert [m["mountPath"] for m in spec["containers"][0]["volumeMounts"]] == ["/data", "/dev/shm"]
    assert [m["mountPath"] for m in spec["containers"][1]["volumeMounts"]] == ["/data"]
    assert list(spec["containers"][0]) == ["name", "image", "volumeMounts"]
    assert list(plan.after) == ["kind", "metadata", "spec"]


def test_every_template_of_a_custom_resource():
    from tests.unit.fixtures import load as load_fixture

    [job] = load_fixture("pytorchjob.yaml")
    plan = plan_shm(job, ShmRequest("8Gi"))
    assert [t.path for t in plan.templates] == [
        "spec.pytorchReplicaSpecs.Master.template.spec",
        "spec.pytorchReplicaSpecs.Worker.template.spec",
    ]
    for template in find_pod_templates(plan.after):
        volumes = {v["name"]: v for v in template.pod_spec["volumes"]}
        assert volumes["dshm"]["emptyDir"] == {"medium": "Memory", "sizeLimit": "8Gi"}


def test_object_without_template_is_refused():
    with pytest.raises(ShmRefused, match="no pod template"):
        plan_shm({"kind": "ConfigMap", "metadata": {"name": "c"}}, ShmRequest("1Gi"))


def test_free_volume_name():
    assert free_volume_name({"containers": [{"name": "a"}]}) == "dshm"
    spec = {"volumes": [{"name": "dshm"}, {"name": "dshm-1"}], "containers": []}
    assert free_volume_name(spec) == "dshm-2"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("2GB", "unknown suffix 'GB'"),
        ("0", "must be greater than zero"),
        ("-1Gi", "must be greater than zero"),
        ("lots", "expected a number"),
        ("", "empty"),
    ],
)
def test_bad_sizes_name_the_value_and_why(text, reason):
    with pytest.raises(InputError) as error:
        parse_size(text)
    assert str(error.value).startswith(f"invalid SIZE {text!r}: ")
    assert reason in str(error.value)


def test_good_sizes_are_kept_as_typed():
    assert parse_size(" 16Gi ") == "16Gi"
    assert parse_size("1.5G") == "1.5G"
    assert parse_size("512M") == "512M"
    assert parse_size("1Mi") == "1Mi"


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("512m", "SIZE 512m is 512 millibytes; did you mean 512Mi?"),
        ("512", "SIZE 512 is 512 bytes; did you mean 512Mi?"),
        ("64Ki", "SIZE 64Ki is 65536 bytes; did you mean 64Mi?"),
        ("0.5", "SIZE 0.5 is 0.5 bytes."),
        ("1048575", "SIZE 1048575 is 1048575 bytes."),
    ],
)
def test_sizes_below_1mi_are_refused_unless_forced(text, says):
    with pytest.raises(InputError) as error:
        parse_size(text)
    assert str(error.value).startswith(says)
    assert "add --force" in str(error.value)
    assert parse_size(text, force=True) == text
