"""`set` against real admission: a MutatingAdmissionPolicy like Kyverno's
add-emptydir-sizelimit, one that caps sizeLimit, and a ValidatingAdmissionPolicy with a
maximum sizeLimit, each bound only to this test's namespace and deleted afterwards."""

from __future__ import annotations

import json

from tests.e2e.admission import (
    applied,
    labelled_namespace,
    maximum_size_limit_policy,
    mutating_size_limit_policy,
    wait_until,
)
from tests.e2e.manifests import deployment, pod_spec, statefulset


def _cap_policy(name: str, label: str, cap: str = "1Gi") -> list[dict]:
    """Every emptyDir sizeLimit above `cap` becomes `cap` (a mutating 'maxSizeLimit')."""
    [policy, binding] = mutating_size_limit_policy(name, label)
    volumes = "object.spec.template.spec.volumes"
    policy["spec"]["mutations"][0]["jsonPatch"]["expression"] = (
        f"has(object.spec.template.spec.volumes) ? {volumes}.filter(v, has(v.emptyDir) && "
        f"has(v.emptyDir.sizeLimit) && quantity(v.emptyDir.sizeLimit).isGreaterThan("
        f"quantity('{cap}'))).map(v, JSONPatch{{op: 'replace', path: "
        f"'/spec/template/spec/volumes/' + string({volumes}.indexOf(v)) + "
        f"'/emptyDir/sizeLimit', value: '{cap}'}}) : []"
    )
    return [policy, binding]


def _error_line(stderr: str) -> str:
    """The one error line (warnings about the size, e.g. no memory limit, come before it)."""
    [line] = [line for line in stderr.splitlines() if line.startswith("error: ")]
    return line


def _size_limit(kubectl, namespace: str, name: str) -> str | None:
    got = json.loads(kubectl("get", "deployment", name, "-n", namespace, "-o", "json").stdout)
    volumes = got["spec"]["template"]["spec"].get("volumes") or []
    return next((v["emptyDir"].get("sizeLimit") for v in volumes if "emptyDir" in v), None)


def test_set_reports_a_size_a_mutating_policy_lowers_and_patches_nothing(
    cluster, kubectl, shm, namespace, apply
):
    apply(deployment("web", pod_spec(image=cluster.image), replicas=0))
    with (
        labelled_namespace(kubectl, namespace) as label,
        applied(kubectl, _cap_policy(label, label)),
    ):

        def capped() -> bool:
            result = shm("set", "deploy/web", "4Gi", "-n", namespace, "--dry-run=server")
            return result.returncode == 3 and "1Gi" in result.stderr

        wait_until(capped, f"MutatingAdmissionPolicy {label}")
        for dry_run in ("--dry-run=server", "--dry-run=none"):
            result = shm("set", "deploy/web", "4Gi", "-n", namespace, dry_run)
            assert result.returncode == 3, result.stderr
            line = _error_line(result.stderr)
            assert f"MutatingAdmissionPolicy '{label}'" in line
            assert "planned memory emptyDir, sizeLimit 4Gi" in line
            assert "would store memory emptyDir, sizeLimit 1Gi" in line
            assert "patched" not in result.stdout
        assert _size_limit(kubectl, namespace, "web") is None  # nothing was patched
        allowed = shm("set", "deploy/web", "512Mi", "-n", namespace, "--no-wait")
        assert allowed.returncode == 0, allowed.stderr
        assert _size_limit(kubectl, namespace, "web") == "512Mi"
        forced = shm("set", "deploy/web", "4Gi", "-n", namespace, "--force", "--no-wait")
        assert forced.returncode == 0, forced.stderr
        assert "patching anyway (--force)" in forced.stderr
        assert "admission stored otherwise: " in forced.stdout
        assert forced.stdout.rstrip().endswith("would store memory emptyDir, sizeLimit 1Gi")
        assert _size_limit(kubectl, namespace, "web") == "1Gi"


def test_add_emptydir_sizelimit_does_not_change_a_size_set_asks_for(
    cluster, kubectl, shm, namespace, apply
):
    with (
        labelled_namespace(kubectl, namespace) as label,
        applied(kubectl, mutating_size_limit_policy(label, label)),
    ):
        spec = pod_spec(image=cluster.image, shm={"medium": "Memory"})

        def added() -> bool:
            kubectl("delete", "deployment", "probe", "-n", namespace, "--ignore-not-found")
            apply(deployment("probe", spec, replicas=0))
            return _size_limit(kubectl, namespace, "probe") == "100Mi"

        wait_until(added, f"MutatingAdmissionPolicy {label}")
        result = shm("set", "deploy/probe", "2Gi", "-n", namespace, "--no-wait")
        assert result.returncode == 0, result.stderr
        assert _size_limit(kubectl, namespace, "probe") == "2Gi"


def test_set_reports_a_refusal_in_one_line(cluster, kubectl, shm, namespace, apply):
    apply(deployment("web", pod_spec(image=cluster.image), replicas=0))
    with (
        labelled_namespace(kubectl, namespace) as label,
        applied(kubectl, maximum_size_limit_policy(label, label, "1Gi")),
    ):

        def refused() -> bool:
            return (
                shm("set", "deploy/web", "16Gi", "-n", namespace, "--dry-run=server").returncode
                == 3
            )

        wait_until(refused, f"ValidatingAdmissionPolicy {label}")
        result = shm("set", "deploy/web", "16Gi", "-n", namespace)
        assert result.returncode == 3
        line = _error_line(result.stderr)
        assert line.startswith(
            "error: deployment/web: admission refused /dev/shm 16Gi; nothing was patched: "
        )
        assert f"ValidatingAdmissionPolicy '{label}'" in line
        assert "emptyDir sizeLimit must be <= 1Gi" in line
        assert _size_limit(kubectl, namespace, "web") is None


def test_set_in_place_reports_the_template_size_admission_lowers(
    cluster, kubectl, shm, namespace, apply
):
    spec = pod_spec(image=cluster.image, shm={"medium": "Memory", "sizeLimit": "64Mi"})
    db = statefulset("db", spec, replicas=0)
    db["spec"]["updateStrategy"] = {"type": "OnDelete"}
    apply(db)
    with (
        labelled_namespace(kubectl, namespace) as label,
        applied(kubectl, _cap_policy(label, label)),
    ):

        def capped() -> bool:
            result = shm("set", "sts/db", "4Gi", "--in-place", "-n", namespace, "--dry-run=server")
            return result.returncode == 3 and "1Gi" in result.stderr

        wait_until(capped, f"MutatingAdmissionPolicy {label}")
        result = shm("set", "sts/db", "4Gi", "--in-place", "-n", namespace)
        assert result.returncode == 3, result.stderr
        line = _error_line(result.stderr)
        # Other engineers' mutating policies on this cluster may be listed beside ours.
        assert line.startswith("error: statefulset/db: mutating admission, one of: ")
        assert f"MutatingAdmissionPolicy '{label}'" in line
        assert line.endswith(
            "changed /dev/shm 4Gi: volume 'dshm': the API server would store sizeLimit 1Gi; "
            "nothing was patched"
        )
        got = json.loads(kubectl("get", "sts", "db", "-n", namespace, "-o", "json").stdout)
        assert got["spec"]["template"]["spec"]["volumes"][0]["emptyDir"]["sizeLimit"] == "64Mi"
