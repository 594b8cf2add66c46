"""Fingerprints that survive a change of message, and --baseline keeping only new findings."""

from __future__ import annotations

import json

import pytest

from kubectl_shm.audit.baseline import Baseline, new_findings, parse_baseline
from kubectl_shm.audit.fingerprints import SARIF_FINGERPRINT_KEY, fingerprint
from kubectl_shm.audit.offline import audit_documents
from kubectl_shm.audit.report import AuditReport
from kubectl_shm.audit.rules import Finding, Rule
from kubectl_shm.errors import InputError
from kubectl_shm.model.nodes import NodeProfile
from kubectl_shm.render.documents import audit_document
from kubectl_shm.render.sarif import SarifSection, sarif_log


def deployment(name="trainer", namespace="ml", containers=("main",), memory=None):
    spec = {
        "containers": [
            {"name": c, "image": "pytorch/pytorch:2.4", "resources": {"limits": {}}}
            for c in containers
        ]
    }
    if memory:
        spec["volumes"] = [{"name": "dshm", "emptyDir": {"medium": "Memory"}}]
        for container in spec["containers"]:
            container["volumeMounts"] = [{"name": "dshm", "mountPath": "/dev/shm"}]
            container["resources"]["limits"]["memory"] = memory
    return {
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {"template": {"spec": spec}},
    }


def audit(*objects) -> AuditReport:
    return audit_documents([("f.yaml", obj) for obj in objects], NodeProfile())


def prints(report):
    return [fingerprint(w, f) for w in report.workloads for f in w.findings]


def test_fingerprint_ignores_the_message_but_not_rule_workload_or_container():
    [workload] = audit(deployment(memory="1Gi")).workloads
    finding = workload.findings[0]
    reworded = finding._replace(message="another text, other sizes")
    assert fingerprint(workload, reworded) == fingerprint(workload, finding)
    assert len(fingerprint(workload, finding)) == 32
    others = {
        fingerprint(workload._replace(name="other"), finding),
        fingerprint(workload._replace(namespace="other"), finding),
        fingerprint(workload._replace(kind="StatefulSet"), finding),
        fingerprint(workload._replace(template_path="spec.x"), finding),
        fingerprint(workload, finding._replace(container="sidecar")),
        fingerprint(workload, finding._replace(container=None)),
        fingerprint(workload, Finding(Rule.NEAR_FULL, finding.container, finding.message)),
    }
    assert fingerprint(workload, finding) not in others
    assert len(others) == 7


def test_the_same_finding_keeps_its_fingerprint_when_its_sizes_change():
    before = audit(deployment(memory="1Gi"))
    after = audit(deployment(memory="3Gi"))  # the message names the new size
    assert [f.message for w in before.workloads for f in w.findings] != [
        f.message for w in after.workloads for f in w.findings
    ]
    assert prints(before) == prints(after)


@pytest.mark.parametrize("form", ["json", "list", "sarif"])
def test_a_previous_output_in_every_form_is_a_baseline(form):
    old = audit(deployment())
    if form == "json":
        text = json.dumps(audit_document(old))
    elif form == "list":
        item = {"kind": "ShmAudit", "context": None, "error": None, **audit_document(old)}
        text = json.dumps({"kind": "ShmAuditList", "items": [item]})
    else:
        text = json.dumps(sarif_log([SarifSection(None, old)]))
    baseline = parse_baseline(text, "old")
    new = audit(deployment(), deployment(name="server", containers=("main", "side")))
    filtered = new_findings(new, baseline, None)
    assert filtered.known == 1
    assert [(w.name, f.container) for w in filtered.report.workloads for f in w.findings] == [
        ("server", "main"),
        ("server", "side"),
    ]
    assert len(filtered.report.workloads) == 2  # workloads stay; only findings go


def test_a_fleet_baseline_holds_for_its_own_context_only():
    old = audit(deployment())
    items = [
        {"kind": "ShmAudit", "context": "train", "error": None, **audit_document(old)},
        {"kind": "ShmAudit", "context": "serve", "error": "unreachable", "workloads": []},
    ]
    baseline = parse_baseline(json.dumps({"kind": "ShmAuditList", "items": items}), "b")
    assert new_findings(old, baseline, "train").known == 1
    assert new_findings(old, baseline, "serve").known == 0
    sarif = sarif_log([SarifSection("train", old)])
    from_sarif = parse_baseline(json.dumps(sarif), "b.sarif")
    assert new_findings(old, from_sarif, "train").known == 1
    assert new_findings(old, from_sarif, "serve").known == 0


def test_a_single_cluster_baseline_holds_everywhere():
    old = audit(deployment())
    baseline = parse_baseline(json.dumps(audit_document(old)), "b")
    assert new_findings(old, baseline, "any").known == 1


def test_sarif_carries_the_json_fingerprint():
    old = audit(deployment())
    document = audit_document(old)
    sarif = sarif_log([SarifSection(None, old)])
    [result] = sarif["runs"][0]["results"]
    [finding] = document["workloads"][0]["findings"]
    assert result["partialFingerprints"][SARIF_FINGERPRINT_KEY] == finding["fingerprint"]


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("not json", "--baseline b: not JSON"),
        ("[1, 2]", "not an audit's -o json or -o sarif output"),
        ('{"kind": "Deployment"}', "kind ShmAudit or ShmAuditList"),
        ('{"kind": "ShmAuditList"}', "unexpected shape"),
    ],
)
def test_what_is_no_baseline_is_one_line(text, fragment):
    with pytest.raises(InputError, match=fragment):
        parse_baseline(text, "b")


def test_an_empty_baseline_knows_nothing():
    report = audit(deployment())
    assert new_findings(report, Baseline(frozenset()), None).known == 0
