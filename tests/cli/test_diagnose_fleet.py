"""diagnose over several contexts through the CLI: each context its own scripted API server
(tests/cli/fake_api.py) or a closed port."""

from __future__ import annotations

import json

import pytest

from tests.cli.fake_api import FakeApi, serve
from tests.cli.test_audit_fleet import closed_port, fleet_kubeconfig


def pod(name, *, exit_code=None):
    status = {"phase": "Running", "containerStatuses": [{"name": "main", "state": {"running": {}}}]}
    if exit_code is not None:
        status["containerStatuses"][0]["lastState"] = {
            "terminated": {"exitCode": exit_code, "finishedAt": "2026-12-01T10:00:00Z"}
        }
        status["containerStatuses"][0]["restartCount"] = 1
    return {
        "metadata": {"name": name, "namespace": "ml", "uid": name},
        "spec": {"containers": [{"name": "main", "image": "pytorch/pytorch"}]},
        "status": status,
    }


def api_with(*pods):
    api = FakeApi()
    api.on("GET", "/version", (200, {"gitVersion": "v1.34.4"}))
    api.on("GET", "/api/v1/namespaces/ml/pods", (200, {"metadata": {}, "items": list(pods)}))
    api.on("GET", "/api/v1/namespaces/ml/events", (200, {"metadata": {}, "items": []}))
    api.on("GET", "/api/v1/nodes", (200, {"metadata": {}, "items": []}))
    for each in pods:
        api.on("GET", f"/api/v1/namespaces/ml/pods/{each['metadata']['name']}/log", (200, ""))
    return api


@pytest.fixture
def fleet(tmp_path):
    """Contexts train (a pod that died of SIGBUS), serve (healthy) and dead (nothing listens)."""
    servers = {
        "train": serve(api_with(pod("trainer-0", exit_code=135))),
        "serve": serve(api_with(pod("web-0"))),
    }
    ports = {name: server.server_address[1] for name, server in servers.items()}
    ports["dead"] = closed_port()
    yield fleet_kubeconfig(tmp_path, ports)
    for server in servers.values():
        server.shutdown()


def test_every_context_is_an_item_and_a_dead_one_exits_3(shm, fleet):
    result = shm("diagnose", "--kubeconfig", fleet, "--all-contexts", "-o", "json")
    assert result.status == 3, result.stderr
    document = json.loads(result.stdout)
    assert document["kind"] == "ShmDiagnosisList"
    items = {item["context"]: item for item in document["items"]}
    assert list(items) == ["train", "serve", "dead"]
    [found] = items["train"]["diagnoses"]
    assert (found["pod"], found["cause"]) == ("trainer-0", "shm-too-small")
    assert items["serve"]["diagnoses"] == [] and items["serve"]["error"] is None
    assert "cannot reach the API server" in items["dead"]["error"]
    assert document["summary"] == {"clusters": 3, "failed": 1, "containers": 1}
    assert "Traceback" not in result.stderr


def test_live_clusters_only_exit_1_on_evidence_with_a_heading_each(shm, fleet):
    result = shm("diagnose", "--kubeconfig", fleet, "--context", "train,serve")
    assert result.status == 1, result.stderr
    assert "CLUSTER train" in result.stdout and "CLUSTER serve" in result.stdout
    assert "no /dev/shm trouble in 1 pod" in result.stdout
    assert shm("diagnose", "--kubeconfig", fleet, "--context", "serve,serve").status == 0


def test_a_target_is_diagnosed_in_one_context(shm, fleet):
    result = shm("diagnose", "--kubeconfig", fleet, "--context", "train,serve", "pod/x")
    assert result.status == 2
    assert "name one with --context" in result.stderr
