"""audit -f as a use case: documents in, report and warnings out; nothing skipped silently."""

import copy

import pytest
from hypothesis import HealthCheck, given, settings

from kubectl_shm.audit.offline import audit_documents, nothing_audited
from kubectl_shm.audit.rules import Rule
from kubectl_shm.model.nodes import NodeProfile
from kubectl_shm.model.templates import NOT_WORKLOADS
from tests.unit.malformed import GPU, deployment, gpu_container_intact, malformed_workloads

NODE = NodeProfile()


def audit(*objects, namespace=None):
    return audit_documents([("f.yaml", obj) for obj in objects], NODE, default_namespace=namespace)


def test_a_stray_entry_in_containers_does_not_hide_the_gpu_container():
    obj = deployment()
    obj["spec"]["template"]["spec"]["containers"].append("oops")
    report = audit(obj)
    [workload] = report.workloads
    assert (Rule.DEFAULT_SHM_AI_WORKLOAD, "gpu") in {
        (f.rule, f.container) for f in workload.findings
    }
    assert report.warnings == (
        "f.yaml, document 1 (deployment/trainer): spec.template.spec.containers[2] is a string, "
        "not a container (a mapping); not audited",
    )


@pytest.mark.parametrize(
    ("document", "warning"),
    [
        ({"metadata": {"name": "x"}}, "f.yaml, document 2: kind is missing"),
        ({"kind": "Deployment", "spec": None}, "document 2: spec is missing: no pod template"),
        ({"kind": "DeploymentList", "items": [5]}, "document 2: items[0] is an integer, not a"),
        ({"kind": "List"}, "document 2: items is missing"),
        (
            {
                "kind": "Pod",
                "metadata": {"name": "p"},
                "spec": {"containers": [{"name": "a"}], "volumes": 5},
            },
            "document 2 (pod/p): spec.volumes is an integer, not a list; not audited",
        ),
    ],
)
def test_documents_that_cannot_be_read_are_named_and_the_rest_audited(document, warning):
    report = audit(deployment(), document)
    assert report.workloads[0].name == "trainer"
    assert any(w.startswith(warning) or warning in w for w in report.warnings), report.warnings


def test_two_containers_of_one_name_are_audited_each_with_its_own_spec():
    obj = deployment()
    spec = obj["spec"]["template"]["spec"]
    spec["containers"] = [dict(GPU), {**GPU, "image": "nginx", "resources": {}}]
    report = audit(obj)
    assert any(f.rule is Rule.DEFAULT_SHM_AI_WORKLOAD for f in report.workloads[0].findings)
    assert "'gpu' is used by another container" in report.warnings[0]


def test_namespace_flag_is_the_namespace_of_documents_without_one():
    bare = deployment()
    del bare["metadata"]["namespace"]
    report = audit(bare, deployment(), namespace="team")
    assert [w.namespace for w in report.workloads] == ["team", "ml"]


def test_nothing_audited_says_what_was_read():
    assert str(nothing_audited(["d/"], 0)).startswith("nothing to audit: no manifests in d/")
    assert str(nothing_audited(["-"], 2)) == (
        "nothing to audit: 2 documents in standard input, none with a pod template"
    )


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(malformed_workloads())
def test_malformed_workloads_give_findings_or_warnings_never_an_exception(obj):
    original = copy.deepcopy(obj)
    report = audit(obj)
    assert obj == original, "the audit must not change its input"
    kind = obj.get("kind")
    not_a_workload = isinstance(kind, str) and kind in NOT_WORKLOADS
    # A custom resource may have no pod template; a Deployment or a list of them must.
    if not report.workloads and kind in ("Deployment", "DeploymentList"):
        assert report.warnings, obj
    if gpu_container_intact(obj) and not not_a_workload:
        gpu_findings = [f for w in report.workloads for f in w.findings if f.container == "gpu"]
        assert gpu_findings or report.warnings, obj
