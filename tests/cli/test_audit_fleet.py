"""audit over several contexts, --baseline and -o sarif through the CLI: each context its own
scripted API server (tests/cli/fake_api.py) or a closed port; tests/e2e/test_fleet.py runs
the same against the real cluster."""

from __future__ import annotations

import io
import json
import re
import socket

import pytest
import yaml

from kubectl_shm.cli.main import run
from kubectl_shm.render.terminal import Terminal
from tests.cli.fake_api import FakeApi, serve, status_body
from tests.unit.render.sarif_schema import sarif_errors


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def fleet_kubeconfig(tmp_path, ports: dict[str, int]) -> str:
    """A kubeconfig with one context per name, each to http://127.0.0.1:PORT, namespace ml;
    the first is the current one."""
    clusters = "".join(
        f"- name: {name}\n  cluster: {{server: 'http://127.0.0.1:{port}'}}\n"
        for name, port in ports.items()
    )
    contexts = "".join(
        f"- name: {name}\n  context: {{cluster: {name}, user: me, namespace: ml}}\n"
        for name in ports
    )
    path = tmp_path / "config"
    path.write_text(
        f"apiVersion: v1\nkind: Config\ncurrent-context: {next(iter(ports))}\n"
        f"clusters:\n{clusters}users:\n- name: me\n  user: {{token: abc}}\n"
        f"contexts:\n{contexts}"
    )
    return str(path)


def pod(name, image, namespace="ml"):
    return {
        "metadata": {"name": name, "namespace": namespace, "uid": name},
        "spec": {"containers": [{"name": "main", "image": image}]},
    }


def api_with(*pods, forbidden=False, version="v1.34.4"):
    api = FakeApi()
    api.on("GET", "/version", (200, {"gitVersion": version}))
    answer = (
        (403, status_body(403, "Forbidden", 'pods is forbidden: User "bob" cannot list pods'))
        if forbidden
        else (200, {"kind": "PodList", "metadata": {}, "items": list(pods)})
    )
    api.on("GET", "/api/v1/namespaces/ml/pods", answer)
    return api


@pytest.fixture
def fleet(tmp_path):
    """A kubeconfig with contexts train (a vLLM pod: an error finding), serve (clean),
    locked (pods forbidden) and dead (nothing listens)."""
    servers = {
        "train": serve(api_with(pod("vllm", "vllm/vllm-openai:v0.6.3"))),
        "serve": serve(api_with(pod("web", "nginx"), version="v1.31.4")),
        "locked": serve(api_with(forbidden=True)),
    }
    ports = {name: server.server_address[1] for name, server in servers.items()}
    ports["dead"] = closed_port()
    yield fleet_kubeconfig(tmp_path, ports)
    for server in servers.values():
        server.shutdown()


def test_all_contexts_json_has_one_item_per_context_and_exit_3(shm, fleet):
    result = shm("audit", "--kubeconfig", fleet, "--all-contexts", "-o", "json", "--no-usage")
    assert result.status == 3, result.stderr
    document = json.loads(result.stdout)
    assert document["kind"] == "ShmAuditList"
    items = {item["context"]: item for item in document["items"]}
    assert list(items) == ["train", "serve", "locked", "dead"]
    assert items["train"]["error"] is None
    assert items["train"]["cluster"]["serverVersion"] == "v1.34.4"
    assert items["serve"]["cluster"]["serverVersion"] == "v1.31.4"
    [finding] = items["train"]["workloads"][0]["findings"]
    assert finding["rule"] == "default-shm-ai-workload"
    assert len(finding["fingerprint"]) == 32
    assert "forbidden" in items["locked"]["error"]
    assert "cannot reach the API server" in items["dead"]["error"]
    for failed in ("locked", "dead"):
        assert items[failed]["cluster"] is None
        assert items[failed]["workloads"] == []
    assert document["summary"] == {
        "clusters": 4,
        "failed": 2,
        "workloads": 2,
        "error": 1,
        "warning": 0,
        "info": 0,
    }
    assert "Traceback" not in result.stderr


def test_table_has_a_cluster_column_and_one_row_per_failed_cluster(shm, fleet):
    result = shm("audit", "--kubeconfig", fleet, "--context", "train,dead,serve", "--no-usage")
    assert result.status == 3
    lines = result.stdout.splitlines()
    assert lines[0].split()[:2] == ["CLUSTER", "NAMESPACE"]
    rows = [
        line.split()[0]
        for line in lines[1:]
        if line and line.split()[0] in ("train", "dead", "serve")
    ]
    assert rows[:3] == ["train", "dead", "serve"]
    dead_rows = [line for line in lines if line.startswith("dead")]
    assert len(dead_rows) == 1 and "cluster error" in dead_rows[0]
    assert "train: ml/pod/vllm [main]" in result.stdout
    assert "3 clusters (1 failed), 2 workloads: 1 error" in result.stdout


def test_exit_code_is_findings_when_every_cluster_answers(shm, fleet):
    both = shm("audit", "--kubeconfig", fleet, "--context", "train,serve", "--no-usage")
    assert both.status == 1
    clean = shm("audit", "--kubeconfig", fleet, "--context", "serve,serve", "--no-usage")
    assert clean.status == 0  # a name given twice is audited once
    assert "CLUSTER" not in clean.stdout  # one cluster: the table of one


def test_sarif_over_contexts_names_them_and_the_failures(shm, fleet):
    result = shm("audit", "--kubeconfig", fleet, "--context", "train,dead", "-o", "sarif")
    assert result.status == 3
    log = json.loads(result.stdout)
    assert sarif_errors(log) == []
    [run] = log["runs"]
    [result_] = run["results"]
    assert result_["properties"]["context"] == "train"
    logical = result_["locations"][0]["logicalLocations"][0]["fullyQualifiedName"]
    assert logical == "train/ml/Pod/vllm/main"
    [invocation] = run["invocations"]
    assert invocation["executionSuccessful"] is False
    notes = invocation["toolExecutionNotifications"]
    [note] = [n for n in notes if n["level"] == "error"]
    assert note["message"]["text"].startswith("dead: ")


def test_baseline_of_a_fleet_keeps_only_new_findings(shm, fleet, tmp_path):
    first = shm("audit", "--kubeconfig", fleet, "--context", "train,serve", "-o", "json")
    baseline = tmp_path / "baseline.json"
    baseline.write_text(first.stdout)
    again = shm(
        "audit", "--kubeconfig", fleet, "--context", "train,serve", "--baseline", str(baseline)
    )
    assert again.status == 0, again.stderr
    assert "train: 1 finding in the baseline, not shown" in again.stderr


@pytest.mark.parametrize(
    ("flags", "fragment"),
    [
        (["--all-contexts", "--context", "train"], "cannot be used together"),
        (["--context", "train,serve", "--user", "me"], "--cluster and --user cannot"),
        (["--context", "train,,serve"], "has an empty name"),
        (["-f", "-", "--all-contexts"], "--all-contexts cannot be used with -f"),
    ],
)
def test_bad_combinations_are_usage_errors(shm, fleet, flags, fragment):
    result = shm("audit", "--kubeconfig", fleet, *flags)
    assert result.status == 2
    assert fragment in result.stderr


def test_an_unknown_context_in_the_list_is_its_own_failure(shm, fleet):
    result = shm("audit", "--kubeconfig", fleet, "--context", "train,nope", "-o", "json")
    assert result.status == 3
    items = {item["context"]: item for item in json.loads(result.stdout)["items"]}
    assert "context 'nope' does not exist" in items["nope"]["error"]
    assert items["train"]["error"] is None


def test_inspect_over_contexts_says_where_the_target_is_absent(shm, fleet):
    result = shm(
        "inspect", "--kubeconfig", fleet, "--context", "train,dead", "pod/nope", "-o", "json"
    )
    assert result.status == 3, result.stderr  # a cluster failed, and no cluster has the target
    items = {item["context"]: item for item in json.loads(result.stdout)["items"]}
    assert items["train"]["found"] is False
    assert 'pods "nope" not found' in items["train"]["error"]
    assert items["dead"]["found"] is None
    assert "cannot reach the API server" in items["dead"]["error"]
    table = shm("inspect", "--kubeconfig", fleet, "--context", "train,serve", "pod/nope")
    assert table.status == 3
    assert "CLUSTER train\nno pod/nope here" in table.stdout
    assert "CLUSTER serve\nno pod/nope here" in table.stdout


class TtyStream(io.StringIO):
    def isatty(self):
        return True


def test_a_terminal_gets_one_progress_line_per_cluster(fleet):
    terminal = Terminal(stdout=io.StringIO(), stderr=TtyStream(), stdin=io.StringIO())
    args = ["audit", "--kubeconfig", fleet, "--all-contexts", "--no-usage", "-o", "json"]
    assert run(args, terminal) == 3
    lines = terminal.stderr.getvalue().splitlines()
    progress = sorted(line for line in lines if re.match(r"\w+: (done|failed): ", line))
    assert [line.split(": ")[:2] for line in progress] == [
        ["dead", "failed"],
        ["locked", "failed"],
        ["serve", "done"],
        ["train", "done"],
    ]
    assert any(line.startswith("train: done: 1 workloads, 1 error") for line in progress)
    json.loads(terminal.stdout.getvalue())  # stdout is still only the document


def test_no_progress_lines_off_a_terminal(shm, fleet):
    result = shm("audit", "--kubeconfig", fleet, "--all-contexts", "--no-usage", "-o", "json")
    assert not [line for line in result.stderr.splitlines() if ": done: " in line]
    assert not [line for line in result.stderr.splitlines() if ": failed: " in line]


def test_strict_makes_an_incomplete_cluster_a_failed_one(shm, fleet):
    # With --usage the fake servers refuse nodes and kubelet stats: each audit is incomplete.
    result = shm("audit", "--kubeconfig", fleet, "--context", "train,serve", "--strict",
                 "-o", "yaml")  # fmt: skip
    assert result.status == 3
    assert "train: cannot list nodes" in result.stderr

    items = {item["context"]: item for item in yaml.safe_load(result.stdout)["items"]}
    assert items["train"]["error"].startswith("--strict: the audit is incomplete")
    assert items["train"]["workloads"]  # what was read is still shown
