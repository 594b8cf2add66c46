"""`kubectl shm set`: every exit path through the real entry point.

Local paths read real files. Live paths talk HTTP to a scripted API server
(tests/cli/fake_api.py) that records what we send; tests/e2e/test_set.py runs
them against the real cluster.
"""

import copy
import json
from pathlib import Path

import pytest
import yaml

from kubectl_shm.set import cluster as set_cluster
from tests.cli.fake_api import FakeApi, kubeconfig, serve, status_body
from tests.unit.set import smp

EXAMPLES = Path(__file__).parents[2] / "examples"
DEPLOY = "/apis/apps/v1/namespaces/ml/deployments/web"
SMP = "application/strategic-merge-patch+json"


def assert_one_line_error(result, status, *fragments):
    assert result.status == status, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    return lines[0]


# --- local: files in, files out -------------------------------------------------------

MULTI = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  zeta: "1"
  alpha: "2"
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: trainer
  namespace: ml
spec:
  selector:
    matchLabels: {app: trainer}
  template:
    metadata:
      labels: {app: trainer}
    spec:
      containers:
        - name: main
          image: pytorch/pytorch:2.3
          args: ["--workers", "8", "--a-very-long-argument-that-a-yaml-dumper-folds-at-eighty-cols"]
          resources:
            limits: {memory: 4Gi}
---
apiVersion: batch/v1
kind: Job
metadata:
  name: once
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: run
          image: busybox
"""


def test_local_yaml_keeps_every_document_in_order(shm, tmp_path):
    path = tmp_path / "app.yaml"
    path.write_text(MULTI)
    result = shm("set", "-f", str(path), "--local", "2Gi")
    assert result.status == 0, result.stderr
    config, deployment, job = yaml.safe_load_all(result.stdout)
    original = list(yaml.safe_load_all(MULTI))
    assert config == original[0]
    assert list(config["data"]) == ["zeta", "alpha"]
    spec = deployment["spec"]["template"]["spec"]
    assert spec["volumes"] == [
        {"name": "dshm", "emptyDir": {"medium": "Memory", "sizeLimit": "2Gi"}}
    ]
    assert spec["containers"][0]["volumeMounts"] == [{"name": "dshm", "mountPath": "/dev/shm"}]
    assert list(spec["containers"][0]) == ["name", "image", "args", "resources", "volumeMounts"]
    assert job["spec"]["template"]["spec"]["volumes"][0]["name"] == "dshm"
    assert "--a-very-long-argument-that-a-yaml-dumper-folds-at-eighty-cols" in (
        result.stdout.replace("\n", " ")
    ) and all(len(line) < 200 for line in result.stdout.splitlines())
    assert "deployment/trainer: /dev/shm 2Gi for container 'main'" in result.stderr
    assert "job/once: /dev/shm 2Gi for container 'run'" in result.stderr


def test_local_warns_when_size_is_above_the_memory_limit(shm, tmp_path):
    path = tmp_path / "app.yaml"
    path.write_text(MULTI)
    result = shm("set", "-f", str(path), "--local", "8Gi")
    assert result.status == 0
    assert "Warning: deployment/trainer: SIZE 8Gi is above the pod memory limit 4Gi" in (
        result.stderr
    )


def test_local_json_from_stdin(shm):
    manifest = (EXAMPLES / "03-sizelimit-256mi.yaml").read_text()
    result = shm("set", "-f", "-", "--local", "1Gi", "-o", "json", stdin=manifest)
    assert result.status == 0
    document = json.loads(result.stdout)
    assert document["kind"] == "Deployment"
    [volume] = document["spec"]["template"]["spec"]["volumes"]
    assert volume["emptyDir"]["sizeLimit"] == "1Gi"


def test_local_json_of_several_is_a_list(shm, tmp_path):
    (tmp_path / "app.yaml").write_text(MULTI)
    document = json.loads(shm("set", "-f", str(tmp_path), "--local", "1Gi", "-o", "json").stdout)
    assert document["kind"] == "List"
    assert [item["kind"] for item in document["items"]] == ["ConfigMap", "Deployment", "Job"]


def test_local_unchanged_is_said(shm):
    result = shm("set", "-f", str(EXAMPLES / "06-vllm-fixed.yaml"), "--local", "16384Mi")
    assert result.status == 0
    assert "unchanged: /dev/shm of container 'vllm' is already 16384Mi" in result.stderr
    assert yaml.safe_load(result.stdout) == yaml.safe_load(
        (EXAMPLES / "06-vllm-fixed.yaml").read_text()
    )


def test_local_remove(shm):
    result = shm("set", "-f", str(EXAMPLES / "06-vllm-fixed.yaml"), "--local", "--remove")
    assert result.status == 0
    spec = yaml.safe_load(result.stdout)["spec"]["template"]["spec"]
    assert "volumes" not in spec and "volumeMounts" not in spec["containers"][0]


def test_local_hostpath_refused_then_overwritten(shm):
    host = str(EXAMPLES / "08-host-shm.yaml")
    line = assert_one_line_error(
        shm("set", "-f", host, "--local", "1Gi"), 2, "hostPath", "--overwrite"
    )
    assert "daemonset/shm-sharer" in line
    result = shm("set", "-f", host, "--local", "1Gi", "--overwrite")
    assert result.status == 0
    [volume] = yaml.safe_load(result.stdout)["spec"]["template"]["spec"]["volumes"]
    assert volume == {"name": "host-shm", "emptyDir": {"medium": "Memory", "sizeLimit": "1Gi"}}


def test_local_containers_flag(shm, tmp_path):
    (tmp_path / "app.yaml").write_text(MULTI)
    result = shm("set", "-f", str(tmp_path / "app.yaml"), "--local", "1Gi", "-c", "run")
    assert result.status == 0
    _, deployment, job = yaml.safe_load_all(result.stdout)
    assert "volumes" not in deployment["spec"]["template"]["spec"]
    assert job["spec"]["template"]["spec"]["volumes"][0]["name"] == "dshm"
    missing = shm("set", "-f", str(tmp_path / "app.yaml"), "--local", "1Gi", "-c", "nope")
    assert_one_line_error(missing, 2, "no container named nope")


def test_local_file_without_workloads(shm, tmp_path):
    (tmp_path / "cm.yaml").write_text("kind: ConfigMap\nmetadata: {name: c}\n")
    assert_one_line_error(
        shm("set", "-f", str(tmp_path / "cm.yaml"), "--local", "1Gi"),
        2,
        "no object with a pod template",
    )


def test_local_missing_file(shm, tmp_path):
    assert_one_line_error(
        shm("set", "-f", str(tmp_path / "nope.yaml"), "--local", "1Gi"), 2, "no such file"
    )


# Issue 13: what PyYAML's round trip used to change, kept byte for byte.
FAITHFUL = """\
# Trainer: comments stay.
apiVersion: v1
kind: ConfigMap
metadata:
  name: answers
data:
  "y": "y"          # quoted y stays a string
  "Y": "n"
  exp: "1e3"
  octal: "0o17"
  when: 12:30
  date: 2024-01-02T03:04:05Z
  mode: 0644
  script: |
    echo hi
  folded: >-
    one
    two
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: trainer, labels: {app: trainer}}
spec:
  selector:
    matchLabels: {app: trainer}
  template:
    metadata:
      labels: {app: trainer}
    spec:
      containers:
        - name: main
          image: pytorch/pytorch:2.3
          args: [--sep, =, "--lr=3e-4"]   # = is a plain string
"""
SHM_LINES = """\
          volumeMounts:
            - name: dshm
              mountPath: /dev/shm
      volumes:
        - name: dshm
          emptyDir:
            medium: Memory
            sizeLimit: 2Gi
"""


def test_local_changes_nothing_but_the_shm_lines(shm, tmp_path):
    path = tmp_path / "app.yaml"
    path.write_text(FAITHFUL)
    result = shm("set", "-f", str(path), "--local", "2Gi")
    assert result.status == 0, result.stderr
    assert result.stdout == FAITHFUL + SHM_LINES


def test_local_several_files_and_stdin_make_one_stream(shm, tmp_path):
    (tmp_path / "a.yaml").write_text("kind: ConfigMap\nmetadata: {name: a}  # no final newline")
    (tmp_path / "b.json").write_text('{"kind": "ConfigMap", "metadata": {"name": "b"}}\n')
    args = ["set", "-f", str(tmp_path / "a.yaml"), "-f", "-", "-f", str(tmp_path / "b.json")]
    result = shm(*args, "--local", "2Gi", stdin=FAITHFUL)
    assert result.status == 0, result.stderr
    assert result.stdout == (
        "kind: ConfigMap\nmetadata: {name: a}  # no final newline\n---\n"
        + FAITHFUL + SHM_LINES
        + '---\n{"kind": "ConfigMap", "metadata": {"name": "b"}}\n'
    )  # fmt: skip


def test_local_json_stays_json(shm, tmp_path):
    path = tmp_path / "pod.json"
    path.write_text(json.dumps({"kind": "Pod", "metadata": {"name": "p"},
                                "spec": {"containers": [{"name": "main"}]}}, indent=2))  # fmt: skip
    result = shm("set", "-f", str(path), "--local", "1Gi")
    assert result.status == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["spec"]["volumes"] == [
        {"name": "dshm", "emptyDir": {"medium": "Memory", "sizeLimit": "1Gi"}}
    ]
    assert result.stdout.startswith('{\n  "kind": "Pod",\n  "metadata": {\n    "name": "p"\n')


def test_local_refuses_a_pod_spec_shared_through_an_anchor_but_json_output_works(shm, tmp_path):
    path = tmp_path / "list.yaml"
    path.write_text(
        "kind: List\nitems:\n"
        "- {kind: Deployment, metadata: {name: a},\n"
        "   spec: {template: {spec: &pod {containers: [{name: m}]}}}}\n"
        "- {kind: Deployment, metadata: {name: b}, spec: {template: {spec: *pod}}}\n"
    )
    line = assert_one_line_error(shm("set", "-f", str(path), "--local", "1Gi"), 2, "&pod")
    assert "list.yaml:4: cannot change this manifest in place" in line
    result = shm("set", "-f", str(path), "--local", "1Gi", "-o", "json")
    assert result.status == 0
    items = json.loads(result.stdout)["items"]
    assert [i["spec"]["template"]["spec"]["volumes"][0]["name"] for i in items] == ["dshm"] * 2


# --- usage and input errors (exit 2) ----------------------------------------------------


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (["deploy/web", "2GB"], ["invalid SIZE '2GB'", "unknown suffix 'GB'"]),
        (["deploy/web", "0"], ["invalid SIZE '0'", "must be greater than zero"]),
        (["deploy/web", "--", "-1Gi"], ["invalid SIZE '-1Gi'"]),
        (["deploy/web", "big"], ["invalid SIZE 'big'", "expected a number"]),
        (["deploy/web"], ["missing SIZE after 'deploy/web'"]),
        ([], ["missing SIZE"]),
        (["deploy/web", "2Gi", "--remove"], ["--remove takes no SIZE"]),
        (["svc/web", "2Gi"], ["unknown resource type 'svc'"]),
        (["deploy/web", "2Gi", "-l", "app=x"], ["-l takes resource types only"]),
        (["2Gi", "--local"], ["--local needs -f FILE"]),
        (["-f", "x.yaml", "--local", "--dry-run=server", "1Gi"], ["--dry-run=server cannot"]),
        (["-f", "x.yaml", "--local", "--wait", "1Gi"], ["--wait cannot be used with --local"]),
        (["deploy/web", "-f", "x.yaml", "--local", "1Gi"], ["--local changes -f files only"]),
        (["deploy/web", "1Gi", "--timeout", "soon"], ["--timeout: 'soon' is not a duration"]),
        (["deploy/web", "1Gi", "--dry-run=client", "--wait"], ["--wait has nothing to follow"]),
        (["deploy/web", "1Gi", "-c", ","], ["-c/--containers: no container name"]),
        (["deploy/web", "1Gi", "--dry-run=maybe"], ["maybe"]),
        (["deploy/web", "1Gi", "-o", "wide"], ["wide"]),
    ],
)
def test_bad_usage_exits_2_with_one_line(shm, args, fragments):
    assert_one_line_error(shm("set", *args), 2, *fragments)


def test_help_has_examples(shm):
    result = shm("set", "--help")
    assert result.status == 0
    assert "Examples:" in result.stdout and "kubectl shm set deploy/vllm 16Gi" in result.stdout
    assert "set" in shm("--help").stdout


# --- live, against the scripted API server ------------------------------------------------


def deployment(rv="10", *, volumes=None, labels=None, generation=2, status=None):
    spec = {"containers": [{"name": "web", "image": "nginx"}]}
    if volumes:
        spec["volumes"] = volumes
        spec["containers"][0]["volumeMounts"] = [
            {"name": v["name"], "mountPath": "/dev/shm"} for v in volumes
        ]
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {
            "name": "web",
            "namespace": "ml",
            "resourceVersion": rv,
            "generation": generation,
            "labels": labels or {"app": "web"},
            "managedFields": [{"manager": "kubectl-client-side-apply"}],
        },
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {"metadata": {"labels": {"app": "web"}}, "spec": spec},
        },
        "status": status or {},
    }


def patched(current):
    """The PATCH answer: the strategic merge of the body into `current`, as a server does."""

    def answer(request):
        body = copy.deepcopy(request.body)
        if (
            body.get("metadata", {}).get("resourceVersion")
            != current["metadata"]["resourceVersion"]
        ):
            return 409, status_body(409, "Conflict", "the object has been modified")
        result = smp.apply(current, body)
        result["metadata"]["resourceVersion"] = str(int(current["metadata"]["resourceVersion"]) + 1)
        result["metadata"]["generation"] = current["metadata"]["generation"] + 1
        return 200, result

    return answer


@pytest.fixture
def api(tmp_path, monkeypatch):
    fake = FakeApi()
    server = serve(fake)
    monkeypatch.setenv("KUBECONFIG", kubeconfig(tmp_path / "config", server.server_port))
    monkeypatch.setattr(set_cluster, "POLL_SECONDS", 0.01)
    fake.on("GET", "/api/v1/nodes", (200, {"items": []}))
    yield fake
    server.shutdown()


def test_live_patch_names_only_what_changes(shm, api):
    current = deployment()
    api.on("GET", DEPLOY, (200, current))
    api.on("PATCH", DEPLOY, patched(current))
    result = shm("set", "deploy/web", "2Gi")
    assert result.status == 0, result.stderr
    assert result.stdout == "deployment/web patched: /dev/shm 2Gi for container 'web'\n"
    # What admission does is asked first (set.admission_check): the same patch, dry run.
    dry_run, sent = api.sent("PATCH")
    assert dry_run.query == {"fieldManager": ["kubectl-shm"], "dryRun": ["All"]}
    assert dry_run.body == sent.body
    assert sent.content_type == SMP
    assert sent.query == {"fieldManager": ["kubectl-shm"]}
    assert sent.body == {
        "metadata": {"resourceVersion": "10"},
        "spec": {
            "template": {
                "spec": {
                    "volumes": [
                        {"name": "dshm", "emptyDir": {"medium": "Memory", "sizeLimit": "2Gi"}}
                    ],
                    "containers": [
                        {"name": "web", "volumeMounts": [{"mountPath": "/dev/shm", "name": "dshm"}]}
                    ],
                }
            }
        },
    }
    assert "its pods will be replaced (a rollout)" in result.stderr
    assert (
        "Undo: `kubectl rollout undo deployment/web -n ml` or "
        "`kubectl shm set deployment/web --remove -n ml`" in result.stderr
    )


def test_live_conflict_is_retried_on_a_fresh_read(shm, api):
    first, second = deployment("10"), deployment("11", labels={"app": "web", "touched": "yes"})
    api.on("GET", DEPLOY, (200, first), (200, second))
    api.on("PATCH", DEPLOY, patched(second))
    result = shm("set", "deploy/web", "2Gi")
    assert result.status == 0, result.stderr
    versions = [r.body["metadata"]["resourceVersion"] for r in api.sent("PATCH")]
    assert versions == ["10", "10", "11"]  # the dry run's conflict is left to the patch
    assert "read it again and retried (1 conflict)" in result.stderr


def test_live_conflict_every_time_gives_up(shm, api):
    api.on("GET", DEPLOY, (200, deployment("10")))
    api.on("PATCH", DEPLOY, (409, status_body(409, "Conflict", "the object has been modified")))
    line = assert_one_line_error(shm("set", "deploy/web", "2Gi"), 3, "kept changing")
    assert "the object has been modified" in line
    assert len(api.sent("PATCH")) == 1 + 5  # the dry run, then five tries


def test_live_forbidden_patch_exits_3(shm, api):
    api.on("GET", DEPLOY, (200, deployment()))
    message = (
        'deployments.apps "web" is forbidden: User "system:serviceaccount:ml:viewer" cannot '
        'patch resource "deployments" in API group "apps" in the namespace "ml"'
    )
    api.on("PATCH", DEPLOY, (403, status_body(403, "Forbidden", message)))
    line = assert_one_line_error(shm("set", "deploy/web", "2Gi"), 3, "cannot patch resource")
    assert line.startswith("error: patching deployment/web in namespace ml (server dry run): ")
    assert "patched" not in shm("set", "deploy/web", "2Gi").stdout


def test_live_unchanged_sends_no_patch(shm, api):
    volume = {"name": "dshm", "emptyDir": {"medium": "Memory", "sizeLimit": "2Gi"}}
    api.on("GET", DEPLOY, (200, deployment(volumes=[volume])))
    result = shm("set", "deploy/web", "2048Mi")
    assert result.status == 0
    assert (
        "deployment/web unchanged: /dev/shm of container 'web' is already 2048Mi" in result.stdout
    )
    assert api.sent("PATCH") == []
    assert "rollout" not in result.stderr


def test_live_server_dry_run(shm, api):
    current = deployment()
    api.on("GET", DEPLOY, (200, current))
    api.on("PATCH", DEPLOY, patched(current))
    result = shm("set", "deploy/web", "2Gi", "--dry-run=server", "-o", "json")
    assert result.status == 0, result.stderr
    check, sent = api.sent("PATCH")
    assert check.query["dryRun"] == sent.query["dryRun"] == ["All"]
    document = json.loads(result.stdout)
    assert document["spec"]["template"]["spec"]["volumes"][0]["name"] == "dshm"
    assert "managedFields" not in document["metadata"]
    assert "rollout" not in result.stderr


def test_live_client_dry_run_sends_nothing(shm, api):
    api.on("GET", DEPLOY, (200, deployment()))
    result = shm("set", "deploy/web", "2Gi", "--dry-run=client", "-o", "yaml")
    assert result.status == 0
    assert api.sent("PATCH") == []
    assert yaml.safe_load(result.stdout)["spec"]["template"]["spec"]["volumes"][0]["name"] == "dshm"


def test_live_not_found_exits_3(shm, api):
    assert_one_line_error(
        shm("set", "deploy/web", "2Gi"), 3, 'deployments.apps "web" not found in namespace "ml"'
    )


def test_several_targets_one_refused_patches_none(shm, api):
    api.on("GET", DEPLOY, (200, deployment()))
    host = deployment()
    host["metadata"]["name"] = "agent"
    host["spec"]["template"]["spec"]["volumes"] = [{"name": "h", "hostPath": {"path": "/dev/shm"}}]
    host["spec"]["template"]["spec"]["containers"][0]["volumeMounts"] = [
        {"name": "h", "mountPath": "/dev/shm"}
    ]
    api.on("GET", "/apis/apps/v1/namespaces/ml/deployments/agent", (200, host))
    assert_one_line_error(
        shm("set", "deploy/web", "deploy/agent", "1Gi"), 2, "hostPath", "--overwrite"
    )
    assert api.sent("PATCH") == []


def test_several_targets_are_validated_by_the_server_first(shm, api):
    api.on("GET", DEPLOY, (200, deployment()))
    other = deployment()
    other["metadata"]["name"] = "api"
    other_path = "/apis/apps/v1/namespaces/ml/deployments/api"
    api.on("GET", other_path, (200, other))
    api.on("PATCH", DEPLOY, patched(deployment()))
    invalid = status_body(422, "Invalid", 'Deployment.apps "api" is invalid: denied by policy')
    api.on("PATCH", other_path, (422, invalid))
    assert_one_line_error(shm("set", "deploy/web", "deploy/api", "1Gi"), 3, "denied by policy")
    assert all(r.query.get("dryRun") == ["All"] for r in api.sent("PATCH"))


def test_selector_lists_the_kinds(shm, api):
    current = deployment()
    listed = {k: v for k, v in current.items() if k not in ("kind", "apiVersion")}
    api.on("GET", "/apis/apps/v1/namespaces/ml/deployments", (200, {"items": [listed]}))
    api.on("PATCH", DEPLOY, patched(current))
    result = shm("set", "deploy", "-l", "app=web", "512Mi")
    assert result.status == 0, result.stderr
    [listing] = [r for r in api.requests if r.path.endswith("/deployments")]
    assert listing.query["labelSelector"] == ["app=web"]
    assert len(api.sent("PATCH")) == 2  # a dry run, then the patch
    api.on("GET", "/apis/apps/v1/namespaces/ml/statefulsets", (200, {"items": []}))
    nothing = shm("set", "sts", "-l", "app=none", "512Mi")
    assert_one_line_error(nothing, 2, "no statefulsets matching 'app=none' in namespace 'ml'")


def test_live_job_is_refused_with_its_cronjob(shm, api):
    job = {
        "kind": "Job",
        "metadata": {
            "name": "nightly-123",
            "ownerReferences": [{"kind": "CronJob", "name": "nightly", "controller": True}],
        },
    }
    api.on("GET", "/apis/batch/v1/namespaces/ml/jobs/nightly-123", (200, job))
    line = assert_one_line_error(
        shm("set", "job/nightly-123", "1Gi"), 2, "cannot change job/nightly-123"
    )
    assert "pod template cannot change once the Job exists" in line
    assert "kubectl shm set cronjob/nightly 1Gi -n ml" in line
    assert api.sent("PATCH") == []


def test_live_pod_is_refused_with_its_deployment(shm, api):
    pod = {
        "metadata": {
            "ownerReferences": [{"kind": "ReplicaSet", "name": "web-5d4", "controller": True}]
        }
    }
    rs = {
        "metadata": {"ownerReferences": [{"kind": "Deployment", "name": "web", "controller": True}]}
    }
    api.on("GET", "/api/v1/namespaces/ml/pods/web-5d4-x", (200, pod))
    api.on("GET", "/apis/apps/v1/namespaces/ml/replicasets/web-5d4", (200, rs))
    line = assert_one_line_error(
        shm("set", "pod/web-5d4-x", "1Gi"), 2, "cannot change pod/web-5d4-x"
    )
    assert "kubectl shm set deployment/web 1Gi -n ml" in line


def test_refusal_without_a_cluster_still_says_why(shm, tmp_path, monkeypatch):
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "absent"))
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    line = assert_one_line_error(shm("set", "job/x", "1Gi"), 2, "cannot change job/x")
    assert "kubectl shm set -f job.yaml --local 1Gi -o yaml" in line
    assert_one_line_error(shm("set", "jobs", "--all", "1Gi"), 2, "cannot change jobs in place")


def test_replicaset_of_a_deployment_is_refused(shm, api):
    rs = deployment()
    rs["kind"] = "ReplicaSet"
    rs["metadata"]["ownerReferences"] = [{"kind": "Deployment", "name": "web", "controller": True}]
    api.on("GET", "/apis/apps/v1/namespaces/ml/replicasets/web-5d4", (200, rs))
    assert_one_line_error(shm("set", "rs/web-5d4", "1Gi"), 2, "kubectl shm set deployment/web 1Gi")


def test_gitops_and_legacy_node_warnings(shm, api):
    current = deployment(labels={"app": "web", "app.kubernetes.io/managed-by": "Helm"})
    api.on("GET", DEPLOY, (200, current))
    api.on("PATCH", DEPLOY, patched(current))
    node = {
        "metadata": {"name": "node-legacy", "labels": {"kubernetes.io/hostname": "node-legacy"}},
        "status": {
            "nodeInfo": {"kubeletVersion": "v1.31.4"},
            "capacity": {"memory": "8Gi"},
            "allocatable": {"memory": "7Gi"},
        },
    }
    api.on("GET", "/api/v1/nodes", (200, {"items": [node]}))
    metrics = 'kubernetes_feature_enabled{name="SizeMemoryBackedVolumes",stage="BETA"} 0\n'
    api.on("GET", "/api/v1/nodes/node-legacy/proxy/metrics", (200, metrics))
    result = shm("set", "deploy/web", "1Gi")
    assert result.status == 0, result.stderr
    assert "Warning: deployment/web is managed by Helm" in result.stderr
    assert "node node-legacy (kubelet v1.31.4, SizeMemoryBackedVolumes off)" in result.stderr
    assert "a tmpfs of 4Gi (half its RAM)" in result.stderr


def test_wait_follows_the_rollout(shm, api):
    current = deployment()
    api.on("PATCH", DEPLOY, patched(current))
    progressing = deployment(
        "11",
        generation=3,
        status={
            "observedGeneration": 3,
            "replicas": 3,
            "updatedReplicas": 1,
            "availableReplicas": 2,
        },
    )
    done = deployment(
        "12",
        generation=3,
        status={
            "observedGeneration": 3,
            "replicas": 2,
            "updatedReplicas": 2,
            "availableReplicas": 2,
        },
    )
    api.on("GET", DEPLOY, (200, current), (200, progressing), (200, done))
    result = shm("set", "deploy/web", "1Gi", "--wait")
    assert result.status == 0, result.stderr
    assert "deployment/web: 1 of 2 new replicas updated" in result.stderr
    assert "deployment/web: rolled out, 2 of 2 pods ready" in result.stderr


def test_failed_rollout_exits_3_with_the_pods_reasons(shm, api):
    current = deployment()
    api.on("PATCH", DEPLOY, patched(current))
    stuck = deployment(
        "11",
        generation=3,
        status={
            "observedGeneration": 3,
            "replicas": 3,
            "updatedReplicas": 1,
            "conditions": [
                {"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded"}
            ],
        },
    )
    api.on("GET", DEPLOY, (200, current), (200, stuck))
    pod = {
        "metadata": {"name": "web-new"},
        "status": {
            "containerStatuses": [
                {
                    "name": "web",
                    "state": {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off"}},
                }
            ]
        },
    }
    api.on("GET", "/api/v1/namespaces/ml/pods", (200, {"items": [pod]}))
    line = assert_one_line_error(
        shm("set", "deploy/web", "1Gi", "--wait"), 3, "rollout of deployment/web failed"
    )
    assert "web-new: container web: CrashLoopBackOff: back-off" in line
    assert "kubectl rollout undo deployment/web -n ml" in line
    [pods] = [r for r in api.requests if r.path.endswith("/pods")]
    assert pods.query["labelSelector"] == ["app=web"]


def test_rollout_timeout_exits_3(shm, api):
    current = deployment()
    api.on("PATCH", DEPLOY, patched(current))
    slow = deployment("11", generation=3, status={"observedGeneration": 2})
    api.on("GET", DEPLOY, (200, current), (200, slow))
    api.on("GET", "/api/v1/namespaces/ml/pods", (200, {"items": []}))
    assert_one_line_error(
        shm("set", "deploy/web", "1Gi", "--wait", "--timeout", "50ms"),
        3,
        "not finished after 0.05s",
    )


def test_remove_live(shm, api):
    volume = {"name": "dshm", "emptyDir": {"medium": "Memory", "sizeLimit": "2Gi"}}
    current = deployment(volumes=[volume])
    api.on("GET", DEPLOY, (200, current))
    api.on("PATCH", DEPLOY, patched(current))
    result = shm("set", "deploy/web", "--remove")
    assert result.status == 0, result.stderr
    _, sent = api.sent("PATCH")
    spec = sent.body["spec"]["template"]["spec"]
    assert spec["volumes"] == [{"name": "dshm", "$patch": "delete"}]
    assert "`kubectl shm set deployment/web 2Gi -n ml`" in result.stderr


def test_files_name_live_objects(shm, api, tmp_path):
    current = deployment()
    api.on("GET", DEPLOY, (200, current))
    api.on("PATCH", DEPLOY, patched(current))
    manifest = tmp_path / "web.yaml"
    manifest.write_text(
        "kind: Deployment\napiVersion: apps/v1\nmetadata: {name: web, namespace: ml}\n"
    )
    result = shm("set", "-f", str(manifest), "1Gi")
    assert result.status == 0, result.stderr
    assert len(api.sent("PATCH")) == 2  # a dry run, then the patch
    clash = shm("set", "-f", str(manifest), "1Gi", "-n", "other")
    assert_one_line_error(clash, 2, "is in namespace 'ml' in the file, not 'other'")


def test_diff_on_a_terminal(shm, api, monkeypatch):
    from kubectl_shm.render.terminal import Terminal

    monkeypatch.setattr(Terminal, "stderr_is_tty", property(lambda self: True))
    monkeypatch.setenv("NO_COLOR", "1")
    current = deployment()
    api.on("GET", DEPLOY, (200, current))
    result = shm("set", "deploy/web", "1Gi", "--dry-run=client")
    assert result.status == 0, result.stderr
    assert "+++ deployment/web spec.template (after)" in result.stderr
    assert "+      sizeLimit: 1Gi" in result.stderr
    assert "+    - name: dshm" in result.stderr or "+  - name: dshm" in result.stderr


def test_pods_are_resized_alone_and_print_no_objects(shm):
    mixed = shm("set", "pod/a", "deploy/b", "1Gi")
    assert mixed.status == 2
    assert "pods are resized in place, one kind at a time" in mixed.stderr
    printed = shm("set", "pod/a", "1Gi", "-o", "yaml")
    assert printed.status == 2
    assert "a resize in place prints lines" in printed.stderr


def test_in_place_takes_statefulsets_and_daemonsets_by_name(shm):
    for args in (["deploy/web", "1Gi", "--in-place"], ["sts", "--all", "1Gi", "--in-place"]):
        result = shm("set", *args)
        assert result.status == 2
        assert "--in-place takes statefulsets and daemonsets by name" in result.stderr
