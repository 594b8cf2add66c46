"""decode_slim_pods: a raw page of pods straight into the slim pods slim_pod makes."""

import copy
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kubectl_shm.kube import fetching, slim_pods
from kubectl_shm.kube.slim_pods import decode_slim_pods, slim_pod
from tests.unit.fixtures import HERE, load
from tests.unit.recorded_api import recorded_kube

# Four pods as the v1.37.2 test cluster served them: a bare pod with a sized memory
# volume at /dev/shm (twice: /dev/shm and /dev/shm/), a CRI-O annotation, an init
# container, env variables and a volume of its own; a pod with a hostPath /dev/shm and
# a full status; two pods of a Deployment.
SERVED = json.loads((HERE / "served-pods.json").read_text())


def page(items):
    return json.dumps({"kind": "PodList", "apiVersion": "v1", "items": items}).encode()


def test_served_pods_decode_to_what_slim_pod_makes():
    decoded = decode_slim_pods(page(SERVED["items"]))
    assert decoded == [slim_pod(copy.deepcopy(p)) for p in SERVED["items"]]
    bare = decoded[0]
    assert [v["name"] for v in bare["spec"]["volumes"]] == ["dshm"]
    assert bare["metadata"]["managedFields"]  # a bare pod's sized memory volume: kept
    assert bare["metadata"]["annotations"] == {"io.kubernetes.cri-o.ShmSize": "512Mi"}
    assert bare["spec"]["containers"][0]["env"] == [
        {"name": "NCCL_SHM_DISABLE"},
        {"name": "SECRET"},
    ]
    assert "managedFields" not in decoded[2]["metadata"]  # a Deployment's pod: its owner tells


def test_recorded_pods_decode_to_what_slim_pod_makes():
    pods = [doc for doc in load("pods-two-nodes.yaml") if doc.get("kind") == "Pod"]
    assert decode_slim_pods(page(pods)) == [slim_pod(p) for p in pods]


@pytest.mark.parametrize("body", [b'{"kind": "PodList"}', b'{"items": null}', b'{"items": []}'])
def test_a_page_without_pods_is_no_pods(body):
    assert decode_slim_pods(body) == []


# Values of another type than the API server's, where slim_pod takes them as they come.
ODD = st.sampled_from([None, 1, "x", [], {}, [1], [{}], {"a": 1}, True])
FIELDS = [
    ("metadata",),
    ("metadata", "annotations"),
    ("metadata", "ownerReferences"),
    ("metadata", "managedFields"),
    ("spec",),
    ("spec", "volumes"),
    ("spec", "containers"),
    ("spec", "initContainers"),
    ("spec", "hostIPC"),
    ("spec", "nodeName"),
    ("status",),
    ("status", "phase"),
]
CONTAINER_FIELDS = ["volumeMounts", "env", "command", "resources", "name", "image"]


@settings(max_examples=300)
@given(
    pod=st.sampled_from(range(len(SERVED["items"]))),
    where=st.sampled_from(FIELDS)
    | st.tuples(st.just("container"), st.sampled_from(CONTAINER_FIELDS)),
    value=ODD,
    volume_odd=st.booleans(),
)
def test_any_page_decodes_as_slim_pod_would_or_not_at_all(pod, where, value, volume_odd):
    """On whatever a page holds, the typed decoding gives slim_pod's answer or leaves the
    page to be decoded whole (None): it is never different."""
    items = copy.deepcopy(SERVED["items"])
    value = copy.deepcopy(value)  # the sampled values are shared between examples
    target = items[pod]
    if where[0] == "container":
        target.setdefault("spec", {}).setdefault("containers", [{}])[0][where[1]] = value
    elif len(where) == 1:
        target[where[0]] = value
    else:
        target.setdefault(where[0], {})[where[1]] = value
    spec = target.get("spec")
    if volume_odd and isinstance(spec, dict) and isinstance(spec.get("volumes"), list):
        spec["volumes"].append(copy.deepcopy(value))
    decoded = decode_slim_pods(page(items))
    try:
        expected = [slim_pod(copy.deepcopy(p)) for p in items]
    except (AttributeError, TypeError):  # slim_pod itself cannot take this page
        assert decoded is None
        return
    assert decoded is None or decoded == expected


def test_without_msgspec_every_page_is_decoded_whole(monkeypatch):
    monkeypatch.setattr(slim_pods, "msgspec", None)
    assert decode_slim_pods(page(SERVED["items"])) is None


@pytest.mark.parametrize("typed", [True, False])
def test_list_pods_gives_the_same_slim_pods_either_way(monkeypatch, typed):
    if not typed:
        monkeypatch.setattr(slim_pods, "msgspec", None)
    odd = copy.deepcopy(SERVED["items"][1])
    odd["spec"]["containers"][0]["env"] = [{"value": "no name"}]  # refused by the typed decoding
    items = [*SERVED["items"], odd]
    kube = recorded_kube(
        {("GET", "/api/v1/pods"): {"kind": "PodList", "metadata": {}, "items": items}}
    )
    listed = [p for page in fetching.list_pods(kube, namespace=None, selector=None) for p in page]
    assert listed == [slim_pod(copy.deepcopy(p)) for p in items]
