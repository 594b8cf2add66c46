"""audit.memo: the size model once per distinct question, the same answers as without it."""

import datetime

from kubectl_shm.audit import memo as memo_module
from kubectl_shm.audit.memo import SizeModelMemo
from kubectl_shm.audit.pods import audit_pods
from kubectl_shm.model.nodes import NodeProfile
from kubectl_shm.model.ownership import OwnerIndex
from kubectl_shm.model.sizing import expected_shm

CURRENT = NodeProfile("node-a", "v1.34.4", allocatable_memory_bytes=20 * 2**30)
LEGACY = NodeProfile(
    "node-b", "v1.31.4", (("SizeMemoryBackedVolumes", False),), capacity_memory_bytes=2**34
)


def spec(size_limit="1Gi", memory="2Gi"):
    return {
        "volumes": [{"name": "dshm", "emptyDir": {"medium": "Memory", "sizeLimit": size_limit}}],
        "containers": [
            {
                "name": "main",
                "image": "pytorch/pytorch:2.4",
                "resources": {"limits": {"memory": memory}},
                "volumeMounts": [{"name": "dshm", "mountPath": "/dev/shm"}],
            }
        ],
    }


def counting(monkeypatch):
    calls = []

    def model(pod_spec, node, annotations=None):
        calls.append((node.name, annotations))
        return expected_shm(pod_spec, node, annotations)

    monkeypatch.setattr(memo_module, "expected_shm", model)
    return calls


def test_equal_questions_are_answered_once_with_the_models_answer(monkeypatch):
    calls = counting(monkeypatch)
    memo = SizeModelMemo()
    reordered = {"containers": spec()["containers"], "volumes": spec()["volumes"]}
    answers = [memo(spec(), CURRENT), memo(reordered, CURRENT), memo(spec(), CURRENT, {})]
    assert answers == [expected_shm(spec(), CURRENT)] * 3
    assert len(calls) == 1


def test_another_spec_node_or_annotation_is_another_question(monkeypatch):
    calls = counting(monkeypatch)
    memo = SizeModelMemo()
    crio = {"io.kubernetes.cri-o.ShmSize": "1Gi"}
    cases = [
        (spec(), CURRENT, None),
        (spec(size_limit="2Gi"), CURRENT, None),
        (spec(), LEGACY, None),
        (spec(), CURRENT, crio),
    ]
    for pod_spec, node, annotations in cases:
        assert memo(pod_spec, node, annotations) == expected_shm(pod_spec, node, annotations)
    assert len(calls) == len(memo) == 4


def test_a_spec_json_cannot_hold_is_answered_without_the_memo(monkeypatch):
    calls = counting(monkeypatch)
    memo = SizeModelMemo()
    odd = {**spec(), "os": {"name": datetime.date(2026, 1, 1)}}
    assert memo(odd, CURRENT) == memo(odd, CURRENT) == expected_shm(odd, CURRENT)
    assert len(calls) == 2 and len(memo) == 0


def bare_pod(name, pod_spec, node=None):
    metadata = {"name": name, "namespace": "ml", "uid": f"uid-{name}"}
    return {"metadata": metadata, "spec": {**pod_spec, **({"nodeName": node} if node else {})}}


def test_a_thousand_bare_pods_of_one_template_cost_one_model_run_per_node(monkeypatch):
    calls = counting(monkeypatch)
    pods = [bare_pod(f"p{i}", spec(), "node-a" if i % 2 else "node-b") for i in range(1000)]
    report = audit_pods(
        pods,
        owners=OwnerIndex({}),
        nodes={"node-a": CURRENT, "node-b": LEGACY},
        unknown_node=NodeProfile(),
        usage={},
        server_version="v1.37.2",
    )
    assert len(report.workloads) == 1000
    assert len(calls) == 2
    by_node = {w.containers[0].nodes: w.containers[0].basis.value for w in report.workloads}
    assert by_node == {("node-a",): "sizeLimit", ("node-b",): "half-node-memory"}


def test_pods_of_one_template_have_equal_slim_specs_whatever_their_token_volume():
    """The API server gives each pod its own kube-api-access-XXXXX volume: slimming keeps
    only what is mounted at /dev/shm, so the memo sees one question per template, and the
    model's answer is the one for the whole spec."""
    from kubectl_shm.kube.fetching import slim_pod

    def served(suffix, shm_path="/dev/shm"):
        """(the spec as served, the slimmed spec)."""
        token = f"kube-api-access-{suffix}"
        pod_spec = spec()
        pod_spec["volumes"] = [*pod_spec["volumes"], {"name": token, "projected": {}}]
        pod_spec["containers"][0]["volumeMounts"] = [
            {"name": "dshm", "mountPath": shm_path},
            {"name": token, "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount"},
        ]
        return pod_spec, slim_pod({"metadata": {"name": suffix}, "spec": pod_spec})["spec"]

    assert served("abcde")[1] == served("fghij")[1]
    for shm_path, kept in (("/dev/shm", ["dshm"]), ("dev/shm", ["dshm"]), ("/data", [])):
        full, slim = served("abcde", shm_path)
        assert [v["name"] for v in slim["volumes"]] == kept
        for node in (CURRENT, LEGACY):
            assert expected_shm(slim, node) == expected_shm(full, node)
