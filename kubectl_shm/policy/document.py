"""The ValidatingAdmissionPolicy and its binding (admissionregistration.k8s.io/v1, GA in 1.30).

CEL functions it uses, and the Kubernetes release whose API server has them (k8s.io/apiserver
v0.37.2 pkg/cel/environment/base.go, baseOpts): the quantity library (quantity, isInteger,
asInteger, isGreaterThan: library.Quantity, 1.28), the lists library (sum, max,
indexOf: library.Lists, 1.27), the regex library (find: library.Regex, 1.0) and the strings
extension version 2 (join, lowerAscii, indexOf, substring, split: ext.Strings, 1.29). So the
policy works on every API server that serves admissionregistration.k8s.io/v1 policies (1.30).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kubectl_shm.policy.podspec_cel import variables
from kubectl_shm.policy.rules_cel import BY_ID, RULES, validation

API_VERSION = "admissionregistration.k8s.io/v1"
DEFAULT_NAME = "kubectl-shm"
ACTIONS = ("warn", "audit", "deny")
DEFAULT_ACTIONS = ("warn", "audit")
RULE_IDS = tuple(rule.id for rule in RULES)

# Every kind with a pod spec that audit reads (model.templates), so a mistake is stopped
# where it is written (a Deployment), not at the pods its ReplicaSet makes.
_RESOURCES = (
    ("", ("pods",)),
    ("apps", ("deployments", "replicasets", "statefulsets", "daemonsets")),
    ("batch", ("jobs", "cronjobs")),
)


class PolicyError(ValueError):
    """A combination of options the API server would refuse, said before it does."""


@dataclass(frozen=True)
class PolicyOptions:
    name: str = DEFAULT_NAME
    actions: tuple[str, ...] = DEFAULT_ACTIONS
    rules: tuple[str, ...] = RULE_IDS
    # A LabelSelector (matchLabels, matchExpressions) for the binding; None: every namespace.
    namespace_selector: Mapping[str, Any] | None = None


def policy_documents(options: PolicyOptions) -> list[dict[str, Any]]:
    """The policy and its binding, in the order they are to be applied."""
    actions = _validation_actions(options.actions)
    unknown = [rule for rule in options.rules if rule not in BY_ID]
    if unknown:
        raise PolicyError(
            f"unknown rule {unknown[0]!r}: admission can decide {', '.join(RULE_IDS)}"
        )
    if not options.rules:
        raise PolicyError("no rule chosen")
    return [_policy(options), _binding(options, actions)]


def _validation_actions(actions: Sequence[str]) -> list[str]:
    chosen = list(dict.fromkeys(action.lower() for action in actions))
    unknown = [action for action in chosen if action not in ACTIONS]
    if unknown or not chosen:
        raise PolicyError(f"--action takes {', '.join(ACTIONS)} (got {', '.join(actions)!s})")
    if "deny" in chosen and "warn" in chosen:
        # Refused by the API server (v1.37.2 pkg/apis/admissionregistration/validation/
        # validation.go validateValidationActions: "must not contain both Deny and Warn").
        raise PolicyError("--action deny and warn cannot be combined: deny already says why")
    return [action.capitalize() for action in chosen]


def _policy(options: PolicyOptions) -> dict[str, Any]:
    chosen = [BY_ID[rule] for rule in RULE_IDS if rule in options.rules]
    return {
        "apiVersion": API_VERSION,
        "kind": "ValidatingAdmissionPolicy",
        "metadata": {
            "name": options.name,
            "annotations": {
                "kubectl-shm/rules": ",".join(rule.id for rule in chosen),
            },
        },
        "spec": {
            # A CEL error (e.g. the cost budget) lets the object through: a policy rolled
            # out to warn must never block a workload by its own failure.
            "failurePolicy": "Ignore",
            "matchConstraints": {
                "resourceRules": [
                    {
                        "apiGroups": [group],
                        "apiVersions": ["v1"],
                        "operations": ["CREATE", "UPDATE"],
                        "resources": list(resources),
                    }
                    for group, resources in _RESOURCES
                ]
            },
            # What a controller creates from a checked template (a Deployment's ReplicaSet,
            # its pods) was checked at its owner: checked again, one mistake would warn
            # three times, and under deny a workload admitted before the policy could no
            # longer create its pods.
            "matchConditions": [
                {
                    "name": "not-created-by-a-controller",
                    "expression": "!has(object.metadata.ownerReferences) || "
                    "!object.metadata.ownerReferences.exists(r, has(r.controller) && "
                    "r.controller == true)",
                }
            ],
            "variables": variables(),
            "validations": [_validation(rule) for rule in chosen],
        },
    }


def _validation(rule: Any) -> dict[str, Any]:
    found = validation(rule)
    return {
        "expression": found.expression,
        "messageExpression": found.message_expression,
        "message": f"{rule.id}: {rule.what}",
        "reason": "Invalid",
    }


def _binding(options: PolicyOptions, actions: list[str]) -> dict[str, Any]:
    spec: dict[str, Any] = {"policyName": options.name, "validationActions": actions}
    if options.namespace_selector is not None:
        spec["matchResources"] = {"namespaceSelector": dict(options.namespace_selector)}
    return {
        "apiVersion": API_VERSION,
        "kind": "ValidatingAdmissionPolicyBinding",
        "metadata": {"name": options.name},
        "spec": spec,
    }
