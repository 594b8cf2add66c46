"""`kubectl shm inspect` in-process: every exit path, each refusal in its own row.

The API server is faked at the Kube client object (plain JSON by path) and the
exec at `run_read_command`: everything between them and the terminal is real.
"""

import json

import pytest

from kubectl_shm.kube.errors import Forbidden, NotFound
from kubectl_shm.model.exec_output import ExecOutput

Ki, Mi, Gi = 2**10, 2**20, 2**30
RAM = 32 * Gi


def df_output(size, used=0):
    blocks, used_blocks = size // Ki, used // Ki
    return ExecOutput(
        "Filesystem           1K-blocks      Used Available Use% Mounted on\n"
        f"tmpfs {blocks:>20} {used_blocks:>9} {blocks - used_blocks:>9}   0% /dev/shm\n",
        "",
        0,
    )


MISSING = ExecOutput("", "", None, 'exec: "df": executable file not found in $PATH: unknown')


def pod(name, *, node="node-current", size_limit="256Mi", memory=None, phase="Running", **labels):
    main = {"name": "main", "image": "busybox"}
    spec = {"containers": [main], "nodeName": node}
    if size_limit:
        main["volumeMounts"] = [{"name": "dshm", "mountPath": "/dev/shm"}]
        spec["volumes"] = [
            {"name": "dshm", "emptyDir": {"medium": "Memory", "sizeLimit": size_limit}}
        ]
    if memory:
        main["resources"] = {"limits": {"memory": memory}}
    running = phase == "Running"
    return {
        "metadata": {"name": name, "namespace": "ml", "labels": labels or {"app": "web"}},
        "spec": spec,
        "status": {
            "phase": phase,
            "containerStatuses": [
                {"name": "main", "state": {"running": {}} if running else {"waiting": {}}}
            ]
            if running
            else [],
        },
    }


def node(name, version, gate):
    return {
        "metadata": {"name": name},
        "status": {
            "nodeInfo": {"kubeletVersion": version, "containerRuntimeVersion": "containerd://1.7"},
            "capacity": {"memory": f"{RAM // Ki}Ki"},
            "allocatable": {"memory": f"{RAM // Ki - 1024 * 1024}Ki"},
        },
        "_gate": gate,
    }


class FakeKube:
    """Serves GETs and lists from objects by path; `forbidden` paths answer 403."""

    def __init__(self, objects, nodes, *, forbidden=(), stats=None, debug_state=None):
        self.namespace = "ml"
        self.server = "https://fake"
        self.objects = objects
        self.nodes = nodes
        self.forbidden = set(forbidden)
        self.stats = stats or {}
        self.closed = False
        self.patches = []
        self.debug_state = debug_state or {"running": {}}

    def _check(self, path):
        if any(path.startswith(prefix) for prefix in self.forbidden):
            raise Forbidden(f"GET {path}: forbidden")

    def get(self, path, *, query=None, doing=""):
        self._check(path)
        if path.endswith("/proxy/stats/summary"):
            return self.stats.get(path.split("/")[4], {"pods": []})
        if path.endswith("/proxy/configz"):
            raise NotFound(f"{doing}: not found")
        if path not in self.objects:
            raise NotFound(f"{doing}: not found")
        return self.objects[path]

    def get_raw(self, path, *, query=None, doing="", accept=""):
        self._check(path)
        name = path.split("/")[4]
        gate = next(n["_gate"] for n in self.nodes if n["metadata"]["name"] == name)
        metric = 'kubernetes_feature_enabled{name="SizeMemoryBackedVolumes",stage=""}'
        return f"{metric} {1 if gate else 0}\n".encode()

    def list_pages(self, path, *, query=None, doing="", accept=""):
        self._check(path)
        if path == "/api/v1/nodes":
            yield {"items": self.nodes}
            return
        wanted = dict(
            term.split("=")
            for term in ((query or {}).get("labelSelector") or "").split(",")
            if term
        )
        items = [
            obj
            for key, obj in self.objects.items()
            if key.startswith(path + "/")
            and all(obj["metadata"].get("labels", {}).get(k) == v for k, v in wanted.items())
        ]
        yield {"items": items}

    def call(self, method, path, *, query=None, body=None, content_type="", accept="", doing):
        """Only adding an ephemeral container: it runs at once."""
        self._check(path)
        assert (method, content_type) == ("PATCH", "application/strategic-merge-patch+json")
        pod_path = path.removesuffix("/ephemeralcontainers")
        self.patches.append((path, body))
        [container] = body["spec"]["ephemeralContainers"]
        status = self.objects[pod_path]["status"]
        status.setdefault("ephemeralContainerStatuses", []).append(
            {"name": container["name"], "state": self.debug_state}
        )
        return b"{}"

    def close(self):
        self.closed = True


NODES = [node("node-current", "v1.34.4", True), node("node-legacy", "v1.31.4", False)]


def pods_path(name):
    return f"/api/v1/namespaces/ml/pods/{name}"


@pytest.fixture
def cluster(monkeypatch):
    """Install a fake cluster; `execs` maps (pod, container, argv0) to an ExecOutput or error."""

    def install(pods, *, execs, forbidden=(), stats=None, extra=None, debug_state=None):
        objects = {pods_path(p["metadata"]["name"]): p for p in pods}
        objects.update(extra or {})
        kube = FakeKube(objects, NODES, forbidden=forbidden, stats=stats, debug_state=debug_state)
        monkeypatch.setattr("kubectl_shm.kube.client.connect", lambda options: kube)
        calls = []

        def run_read_command(kube_, *, namespace, pod, container, command, timeout):
            calls.append((pod, container, command.value))
            debug = "debug" if container.startswith("shm-inspect-") else container
            answer = execs[(pod, debug, command.value[0])]
            if isinstance(answer, Exception):
                raise answer
            return answer

        monkeypatch.setattr("kubectl_shm.inspect.observing.run_read_command", run_read_command)
        return kube, calls

    return install


def test_all_match_exits_0_with_a_table(shm, cluster, monkeypatch):
    monkeypatch.setenv("COLUMNS", "100")
    kube, calls = cluster([pod("web-1")], execs={("web-1", "main", "df"): df_output(256 * Mi, Mi)})
    result = shm("inspect", "pod/web-1")
    assert result.status == 0, result.stderr
    assert calls == [("web-1", "main", ("df", "-k", "/dev/shm"))]
    assert kube.closed
    lines = result.stdout.splitlines()
    assert lines[0].split() == [
        "POD", "CONTAINER", "SIZELIMIT", "EXPECTED", "BECAUSE", "OBSERVED", "USED", "VIA", "MATCH",
    ]  # fmt: skip
    assert lines[1].split() == [
        "web-1", "main", "256Mi", "256Mi", "sizeLimit", "256Mi", "1Mi", "df", "yes",
    ]  # fmt: skip
    assert "web-1 [main] on node-current\n" in (result.stdout)
    assert "1 container in 1 pod: 1 match, 0 differ, 0 not observed" in result.stdout
    assert max(len(line) for line in lines) <= 100
    assert result.stderr == ""


def test_a_mismatch_exits_1(shm, cluster):
    cluster(
        [pod("web-1", size_limit="256Mi", memory="128Mi")],
        execs={("web-1", "main", "df"): df_output(256 * Mi)},
    )
    result = shm("inspect", "web-1")
    assert result.status == 1
    assert "NO" in result.stdout
    assert "256Mi equals sizeLimit, not 128Mi (the pod memory limit)" in result.stdout


def test_gate_off_node_half_the_ram_matches_and_json_follows_the_contract(shm, cluster):
    half = RAM // 2
    cluster(
        [pod("web-1", node="node-legacy")], execs={("web-1", "main", "df"): df_output(half, Mi)}
    )
    result = shm("inspect", "pod/web-1", "-o", "json")
    assert result.status == 0, result.stderr
    document = json.loads(result.stdout)
    assert document == {
        "kind": "ShmInspection",
        "pods": [
            {
                "namespace": "ml",
                "name": "web-1",
                "node": "node-legacy",
                "kubeletVersion": "v1.31.4",
                "sizeMemoryBackedVolumes": False,
                "containers": [
                    {
                        "name": "main",
                        "shmSource": "emptyDir-memory",
                        "sizeLimitBytes": 256 * Mi,
                        "expectedBytes": half,
                        "expectedBasis": "half-node-memory",
                        "observedBytes": half,
                        "observedUsedBytes": Mi,
                        "method": "exec-df",
                        "match": True,
                        "explanation": document["pods"][0]["containers"][0]["explanation"],
                    }
                ],
            }
        ],
    }
    explanation = document["pods"][0]["containers"][0]["explanation"]
    assert explanation.startswith("Kubelet v1.31.4 on node-legacy has SizeMemoryBackedVolumes off")


def test_workload_pods_each_in_a_row_refusals_and_fallbacks_in_theirs(shm, cluster):
    """exec forbidden, no df/cat, not running: each row says so; the others are inspected."""
    deployment = {
        "metadata": {"name": "web", "namespace": "ml", "uid": "u1"},
        "spec": {"selector": {"matchLabels": {"app": "web"}}},
    }
    pods = [
        pod("web-1"),
        pod("web-2", node="node-legacy"),
        pod("web-3"),
        pod("web-4", phase="Pending"),
        pod("other", app="other"),
    ]
    stats = {
        "node-legacy": {
            "pods": [
                {
                    "podRef": {"namespace": "ml", "name": "web-2"},
                    "volume": [{"name": "dshm", "capacityBytes": RAM // 2, "usedBytes": 0}],
                }
            ]
        }
    }
    _, calls = cluster(
        pods,
        execs={
            ("web-1", "main", "df"): df_output(256 * Mi),
            ("web-2", "main", "df"): MISSING,
            ("web-2", "main", "cat"): ExecOutput("", "", 127),
            ("web-3", "main", "df"): Forbidden("exec: forbidden"),
        },
        forbidden=["/api/v1/nodes/node-current/proxy/stats"],
        stats=stats,
        extra={"/apis/apps/v1/namespaces/ml/deployments/web": deployment},
    )
    result = shm("inspect", "deploy/web", "-o", "json")
    assert result.status == 0, result.stderr
    rows = {p["name"]: p["containers"][0] for p in json.loads(result.stdout)["pods"]}
    assert sorted(rows) == ["web-1", "web-2", "web-3", "web-4"]
    assert (rows["web-1"]["method"], rows["web-1"]["match"]) == ("exec-df", True)
    assert (rows["web-2"]["method"], rows["web-2"]["match"]) == ("stats-summary", True)
    assert rows["web-2"]["observedBytes"] == RAM // 2
    assert (rows["web-3"]["method"], rows["web-3"]["match"]) == ("none", None)
    assert rows["web-3"]["explanation"].startswith(
        "Not observed: exec forbidden (needs get and create on pods/exec); "
        "kubelet stats forbidden (needs get on nodes/proxy)."
    )
    assert rows["web-4"]["explanation"].startswith(
        "Not observed: pod is Pending (containers not started)."
    )
    assert not [c for c in calls if c[0] in ("web-3", "web-4") and c[2][0] == "cat"]
    assert "2 of 4 containers could not be observed" in result.stderr


def test_missing_pod_is_one_line_exit_3(shm, cluster):
    cluster([], execs={})
    result = shm("inspect", "pod/nope")
    assert result.status == 3
    assert result.stderr == 'error: pods "nope" not found in namespace "ml"\n'


def test_a_workload_without_pods_is_fine(shm, cluster):
    deployment = {
        "metadata": {"name": "idle", "namespace": "ml", "uid": "u2"},
        "spec": {"selector": {"matchLabels": {"app": "idle"}}},
    }
    cluster([], execs={}, extra={"/apis/apps/v1/namespaces/ml/deployments/idle": deployment})
    result = shm("inspect", "deployments.apps/idle")
    assert result.status == 0
    assert result.stderr == "No pods found for deployment/idle.\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["svc/web"], "unknown resource type 'svc'"),
        (["deploy/"], "expected pod/NAME, NAME or TYPE/NAME"),
        (["web-1", "--exec-timeout", "soon"], "--exec-timeout"),
        (["web-1", "--exec-timeout", "0"], "must be greater than zero"),
        (["web-1", "-o", "yaml"], "'yaml' is not one of"),
        ([], "Missing argument"),
    ],
)
def test_bad_usage_exits_2(shm, args, message):
    result = shm("inspect", *args)
    assert result.status == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_unknown_container_exits_2(shm, cluster):
    cluster([pod("web-1")], execs={})
    result = shm("inspect", "web-1", "-c", "nope")
    assert result.status == 2
    assert result.stderr.startswith(
        "error: container 'nope' not found in pod/web-1: its containers are main"
    )


def test_unreachable_cluster_exits_3(shm, tmp_path):
    config = tmp_path / "config"
    config.write_text(
        "apiVersion: v1\nkind: Config\n"
        "clusters: [{name: c, cluster: {server: 'https://127.0.0.1:9'}}]\n"
        "users: [{name: u, user: {token: t}}]\n"
        "contexts: [{name: c, context: {cluster: c, user: u}}]\ncurrent-context: c\n"
    )
    result = shm("inspect", "pod/x", "--kubeconfig", str(config), "--request-timeout", "5s")
    assert result.status == 3
    assert "cannot reach the API server" in result.stderr
    assert len(result.stderr.splitlines()) == 1


def test_pods_that_behave_alike_share_one_explanation(shm, cluster, monkeypatch):
    monkeypatch.setenv("COLUMNS", "100")
    deployment = {
        "metadata": {"name": "web", "namespace": "ml", "uid": "u1"},
        "spec": {"selector": {"matchLabels": {"app": "web"}}},
    }
    names = [f"web-{i}" for i in range(5)]
    cluster(
        [pod(name, size_limit=None) for name in names],
        execs={(name, "main", "df"): df_output(64 * Mi) for name in names},
        extra={"/apis/apps/v1/namespaces/ml/deployments/web": deployment},
    )
    result = shm("inspect", "deploy/web")
    assert result.status == 0, result.stderr
    assert "yes web-0, web-1, web-2 and 2 more [main] on node-current\n" in result.stdout
    assert result.stdout.count("No volume at /dev/shm") == 1
    assert "5 containers in 5 pods: 5 match, 0 differ, 0 not observed" in result.stdout
    # Below the table (a header and five rows), no line is padded with spaces.
    assert all(line == line.rstrip() for line in result.stdout.splitlines()[6:])


def test_debug_adds_an_ephemeral_container_only_when_asked(shm, cluster):
    execs = {
        ("bare", "main", "df"): MISSING,
        ("bare", "main", "cat"): ExecOutput("", "", 127),
        ("bare", "debug", "df"): df_output(64 * Mi),
        ("vol", "main", "df"): MISSING,
        ("vol", "main", "cat"): ExecOutput("", "", 127),
        ("vol", "debug", "df"): df_output(256 * Mi),
    }
    kube, calls = cluster([pod("bare", size_limit=None), pod("vol")], execs=execs)
    plain = shm("inspect", "pod/bare", "-o", "json")
    assert plain.status == 0
    assert only_row(plain)["method"] == "none"
    assert kube.patches == []

    result = shm("inspect", "pod/bare", "-o", "json", "--debug", "--image", "busybox:1.36")
    assert result.status == 0, result.stderr
    row = only_row(result)
    assert (row["method"], row["observedBytes"], row["match"]) == ("exec-df", 64 * Mi, True)
    [(path, body)] = kube.patches
    assert path == "/api/v1/namespaces/ml/pods/bare/ephemeralcontainers"
    [container] = body["spec"]["ephemeralContainers"]
    assert container["name"].startswith("shm-inspect-")
    assert (container["image"], container["command"]) == ("busybox:1.36", ["sleep", "300"])
    assert container["securityContext"]["runAsNonRoot"] is True
    assert "volumeMounts" not in container  # the sandbox's /dev/shm is mounted by the runtime
    assert calls[-1] == ("bare", container["name"], ("df", "-k", "/dev/shm"))
    assert f"Warning: added ephemeral container {container['name']} to pod bare" in result.stderr

    with_volume = shm("inspect", "vol", "-o", "json", "--debug", "--image", "busybox:1.36")
    assert only_row(with_volume)["observedBytes"] == 256 * Mi
    mounts = kube.patches[-1][1]["spec"]["ephemeralContainers"][0]["volumeMounts"]
    assert mounts == [{"name": "dshm", "mountPath": "/dev/shm", "readOnly": True}]


def test_debug_refused_is_said_in_the_row(shm, cluster):
    execs = {("bare", "main", "df"): MISSING, ("bare", "main", "cat"): ExecOutput("", "", 127)}
    cluster(
        [pod("bare", size_limit=None)],
        execs=execs,
        forbidden=["/api/v1/namespaces/ml/pods/bare/ephemeralcontainers"],
    )
    result = shm("inspect", "bare", "-o", "json", "--debug", "--image", "busybox:1.36")
    assert result.status == 0
    assert only_row(result)["explanation"].startswith(
        "Not observed: no df in the image; no cat in the image; debug container forbidden "
        "(needs patch on pods/ephemeralcontainers)."
    )
    assert "added ephemeral container" not in result.stderr


def test_a_debug_container_that_does_not_start_is_said_in_the_row(shm, cluster):
    execs = {("bare", "main", "df"): MISSING, ("bare", "main", "cat"): ExecOutput("", "", 127)}
    kube, _ = cluster(
        [pod("bare", size_limit=None)],
        execs=execs,
        debug_state={"waiting": {"reason": "ImagePullBackOff"}},
    )
    result = shm("inspect", "bare", "-o", "json", "--debug", "--image", "nope:1")
    assert result.status == 0
    name = kube.patches[0][1]["spec"]["ephemeralContainers"][0]["name"]
    assert (
        f"debug container {name} did not start (ImagePullBackOff)."
        in (only_row(result)["explanation"])
    )
    assert f"added ephemeral container {name} to pod bare" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [(["--debug"], "--debug needs --image"), (["--image", "busybox"], "only used with --debug")],
)
def test_debug_and_image_go_together(shm, args, message):
    result = shm("inspect", "pod/x", *args)
    assert result.status == 2
    assert message in result.stderr


def only_row(result):
    [found] = json.loads(result.stdout)["pods"]
    [container] = found["containers"]
    return container
