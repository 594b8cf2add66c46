"""The generated ValidatingAdmissionPolicy agrees with `audit -f` on the real API server.

For every manifest of the corpus (the examples, the test fixtures, generated variants in
every kind the policy matches) a server-side dry-run create in a namespace the policy is
bound to gets a warning for exactly the (rule, container) pairs that `audit -f` reports
for the rules admission can decide, and none for a clean manifest.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from kubectl_shm.policy.document import RULE_IDS
from tests.e2e.admission import WARNING, applied, labelled_namespace, wait_until
from tests.e2e.policy_corpus import file_objects, pod_spec_variants, wrapped

API_PATHS = {
    "Pod": "/api/v1/namespaces/{ns}/pods",
    "Deployment": "/apis/apps/v1/namespaces/{ns}/deployments",
    "ReplicaSet": "/apis/apps/v1/namespaces/{ns}/replicasets",
    "StatefulSet": "/apis/apps/v1/namespaces/{ns}/statefulsets",
    "DaemonSet": "/apis/apps/v1/namespaces/{ns}/daemonsets",
    "Job": "/apis/batch/v1/namespaces/{ns}/jobs",
    "CronJob": "/apis/batch/v1/namespaces/{ns}/cronjobs",
}


def _corpus() -> list[tuple[str, dict[str, Any]]]:
    corpus = list(file_objects())
    for index, (what, spec) in enumerate(pod_spec_variants()):
        for obj in wrapped(f"v{index}", spec):
            corpus.append((f"variant {what!r} as {obj['kind']}", obj))
    named = []
    for number, (where, obj) in enumerate(corpus):
        obj = json.loads(json.dumps(obj))
        metadata = obj.setdefault("metadata", {})
        for key in ("namespace", "resourceVersion", "uid", "generateName", "ownerReferences"):
            metadata.pop(key, None)
        metadata["name"] = f"c{number:03d}"  # one name each: audit's findings are per name
        obj.pop("status", None)
        named.append((where, obj))
    return named


class DryRunClient:
    """POST ...?dryRun=All with the official client, keeping the Warning headers."""

    def __init__(self, kubeconfig: str) -> None:
        from kubernetes import config

        self.api = config.new_client_from_config(config_file=kubeconfig)

    def create(self, namespace: str, obj: dict[str, Any]) -> tuple[int, str, list[str]]:
        path = API_PATHS[obj["kind"]].format(ns=namespace)
        _, url, headers, body, _ = self.api.param_serialize(
            "POST", path, query_params=[("dryRun", "All")],
            header_params={"Content-Type": "application/json", "Accept": "application/json"},
            body=obj, auth_settings=["BearerToken"],
        )  # fmt: skip
        response = self.api.call_api("POST", url, header_params=headers, body=body)
        data = response.read()
        warnings = response.getheaders().get("Warning", "")
        return response.status, data.decode(), _split_warnings(warnings)


def _split_warnings(header: str) -> list[str]:
    # RFC 7234 warn-values: 299 - "text", comma separated; the text escapes quotes.
    return [
        "Warning: " + text.replace('\\"', '"').replace("\\\\", "\\")
        for text in re.findall(r'299 - "((?:[^"\\]|\\.)*)"', header)
    ]


def _policy_verdict(warnings: list[str], policy: str) -> set[tuple[str, str]]:
    found = set()
    for warning in warnings:
        match = WARNING.match(warning)
        if match and match["policy"] == policy:
            for container in match["containers"].split(", "):
                found.add((match["rule"], container))
    return found


def _audit_verdicts(shm, corpus, directory: Path, namespace: str) -> dict[str, set]:
    for number, (_, obj) in enumerate(corpus):
        (directory / f"{number:03d}.json").write_text(json.dumps(obj))
    result = shm("audit", "-f", str(directory), "-n", namespace, "-o", "json")
    assert result.returncode in (0, 1), result.stderr
    verdicts: dict[str, set] = {}
    for workload in json.loads(result.stdout)["workloads"]:
        verdicts[f"{workload['kind']}/{workload['name']}"] = {
            (finding["rule"], finding["container"])
            for finding in workload["findings"]
            if finding["rule"] in RULE_IDS
        }
    return verdicts


@pytest.fixture
def bound_policy(kubectl, shm, namespace):
    """The generated policy, bound to this test's namespace only; deleted afterwards."""
    with labelled_namespace(kubectl, namespace) as label:
        name = label  # unique on the cluster, like the label
        result = shm(
            "policy", "--name", name, "--namespace-selector", f"{label}=true", "-o", "json"
        )
        assert result.returncode == 0, result.stderr
        documents = json.loads(result.stdout)["items"]
        with applied(kubectl, documents):
            yield name


def test_policy_agrees_with_audit_on_every_corpus_manifest(
    cluster, shm, namespace, bound_policy, tmp_path
):
    client = DryRunClient(cluster.kubeconfig)
    probe = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "probe"},
        "spec": {"hostIPC": True, "containers": [{"name": "main", "image": "busybox"}]},
    }
    wait_until(
        lambda: bool(_policy_verdict(client.create(namespace, probe)[2], bound_policy)),
        f"policy {bound_policy}",
    )
    corpus = _corpus()
    audit = _audit_verdicts(shm, corpus, tmp_path, namespace)
    disagreements, refused, compared, fired, warned_kinds = [], [], 0, set(), set()
    for where, obj in corpus:
        status, body, warnings = client.create(namespace, obj)
        if status >= 300:
            refused.append(f"{where}: {status} {json.loads(body).get('message', body)[:200]}")
            continue
        compared += 1
        admission = _policy_verdict(warnings, bound_policy)
        expected = audit.get(f"{obj['kind']}/{obj['metadata']['name']}", set())
        fired |= {rule for rule, _ in expected}
        if admission:  # a Deployment is warned about itself, not through its pods
            warned_kinds.add(obj["kind"])
        if admission != expected:
            disagreements.append(
                f"{where} ({obj['kind']}): admission {sorted(admission)} "
                f"!= audit -f {sorted(expected)}; warnings: {warnings}"
            )
    print(f"compared {compared}, refused by the API server's own validation {len(refused)}")
    print("\n".join(refused))
    assert not disagreements, "\n".join(disagreements)
    assert compared >= 250
    assert fired == set(RULE_IDS), f"rules no corpus manifest exercised: {set(RULE_IDS) - fired}"
    assert warned_kinds == set(API_PATHS), (
        f"kinds never warned about: {set(API_PATHS) - warned_kinds}"
    )


def test_objects_a_controller_creates_are_not_checked_again(cluster, namespace, bound_policy):
    client = DryRunClient(cluster.kubeconfig)
    spec = {"hostIPC": True, "containers": [{"name": "main", "image": "busybox"}]}
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "owned"}, "spec": spec}
    wait_until(
        lambda: bool(_policy_verdict(client.create(namespace, pod)[2], bound_policy)),
        f"policy {bound_policy}",
    )
    owner = {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-5d9c",
             "uid": "0b7f9a3e-0000-4000-8000-000000000000", "controller": True}  # fmt: skip
    pod["metadata"]["ownerReferences"] = [owner]
    status, body, warnings = client.create(namespace, pod)
    assert status < 300, body
    assert _policy_verdict(warnings, bound_policy) == set()


def test_deny_refuses_in_one_line_naming_the_rule(kubectl, shm, namespace):
    with labelled_namespace(kubectl, namespace) as label:
        result = shm("policy", "--name", label, "--namespace-selector", f"{label}=true",
                     "--action", "deny", "--rules", "shm-host-shared", "-o", "json")  # fmt: skip
        with applied(kubectl, json.loads(result.stdout)["items"]):
            pod = {
                "apiVersion": "v1",
                "kind": "Pod",
                "metadata": {"name": "host"},
                "spec": {"hostIPC": True, "containers": [{"name": "main", "image": "busybox"}]},
            }

            def refused() -> bool:
                created = kubectl("create", "--dry-run=server", "-n", namespace, "-f", "-",
                                  input=json.dumps(pod), check=False)  # fmt: skip
                return created.returncode != 0 and "shm-host-shared" in created.stderr

            wait_until(refused, f"deny policy {label}")
            created = kubectl("create", "--dry-run=server", "-n", namespace, "-f", "-",
                              input=json.dumps(pod), check=False)  # fmt: skip
            assert f"ValidatingAdmissionPolicy '{label}'" in created.stderr
            assert "shm-host-shared: container main: /dev/shm is the node's" in created.stderr
            clean = {**pod, "spec": {"containers": pod["spec"]["containers"]}}
            ok = kubectl("create", "--dry-run=server", "-n", namespace, "-f", "-",
                         input=json.dumps(clean), check=False)  # fmt: skip
            assert ok.returncode == 0, ok.stderr
