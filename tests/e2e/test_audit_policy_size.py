"""Live `audit` sees a /dev/shm sizeLimit that a real MutatingAdmissionPolicy set (Kyverno's
add-emptydir-sizelimit: 100Mi on every emptyDir without one), bound to this test's
namespace only and deleted afterwards."""

from __future__ import annotations

import json

from tests.e2e.admission import (
    applied,
    labelled_namespace,
    mutating_size_limit_policy,
    wait_until,
)
from tests.e2e.manifests import deployment, pod_spec


def _deployment(kubectl, namespace: str, name: str) -> dict:
    return json.loads(
        kubectl("get", "deployment", name, "-n", namespace, "-o", "json",
                "--show-managed-fields").stdout
    )  # fmt: skip


def test_audit_reports_the_size_a_mutating_policy_gave_dev_shm(
    cluster, kubectl, shm, namespace, apply
):
    with (
        labelled_namespace(kubectl, namespace) as label,
        applied(kubectl, mutating_size_limit_policy(label, label)),
    ):

        def mutated() -> bool:
            kubectl("delete", "deployment", "auto", "-n", namespace, "--ignore-not-found")
            apply(deployment("auto", pod_spec(image=cluster.image, shm={"medium": "Memory"})))
            volumes = _deployment(kubectl, namespace, "auto")["spec"]["template"]["spec"]["volumes"]
            return volumes[0]["emptyDir"].get("sizeLimit") == "100Mi"

        wait_until(mutated, f"MutatingAdmissionPolicy {label}")
        explicit = pod_spec(image=cluster.image, shm={"medium": "Memory", "sizeLimit": "256Mi"})
        apply(deployment("explicit", explicit))
        # What the API server records for the mutation: no managedFields entry owns it.
        stored = _deployment(kubectl, namespace, "auto")
        owners = [
            entry["manager"]
            for entry in stored["metadata"]["managedFields"]
            if "f:sizeLimit" in json.dumps(entry.get("fieldsV1"))
        ]
        assert owners == [], owners

        def pods_listed() -> bool:
            got = kubectl("get", "pods", "-n", namespace, "-o", "json")
            return len(json.loads(got.stdout)["items"]) >= 2

        wait_until(pods_listed, "pods of both deployments", timeout=60)
        result = shm("audit", "-n", namespace, "-o", "json")
        assert result.returncode in (0, 1), result.stderr
        findings = {
            w["name"]: [f for f in w["findings"] if f["rule"] == "shm-size-from-policy"]
            for w in json.loads(result.stdout)["workloads"]
        }
        [finding] = findings["auto"]
        assert finding["severity"] == "warning"
        assert finding["message"].startswith(
            "sizeLimit 100Mi of memory emptyDir 'dshm' at /dev/shm was set by mutating "
            "admission (a MutatingAdmissionPolicy or webhook): no field manager owns it"
        )
        assert (
            f"kubectl shm set deployment/auto <size> -n {namespace} -c main" in finding["message"]
        )
        assert findings["explicit"] == []
        # Once set gives the size explicitly, kubectl-shm owns it: the finding is gone.
        fixed = shm("set", "deploy/auto", "1Gi", "-n", namespace, "--no-wait")
        assert fixed.returncode == 0, fixed.stderr
        after = json.loads(shm("audit", "-n", namespace, "-o", "json").stdout)
        rules = {
            f["rule"] for w in after["workloads"] if w["name"] == "auto" for f in w["findings"]
        }
        assert "shm-size-from-policy" not in rules
