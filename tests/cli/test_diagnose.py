"""`kubectl shm diagnose` in-process: every exit path, and what each refusal costs.

The API server is faked at the Kube client object (plain JSON by path): everything
between it and the terminal is real.
"""

import json

import pytest

from kubectl_shm.kube.errors import Forbidden, NotFound, from_status

NCCL = "2026-12-01T10:00:01Z NCCL WARN Error: failed to extend /dev/shm/nccl-x to 9637892 bytes"


def pod(name, *, status, node="node-current", owner=None):
    metadata = {"name": name, "namespace": "ml", "uid": f"uid-{name}", "labels": {"app": "t"}}
    if owner:
        metadata["ownerReferences"] = [owner]
    return {
        "metadata": metadata,
        "spec": {"nodeName": node, "containers": [{"name": "main", "image": "pytorch/pytorch"}]},
        "status": status,
    }


def crashed(name, **fields):
    terminated = {"exitCode": 1, "reason": "Error", "finishedAt": "2026-12-01T10:00:02Z"}
    return pod(
        name,
        status={
            "phase": "Running",
            "containerStatuses": [
                {
                    "name": "main",
                    "restartCount": 3,
                    "state": {"running": {}},
                    "lastState": {"terminated": {**terminated, **fields}},
                }
            ],
        },
    )


HEALTHY = pod(
    "healthy",
    status={"phase": "Running", "containerStatuses": [{"name": "main", "state": {"running": {}}}]},
)
NODE = {
    "metadata": {"name": "node-current"},
    "status": {
        "nodeInfo": {"kubeletVersion": "v1.34.4", "containerRuntimeVersion": "containerd://1.7"},
        "capacity": {"memory": "16Gi"},
        "allocatable": {"memory": "15Gi"},
    },
}


class FakeKube:
    namespace = "ml"
    server = "https://fake"

    def __init__(self, pods, *, logs=None, events=(), forbidden=()):
        self.pods, self.logs, self.events, self.forbidden = pods, logs or {}, events, forbidden
        self.log_queries = []

    def _check(self, path):
        if any(path.startswith(prefix) or path.endswith(prefix) for prefix in self.forbidden):
            raise Forbidden(f"GET {path}: forbidden")

    def get(self, path, *, query=None, doing=""):
        self._check(path)
        if path == "/version":
            return {"gitVersion": "v1.34.4"}
        if path.endswith("/proxy/stats/summary"):
            return {"pods": []}
        if path.endswith("/proxy/configz"):
            raise NotFound(f"{doing}: not found")
        for each in self.pods:
            if path == f"/api/v1/namespaces/ml/pods/{each['metadata']['name']}":
                return each
        raise NotFound(f'pods "{path.rsplit("/", 1)[-1]}" not found')

    def get_raw(self, path, *, query=None, doing="", accept="", on_head=None):
        self._check(path)
        if path.endswith("/log"):
            self.log_queries.append(query)
            key = (path.split("/")[6], bool(query.get("previous")))
            if key not in self.logs:
                body = {"message": "previous terminated container not found"}
                raise from_status(400, "Bad Request", json.dumps(body), doing)
            return self.logs[key].encode()
        if path.endswith("/pods"):  # the pod list, read page by page as raw JSON
            page = json.dumps({"metadata": {}, "items": self.pods}).encode()
            if on_head is not None:
                on_head(page[:4096])
            return page
        return b'kubernetes_feature_enabled{name="SizeMemoryBackedVolumes",stage=""} 1\n'

    def list_pages(self, path, *, query=None, doing="", accept=""):
        self._check(path)
        if path == "/api/v1/nodes":
            yield {"items": [NODE]}
        elif path.endswith("/pods"):
            yield {"items": self.pods}
        elif path.endswith("/events"):
            yield {"items": list(self.events)}
        else:
            yield {"items": []}

    def close(self):
        pass


@pytest.fixture
def cluster(monkeypatch):
    def install(kube):
        monkeypatch.setattr("kubectl_shm.kube.client.connect", lambda options: kube)
        return kube

    return install


def test_a_sigbus_and_an_nccl_line_exit_1_with_cause_and_fix(shm, cluster, monkeypatch):
    monkeypatch.setenv("COLUMNS", "160")
    kube = cluster(
        FakeKube(
            [crashed("a", exitCode=135), crashed("b"), HEALTHY],
            logs={("b", True): NCCL + "\n"},
        )
    )
    result = shm("diagnose")
    assert result.status == 1, result.stderr
    assert "SIGBUS" in result.stdout and "nccl-shm-extend" in result.stdout
    assert "healthy" not in result.stdout
    assert "kubectl shm set -f <manifest> --local 128Mi" in result.stdout
    # Bounded reads of the previous instances only (the healthy pod never restarted).
    assert all(q["tailLines"] == 200 and q["limitBytes"] == 65536 for q in kube.log_queries)
    assert sorted(q["previous"] for q in kube.log_queries) == ["true", "true"]


def test_json_is_a_shm_diagnosis(shm, cluster):
    cluster(FakeKube([crashed("b")], logs={("b", True): NCCL}))
    result = shm("diagnose", "-o", "json")
    assert result.status == 1
    document = json.loads(result.stdout)
    assert document["kind"] == "ShmDiagnosis"
    (diagnosis,) = document["diagnoses"]
    assert diagnosis["cause"] == "shm-too-small"
    assert diagnosis["knownUser"]["signal"] == "pytorch-image"
    (evidence,) = diagnosis["evidence"]
    assert (evidence["signature"], evidence["bytes"]) == ("nccl-shm-extend", 9637892)
    assert evidence["time"] == "2026-12-01T10:00:01Z"
    assert diagnosis["fix"]["sizeBytes"] == 128 * 2**20
    assert document["scanned"] == {"pods": 1, "events": 0, "logsRead": 1, "logsSkipped": 0}


def test_nothing_found_exits_0_with_a_note(shm, cluster):
    cluster(FakeKube([HEALTHY]))
    result = shm("diagnose")
    assert result.status == 0
    assert result.stdout == ""
    assert "No /dev/shm trouble found in 1 pod (0 logs read)." in result.stderr


def test_without_pods_log_it_says_so_and_still_reports_states(shm, cluster):
    cluster(FakeKube([crashed("a", exitCode=135), crashed("b")], forbidden=("/log",)))
    result = shm("diagnose", "-o", "json")
    assert result.status == 1
    assert "needs get pods/log" in result.stderr
    assert [d["pod"] for d in json.loads(result.stdout)["diagnoses"]] == ["a"]


def test_without_events_it_says_so(shm, cluster):
    cluster(FakeKube([HEALTHY], forbidden=("/api/v1/namespaces/ml/events",)))
    result = shm("diagnose")
    assert result.status == 0
    assert "cannot list events (forbidden; needs list events)" in result.stderr


def test_since_leaves_out_older_evidence_and_their_logs(shm, cluster):
    kube = cluster(FakeKube([crashed("a", exitCode=135)]))
    assert shm("diagnose", "--since", "1h").status == 0
    assert kube.log_queries == []


def test_the_log_cap_is_said(shm, cluster):
    cluster(FakeKube([crashed("a"), crashed("b")], logs={("b", True): NCCL}))
    result = shm("diagnose", "--max-log-reads", "1")
    assert "1 more container logs were worth reading but not read" in result.stderr


def test_a_named_pod_that_does_not_exist_exits_3(shm, cluster):
    cluster(FakeKube([]))
    result = shm("diagnose", "pod/nope")
    assert result.status == 3
    assert 'pods "nope" not found' in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("pod/x", "-A"), "cannot be used with -A"),
        (("pod/x", "-l", "a=b"), "cannot be used with -l/--selector"),
        (("--since", "yesterday"), "is not a duration"),
        (("--since", "0s"), "must be greater than zero"),
        (("thing/x",), "unknown resource type 'thing'"),
        (("--max-log-reads", "-1"), "--max-log-reads"),
    ],
)
def test_bad_usage_exits_2(shm, cluster, args, message):
    cluster(FakeKube([]))
    result = shm("diagnose", *args)
    assert result.status == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr
