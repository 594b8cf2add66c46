"""`kubectl shm audit` over more pods than one page holds, through the real API server.

The pods are objects only: they name a scheduler that does not exist, so they stay Pending
and unbound and no kubelet runs them (the namespace's deletion removes them at once).
Each carries the service account volume the API server adds with a name of its own, which
slimming must drop for the pods of one template to be audited as one question.
"""

from __future__ import annotations

import json

PODS = 2100  # three pages of 1,000
NO_SCHEDULER = "shm-e2e-nonexistent"


def bare_pod(index: int) -> dict:
    container: dict = {"name": "main", "image": "localhost/pytorch/pytorch:2.4"}
    spec: dict = {"schedulerName": NO_SCHEDULER, "containers": [container]}
    if index % 2:  # a trainer with 1Gi of shm and a 2Gi memory limit: clean
        spec["volumes"] = [{"name": "dshm", "emptyDir": {"medium": "Memory", "sizeLimit": "1Gi"}}]
        container["resources"] = {"limits": {"memory": "2Gi"}}
        container["volumeMounts"] = [{"name": "dshm", "mountPath": "/dev/shm"}]
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": f"p-{index:04d}"}, "spec": spec}


def test_every_pod_of_every_page_is_audited(kubectl, shm, namespace):
    items = {"apiVersion": "v1", "kind": "List", "items": [bare_pod(i) for i in range(PODS)]}
    kubectl("create", "-n", namespace, "-f", "-", input=json.dumps(items))
    tokens = kubectl("get", "pods", "-n", namespace, "-o", "json").stdout
    token_volumes = {
        v["name"] for p in json.loads(tokens)["items"] for v in p["spec"].get("volumes", [])
    } - {"dshm"}
    # A volume of its own per pod, as served: its 5 random characters rarely repeat (two
    # of 2,100 pods share a name about one run in seven).
    assert len(token_volumes) >= PODS * 0.99

    result = shm("audit", "-n", namespace, "-o", "json", "--no-usage")
    assert result.returncode == 1, result.stderr  # the PyTorch pods without /dev/shm
    document = json.loads(result.stdout)
    workloads = {w["name"]: w for w in document["workloads"]}
    assert sorted(workloads) == [f"p-{i:04d}" for i in range(PODS)]
    assert document["summary"] == {"workloads": PODS, "error": PODS // 2, "warning": 0, "info": 0}
    for index, name in enumerate(sorted(workloads)):
        [container] = workloads[name]["containers"]
        if index % 2:
            assert (container["expectedBytes"], container["expectedBasis"]) == (2**30, "sizeLimit")
            assert workloads[name]["findings"] == []
        else:
            assert (container["shmSource"], container["expectedBytes"]) == (
                "runtime-default",
                64 * 2**20,
            )
            [finding] = workloads[name]["findings"]
            assert finding["rule"] == "default-shm-ai-workload"

    table = shm("audit", "-n", namespace, "--no-usage")
    rows = table.stdout.split("\n\n")[0].splitlines()[1:]
    assert len(rows) == PODS  # not a terminal: every row
    assert f"{PODS} workloads: {PODS // 2} error, 0 warning, 0 info" in table.stdout
    assert table.stdout.count("ERROR   default-shm-ai-workload") == PODS // 2
    assert f"default-shm-ai-workload  {namespace}/pod/p-0000 [main]\n" in table.stdout
