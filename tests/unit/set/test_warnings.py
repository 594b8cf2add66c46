from kubectl_shm.model.nodes import NodeProfile
from kubectl_shm.set.plan import ShmRequest, plan_shm
from kubectl_shm.set.warnings import nodes_for, size_warnings

Gi = 2**30
CURRENT = NodeProfile(
    name="node-current",
    kubelet_version="v1.34.4",
    capacity_memory_bytes=16 * Gi,
    allocatable_memory_bytes=15 * Gi,
)
LEGACY = NodeProfile(
    name="node-legacy",
    kubelet_version="v1.31.4",
    gates=(("SizeMemoryBackedVolumes", False),),
    capacity_memory_bytes=8 * Gi,
    allocatable_memory_bytes=7 * Gi,
)
NODES = [
    (CURRENT, {"kubernetes.io/hostname": "node-current"}),
    (LEGACY, {"kubernetes.io/hostname": "node-legacy"}),
]


def deployment(memory=None, node_selector=None):
    container = {"name": "main", "image": "trainer"}
    if memory:
        container["resources"] = {"limits": {"memory": memory}}
    spec = {"containers": [container]}
    if node_selector:
        spec["nodeSelector"] = node_selector
    return {"kind": "Deployment", "metadata": {"name": "t"}, "spec": {"template": {"spec": spec}}}


def warnings(obj, size, nodes=None):
    return size_warnings(plan_shm(obj, ShmRequest(size)), nodes)


def test_within_limits_no_warning():
    assert (
        warnings(deployment("8Gi", {"kubernetes.io/hostname": "node-current"}), "2Gi", NODES) == []
    )


def test_above_pod_memory_limit_says_what_it_is_capped_to():
    [message] = warnings(deployment("4Gi"), "16Gi")
    assert message.startswith("deployment/t: SIZE 16Gi is above the pod memory limit 4Gi")
    assert "capped at 4Gi" in message


def test_above_allocatable_names_the_nodes():
    selector = {"kubernetes.io/hostname": "node-current"}
    [message] = warnings(deployment(node_selector=selector), "32Gi", NODES)
    assert "more than the allocatable memory of node-current (15Gi)" in message


def test_legacy_kubelet_says_what_pods_get_instead():
    selector = {"kubernetes.io/hostname": "node-legacy"}
    [message] = warnings(deployment(node_selector=selector), "1Gi", NODES)
    assert "node node-legacy (kubelet v1.31.4, SizeMemoryBackedVolumes off)" in message
    assert "a tmpfs of 4Gi (half its RAM) instead of 1Gi" in message


def test_every_node_without_node_selector():
    found = warnings(deployment(), "1Gi", NODES)
    assert len(found) == 1 and "node-legacy" in found[0]


def test_nodes_for_matches_node_selector():
    assert nodes_for({"nodeSelector": {"kubernetes.io/hostname": "node-legacy"}}, NODES) == [LEGACY]
    assert nodes_for({}, NODES) == [CURRENT, LEGACY]


def test_a_tiny_size_given_with_force_gets_no_second_warning():
    """set refuses a SIZE below 1Mi (volumes.parse_size); --force means it was meant."""
    assert warnings(deployment(), "64") == []


def test_remove_has_no_size_warnings():
    obj = deployment("1Gi")
    assert size_warnings(plan_shm(obj, ShmRequest(None, remove=True)), NODES) == []
