"""`set` asks admission first: a server dry run whose answer (recorded objects here; the
real policies in tests/e2e/test_set_admission.py) is compared with the plan on /dev/shm."""

from __future__ import annotations

import pytest

from tests.cli.fake_api import status_body
from tests.cli.test_set import DEPLOY, api, assert_one_line_error, deployment
from tests.unit.set import smp

__all__ = ["api"]  # the fixture, shared with test_set
MAP_LIST = "/apis/admissionregistration.k8s.io/v1/mutatingadmissionpolicies"
WEBHOOK_LIST = "/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations"


def mutated(current, size="1Gi", annotations=None):
    """The PATCH answer of an API server whose mutating admission caps sizeLimit at `size`."""

    def answer(request):
        result = smp.apply(current, request.body)
        for volume in result["spec"]["template"]["spec"].get("volumes", []):
            if "emptyDir" in volume:
                volume["emptyDir"]["sizeLimit"] = size
        if annotations:
            result["metadata"].setdefault("annotations", {}).update(annotations)
        return 200, result

    return answer


def _real_patches(api):
    return [r for r in api.sent("PATCH") if "dryRun" not in r.query]


def test_a_size_admission_lowers_stops_before_patching_and_names_the_policy(shm, api):
    current = deployment()
    api.on("GET", DEPLOY, (200, current))
    api.on("PATCH", DEPLOY, mutated(current))
    rule = {"apiGroups": ["apps"], "resources": ["deployments"], "operations": ["UPDATE"]}
    other = {"apiGroups": [""], "resources": ["pods"], "operations": ["CREATE"]}
    api.on("GET", MAP_LIST, (200, {"items": [
        {"metadata": {"name": "cap-emptydir"},
         "spec": {"matchConstraints": {"resourceRules": [rule]}}},
        {"metadata": {"name": "pods-only"},
         "spec": {"matchConstraints": {"resourceRules": [other]}}},
    ]}))  # fmt: skip
    api.on("GET", WEBHOOK_LIST, (200, {"items": []}))
    result = shm("set", "deploy/web", "16Gi")
    line = assert_one_line_error(
        result,
        3,
        "deployment/web: mutating admission, one of: MutatingAdmissionPolicy 'cap-emptydir' "
        "changed /dev/shm 16Gi",
        "volume 'dshm': planned memory emptyDir, sizeLimit 16Gi, the API server would store "
        "memory emptyDir, sizeLimit 1Gi",
        "nothing was patched",
    )
    assert "pods-only" not in line
    assert "rollout" not in result.stderr  # nothing is announced that will not happen
    assert _real_patches(api) == []
    assert "patched" not in result.stdout


def test_unknown_mutator_is_said_to_be_unknown(shm, api):
    current = deployment()
    api.on("GET", DEPLOY, (200, current))
    api.on("PATCH", DEPLOY, mutated(current, "100Mi"))
    forbidden = status_body(403, "Forbidden", "cannot list mutatingadmissionpolicies")
    api.on("GET", MAP_LIST, (403, forbidden))
    result = shm("set", "deploy/web", "2Gi", "--dry-run=server")
    assert_one_line_error(result, 3, "unknown which", "sizeLimit 100Mi")


def test_kyverno_annotation_names_kyverno(shm, api):
    current = deployment()
    api.on("GET", DEPLOY, (200, current))
    # The annotation as Kyverno writes it (kyverno/kyverno annotationFromEngineResponses).
    patches = (
        "add-emptydir-sizelimit.add-emptydir-sizelimit.kyverno.io: "
        "added /spec/template/spec/volumes/0/emptyDir/sizeLimit\n"
    )
    kyverno = {"policies.kyverno.io/last-applied-patches": patches}
    api.on("PATCH", DEPLOY, mutated(current, "100Mi", kyverno))
    result = shm("set", "deploy/web", "2Gi")
    assert_one_line_error(
        result, 3, "deployment/web: Kyverno policy 'add-emptydir-sizelimit' (rule "
    )


def forced_past_a_mutation(shm, api):
    """`set --force` where admission stores 1Gi for the 16Gi asked."""
    current = deployment()
    api.on("GET", DEPLOY, (200, current))
    api.on("PATCH", DEPLOY, mutated(current))
    api.on("GET", MAP_LIST, (200, {"items": []}))
    api.on("GET", WEBHOOK_LIST, (200, {"items": []}))
    return shm("set", "deploy/web", "16Gi", "--force")


def test_force_patches_anyway_with_a_warning(shm, api):
    result = forced_past_a_mutation(shm, api)
    assert result.status == 0, result.stderr
    assert "patching anyway (--force)" in result.stderr
    assert len(_real_patches(api)) == 1


def test_a_refusal_by_a_validating_policy_is_one_line(shm, api):
    api.on("GET", DEPLOY, (200, deployment()))
    message = (
        "ValidatingAdmissionPolicy 'max-emptydir' with binding 'max-emptydir' denied request: "
        "emptyDir sizeLimit must be <= 1Gi"
    )
    api.on("PATCH", DEPLOY, (422, status_body(422, "Invalid", message)))
    result = shm("set", "deploy/web", "16Gi")
    line = assert_one_line_error(
        result, 3, "deployment/web: admission refused /dev/shm 16Gi; nothing was patched: "
    )
    assert line.endswith(message)
    assert _real_patches(api) == []


@pytest.mark.parametrize("size", ["2Gi", "2048Mi"])
def test_the_same_size_spelled_otherwise_is_no_change(shm, api, size):
    current = deployment()
    api.on("GET", DEPLOY, (200, current))
    api.on("PATCH", DEPLOY, mutated(current, "2Gi" if size == "2048Mi" else "2048Mi"))
    result = shm("set", "deploy/web", size)
    assert result.status == 0, result.stderr
    assert len(_real_patches(api)) == 1


def test_a_size_admission_changes_only_in_the_real_patch_is_no_success(shm, api):
    current = deployment()

    def answer(request):  # the dry run as planned; the real patch capped (a policy since)
        if "dryRun" in request.query:
            return 200, smp.apply(current, request.body)
        return mutated(current)(request)

    api.on("GET", DEPLOY, (200, current))
    api.on("PATCH", DEPLOY, answer)
    result = shm("set", "deploy/web", "16Gi")
    assert_one_line_error(
        result, 3, "deployment/web was patched, but admission changed what is stored: ",
        "would store memory emptyDir, sizeLimit 1Gi",
    )  # fmt: skip
    assert "patched: /dev/shm 16Gi" not in result.stdout


def test_force_says_what_admission_stored_on_the_result_line(shm, api):
    result = forced_past_a_mutation(shm, api)
    assert result.status == 0, result.stderr
    assert result.stdout == (
        "deployment/web patched: /dev/shm 16Gi for container 'web'; admission stored "
        "otherwise: spec.template.spec: volume 'dshm': planned memory emptyDir, sizeLimit "
        "16Gi, the API server would store memory emptyDir, sizeLimit 1Gi\n"
    )
