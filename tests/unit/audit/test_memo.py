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
