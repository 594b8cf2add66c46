"""Admission policies for e2e tests, on a cluster other engineers test on at the same time.

Every policy a test creates is bound only to namespaces carrying a label that only that
test's namespace has (a namespaceSelector in the binding's matchResources), and is deleted
with its binding when the test ends, pass or fail.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

# k8s.io/apiserver v0.37.2 pkg/admission/plugin/policy/validating/dispatcher.go: "Validation
# failed for ValidatingAdmissionPolicy '%s' with binding '%s': %s"; the message is ours.
WARNING = re.compile(
    r"^Warning: Validation failed for ValidatingAdmissionPolicy '(?P<policy>[^']+)' with "
    r"binding '[^']+': (?P<rule>[a-z-]+): container (?P<containers>[^:]*):",
    re.M,
)


@contextmanager
def labelled_namespace(kubectl, namespace: str) -> Iterator[str]:
    """A label `key=true` on `namespace` that no other namespace has; the key."""
    key = f"kubectl-shm-e2e-{uuid.uuid4().hex[:10]}"
    kubectl("label", "namespace", namespace, f"{key}=true")
    yield key


@contextmanager
def applied(kubectl, documents: list[dict[str, Any]]) -> Iterator[None]:
    """`kubectl apply` cluster-scoped policies and bindings; deleted afterwards, always."""
    items = {"apiVersion": "v1", "kind": "List", "items": documents}
    try:
        kubectl("apply", "-f", "-", input=json.dumps(items))
        yield
    finally:
        for document in reversed(documents):
            kind, name = document["kind"].lower(), document["metadata"]["name"]
            kubectl("delete", kind, name, "--ignore-not-found", "--wait=false", check=False)


def mutating_size_limit_policy(name: str, label: str, size: str = "100Mi") -> list[dict]:
    """Kyverno's add-emptydir-sizelimit as a MutatingAdmissionPolicy: every emptyDir of a
    pod template without a sizeLimit gets `size` (kyverno/policies
    other/add-emptydir-sizelimit), bound to namespaces labelled `label=true`."""
    volumes = "object.spec.template.spec.volumes"
    patch = (
        f"has(object.spec.template.spec.volumes) ? {volumes}.filter(v, has(v.emptyDir) && "
        f"!has(v.emptyDir.sizeLimit)).map(v, JSONPatch{{op: 'add', path: "
        f"'/spec/template/spec/volumes/' + string({volumes}.indexOf(v)) + "
        f"'/emptyDir/sizeLimit', value: '{size}'}}) : []"
    )
    return _policy_and_binding(
        "MutatingAdmissionPolicy",
        name,
        label,
        {
            "failurePolicy": "Fail",
            "reinvocationPolicy": "Never",
            "mutations": [{"patchType": "JSONPatch", "jsonPatch": {"expression": patch}}],
        },
        binding={},
    )


def maximum_size_limit_policy(name: str, label: str, maximum: str = "1Gi") -> list[dict]:
    """Google Policy Controller's K8sEmptyDirHasSizeLimit with maxSizeLimit, as a
    ValidatingAdmissionPolicy that denies an emptyDir sizeLimit above `maximum`."""
    expression = (
        "!has(object.spec.template.spec.volumes) || object.spec.template.spec.volumes.all(v, "
        f"!has(v.emptyDir) || !has(v.emptyDir.sizeLimit) || "
        f"!quantity(v.emptyDir.sizeLimit).isGreaterThan(quantity('{maximum}')))"
    )
    return _policy_and_binding(
        "ValidatingAdmissionPolicy",
        name,
        label,
        {
            "failurePolicy": "Fail",
            "validations": [
                {"expression": expression, "message": f"emptyDir sizeLimit must be <= {maximum}"}
            ],
        },
        binding={"validationActions": ["Deny"]},
    )


def _policy_and_binding(kind: str, name: str, label: str, spec: dict, binding: dict) -> list:
    rules = [
        {
            "apiGroups": ["apps"],
            "apiVersions": ["v1"],
            "operations": ["CREATE", "UPDATE"],
            "resources": ["deployments", "statefulsets", "daemonsets", "replicasets"],
        }
    ]
    return [
        {
            "apiVersion": "admissionregistration.k8s.io/v1",
            "kind": kind,
            "metadata": {"name": name},
            "spec": {"matchConstraints": {"resourceRules": rules}, **spec},
        },
        {
            "apiVersion": "admissionregistration.k8s.io/v1",
            "kind": f"{kind}Binding",
            "metadata": {"name": name},
            "spec": {
                "policyName": name,
                "matchResources": {"namespaceSelector": {"matchLabels": {label: "true"}}},
                **binding,
            },
        },
    ]


def wait_until(check: Callable[[], bool], what: str, timeout: float = 30) -> None:
    """Policies take effect when the API server's informer sees them: poll, bounded."""
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"{what}: not in effect after {timeout}s"
        time.sleep(0.5)
