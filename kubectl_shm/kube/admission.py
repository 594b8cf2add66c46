"""Which mutating admission in the cluster could change an object of a given kind.

The API server names a validating policy or webhook that refuses a request in its answer,
but nothing names a mutation: its change comes back in the object, owned by no field
manager. The candidates are the MutatingAdmissionPolicies and MutatingWebhookConfigurations
whose rules match the resource; reading them needs `list` on admissionregistration.k8s.io,
which many users lack: then the answer is None (unknown), not an empty list.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kubectl_shm.kube.client import Kube
from kubectl_shm.kube.errors import KubeError

_SOURCES = (
    ("MutatingAdmissionPolicy", "mutatingadmissionpolicies"),
    ("MutatingWebhookConfiguration", "mutatingwebhookconfigurations"),
)


def mutating_admission_for(kube: Kube, *, group: str, resource: str) -> list[str] | None:
    """'MutatingAdmissionPolicy name', ... whose rules match `group`/`resource` UPDATEs;
    None when the cluster does not let us read them."""
    found: list[str] = []
    for kind, plural in _SOURCES:
        try:
            listed = kube.get(
                f"/apis/admissionregistration.k8s.io/v1/{plural}",
                doing=f"listing {plural}",
            )
        except KubeError:
            return None
        for item in listed.get("items") or []:
            if _matches(item, group, resource):
                found.append(f"{kind} {item.get('metadata', {}).get('name')!r}")
    return found


def _matches(item: Mapping[str, Any], group: str, resource: str) -> bool:
    spec = item.get("spec") or {}
    rule_sets = [(spec.get("matchConstraints") or {}).get("resourceRules") or []]
    rule_sets += [webhook.get("rules") or [] for webhook in item.get("webhooks") or []]
    return any(_rule_matches(rule, group, resource) for rules in rule_sets for rule in rules)


def _rule_matches(rule: Mapping[str, Any], group: str, resource: str) -> bool:
    groups = rule.get("apiGroups") or []
    resources = rule.get("resources") or []
    operations = rule.get("operations") or []
    return (
        ("*" in groups or group in groups)
        and ("*" in resources or resource in resources)
        and ("*" in operations or "UPDATE" in operations)
    )
