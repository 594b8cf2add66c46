"""audit.memo: the size model once per distinct question, the same answers as without it."""

from kubectl_shm.audit import memo as memo_module
from kubectl_shm.audit.memo import SizeModelMemo
from kubectl_shm.audit.pods import audit_pods
from kubectl_shm.audit.rules import evaluate
from kubectl_shm.model.nodes import NodeProfile
from kubectl_shm.model.ownership import OwnerIndex, WorkloadRef
from kubectl_shm.model.sizing import expected_shm, with_mounted

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


def bare_pod(name, pod_spec, node=None):
    metadata = {"name": name, "namespace": "ml", "uid": f"uid-{name}"}
    return {"metadata": metadata, "spec": {**pod_spec, **({"nodeName": node} if node else {})}}


def bare_pods_audit(pods):
    return audit_pods(
        pods,
        owners=OwnerIndex({}),
        nodes={"node-a": CURRENT, "node-b": LEGACY},
        unknown_node=NodeProfile(),
        usage={},
        server_version="v1.37.2",
    )


def test_a_thousand_bare_pods_of_one_template_cost_one_model_run_per_node(monkeypatch):
    calls = counting(monkeypatch)
    pods = [bare_pod(f"p{i}", spec(), "node-a" if i % 2 else "node-b") for i in range(1000)]
    report = bare_pods_audit(pods)
    assert len(report.workloads) == 1000
    assert len(calls) == 2
    by_node = {w.containers[0].nodes: w.containers[0].basis.value for w in report.workloads}
    assert by_node == {("node-a",): "sizeLimit", ("node-b",): "half-node-memory"}


def test_pods_of_one_template_have_equal_slim_specs_whatever_their_token_volume():
    """The API server gives each pod its own kube-api-access-XXXXX volume: slimming keeps
    only what is mounted at /dev/shm, so the memo sees one question per template, and the
    model's answer is the one for the whole spec."""
    from kubectl_shm.kube.slim_pods import slim_pod

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


def counting_rules(monkeypatch):
    calls = []

    def rules(workload, pod_spec, shm, used_bytes=None):
        calls.append(workload.name)
        return evaluate(workload, pod_spec, shm, used_bytes)

    monkeypatch.setattr(memo_module, "evaluate", rules)
    return calls


def test_rules_that_found_nothing_are_not_run_again_for_the_same_answer(monkeypatch):
    calls = counting_rules(monkeypatch)
    clean = [bare_pod(f"clean-{i}", spec(), "node-a") for i in range(500)]
    report = bare_pods_audit(clean)
    assert len(report.workloads) == 500
    assert not any(w.findings for w in report.workloads)
    assert calls == ["clean-0"]


def test_findings_are_each_workloads_own_and_the_same_as_without_the_memo(monkeypatch):
    """Pods whose rules fire are evaluated one by one (each fix names its workload), and
    a clean answer on one node says nothing about another node or about usage."""
    calls = counting_rules(monkeypatch)
    pods = [bare_pod(f"p{i}", spec(), "node-a" if i % 2 else "node-b") for i in range(6)]
    pods += [bare_pod(f"unbounded-{i}", spec(size_limit=None), "node-a") for i in range(3)]
    memo = SizeModelMemo()
    for pod in pods:
        ref = WorkloadRef("Pod", "ml", pod["metadata"]["name"])
        shm = memo(pod["spec"], CURRENT if pod["spec"]["nodeName"] == "node-a" else LEGACY)
        assert memo.evaluate(ref, pod["spec"], shm) == evaluate(ref, pod["spec"], shm)
        used = {"main": 2**30}
        assert memo.evaluate(ref, pod["spec"], shm, used) == evaluate(ref, pod["spec"], shm, used)
    fixes = [f.message for f in memo.evaluate(WorkloadRef("Pod", "ml", "x"), *_unbounded(memo))]
    assert fixes and all("unbounded" not in m for m in fixes)
    # node-a clean once, node-b's legacy kubelet always fires, unbounded always fires;
    # with usage the rules always run.
    assert calls.count("p1") == 2 and calls.count("p3") == 1
    assert all(calls.count(f"unbounded-{i}") == 2 for i in range(3))


def _unbounded(memo):
    pod_spec = spec(size_limit=None)
    return pod_spec, memo(pod_spec, CURRENT)


def test_an_answer_changed_by_the_mounted_size_is_never_taken_for_a_clean_one(monkeypatch):
    calls = counting_rules(monkeypatch)
    memo = SizeModelMemo()
    ref = WorkloadRef("Pod", "ml", "p")
    shm = memo(spec(), CURRENT)
    assert memo.evaluate(ref, spec(), shm) == []
    mounted = with_mounted(shm, {"main": 2**29})
    assert memo.evaluate(ref, spec(), mounted) == evaluate(ref, spec(), mounted)
    assert len(calls) == 2
