"""`set pod/NAME SIZE` in place, on a recorded API: the calls in order, and the put-back."""

import pytest

from kubectl_shm.feedback import Silent
from kubectl_shm.model.workload_kinds import BY_KIND, Target
from kubectl_shm.set.resize_live import ResizeFailed, resize_in_place
from kubectl_shm.set.volumes import ShmRefused, ShmRequest
from tests.unit.recorded_api import recorded_kube

POD = "/api/v1/namespaces/ml/pods/trainer-0"
NODE = "/api/v1/nodes/n1"
FEATURE = "InPlacePodVerticalScalingMemoryBackedVolumes"


def pod(size="64Mi", conditions=()):
    return {
        "metadata": {"name": "trainer-0", "namespace": "ml", "resourceVersion": "7"},
        "spec": {
            "nodeName": "n1",
            "containers": [
                {"name": "main", "volumeMounts": [{"name": "dshm", "mountPath": "/dev/shm"}]}
            ],
            "volumes": [{"name": "dshm", "emptyDir": {"medium": "Memory", "sizeLimit": size}}],
        },
        "status": {"conditions": list(conditions)},
    }


INFEASIBLE = {
    "type": "PodResizePending",
    "status": "True",
    "reason": "Infeasible",
    "message": "Memory-backed emptyDir volume resize is not supported on cgroups v1",
}


def api(node_features=(FEATURE,), stored_size="128Mi"):
    return recorded_kube(
        {
            ("GET", POD): pod(conditions=[INFEASIBLE]),
            ("GET", NODE): {
                "metadata": {"name": "n1"},
                "status": {"declaredFeatures": list(node_features)},
            },
            ("GET", "/api/v1/nodes/n1/proxy/stats/summary"): (403, {"kind": "Status", "code": 403}),
            ("PATCH", POD + "/resize"): pod(stored_size),
        }
    )


def run(kube, size="128Mi"):
    return resize_in_place(
        kube,
        Silent(),
        Target(BY_KIND["Pod"], "trainer-0"),
        ShmRequest(size),
        dry_run="none",
        wait=True,
        timeout=5,
    )


def test_a_kubelet_refusal_is_reported_and_the_size_put_back():
    kube = api()
    with pytest.raises(ResizeFailed, match="PodResizePending Infeasible: Memory-backed") as failed:
        run(kube)
    assert "its sizeLimit is back at 64Mi" in str(failed.value)
    patches = [url for method, url in kube.api_client.sent if method == "PATCH"]
    assert (
        patches
        == [f"{POD}/resize?fieldManager=kubectl-shm&dryRun=All"]
        + [f"{POD}/resize?fieldManager=kubectl-shm"] * 2
    )  # the server dry run, the resize, the put-back


def test_an_api_server_that_drops_the_change_is_refused_before_patching():
    kube = api(stored_size="64Mi")  # the dry run comes back without the new size
    with pytest.raises(ShmRefused, match="the API server dropped the sizeLimit change"):
        run(kube)
    assert [m for m, _ in kube.api_client.sent].count("PATCH") == 1  # the dry run only


def test_a_node_without_the_feature_is_refused_before_patching():
    kube = api(node_features=())
    with pytest.raises(ShmRefused, match="cannot change pod/trainer-0 in place: node n1"):
        run(kube)
    assert "PATCH" not in [m for m, _ in kube.api_client.sent]
