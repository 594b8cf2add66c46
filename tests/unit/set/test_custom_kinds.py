"""TYPE words through API discovery: aggregated and per-group-version documents, refusals."""

from __future__ import annotations

import pytest

from kubectl_shm.errors import InputError
from kubectl_shm.kube.discovery import discover_resources
from kubectl_shm.model.workload_kinds import parse_targets
from kubectl_shm.set.custom_kinds import CustomKinds
from tests.unit.recorded_api import recorded_kube
from tests.unit.set.test_operators import discovery

LEGACY = {
    ("GET", "/api"): {"kind": "APIVersions", "versions": ["v1"]},
    ("GET", "/api/v1"): {
        "resources": [
            {
                "name": "pods",
                "kind": "Pod",
                "namespaced": True,
                "verbs": ["get"],
                "shortNames": ["po"],
            },
            {"name": "pods/log", "kind": "Pod", "namespaced": True, "verbs": ["get"]},
        ]
    },
    ("GET", "/apis"): {
        "kind": "APIGroupList",
        "groups": [
            {
                "name": "kubeflow.org",
                "versions": [{"groupVersion": "kubeflow.org/v1", "version": "v1"}],
                "preferredVersion": {"version": "v1"},
            }
        ],
    },
    ("GET", "/apis/kubeflow.org/v1"): {
        "resources": [
            {
                "name": "pytorchjobs",
                "singularName": "pytorchjob",
                "kind": "PyTorchJob",
                "namespaced": True,
                "verbs": ["get", "list", "patch"],
            }
        ]
    },
}


def test_the_per_group_version_documents_when_no_aggregated_one():
    resources = discover_resources(recorded_kube(LEGACY))
    assert [(r.group, r.plural) for r in resources] == [
        ("", "pods"),
        ("kubeflow.org", "pytorchjobs"),
    ]
    assert resources[0].short_names == ("po",)


def test_custom_kinds_resolve_in_targets_and_connect_once():
    kube = recorded_kube(LEGACY)
    connected = []
    kinds = CustomKinds(lambda: connected.append(1) or kube)
    query = parse_targets(["pytorchjob/a", "pytorchjobs.kubeflow.org/b"], resolve=kinds)
    assert [(t.kind.kind, t.kind.custom, t.name) for t in query.named] == [
        ("PyTorchJob", True, "a"),
        ("PyTorchJob", True, "b"),
    ]
    assert connected == [1]
    with pytest.raises(InputError, match="unknown resource type 'svc'"):
        parse_targets(["svc/x"], resolve=kinds)  # refused before asking: no pod template
    with pytest.raises(InputError, match="the server has no such resource"):
        parse_targets(["nosuch/x"], resolve=kinds)


def test_cluster_scoped_and_unpatchable_resources_are_refused():
    answers = {
        ("GET", "/api"): {"kind": "APIGroupDiscoveryList", "items": []},
        ("GET", "/apis"): discovery(("example.com", "v1", "Widget", "widgets")),
    }
    document = answers[("GET", "/apis")]["items"][0]["versions"][0]["resources"][0]
    document["verbs"] = ["get", "list"]
    kinds = CustomKinds(lambda: recorded_kube(answers))
    with pytest.raises(InputError, match=r"allows no patch on widgets\.example\.com"):
        kinds("widgets")
    document["scope"] = "Cluster"
    kinds = CustomKinds(lambda: recorded_kube(answers))
    with pytest.raises(InputError, match="cluster-scoped"):
        kinds("widget")
