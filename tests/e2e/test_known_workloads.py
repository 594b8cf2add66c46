"""The catalogue of /dev/shm users on the live cluster: a PostgreSQL StatefulSet, a Selenium
Chrome node and a torchrun Job without /dev/shm each get a finding naming what fired; a
plain web server gets none. (The postgres and selenium images cannot be pulled here: the
audit reads the pods the API server holds, running or not.)"""

from __future__ import annotations

import json
import time

import pytest

from tests.e2e.manifests import as_input, deployment, pod_spec, statefulset

pytestmark = pytest.mark.e2e


def test_known_shm_users_are_named(two_nodes, kubectl, shm, namespace):
    postgres = pod_spec(image="postgres:16", node=two_nodes.node_current)
    selenium = pod_spec(image="selenium/node-chrome:4.25", node=two_nodes.node_current)
    trainer = pod_spec(
        image=two_nodes.image,
        node=two_nodes.node_current,
        command=("sh", "-c", "echo torchrun --nproc-per-node=2 train.py; sleep 3600"),
    )
    web = pod_spec(image=two_nodes.image, node=two_nodes.node_current)
    objects = [
        statefulset("pg", postgres),
        deployment("selenium", selenium),
        deployment("trainer", trainer),
        deployment("web", web),
    ]
    kubectl("apply", "-n", namespace, "-f", "-", input=as_input(*objects))
    _wait_for_pods(kubectl, namespace, 4)
    result = shm("audit", "-n", namespace, "-o", "json", "--fail-on", "never", "--no-usage")
    assert result.returncode == 0, result.stderr
    findings = {
        w["name"]: {(f["rule"], f["message"].split(" but ")[0]) for f in w["findings"]}
        for w in json.loads(result.stdout)["workloads"]
    }
    assert ("default-shm-known-workload", "runs postgres (postgres:16) (PostgreSQL: parallel "
            "queries use dynamic shared memory in /dev/shm (\"could not resize shared memory "
            "segment\"))") in findings["pg"]  # fmt: skip
    assert any(
        rule == "default-shm-known-workload" and said.startswith("runs selenium/node-chrome")
        for rule, said in findings["selenium"]
    )
    assert ("default-shm-ai-workload", "runs 'torchrun'") in findings["trainer"]
    assert findings["web"] == set()


def _wait_for_pods(kubectl, namespace: str, count: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while True:
        pods = json.loads(kubectl("get", "pods", "-n", namespace, "-o", "json").stdout)["items"]
        if len(pods) >= count:
            return
        assert time.monotonic() < deadline, f"{len(pods)} of {count} pods after {timeout}s"
        time.sleep(2)
