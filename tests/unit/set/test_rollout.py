import pytest

from kubectl_shm.set.rollout import label_selector, pod_problems, rollout_effect, rollout_status
from tests.unit.fixtures import load

ROLLOUTS = load("rollouts.yaml")


@pytest.mark.parametrize("case", ROLLOUTS, ids=[c["case"] for c in ROLLOUTS])
def test_rollout_status(case):
    status = rollout_status(case["object"])
    for field, value in case["expect"].items():
        assert getattr(status, field) == value, field


def test_pod_problems_say_why_each_pod_is_not_ready():
    assert pod_problems(load("stuck-pods.yaml")) == [
        "web-new-1: container web: CrashLoopBackOff: back-off 40s restarting failed container=web",
        "web-new-2: Unschedulable: 0/2 nodes are available: 2 Insufficient memory.",
        "web-new-3: container web: ErrImagePull: pull access denied for nope",
        'web-evicted: Evicted: Usage of EmptyDir volume "dshm" exceeds the limit "256Mi".',
        "web-init: container fetch: Error: no such file",
    ]


def test_last_exit_explains_a_back_off_without_message():
    pod = {
        "metadata": {"name": "p"},
        "status": {
            "containerStatuses": [
                {
                    "name": "c",
                    "state": {"waiting": {"reason": "CrashLoopBackOff"}},
                    "lastState": {"terminated": {"reason": "OOMKilled", "exitCode": 137}},
                }
            ]
        },
    }
    assert pod_problems([pod]) == [
        "p: container c: CrashLoopBackOff: last exit OOMKilled (code 137)"
    ]


def test_label_selector():
    selector = {
        "matchLabels": {"app": "web", "tier": "front"},
        "matchExpressions": [
            {"key": "env", "operator": "In", "values": ["prod", "stage"]},
            {"key": "canary", "operator": "DoesNotExist"},
            {"key": "team", "operator": "Exists"},
            {"key": "zone", "operator": "NotIn", "values": ["b"]},
        ],
    }
    assert label_selector(selector) == (
        "app=web,tier=front,env in (prod,stage),!canary,team,zone notin (b)"
    )


@pytest.mark.parametrize(
    ("obj", "restarts", "fragment"),
    [
        ({"kind": "Deployment", "spec": {}}, True, "pods will be replaced"),
        ({"kind": "Deployment", "spec": {"paused": True}}, False, "kubectl rollout resume"),
        (
            {"kind": "DaemonSet", "spec": {"updateStrategy": {"type": "OnDelete"}}},
            False,
            "OnDelete",
        ),
        (
            {
                "kind": "StatefulSet",
                "spec": {"updateStrategy": {"rollingUpdate": {"partition": 2}}},
            },
            True,
            "ordinal 2 and up",
        ),
        ({"kind": "CronJob", "spec": {}}, False, "Jobs it starts from now on"),
        ({"kind": "ReplicaSet", "spec": {}}, False, "only pods created from now on"),
    ],
)
def test_rollout_effect(obj, restarts, fragment):
    does, message = rollout_effect(obj)
    assert does is restarts
    assert fragment in message
