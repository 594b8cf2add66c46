"""Who set a /dev/shm sizeLimit, read from the object: recorded objects of the test cluster."""

from __future__ import annotations

import copy

from kubectl_shm.model.admission_trail import size_limit_origin

# A Deployment created by `kubectl apply` without a sizeLimit, as the v1.37.2 test cluster
# stored it after a MutatingAdmissionPolicy added sizeLimit 100Mi (managedFields trimmed to
# the pod template's volumes): the client's entry owns the medium, nobody the sizeLimit.
RECORDED = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {
        "name": "web",
        "managedFields": [
            {
                "manager": "kube-controller-manager",
                "operation": "Update",
                "subresource": "status",
                "fieldsV1": {"f:status": {"f:observedGeneration": {}}},
            },
            {
                "manager": "kubectl-client-side-apply",
                "operation": "Update",
                "fieldsV1": {
                    "f:spec": {
                        "f:template": {
                            "f:spec": {
                                "f:volumes": {
                                    ".": {},
                                    'k:{"name":"dshm"}': {
                                        ".": {},
                                        "f:emptyDir": {".": {}, "f:medium": {}},
                                        "f:name": {},
                                    },
                                }
                            }
                        }
                    }
                },
            },
        ],
    },
    "spec": {
        "template": {
            "spec": {
                "containers": [{"name": "main", "image": "busybox"}],
                "volumes": [
                    {"name": "dshm", "emptyDir": {"medium": "Memory", "sizeLimit": "100Mi"}}
                ],
            }
        }
    },
}


def test_a_size_limit_no_manager_owns_was_set_by_mutating_admission():
    origin = size_limit_origin(RECORDED["metadata"], "dshm", 0)
    assert origin is not None and not origin.named
    assert origin.who.startswith("mutating admission")


def test_a_size_limit_a_client_owns_is_the_authors():
    owned = copy.deepcopy(RECORDED)
    volumes = owned["metadata"]["managedFields"][1]["fieldsV1"]["f:spec"]["f:template"]["f:spec"]
    volumes["f:volumes"]['k:{"name":"dshm"}']["f:emptyDir"]["f:sizeLimit"] = {}
    assert size_limit_origin(owned["metadata"], "dshm", 0) is None


def test_without_managed_fields_nothing_is_said():
    bare = copy.deepcopy(RECORDED)
    del bare["metadata"]["managedFields"]
    assert size_limit_origin(bare["metadata"], "dshm", 0) is None


def test_a_policy_engine_owning_it_is_named():
    engine = copy.deepcopy(RECORDED)
    engine["metadata"]["managedFields"].append(
        {
            "manager": "kyverno-background-controller",
            "fieldsV1": {"f:spec": {"f:template": {"f:spec": {"f:volumes": {
                'k:{"name":"dshm"}': {"f:emptyDir": {"f:sizeLimit": {}}}}}}}},
        }
    )  # fmt: skip
    origin = size_limit_origin(engine["metadata"], "dshm", 0)
    assert origin is not None and origin.named
    assert "kyverno-background-controller" in origin.who


def _kyverno(path: str) -> dict:
    annotated = copy.deepcopy(RECORDED)
    annotated["metadata"]["annotations"] = {
        "policies.kyverno.io/last-applied-patches": (
            f"add-emptydir-sizelimit.add-emptydir-sizelimit.kyverno.io: added {path}\n"
        )
    }
    return annotated


def test_kyverno_annotation_naming_the_volume_names_the_policy():
    annotated = _kyverno("/spec/template/spec/volumes/0/emptyDir/sizeLimit")
    origin = size_limit_origin(annotated["metadata"], "dshm", 0)
    assert origin is not None and origin.named
    assert origin.who.startswith("Kyverno policy 'add-emptydir-sizelimit' (rule 'add-emptydir")


def test_kyverno_annotation_on_another_volume_or_a_container_is_not_this_one():
    for path in ("/spec/template/spec/volumes/1/emptyDir/sizeLimit",
                 "/spec/template/spec/containers/0/volumeMounts/0"):  # fmt: skip
        origin = size_limit_origin(_kyverno(path)["metadata"], "dshm", 0)
        assert origin is None or not origin.named


def test_kyverno_names_any_volume_when_the_index_is_unknown_and_nobody_owns_it():
    annotated = _kyverno("/spec/template/spec/volumes/3/emptyDir/sizeLimit")
    origin = size_limit_origin(annotated["metadata"], "dshm")
    assert origin is not None and origin.named and "add-emptydir-sizelimit" in origin.who


def test_kyverno_annotation_is_not_trusted_over_a_client_owning_the_field():
    annotated = _kyverno("/spec/template/spec/volumes/0/emptyDir/sizeLimit")
    fields = annotated["metadata"]["managedFields"][1]["fieldsV1"]["f:spec"]["f:template"]
    fields["f:spec"]["f:volumes"]['k:{"name":"dshm"}']["f:emptyDir"]["f:sizeLimit"] = {}
    assert size_limit_origin(annotated["metadata"], "dshm", 0) is None
