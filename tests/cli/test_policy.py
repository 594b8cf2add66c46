"""`kubectl shm policy`: every exit path, in process."""

from __future__ import annotations

import json

import yaml


def test_default_is_a_yaml_stream_of_policy_and_binding(shm):
    result = shm("policy")
    assert result.status == 0, result.stderr
    policy, binding = yaml.safe_load_all(result.stdout)
    assert (policy["kind"], binding["kind"]) == (
        "ValidatingAdmissionPolicy",
        "ValidatingAdmissionPolicyBinding",
    )
    assert binding["spec"]["validationActions"] == ["Warn", "Audit"]
    assert result.stderr == ""


def test_json_is_a_list_with_the_selector_and_the_chosen_rules(shm):
    result = shm(
        "policy", "-o", "json", "--action", "deny", "--rules", "shm-host-shared",
        "--namespace-selector", "team=ml,tier!=dev", "--name", "shm-guard",
    )  # fmt: skip
    assert result.status == 0, result.stderr
    policy, binding = json.loads(result.stdout)["items"]
    assert policy["metadata"]["name"] == binding["spec"]["policyName"] == "shm-guard"
    assert [v["message"].split(":")[0] for v in policy["spec"]["validations"]] == [
        "shm-host-shared"
    ]
    assert binding["spec"]["matchResources"]["namespaceSelector"] == {
        "matchLabels": {"team": "ml"},
        "matchExpressions": [{"key": "tier", "operator": "NotIn", "values": ["dev"]}],
    }


def _one_line_usage_error(result, fragment):
    assert result.status == 2
    assert result.stdout == ""
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("error: ") and fragment in line, result.stderr


def test_bad_input_is_one_line_exit_2(shm):
    _one_line_usage_error(shm("policy", "--action", "block"), "--action takes warn, audit, deny")
    _one_line_usage_error(shm("policy", "--action", "deny,warn"), "cannot be combined")
    _one_line_usage_error(shm("policy", "--rules", "shm-near-full"), "unknown rule 'shm-near-full'")
    _one_line_usage_error(shm("policy", "--namespace-selector", "a in b"), "--namespace-selector")


def test_help_has_examples(shm):
    result = shm("policy", "--help")
    assert result.status == 0
    assert "kubectl shm policy --namespace-selector team=ml --action deny" in result.stdout
