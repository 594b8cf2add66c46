"""TYPE words resolved against discovery as kubectl resolves them."""

from __future__ import annotations

from kubectl_shm.model.api_resources import ApiResource, find_resource
from kubectl_shm.model.operator_knobs import chart_knob, operator_knob

VERBS = ("get", "list", "patch")
RAY_V1 = ApiResource("ray.io", "v1", "RayCluster", "rayclusters", "raycluster", (), True, VERBS)
RAY_OLD = ApiResource(
    "ray.io", "v1alpha1", "RayCluster", "rayclusters", "raycluster", (), True, VERBS, False
)
LWS = ApiResource(
    "leaderworkerset.x-k8s.io",
    "v1",
    "LeaderWorkerSet",
    "leaderworkersets",
    "leaderworkerset",
    ("lws",),
    True,
    VERBS,
)
OTHER = ApiResource("example.com", "v1", "RayCluster", "rayclusters", "raycluster", (), True, VERBS)
RESOURCES = [RAY_OLD, RAY_V1, LWS, OTHER]


def test_plural_singular_kind_and_short_names():
    for word in ("rayclusters", "raycluster", "RayCluster", "RAYCLUSTERS"):
        assert find_resource(word, RESOURCES) is RAY_V1  # the preferred version
    assert find_resource("lws", RESOURCES) is LWS


def test_group_and_version_qualified_words():
    assert find_resource("rayclusters.example.com", RESOURCES) is OTHER
    assert find_resource("raycluster.v1alpha1.ray.io", RESOURCES) is RAY_OLD
    assert find_resource("lws.leaderworkerset.x-k8s.io", RESOURCES) is LWS
    assert find_resource("rayclusters.nowhere.io", RESOURCES) is None
    assert find_resource("nosuch", RESOURCES) is None


def test_knobs_of_documented_operators_and_charts():
    nim = operator_knob("apps.nvidia.com/v1alpha1", "NIMService")
    assert nim is not None and "spec.storage.sharedMemorySizeLimit" in nim.knob
    cnpg = operator_knob("postgresql.cnpg.io/v1", "Cluster")
    assert cnpg is not None and "spec.ephemeralVolumesSizeLimit.shm" in cnpg.knob
    assert operator_knob("apps/v1", "Deployment") is None
    stack = chart_knob({"helm-release-name": "vllm", "model": "llama"})
    assert stack is not None and "shmSize" in stack.knob
    assert chart_knob({"app": "web"}) is None
