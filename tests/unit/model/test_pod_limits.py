import pytest

from kubectl_shm.model.kubelet_rules import kubelet_rules
from kubectl_shm.model.pod_limits import pod_memory_limit

Mi = 2**20


def container(name, memory=None, restart_policy=None):
    c = {"name": name, "image": "busybox"}
    if memory is not None:
        c["resources"] = {"limits": {"memory": memory}}
    if restart_policy:
        c["restartPolicy"] = restart_policy
    return c


def test_app_containers_are_summed():
    spec = {"containers": [container("a", "128Mi"), container("b", "256Mi")]}
    assert pod_memory_limit(spec).limit_bytes == 384 * Mi


def test_one_container_without_a_limit_means_no_pod_limit():
    spec = {"containers": [container("a", "128Mi"), container("b")]}
    result = pod_memory_limit(spec)
    assert result.limit_bytes is None
    assert "'b'" in result.missing_reason


def test_zero_limit_counts_as_undeclared():
    assert pod_memory_limit({"containers": [container("a", "0")]}).limit_bytes is None


def test_largest_regular_init_container_wins_over_app_sum():
    spec = {"initContainers": [container("init", "1Gi")], "containers": [container("a", "128Mi")]}
    assert pod_memory_limit(spec).limit_bytes == 1024 * Mi


def test_sidecars_add_to_apps_and_to_later_init_containers():
    spec = {
        "initContainers": [
            container("sidecar", "100Mi", "Always"),
            container("migrate", "500Mi"),
        ],
        "containers": [container("app", "200Mi")],
    }
    # apps + sidecar = 300Mi; migrate needs 500Mi + the sidecar started before it = 600Mi
    assert pod_memory_limit(spec).limit_bytes == 600 * Mi


def rules(minor):
    return kubelet_rules((1, minor, 0))


def test_init_container_without_limit_depends_on_kubelet_generation():
    # v1.22.17 ResourceConfigForPod checks app containers only; v1.23.0 (#103107) init too.
    spec = {"initContainers": [container("init")], "containers": [container("a", "128Mi")]}
    assert pod_memory_limit(spec, rules=rules(23)).limit_bytes is None
    assert pod_memory_limit(spec, rules=rules(22)).limit_bytes == 128 * Mi


def test_overhead_is_added_to_an_existing_limit_only():
    with_limit = {"containers": [container("a", "128Mi")], "overhead": {"memory": "10Mi"}}
    assert pod_memory_limit(with_limit).limit_bytes == 138 * Mi
    without = {"containers": [container("a")], "overhead": {"memory": "10Mi"}}
    assert pod_memory_limit(without).limit_bytes is None


@pytest.mark.parametrize(("enabled", "expected"), [(True, 2048 * Mi), (False, None)])
def test_pod_level_resources(enabled, expected):
    spec = {"resources": {"limits": {"memory": "2Gi"}}, "containers": [container("a")]}
    assert pod_memory_limit(spec, pod_level_resources=enabled).limit_bytes == expected


def test_invalid_limit_is_reported_not_raised():
    result = pod_memory_limit({"containers": [container("a", "lots")]})
    assert result.limit_bytes is None
    [problem] = result.problems
    assert (problem.container, problem.value) == ("a", "lots")


def test_init_container_after_a_sidecar_counts_as_declared_from_1_28_to_1_36():
    # 1.28-1.36: ContainerFn sees the init container's limit plus the sidecars before it
    # (component-helpers v0.36.3 AggregateContainerLimits); 1.37 checks each container's
    # own limit (v1.37.2 pkg/kubelet/cm/helpers_linux.go ResourceConfigForPod).
    spec = {
        "initContainers": [container("sidecar", "100Mi", "Always"), container("setup")],
        "containers": [container("app", "200Mi")],
    }
    assert pod_memory_limit(spec, rules=rules(36)).limit_bytes == 300 * Mi
    assert pod_memory_limit(spec, rules=rules(28)).limit_bytes == 300 * Mi
    assert pod_memory_limit(spec, rules=rules(37)).limit_bytes is None
    assert "'setup'" in pod_memory_limit(spec, rules=rules(37)).missing_reason


def test_before_1_28_restart_policy_always_is_an_ordinary_init_container():
    # SidecarContainers arrived in 1.28: an older kubelet does not add it to the apps.
    spec = {
        "initContainers": [container("sidecar", "100Mi", "Always")],
        "containers": [container("app", "200Mi")],
    }
    assert pod_memory_limit(spec, rules=rules(27)).limit_bytes == 200 * Mi
    assert pod_memory_limit(spec, rules=rules(28)).limit_bytes == 300 * Mi


def test_the_limit_is_the_exact_sum_rounded_once():
    # Quantities are added exactly and Value() rounds the total up: 3 x 0.5 = 1.5 -> 2,
    # where rounding each first would give 3.
    spec = {"containers": [container(name, "0.5") for name in "abc"]}
    assert pod_memory_limit(spec).limit_bytes == 2
    milli = {"containers": [container("a", "1500m"), container("b", "1500m")]}
    assert pod_memory_limit(milli).limit_bytes == 3


def test_sidecar_without_limit_first_means_no_pod_limit():
    spec = {
        "initContainers": [container("sidecar", None, "Always")],
        "containers": [container("app", "200Mi")],
    }
    assert pod_memory_limit(spec).limit_bytes is None


@pytest.mark.parametrize("memory", ["-1Gi", "1e400", [1], {"a": 1}])
def test_limits_kubernetes_refuses_are_problems_not_limits(memory):
    result = pod_memory_limit({"containers": [container("a", memory)]})
    assert result.limit_bytes is None
    [problem] = result.problems
    assert (problem.field, problem.container) == ("resources.limits.memory", "a")
