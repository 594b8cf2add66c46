"""model.shapes: what the model could not read, named by field; and the walkers under fuzz."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kubectl_shm.model.nodes import NodeProfile
from kubectl_shm.model.pod_limits import pod_memory_limit
from kubectl_shm.model.podspec import needs_kubelet
from kubectl_shm.model.shapes import numbered, object_problems, pod_spec_problems
from kubectl_shm.model.sizing import expected_shm
from kubectl_shm.model.templates import find_pod_templates
from kubectl_shm.set.volumes import choose_containers, free_volume_name
from tests.unit.malformed import JUNK, POD_SPEC, deployment

LEGACY = NodeProfile(kubelet_version="v1.26.0", gates=(("SizeMemoryBackedVolumes", False),))


def problems(obj):
    return [str(problem) for problem in object_problems(obj)]


def test_a_well_formed_workload_has_no_problems():
    assert problems(deployment()) == []
    assert problems({"kind": "ConfigMap", "data": 5}) == []  # not read at all


@pytest.mark.parametrize(
    ("obj", "expected"),
    [
        ({}, "kind is missing: not a Kubernetes object"),
        ({"kind": 5}, "kind is an integer, not a string"),
        ({"kind": "Deployment", "spec": None}, "spec is missing: no pod template"),
        (
            {"kind": "CronJob", "spec": {"jobTemplate": []}},
            "spec.jobTemplate is a list, not a mapping",
        ),
        (
            {"kind": "Pod", "spec": {"containers": []}},
            "spec.containers is empty: no container to audit",
        ),
        ({"kind": "List", "items": {}}, "items is a mapping, not a list"),
        ({"kind": "List", "items": [None]}, "items[0] is null, not a Kubernetes object"),
        (
            {"kind": "Trainer", "spec": {"w": {"containers": [1]}}},
            "spec.w.containers holds no container",
        ),
        ({"kind": "Trainer", "spec": {"w": {"containers": "x"}}}, "spec.w.containers is a string"),
    ],
)
def test_objects_whose_pod_template_cannot_be_read(obj, expected):
    assert problems(obj)[0].startswith(expected)


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("volumes", 5, "s.volumes is an integer, not a list"),
        ("volumes", [{"name": 3}], "s.volumes[0].name is an integer, not a string"),
        (
            "volumes",
            [{"name": "v", "emptyDir": "x"}],
            "s.volumes[0].emptyDir is a string, not a mapping",
        ),
        ("initContainers", [[]], "s.initContainers[0] is a list, not a container (a mapping)"),
        ("hostIPC", "true", "s.hostIPC is a string, not true or false"),
        ("overhead", [1], "s.overhead is a list, not a mapping"),
    ],
)
def test_pod_spec_fields(field, value, expected):
    spec = {"containers": [{"name": "a"}], field: value}
    assert [str(p) for p in pod_spec_problems(spec, "s")] == [expected]


@pytest.mark.parametrize(
    ("container", "expected"),
    [
        ({}, "s.containers[0].name is missing"),
        ({"name": 5}, "s.containers[0].name is an integer, not a string"),
        ({"name": "a", "image": ["x"]}, "s.containers[0].image is a list, not a string"),
        ({"name": "a", "resources": {"limits": [1]}}, "s.containers[0].resources.limits is a list"),
        (
            {"name": "a", "volumeMounts": 7},
            "s.containers[0].volumeMounts is an integer, not a list",
        ),
        (
            {"name": "a", "volumeMounts": [{"name": "d"}]},
            "s.containers[0].volumeMounts[0].mountPath is missing",
        ),
    ],
)
def test_container_fields(container, expected):
    assert str(pod_spec_problems({"containers": [container]}, "s")[0]).startswith(expected)


def test_documents_are_numbered_per_source_with_their_names():
    pairs = [("a.yaml", deployment()), ("a.yaml", {"kind": "Service"}), ("b.yaml", 5)]
    assert [where for where, _ in numbered(pairs)] == [
        "a.yaml, document 1 (deployment/trainer)",
        "a.yaml, document 2",
        "b.yaml, document 1",
    ]


_POD_SPEC_KEYS = [*POD_SPEC, "hostIPC", "resources", "ephemeralContainers"]
_containers = st.lists(
    st.fixed_dictionaries(
        {},
        optional={
            key: JUNK | st.just(good)
            for key, good in {
                "name": "main",
                "image": "pytorch",
                "resources": {"limits": {"memory": "1Gi", "nvidia.com/gpu": 1}},
                "volumeMounts": [{"name": "dshm", "mountPath": "/dev/shm"}],
                "restartPolicy": "Always",
            }.items()
        },
    )
    | JUNK,
    max_size=3,
)
_volumes = st.lists(
    st.fixed_dictionaries(
        {},
        optional={"name": JUNK | st.just("dshm"), "emptyDir": JUNK, "hostPath": JUNK},
    )
    | JUNK,
    max_size=2,
)
pod_specs = st.fixed_dictionaries(
    {},
    optional={
        "containers": _containers | JUNK,
        "initContainers": _containers | JUNK,
        "ephemeralContainers": _containers,
        "volumes": _volumes | JUNK,
        "hostIPC": JUNK,
        "overhead": st.fixed_dictionaries({"memory": JUNK}) | JUNK,
        "resources": st.fixed_dictionaries({"limits": JUNK}) | JUNK,
    },
)


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pod_specs, st.sampled_from([NodeProfile(), LEGACY]))
def test_the_pod_spec_walkers_take_any_shape(spec, node):
    """Every accessor of the model reads junk without an exception (no I/O, no guesses)."""
    pod_spec_problems(spec, "spec")
    pod_memory_limit(spec)
    needs_kubelet(spec)
    shm = expected_shm(spec, node)
    assert len(shm.containers) <= 6
    free_volume_name(spec)
    choose_containers(spec, ())
    choose_containers(spec, ("main",))
    obj = {"kind": "Pod", "metadata": {"name": "p"}, "spec": spec}
    find_pod_templates(obj)
    object_problems(obj)
