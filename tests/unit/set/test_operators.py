"""Objects an operator owns: refused with the owner, its knob, and the owner's own command."""

from __future__ import annotations

import pytest

from kubectl_shm.set.operators import check_operator_owned, operator_owner
from kubectl_shm.set.volumes import ShmRefused
from tests.unit.recorded_api import recorded_kube

NIM = {
    "apiVersion": "apps.nvidia.com/v1alpha1",
    "kind": "NIMService",
    "name": "llm",
    "controller": True,
}
LWS = {
    "apiVersion": "leaderworkerset.x-k8s.io/v1",
    "kind": "LeaderWorkerSet",
    "name": "serve",
    "controller": True,
}


def owned(owner: dict, kind: str = "Deployment") -> dict:
    return {"kind": kind, "metadata": {"name": owner["name"], "ownerReferences": [owner]}}


def discovery(*resources: tuple[str, str, str, str]) -> dict:
    """An aggregated discovery document: (group, version, kind, plural) each."""
    return {
        "kind": "APIGroupDiscoveryList",
        "items": [
            {
                "metadata": {"name": group},
                "versions": [
                    {
                        "version": version,
                        "resources": [
                            {
                                "resource": plural,
                                "responseKind": {"kind": kind},
                                "scope": "Namespaced",
                                "singularResource": kind.lower(),
                                "verbs": ["get", "list", "patch"],
                            }
                        ],
                    }
                ],
            }
            for group, version, kind, plural in resources
        ],
    }


ANSWERS = {
    ("GET", "/api"): {"kind": "APIGroupDiscoveryList", "items": []},
    ("GET", "/apis"): discovery(
        ("apps.nvidia.com", "v1alpha1", "NIMService", "nimservices"),
        ("leaderworkerset.x-k8s.io", "v1", "LeaderWorkerSet", "leaderworkersets"),
    ),
    ("GET", "/apis/leaderworkerset.x-k8s.io/v1/namespaces/ml/leaderworkersets/serve"): {
        "kind": "LeaderWorkerSet",
        "metadata": {"name": "serve"},
        "spec": {
            "leaderWorkerTemplate": {"workerTemplate": {"spec": {"containers": [{"name": "w"}]}}}
        },
    },
    ("GET", "/apis/apps.nvidia.com/v1alpha1/namespaces/ml/nimservices/llm"): (
        403,
        {"kind": "Status", "code": 403, "reason": "Forbidden", "message": "forbidden"},
    ),
}


def test_refusal_names_the_owner_and_the_documented_knob():
    kube = recorded_kube(ANSWERS)
    with pytest.raises(ShmRefused) as refused:
        check_operator_owned(kube, [("deployment/llm", "ml", owned(NIM))], "16Gi", force=False)
    message = str(refused.value)
    assert message.startswith("deployment/llm is controlled by NIMService 'llm' (apps.nvidia.com)")
    assert "change spec.storage.sharedMemorySizeLimit of the NIMService" in message
    assert "kubectl shm set" not in message  # the owner could not be read (403)
    assert message.endswith("(--force patches it anyway)")


def test_an_owner_with_pod_templates_gets_its_own_command_and_force_warns():
    kube = recorded_kube(ANSWERS)
    warnings = check_operator_owned(
        kube, [("statefulset/serve", "ml", owned(LWS, "StatefulSet"))], "2Gi", force=True
    )
    [warning] = warnings
    assert "`kubectl shm set leaderworkerset/serve 2Gi -n ml`" in warning
    assert warning.endswith("(patched: --force)")


def test_built_in_owners_are_not_operators():
    replica_set = {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "name": "web-1",
        "controller": True,
    }
    assert operator_owner(owned(replica_set, "Pod")) is None
    assert operator_owner({"metadata": {}}) is None
    assert operator_owner(owned(NIM)) == NIM


def test_a_known_chart_gets_its_values_knob_as_a_warning():
    deployment = {
        "kind": "Deployment",
        "metadata": {
            "name": "vllm-llama",
            "labels": {"helm-release-name": "vllm", "model": "llama"},
        },
    }
    [warning] = check_operator_owned(
        recorded_kube({}), [("deployment/vllm-llama", "ml", deployment)], "20Gi", force=False
    )
    assert "vllm-production-stack chart" in warning and "shmSize" in warning
