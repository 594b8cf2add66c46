import pytest

from kubectl_shm.model.templates import find_pod_templates
from tests.unit.fixtures import load

POD_SPEC = {"containers": [{"name": "main", "image": "busybox"}]}


@pytest.mark.parametrize(
    ("kind", "obj_spec", "path"),
    [
        ("Pod", POD_SPEC, "spec"),
        ("Deployment", {"template": {"spec": POD_SPEC}}, "spec.template.spec"),
        ("StatefulSet", {"template": {"spec": POD_SPEC}}, "spec.template.spec"),
        ("DaemonSet", {"template": {"spec": POD_SPEC}}, "spec.template.spec"),
        ("ReplicaSet", {"template": {"spec": POD_SPEC}}, "spec.template.spec"),
        ("ReplicationController", {"template": {"spec": POD_SPEC}}, "spec.template.spec"),
        ("Job", {"template": {"spec": POD_SPEC}}, "spec.template.spec"),
        (
            "CronJob",
            {"jobTemplate": {"spec": {"template": {"spec": POD_SPEC}}}},
            "spec.jobTemplate.spec.template.spec",
        ),
    ],
)
def test_builtin_kinds(kind, obj_spec, path):
    [template] = find_pod_templates(
        {"kind": kind, "metadata": {"name": "x", "namespace": "ml"}, "spec": obj_spec}
    )
    assert (template.kind, template.namespace, template.name, template.path) == (
        kind,
        "ml",
        "x",
        path,
    )
    assert template.pod_spec == POD_SPEC


def test_missing_namespace_is_default_and_non_workloads_are_ignored():
    assert find_pod_templates({"kind": "ConfigMap", "metadata": {"name": "c"}, "data": {}}) == []
    assert find_pod_templates({"kind": "Service", "metadata": {"name": "s"}, "spec": {}}) == []
    [template] = find_pod_templates({"kind": "Pod", "metadata": {"name": "p"}, "spec": POD_SPEC})
    assert template.namespace == "default"


def test_list_is_expanded():
    items = [{"kind": "Pod", "metadata": {"name": f"p{i}"}, "spec": POD_SPEC} for i in range(3)]
    templates = find_pod_templates({"kind": "List", "items": items})
    assert [t.name for t in templates] == ["p0", "p1", "p2"]


def test_custom_resources_are_searched_for_pod_templates():
    templates = find_pod_templates(load("pytorchjob.yaml")[0])
    assert [t.path for t in templates] == [
        "spec.pytorchReplicaSpecs.Master.template.spec",
        "spec.pytorchReplicaSpecs.Worker.template.spec",
    ]
    ray = find_pod_templates(load("raycluster.yaml")[0])
    assert [t.path for t in ray] == [
        "spec.headGroupSpec.template.spec",
        "spec.workerGroupSpecs.0.template.spec",
    ]


@pytest.mark.parametrize(
    "junk",
    [
        None,
        [],
        "text",
        {"kind": 3},
        {"kind": "Deployment"},
        {"kind": "Deployment", "spec": {"template": {"spec": {"containers": "x"}}}},
    ],
)
def test_malformed_objects_yield_nothing(junk):
    assert find_pod_templates(junk) == []


def test_a_stray_container_entry_does_not_hide_the_pod_spec():
    spec = {"containers": ["oops", {"name": "gpu"}]}
    [template] = find_pod_templates({"kind": "Deployment", "spec": {"template": {"spec": spec}}})
    assert template.pod_spec is spec


def test_keys_are_kept_as_written_for_walking_and_dotted_for_people():
    spec = {"containers": [{"name": "a"}]}
    obj = {"kind": "Trainer", "spec": {"a.b": [{"template": {"spec": spec}}], 5: {"x": spec}}}
    templates = find_pod_templates(obj)
    assert [(t.keys, t.path) for t in templates] == [
        (("spec", "a.b", 0, "template", "spec"), "spec.a.b.0.template.spec"),
        (("spec", 5, "x"), "spec.5.x"),
    ]


def test_typed_lists_are_expanded_and_a_default_namespace_applies():
    item = {"kind": "Pod", "metadata": {"name": "p"}, "spec": {"containers": [{"name": "a"}]}}
    [template] = find_pod_templates({"kind": "PodList", "items": [item, 5]}, "team")
    assert (template.name, template.namespace) == ("p", "team")
