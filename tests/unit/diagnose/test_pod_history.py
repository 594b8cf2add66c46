"""Pods are slimmed to what diagnose reads; events to a pod, a reason and a time."""

from kubectl_shm.kube.pod_history import slim_pod_with_history


def test_states_keep_what_records_a_crash_and_drop_the_rest():
    pod = {
        "metadata": {"name": "p", "namespace": "ml", "managedFields": [{"x": 1}]},
        "spec": {"containers": [{"name": "main", "image": "i", "livenessProbe": {}}]},
        "status": {
            "phase": "Failed",
            "reason": "Evicted",
            "message": "Usage of EmptyDir volume",
            "conditions": [
                {"type": "Ready", "status": "False"},
                {"type": "DisruptionTarget", "lastTransitionTime": "t"},
            ],
            "containerStatuses": [
                {
                    "name": "main",
                    "restartCount": 2,
                    "imageID": "sha256:x",
                    "state": {"running": {"startedAt": "t"}},
                    "lastState": {
                        "terminated": {"exitCode": 135, "finishedAt": "t", "containerID": "c"}
                    },
                }
            ],
        },
    }
    slim = slim_pod_with_history(pod)
    assert "managedFields" not in slim["metadata"]
    assert slim["spec"]["containers"] == [{"name": "main", "image": "i"}]
    assert slim["status"]["conditions"] == [{"type": "DisruptionTarget", "lastTransitionTime": "t"}]
    assert slim["status"]["containerStatuses"] == [
        {
            "name": "main",
            "restartCount": 2,
            "state": {"running": {}},
            "lastState": {"terminated": {"exitCode": 135, "finishedAt": "t"}},
        }
    ]
    assert slim["status"]["initContainerStatuses"] == []
