"""`kubectl shm set` against the real cluster: patches, rollouts, df in the new pods, RBAC."""

from __future__ import annotations

import json

import pytest

from kubectl_shm.kube.client import connect
from kubectl_shm.kube.connection import ConnectionOptions
from kubectl_shm.kube.patching import patch_with_retry
from kubectl_shm.model.workload_kinds import BY_KIND
from kubectl_shm.set.plan import ShmRequest, plan_shm
from tests.e2e.conftest import shm_df_kib
from tests.e2e.manifests import as_input, daemonset, deployment, pod_spec, statefulset

pytestmark = pytest.mark.e2e

Mi = 1024  # df -k counts 1K blocks
WAIT = ("--wait", "--timeout", "180s")


def get(kubectl, namespace: str, target: str) -> dict:
    listed = kubectl("get", target, "-n", namespace, "-o", "json", "--show-managed-fields")
    return json.loads(listed.stdout)


def template_spec(obj: dict) -> dict:
    return obj["spec"]["template"]["spec"]


def running_pods(kubectl, namespace: str, app: str) -> list[dict]:
    """The pods of `app` that are running and not on their way out."""
    listed = kubectl("get", "pods", "-n", namespace, "-l", f"app={app}", "-o", "json")
    pods = json.loads(listed.stdout)["items"]
    return [
        p
        for p in pods
        if not p["metadata"].get("deletionTimestamp") and p["status"].get("phase") == "Running"
    ]


def only_pod(kubectl, namespace: str, app: str) -> str:
    [pod] = running_pods(kubectl, namespace, app)
    return pod["metadata"]["name"]


def create(kubectl, namespace: str, *objects: dict, wait: str | None = "deployment") -> None:
    kubectl("apply", "-n", namespace, "-f", "-", input=as_input(*objects))
    if wait == "deployment":
        kubectl("rollout", "status", "deployment", "--timeout=180s", "-n", namespace)


@pytest.fixture
def web(two_nodes, kubectl, namespace):
    """A deployment on node-current with nothing at /dev/shm, rolled out."""
    spec = pod_spec(image=two_nodes.image, node=two_nodes.node_current)
    create(kubectl, namespace, deployment("web", spec))
    return namespace


def test_set_on_deployment_without_shm_reaches_df(web, kubectl, shm):
    assert (
        shm_df_kib(kubectl, web, only_pod(kubectl, web, "web"))[0] == 64 * Mi
    )  # the runtime default
    result = shm("set", "deploy/web", "96Mi", "-n", web, *WAIT)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "deployment/web patched: /dev/shm 96Mi for container 'main'\n"
    assert "its pods will be replaced (a rollout)" in result.stderr
    assert f"kubectl rollout undo deployment/web -n {web}" in result.stderr
    assert "deployment/web: rolled out" in result.stderr
    assert shm_df_kib(kubectl, web, only_pod(kubectl, web, "web"))[0] == 96 * Mi
    obj = get(kubectl, web, "deployment/web")
    assert template_spec(obj)["volumes"] == [
        {"name": "dshm", "emptyDir": {"medium": "Memory", "sizeLimit": "96Mi"}}
    ]
    managers = {entry["manager"] for entry in obj["metadata"]["managedFields"]}
    assert "kubectl-shm" in managers


def test_update_an_existing_size_then_unchanged(two_nodes, kubectl, shm, namespace):
    spec = pod_spec(
        image=two_nodes.image,
        node=two_nodes.node_current,
        shm={"medium": "Memory", "sizeLimit": "256Mi"},
    )
    create(kubectl, namespace, deployment("web", spec))
    result = shm("set", "deploy/web", "128Mi", "-n", namespace, *WAIT)
    assert result.returncode == 0, result.stderr
    assert shm_df_kib(kubectl, namespace, only_pod(kubectl, namespace, "web"))[0] == 128 * Mi
    obj = get(kubectl, namespace, "deployment/web")
    assert template_spec(obj)["volumes"] == [
        {"name": "dshm", "emptyDir": {"medium": "Memory", "sizeLimit": "128Mi"}}
    ]
    again = shm("set", "deploy/web", "131072Ki", "-n", namespace, *WAIT)
    assert again.returncode == 0, again.stderr
    assert "unchanged: /dev/shm of container 'main' is already 131072Ki" in again.stdout
    after = get(kubectl, namespace, "deployment/web")
    assert after["metadata"]["generation"] == obj["metadata"]["generation"]
    assert after["metadata"]["resourceVersion"] == obj["metadata"]["resourceVersion"]


def test_server_dry_run_changes_nothing(web, kubectl, shm):
    before = get(kubectl, web, "deployment/web")
    result = shm("set", "deploy/web", "1Gi", "-n", web, "--dry-run=server", "-o", "json")
    assert result.returncode == 0, result.stderr
    answered = json.loads(result.stdout)
    assert template_spec(answered)["volumes"][0]["emptyDir"]["sizeLimit"] == "1Gi"
    after = get(kubectl, web, "deployment/web")
    assert after["metadata"]["resourceVersion"] == before["metadata"]["resourceVersion"]
    assert "volumes" not in template_spec(after)


def test_a_concurrent_update_causes_a_real_conflict_and_a_retry(cluster, web, kubectl):
    """Between our read and our patch, someone else writes the object: the API server
    refuses our patch (409, stale resourceVersion); we read again, re-plan and win,
    and the other writer's change survives."""
    kube = connect(ConnectionOptions(kubeconfig=cluster.kubeconfig, namespace=web))
    request = ShmRequest("80Mi")
    raced = []

    def concurrent_writer(obj: dict) -> None:
        if not raced:
            raced.append(obj["metadata"]["resourceVersion"])
            kubectl("annotate", "deployment/web", "-n", web, "team=ml")

    def build(obj: dict):
        plan = plan_shm(obj, request)
        return plan.patch(None) if plan.changed else None

    try:
        outcome = patch_with_retry(
            kube,
            kind=BY_KIND["Deployment"],
            namespace=web,
            name="web",
            build=build,
            before_patch=concurrent_writer,
        )
    finally:
        kube.close()
    # 2, or more when the deployment controller also writes in between (status updates)
    assert outcome.attempts >= 2 and outcome.patched
    assert outcome.before["metadata"]["resourceVersion"] != raced[0]
    stored = get(kubectl, web, "deployment/web")
    assert stored["metadata"]["annotations"]["team"] == "ml"
    assert template_spec(stored)["volumes"][0]["emptyDir"]["sizeLimit"] == "80Mi"


def test_live_job_is_refused_and_its_cronjob_suggested(two_nodes, kubectl, shm, namespace):
    job_spec = pod_spec(image=two_nodes.image, node=two_nodes.node_current, command=("true",))
    job_spec["restartPolicy"] = "Never"
    cronjob = {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": {"name": "nightly"},
        "spec": {
            "schedule": "0 3 * * *",
            "suspend": True,
            "jobTemplate": {"spec": {"template": {"spec": job_spec}}},
        },
    }
    create(kubectl, namespace, cronjob, wait=None)
    kubectl("create", "job", "manual", "--from=cronjob/nightly", "-n", namespace)
    before = get(kubectl, namespace, "job/manual")
    result = shm("set", "job/manual", "1Gi", "-n", namespace)
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith("error: cannot change job/manual in place: ")
    assert "a Job's pod template cannot change once the Job exists" in result.stderr
    suggested = f"kubectl shm set cronjob/nightly 1Gi -n {namespace}"
    assert suggested in result.stderr
    assert (
        get(kubectl, namespace, "job/manual")["metadata"]["resourceVersion"]
        == (before["metadata"]["resourceVersion"])
    )
    follow = shm(*suggested.split()[2:])
    assert follow.returncode == 0, follow.stderr
    assert "Jobs it starts from now on get the new /dev/shm" in follow.stderr
    stored = get(kubectl, namespace, "cronjob/nightly")
    volumes = stored["spec"]["jobTemplate"]["spec"]["template"]["spec"]["volumes"]
    assert volumes == [{"name": "dshm", "emptyDir": {"medium": "Memory", "sizeLimit": "1Gi"}}]


def test_without_patch_rights_a_clear_error(web, kubectl, shm, limited_kubeconfig):
    kubeconfig = limited_kubeconfig(
        [{"apiGroups": ["apps"], "resources": ["deployments"], "verbs": ["get", "list"]}]
    )
    before = get(kubectl, web, "deployment/web")
    result = shm("set", "deploy/web", "1Gi", "--kubeconfig", kubeconfig)
    assert result.returncode == 3, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and "Traceback" not in result.stderr
    # The server dry run that asks admission first (set.admission_check) meets RBAC first.
    assert errors[0].startswith(
        f"error: patching deployment/web in namespace {web} (server dry run): "
    )
    assert 'cannot patch resource "deployments" in API group "apps"' in errors[0]
    assert "cannot list nodes (forbidden)" in result.stderr
    assert result.stdout == ""
    after = get(kubectl, web, "deployment/web")
    assert after["metadata"]["resourceVersion"] == before["metadata"]["resourceVersion"]


def test_statefulset(two_nodes, kubectl, shm, namespace):
    spec = pod_spec(image=two_nodes.image, node=two_nodes.node_current)
    create(kubectl, namespace, statefulset("db", spec), wait=None)
    kubectl("rollout", "status", "statefulset/db", "--timeout=180s", "-n", namespace)
    result = shm("set", "sts/db", "80Mi", "-n", namespace, *WAIT)
    assert result.returncode == 0, result.stderr
    assert "statefulset/db: rolled out" in result.stderr
    assert shm_df_kib(kubectl, namespace, "db-0")[0] == 80 * Mi


def test_daemonset_on_one_node(two_nodes, kubectl, shm, namespace):
    spec = pod_spec(image=two_nodes.image, node=two_nodes.node_current)
    create(kubectl, namespace, daemonset("agent", spec), wait=None)
    kubectl("rollout", "status", "daemonset/agent", "--timeout=180s", "-n", namespace)
    result = shm("set", "ds/agent", "48Mi", "-n", namespace, *WAIT)
    assert result.returncode == 0, result.stderr
    assert "daemonset/agent: rolled out" in result.stderr
    [pod] = running_pods(kubectl, namespace, "agent")
    assert pod["spec"]["nodeName"] == two_nodes.node_current
    assert shm_df_kib(kubectl, namespace, pod["metadata"]["name"])[0] == 48 * Mi


def test_remove_brings_back_the_runtime_default(two_nodes, kubectl, shm, namespace):
    spec = pod_spec(
        image=two_nodes.image,
        node=two_nodes.node_current,
        shm={"medium": "Memory", "sizeLimit": "200Mi"},
    )
    create(kubectl, namespace, deployment("web", spec))
    assert shm_df_kib(kubectl, namespace, only_pod(kubectl, namespace, "web"))[0] == 200 * Mi
    result = shm("set", "deploy/web", "--remove", "-n", namespace, *WAIT)
    assert result.returncode == 0, result.stderr
    assert f"kubectl shm set deployment/web 200Mi -n {namespace}" in result.stderr
    spec_after = template_spec(get(kubectl, namespace, "deployment/web"))
    assert "volumes" not in spec_after
    assert "volumeMounts" not in spec_after["containers"][0]
    assert shm_df_kib(kubectl, namespace, only_pod(kubectl, namespace, "web"))[0] == 64 * Mi


def test_legacy_node_warning_from_the_live_kubelet(two_nodes, kubectl, shm, namespace):
    spec = pod_spec(image=two_nodes.image, node=two_nodes.node_legacy)
    create(kubectl, namespace, deployment("old", spec))
    result = shm("set", "deploy/old", "64Mi", "-n", namespace, "--dry-run=server")
    assert result.returncode == 0, result.stderr
    assert "node node-legacy (kubelet v1.31" in result.stderr
    assert "SizeMemoryBackedVolumes off) does not apply SIZE" in result.stderr
    assert "node-current" not in result.stderr  # the nodeSelector keeps it off node-current


def test_local_output_is_accepted_by_the_api_server(two_nodes, kubectl, shm, namespace):
    manifest = as_input(deployment("web", pod_spec(image=two_nodes.image)))
    result = shm("set", "-f", "-", "--local", "512Mi", "-o", "yaml", input=manifest)
    assert result.returncode == 0, result.stderr
    checked = kubectl("apply", "-n", namespace, "--dry-run=server", "-o", "json", "-f", "-",
                      input=result.stdout)  # fmt: skip
    answer = json.loads(checked.stdout)
    [item] = answer.get("items", [answer])
    assert template_spec(item)["volumes"][0]["emptyDir"]["sizeLimit"] == "512Mi"
