from kubectl_shm.model.ownership import OwnerIndex, WorkloadRef, top_owner


def ref(kind, name, uid, controller=True):
    return {"kind": kind, "name": name, "uid": uid, "controller": controller}


INDEX = OwnerIndex.build(
    [
        (
            "ReplicaSet",
            {"uid": "rs1", "name": "web-5d9c", "ownerReferences": [ref("Deployment", "web", "d1")]},
        ),
        (
            "ReplicaSet",
            {
                "uid": "rs2",
                "name": "canary-1",
                "ownerReferences": [ref("Rollout", "canary", "ro1")],
            },
        ),
        ("ReplicaSet", {"uid": "rs3", "name": "lonely", "ownerReferences": []}),
        (
            "Job",
            {
                "uid": "j1",
                "name": "nightly-123",
                "ownerReferences": [ref("CronJob", "nightly", "cj1")],
            },
        ),
    ]
)


def pod(*owners, name="p", namespace="ml"):
    return {"name": name, "namespace": namespace, "ownerReferences": list(owners)}


def test_deployment_through_replicaset():
    assert top_owner(pod(ref("ReplicaSet", "web-5d9c", "rs1")), INDEX) == WorkloadRef(
        "Deployment", "ml", "web"
    )


def test_custom_resource_owner_of_a_replicaset():
    assert top_owner(pod(ref("ReplicaSet", "canary-1", "rs2")), INDEX).kind == "Rollout"


def test_cronjob_through_job():
    assert top_owner(pod(ref("Job", "nightly-123", "j1")), INDEX).name == "nightly"


def test_replicaset_without_owner_and_unlisted_controllers():
    assert top_owner(pod(ref("ReplicaSet", "lonely", "rs3")), INDEX).kind == "ReplicaSet"
    assert top_owner(pod(ref("StatefulSet", "db", "s1")), INDEX) == WorkloadRef(
        "StatefulSet", "ml", "db"
    )
    # ReplicaSets could not be listed (RBAC): the ReplicaSet is the workload.
    assert top_owner(pod(ref("ReplicaSet", "web-5d9c", "rs1")), OwnerIndex({})).kind == "ReplicaSet"


def test_bare_pod_and_non_controller_owner():
    assert top_owner(pod(name="solo"), INDEX) == WorkloadRef("Pod", "ml", "solo")
    assert top_owner(pod(ref("ConfigMap", "x", "c1", controller=False)), INDEX).kind == "Pod"


def test_owner_cycles_terminate():
    cyclic = OwnerIndex.build(
        [
            (
                "ReplicaSet",
                {"uid": "a", "name": "a", "ownerReferences": [ref("ReplicaSet", "b", "b")]},
            ),
            (
                "ReplicaSet",
                {"uid": "b", "name": "b", "ownerReferences": [ref("ReplicaSet", "a", "a")]},
            ),
        ]
    )
    assert top_owner(pod(ref("ReplicaSet", "a", "a")), cyclic).kind == "ReplicaSet"
