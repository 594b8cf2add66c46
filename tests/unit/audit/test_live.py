"""The live audit use case on a recorded API: the calls it makes and the report it builds."""

import pytest

from kubectl_shm.audit.live import audit_cluster
from kubectl_shm.feedback import Silent
from kubectl_shm.kube.errors import Forbidden
from kubectl_shm.model.nodes import NodeProfile
from tests.unit.fixtures import load
from tests.unit.recorded_api import Pages, listing, recorded_kube

Gi = 2**30


def node(name: str, version: str) -> dict:
    return {
        "metadata": {"name": name},
        "status": {
            "nodeInfo": {"kubeletVersion": version, "containerRuntimeVersion": "containerd://1.7"},
            "capacity": {"memory": "24Gi"},
            "allocatable": {"memory": "20Gi"},
        },
    }


def metrics(enabled: bool) -> tuple[int, str]:
    value = 1 if enabled else 0
    return 200, f'kubernetes_feature_enabled{{name="SizeMemoryBackedVolumes",stage=""}} {value}\n'


def trainer(kind: str, name: str, *, size_limit_owner: str | None = "kubectl-client-side-apply"):
    """The workload of the recorded pods as stored, with the managedFields entry that owns
    its /dev/shm sizeLimit (None: no entry owns it, as after a mutating admission)."""
    emptydir = {"f:medium": {}, **({"f:sizeLimit": {}} if size_limit_owner else {})}
    fields = {"f:spec": {"f:template": {"f:spec": {"f:volumes": {
        'k:{"name":"dshm"}': {"f:emptyDir": emptydir}}}}}}  # fmt: skip
    spec = {"volumes": [{"name": "dshm", "emptyDir": {"medium": "Memory", "sizeLimit": "256Mi"}}],
            "containers": [{"name": "trainer", "image": "localhost/busybox:1"}]}  # fmt: skip
    return {
        "apiVersion": "apps/v1",
        "kind": kind,
        "metadata": {
            "name": name,
            "namespace": "ml",
            "managedFields": [
                {
                    "manager": size_limit_owner or "kubectl-client-side-apply",
                    "operation": "Update",
                    "fieldsV1": fields,
                }
            ],
        },
        "spec": {"template": {"spec": spec}},
    }


DEPLOYMENTS = "/apis/apps/v1/namespaces/ml/deployments"


def answers(extra=None):
    return {
        ("GET", DEPLOYMENTS): listing([trainer("Deployment", "trainer")]),
        ("GET", "/version"): {"gitVersion": "v1.34.4"},
        ("GET", "/api/v1/namespaces/ml/pods"): listing(load("pods-two-nodes.yaml")),
        ("GET", "/apis/apps/v1/namespaces/ml/replicasets"): listing(load("replicasets.yaml")),
        ("GET", "/apis/batch/v1/namespaces/ml/jobs"): listing([]),
        ("GET", "/api/v1/nodes"): listing(
            [node("node-current", "v1.34.4"), node("node-legacy", "v1.31.4")]
        ),
        ("GET", "/api/v1/nodes/node-current/proxy/metrics"): metrics(True),
        ("GET", "/api/v1/nodes/node-legacy/proxy/metrics"): metrics(False),
        **(extra or {}),
    }


def audit_namespace(kube, feedback):
    """The live audit of the kubeconfig's namespace, as `kubectl shm audit --no-usage` runs it."""
    options = {"all_namespaces": False, "selector": None, "usage": False}
    return audit_cluster(kube, feedback, assumption=NodeProfile(), **options)


def test_audit_groups_pods_under_their_deployment_with_each_nodes_answer():
    kube = recorded_kube(answers())
    feedback = Silent()
    report = audit_namespace(kube, feedback)
    [workload] = report.workloads
    assert (workload.kind, workload.name) == ("Deployment", "trainer")
    sizes = sorted((c.expected_bytes, c.basis.value, c.nodes) for c in workload.containers)
    assert sizes == [
        (256 * 2**20, "sizeLimit", ("node-current",)),
        (12 * Gi, "half-node-memory", ("node-legacy",)),
    ]
    assert [f.rule.value for f in workload.findings] == ["shm-sizelimit-not-applied"]
    assert report.cluster.server_version == "v1.34.4"
    assert feedback.warnings == [] and report.warnings == ()
    sent = [url for _, url in kube.api_client.sent]
    assert "/api/v1/nodes/node-legacy/proxy/metrics" in sent
    assert not any("stats/summary" in url for url in sent)  # usage=False reads no stats


def test_a_size_limit_no_field_manager_owns_is_a_policy_finding():
    mutated = trainer("Deployment", "trainer", size_limit_owner=None)
    kube = recorded_kube(answers({("GET", DEPLOYMENTS): listing([mutated])}))
    report = audit_namespace(kube, Silent())
    [workload] = report.workloads
    found = [f for f in workload.findings if f.rule.value == "shm-size-from-policy"]
    assert [f.container for f in found] == ["trainer"]
    assert found[0].message.startswith(
        "sizeLimit 256Mi of memory emptyDir 'dshm' at /dev/shm was set by mutating admission"
    )


def bare_pod(name: str, *, size_limit_owned: bool) -> dict:
    """A pod of no controller with a 256Mi memory emptyDir at /dev/shm, and the
    managedFields entry of its author (owning the sizeLimit or not)."""
    emptydir = {"f:medium": {}, **({"f:sizeLimit": {}} if size_limit_owned else {})}
    fields = {"f:spec": {"f:volumes": {'k:{"name":"dshm"}': {"f:emptyDir": emptydir}}}}
    return {
        "metadata": {
            "name": name,
            "namespace": "ml",
            "uid": name,
            "managedFields": [{"manager": "kubectl", "operation": "Update", "fieldsV1": fields}],
        },
        "spec": {
            "volumes": [{"name": "dshm", "emptyDir": {"medium": "Memory", "sizeLimit": "256Mi"}}],
            "containers": [
                {
                    "name": "main",
                    "image": "localhost/busybox:1",
                    "volumeMounts": [{"name": "dshm", "mountPath": "/dev/shm"}],
                }
            ],
        },
    }


def test_bare_pods_are_answered_from_the_pod_list_without_a_read_each():
    pods = [bare_pod(f"chosen-{n}", size_limit_owned=True) for n in range(3)]
    pods.append(bare_pod("mutated", size_limit_owned=False))
    kube = recorded_kube(answers({("GET", "/api/v1/namespaces/ml/pods"): listing(pods)}))
    report = audit_namespace(kube, Silent())
    flagged = {
        w.name
        for w in report.workloads
        for f in w.findings
        if f.rule.value == "shm-size-from-policy"
    }
    assert flagged == {"mutated"}
    sent = [url for _, url in kube.api_client.sent]
    assert not any("/pods/" in url for url in sent)


def test_a_kind_that_cannot_be_listed_leaves_the_policy_question_open():
    forbidden = (403, {"kind": "Status", "code": 403, "reason": "Forbidden", "message": "no"})
    report = audit_namespace(recorded_kube(answers({("GET", DEPLOYMENTS): forbidden})), Silent())
    [warning] = report.warnings
    assert warning.startswith("cannot list deployments (forbidden): ")
    assert warning.endswith("whether a policy set their /dev/shm sizeLimit is unknown")


def test_only_metadata_is_read_and_only_for_sized_memory_volumes():
    kube = recorded_kube(answers())
    audit_namespace(kube, Silent())
    sent = [url for _, url in kube.api_client.sent]
    assert sum("/deployments" in url for url in sent) == 1


def test_a_forbidden_owner_list_degrades_to_a_warning():
    forbidden = (403, {"kind": "Status", "code": 403, "reason": "Forbidden", "message": "no"})
    kube = recorded_kube(answers({("GET", "/apis/apps/v1/namespaces/ml/replicasets"): forbidden}))
    feedback = Silent()
    report = audit_namespace(kube, feedback)
    assert [w.kind for w in report.workloads] == ["ReplicaSet"]
    assert report.warnings == (
        "cannot list ReplicaSets (forbidden): pods are grouped by their ReplicaSet instead",
        "cannot list replicasets (forbidden): whether a policy set their /dev/shm sizeLimit "
        "is unknown",
    )


def test_the_kubelets_pod_level_resources_state_is_used():
    # A v1.35 kubelet has no SizeMemoryBackedVolumes metric (the gate is gone) but reports
    # PodLevelResources; switched off, the pod-level limit does not cap /dev/shm.
    pod = {
        "metadata": {"name": "solo", "namespace": "ml", "uid": "u1"},
        "spec": {
            "nodeName": "node-new",
            "resources": {"limits": {"memory": "2Gi"}},
            "containers": [
                {"name": "main", "volumeMounts": [{"name": "dshm", "mountPath": "/dev/shm"}]}
            ],
            "volumes": [{"name": "dshm", "emptyDir": {"medium": "Memory", "sizeLimit": "8Gi"}}],
        },
        "status": {"phase": "Running"},
    }
    metric = 'kubernetes_feature_enabled{name="PodLevelResources",stage="BETA"} 0\n'
    kube = recorded_kube(
        answers(
            {
                ("GET", "/api/v1/namespaces/ml/pods"): listing([pod]),
                ("GET", "/api/v1/nodes"): listing([node("node-new", "v1.35.5")]),
                ("GET", "/api/v1/nodes/node-new/proxy/metrics"): (200, metric),
            }
        )
    )
    report = audit_namespace(kube, Silent())
    [workload] = report.workloads
    [container] = workload.containers
    assert (container.expected_bytes, container.basis.value) == (8 * Gi, "sizeLimit")
    [profile] = report.cluster.nodes
    assert profile.gates == (("PodLevelResources", False),)
    assert profile.gate_source.value == "metrics"


def stats(*pods: str) -> dict:
    """A kubelet's stats summary: 1Mi used in each pod's dshm volume."""
    return {
        "pods": [
            {
                "podRef": {"namespace": "ml", "name": pod},
                "volume": [{"name": "dshm", "usedBytes": 2**20, "capacityBytes": 256 * 2**20}],
            }
            for pod in pods
        ]
    }


def test_pods_over_several_pages_ask_each_kubelet_once_and_warn_once():
    """Each page is audited as it arrives: a node's kubelet is asked when the first pod
    that needs it comes, never again; refusals are told once, for all nodes."""
    refused = (403, {"kind": "Status", "code": 403, "reason": "Forbidden", "message": "no"})
    first, second = load("pods-two-nodes.yaml")
    third = bare_pod("solo", size_limit_owned=False)
    third["spec"]["nodeName"] = "node-current"
    kube = recorded_kube(
        answers(
            {
                ("GET", "/api/v1/namespaces/ml/pods"): Pages([[first], [third], [second]]),
                ("GET", "/api/v1/nodes/node-legacy/proxy/metrics"): refused,
                ("GET", "/api/v1/nodes/node-legacy/proxy/configz"): refused,
                ("GET", "/api/v1/nodes/node-current/proxy/stats/summary"): stats("solo"),
                ("GET", "/api/v1/nodes/node-legacy/proxy/stats/summary"): refused,
            }
        )
    )
    options = {"all_namespaces": False, "selector": None, "usage": True}
    report = audit_cluster(kube, Silent(), assumption=NodeProfile(), **options)
    paged = audit_cluster(
        recorded_kube(
            kube.api_client.answers
            | {("GET", "/api/v1/namespaces/ml/pods"): listing([first, third, second])}
        ),
        Silent(),
        assumption=NodeProfile(),
        **options,
    )
    assert report == paged
    sent = [url.split("?")[0] for _, url in kube.api_client.sent]
    assert sent.count("/api/v1/namespaces/ml/pods") == 3
    for node_name in ("node-current", "node-legacy"):
        assert sent.count(f"/api/v1/nodes/{node_name}/proxy/stats/summary") == 1
        assert sent.count(f"/api/v1/nodes/{node_name}/proxy/metrics") == 1
    assert report.warnings == (
        "cannot read kubelet feature gates of node-legacy (forbidden; needs nodes/proxy): "
        "assuming each kubelet version's default",
        "cannot read /dev/shm usage from the kubelet stats of node-legacy (forbidden) "
        "(needs nodes/proxy): usage and mounted sizes left unknown",
    )
    solo = next(w for w in report.workloads if w.name == "solo")
    assert solo.containers[0].used_bytes == 2**20
    assert "shm-size-from-policy" in {f.rule.value for f in solo.findings}


def test_a_refused_cluster_wide_pod_list_says_to_audit_a_namespace():
    refused = (403, {"kind": "Status", "code": 403, "reason": "Forbidden", "message": "no"})
    for all_namespaces, path in ((True, "/api/v1/pods"), (False, "/api/v1/namespaces/ml/pods")):
        kube = recorded_kube(answers({("GET", path): refused}))
        options = {"all_namespaces": all_namespaces, "selector": None, "usage": False}
        with pytest.raises(Forbidden) as error:
            audit_cluster(kube, Silent(), assumption=NodeProfile(), **options)
        hint = "; audit a namespace you may read with -n NS"
        assert str(error.value).endswith(hint) is all_namespaces
