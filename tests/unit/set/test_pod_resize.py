"""Planning a running pod's /dev/shm resize in place (1.37, ValidatePodResize's rules)."""

import pytest

from kubectl_shm.set.pod_resize import node_refusal, plan_in_place, usage_refusal
from kubectl_shm.set.volumes import ShmRefused, ShmRequest

Mi = 2**20


def pod(volume=None, mounts=("main",)):
    containers = []
    for name in ("main", "side"):
        container = {"name": name}
        if name in mounts:
            container["volumeMounts"] = [{"name": "dshm", "mountPath": "/dev/shm"}]
        containers.append(container)
    spec = {"containers": containers, "nodeName": "n"}
    if volume is not None:
        spec["volumes"] = [{"name": "dshm", **volume}]
    return {"metadata": {"name": "trainer-0"}, "spec": spec}


MEMORY_64 = {"emptyDir": {"medium": "Memory", "sizeLimit": "64Mi"}}


def test_plan_and_its_patches():
    resize = plan_in_place(pod(MEMORY_64), ShmRequest("128Mi", containers=("main",)), "trainer-0")
    assert (resize.volume, resize.old_size, resize.new_size) == ("dshm", "64Mi", "128Mi")
    assert resize.patch() == {
        "spec": {
            "volumes": [{"name": "dshm", "emptyDir": {"medium": "Memory", "sizeLimit": "128Mi"}}]
        }
    }
    assert resize.revert_patch()["spec"]["volumes"][0]["emptyDir"]["sizeLimit"] == "64Mi"
    assert resize.summary() == "/dev/shm 64Mi -> 128Mi for container 'main'"


def test_a_container_without_shm_cannot_get_one_in_place():
    with pytest.raises(ShmRefused, match="has no volume at /dev/shm, and a resize cannot add"):
        plan_in_place(pod(MEMORY_64, mounts=()), ShmRequest("1Gi", ("main",)), "trainer-0")


@pytest.mark.parametrize(
    ("volume", "request_", "reason"),
    [
        (None, ShmRequest("1Gi", containers=("main",)), "mounts volume 'dshm' at /dev/shm but"),
        ({"emptyDir": {"medium": "Memory"}}, ShmRequest("1Gi", ("main",)), "has no sizeLimit"),
        ({"emptyDir": {"sizeLimit": "1Gi"}}, ShmRequest("2Gi", ("main",)), "not medium: Memory"),
        ({"hostPath": {"path": "/dev/shm"}}, ShmRequest("2Gi", ("main",)), "not an emptyDir"),
        (MEMORY_64, ShmRequest(None, ("main",), remove=True), "--remove cannot be done"),
        (MEMORY_64, ShmRequest("1Gi", ("ghost",)), "no container named ghost"),
        (MEMORY_64, ShmRequest("1Gi"), "container 'side' of pod trainer-0 has no volume"),
    ],
)
def test_what_cannot_be_resized_in_place_is_refused(volume, request_, reason):
    with pytest.raises(ShmRefused, match=reason):
        plan_in_place(pod(volume), request_, "trainer-0")


def test_the_node_must_declare_the_feature():
    declared = {"status": {"declaredFeatures": ["InPlacePodVerticalScalingMemoryBackedVolumes"]}}
    assert node_refusal(declared) is None
    older = {"metadata": {"name": "n"}, "status": {"nodeInfo": {"kubeletVersion": "v1.34.4"}}}
    assert node_refusal(older).startswith("node n (v1.34.4) does not declare")


def test_a_shrink_below_use_is_refused():
    resize = plan_in_place(pod(MEMORY_64), ShmRequest("32Mi", ("main",)), "trainer-0")
    assert usage_refusal(resize, 40 * Mi).startswith("/dev/shm of pod trainer-0 holds 40Mi")
    assert usage_refusal(resize, 10 * Mi) is None
    assert usage_refusal(resize, None) is None
