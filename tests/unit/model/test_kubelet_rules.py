"""The version table of DESIGN section 2, one row per kubelet minor from 1.20 to 1.37.

Each row is a fact read in k8s.io/kubernetes at that release (the citations are in
DESIGN section 2 and in kubectl_shm/model/kubelet_rules.py); the tests check the model's
rules and one worked pod per row, whose size tells every rule change apart.
"""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kubectl_shm.model.kubelet_rules import LimitCheck, kubelet_rules
from kubectl_shm.model.nodes import POD_LEVEL_RESOURCES, NodeProfile
from kubectl_shm.model.sizing import Basis, expected_shm

Mi, Gi = 2**20, 2**30
EACH, COVER, APPS = LimitCheck.EACH_CONTAINER, LimitCheck.SIDECARS_COVER, LimitCheck.APP_CONTAINERS

# minor: (SizeMemoryBackedVolumes on by default, which containers must declare a limit,
#         sidecars exist, PodLevelResources on by default, sizeLimit resizable in place)
VERSION_TABLE = {
    20: (False, APPS, False, False, False),  # gate alpha (kube_features.go)
    21: (False, APPS, False, False, False),
    22: (True, APPS, False, False, False),  # gate beta, on
    23: (True, EACH, False, False, False),  # init containers checked (#103107)
    24: (True, EACH, False, False, False),
    25: (True, EACH, False, False, False),
    26: (True, EACH, False, False, False),
    27: (True, EACH, False, False, False),  # PodLimits + ContainerFn, own limits
    28: (True, COVER, True, False, False),  # sidecars: cumulative ContainerFn
    29: (True, COVER, True, False, False),
    30: (True, COVER, True, False, False),
    31: (True, COVER, True, False, False),
    32: (True, COVER, True, False, False),  # gate GA, locked; PodLevelResources alpha
    33: (True, COVER, True, False, False),
    34: (True, COVER, True, True, False),  # PodLevelResources beta, on
    35: (True, COVER, True, True, False),  # SizeMemoryBackedVolumes removed (always on)
    36: (True, COVER, True, True, False),
    37: (True, EACH, True, True, True),  # own limits of every container; volume resize alpha
}

NODE_MEMORY = 32 * Gi
ALLOCATABLE = 30 * Gi


def node(minor: int, **extra) -> NodeProfile:
    return NodeProfile(
        name=f"node-1-{minor}",
        kubelet_version=f"v1.{minor}.0",
        capacity_memory_bytes=NODE_MEMORY,
        allocatable_memory_bytes=ALLOCATABLE,
        **extra,
    )


@pytest.mark.parametrize("minor", sorted(VERSION_TABLE))
def test_rules_follow_the_version_table(minor):
    gate_on, check, sidecars, pod_level, resize = VERSION_TABLE[minor]
    rules = kubelet_rules((1, minor, 0))
    assert (rules.limit_check, rules.sidecars, rules.memory_volume_resize) == (
        check,
        sidecars,
        resize,
    )
    profile = node(minor)
    assert profile.sizes_memory_volumes is gate_on
    assert profile.gate_enabled(POD_LEVEL_RESOURCES) is pod_level


# A sidecar with 1Gi, then an init container with no limit, an app with 4Gi, sizeLimit 8Gi:
# its /dev/shm differs with every change of the rules above.
SIDECAR_THEN_INIT = {
    "initContainers": [
        {"name": "proxy", "restartPolicy": "Always", "resources": {"limits": {"memory": "1Gi"}}},
        {"name": "migrate"},
    ],
    "containers": [
        {
            "name": "app",
            "resources": {"limits": {"memory": "4Gi"}},
            "volumeMounts": [{"name": "dshm", "mountPath": "/dev/shm"}],
        }
    ],
    "volumes": [{"name": "dshm", "emptyDir": {"medium": "Memory", "sizeLimit": "8Gi"}}],
}


def worked_example(minor: int) -> tuple[int, Basis]:
    """What DESIGN section 2 says each row mounts for SIDECAR_THEN_INIT."""
    if minor < 22:
        return NODE_MEMORY // 2, Basis.HALF_NODE_MEMORY  # no size= at all
    if minor < 23:
        return 4 * Gi, Basis.POD_MEMORY_LIMIT  # app containers only: 4Gi
    if minor < 28:
        return 8 * Gi, Basis.SIZE_LIMIT  # 'migrate' has no limit: no pod limit
    if minor < 37:
        return 5 * Gi, Basis.POD_MEMORY_LIMIT  # the sidecar covers 'migrate': 4Gi + 1Gi
    return 8 * Gi, Basis.SIZE_LIMIT  # 'migrate' has no limit of its own


@pytest.mark.parametrize("minor", sorted(VERSION_TABLE))
def test_the_worked_example_per_row(minor):
    [*_, app] = expected_shm(SIDECAR_THEN_INIT, node(minor)).containers
    assert (app.expected_bytes, app.basis) == worked_example(minor)


def test_an_unknown_version_is_the_newest_known():
    profile = NodeProfile(allocatable_memory_bytes=ALLOCATABLE)
    [*_, app] = expected_shm(SIDECAR_THEN_INIT, profile).containers
    assert (app.expected_bytes, app.basis) == worked_example(37)


quantities = st.integers(min_value=0, max_value=64 * Gi)


@given(
    allocatable=st.one_of(
        st.none(), st.integers(min_value=1, max_value=64 * Gi)
    ),  # nodes report some
    app_limit=st.one_of(st.none(), quantities),
    size_limit=st.one_of(st.none(), quantities),
    minor=st.sampled_from(sorted(m for m, row in VERSION_TABLE.items() if row[0])),
)
def test_with_the_gate_on_the_size_is_the_smallest_positive_bound(
    allocatable, app_limit, size_limit, minor
):
    """calculateEmptyDirMemorySize: min of the positive ones of allocatable, pod limit,
    sizeLimit (pkg/volume/emptydir/empty_dir.go, every release with the gate on)."""
    container = {"name": "app", "volumeMounts": [{"name": "dshm", "mountPath": "/dev/shm"}]}
    if app_limit is not None:
        container["resources"] = {"limits": {"memory": str(app_limit)}}
    empty_dir = {"medium": "Memory"}
    if size_limit is not None:
        empty_dir["sizeLimit"] = str(size_limit)
    spec = {"containers": [container], "volumes": [{"name": "dshm", "emptyDir": empty_dir}]}
    profile = NodeProfile(kubelet_version=f"v1.{minor}.0", allocatable_memory_bytes=allocatable)
    [shm] = expected_shm(spec, profile).containers
    bounds = [b for b in (allocatable, app_limit, size_limit) if b]
    assert shm.expected_bytes == (min(bounds) if bounds else None)
