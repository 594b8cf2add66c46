"""The generated ValidatingAdmissionPolicy and binding: shape, actions, rules, selector."""

from __future__ import annotations

import re

import pytest

from kubectl_shm.policy.document import RULE_IDS, PolicyError, PolicyOptions, policy_documents
from kubectl_shm.policy.selector import SelectorError, label_selector
from kubectl_shm.policy.signals_cel import ai_signals


def test_default_policy_warns_and_audits_every_rule_on_every_pod_template_kind():
    policy, binding = policy_documents(PolicyOptions())
    assert policy["kind"] == "ValidatingAdmissionPolicy"
    assert binding["spec"] == {"policyName": "kubectl-shm", "validationActions": ["Warn", "Audit"]}
    messages = [v["messageExpression"] for v in policy["spec"]["validations"]]
    assert [re.match(r"'([a-z-]+):", m).group(1) for m in messages] == list(RULE_IDS)
    resources = {
        r for rule in policy["spec"]["matchConstraints"]["resourceRules"] for r in rule["resources"]
    }
    assert resources == {
        "pods",
        "deployments",
        "replicasets",
        "statefulsets",
        "daemonsets",
        "jobs",
        "cronjobs",
    }


def test_every_ai_signal_of_the_catalogue_is_in_the_cel():
    policy, _ = policy_documents(PolicyOptions(rules=("default-shm-ai-workload",)))
    [validation] = policy["spec"]["validations"]
    for signal in ai_signals():
        core = signal.pattern.pattern.replace("(?<![a-z0-9])", "").replace("(?![a-z0-9])", "")
        assert core.split("(?!")[0] in validation["expression"], signal.id


def test_deny_binds_deny_alone_and_refuses_warn_beside_it():
    _, binding = policy_documents(PolicyOptions(actions=("deny",)))
    assert binding["spec"]["validationActions"] == ["Deny"]
    with pytest.raises(PolicyError, match="cannot be combined"):
        policy_documents(PolicyOptions(actions=("deny", "warn")))
    with pytest.raises(PolicyError, match="--action takes"):
        policy_documents(PolicyOptions(actions=("block",)))


def test_rules_are_chosen_in_catalogue_order_and_unknown_ones_refused():
    policy, _ = policy_documents(PolicyOptions(rules=("shm-unbounded", "shm-host-shared")))
    assert policy["metadata"]["annotations"]["kubectl-shm/rules"] == (
        "shm-host-shared,shm-unbounded"
    )
    with pytest.raises(PolicyError, match="unknown rule 'shm-near-full'"):
        policy_documents(PolicyOptions(rules=("shm-near-full",)))


@pytest.mark.parametrize(
    ("text", "selector"),
    [
        ("team=ml", {"matchLabels": {"team": "ml"}}),
        (
            "a==b,c!=d",
            {
                "matchLabels": {"a": "b"},
                "matchExpressions": [{"key": "c", "operator": "NotIn", "values": ["d"]}],
            },
        ),
        (
            "env in (dev, test),!legacy,shm",
            {
                "matchExpressions": [
                    {"key": "env", "operator": "In", "values": ["dev", "test"]},
                    {"key": "legacy", "operator": "DoesNotExist"},
                    {"key": "shm", "operator": "Exists"},
                ]
            },
        ),
        ("x notin (a)", {"matchExpressions": [{"key": "x", "operator": "NotIn", "values": ["a"]}]}),
    ],
)
def test_label_selector(text, selector):
    assert label_selector(text) == selector


@pytest.mark.parametrize("text", ["", "a=b=c", "(x)", "a in b"])
def test_bad_label_selector(text):
    with pytest.raises(SelectorError):
        label_selector(text)


def test_namespace_selector_goes_into_the_binding():
    _, binding = policy_documents(PolicyOptions(namespace_selector={"matchLabels": {"a": "b"}}))
    assert binding["spec"]["matchResources"] == {"namespaceSelector": {"matchLabels": {"a": "b"}}}
