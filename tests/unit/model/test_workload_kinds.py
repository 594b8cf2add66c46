import pytest

from kubectl_shm.errors import InputError
from kubectl_shm.model.workload_kinds import (
    BY_KIND,
    Target,
    parse_targets,
    targets_in_manifests,
    workload_kind,
)


@pytest.mark.parametrize(
    ("word", "kind"),
    [
        ("deploy", "Deployment"),
        ("deployment", "Deployment"),
        ("Deployments", "Deployment"),
        ("deployments.apps", "Deployment"),
        ("sts", "StatefulSet"),
        ("statefulset.apps", "StatefulSet"),
        ("ds", "DaemonSet"),
        ("daemonsets", "DaemonSet"),
        ("rs", "ReplicaSet"),
        ("rc", "ReplicationController"),
        ("replicationcontrollers", "ReplicationController"),
        ("cronjob", "CronJob"),
        ("cj", "CronJob"),
        ("cronjobs.batch", "CronJob"),
        ("job", "Job"),
        ("po", "Pod"),
        ("pods", "Pod"),
    ],
)
def test_type_words(word, kind):
    assert workload_kind(word).kind == kind


def test_unknown_type_names_the_accepted_ones():
    with pytest.raises(InputError, match="unknown resource type 'svc': use deployment"):
        workload_kind("svc")


def test_kind_facts():
    deploy = BY_KIND["Deployment"]
    assert deploy.label("web") == "deployment/web"
    assert deploy.api_version == "apps/v1"
    assert BY_KIND["ReplicationController"].label("x") == "replicationcontroller/x"
    assert BY_KIND["Job"].live_refusal and BY_KIND["Pod"].live_refusal
    assert not BY_KIND["CronJob"].live_refusal
    assert [k.kind for k in BY_KIND.values() if k.rolls_out] == [
        "Deployment",
        "StatefulSet",
        "DaemonSet",
    ]


def test_slash_targets():
    query = parse_targets(["deploy/web", "sts/db"])
    assert query.named == (
        Target(BY_KIND["Deployment"], "web"),
        Target(BY_KIND["StatefulSet"], "db"),
    )
    assert not query.listed


def test_type_then_names():
    query = parse_targets(["ds", "a", "b"])
    assert [(t.kind.kind, t.name) for t in query.named] == [("DaemonSet", "a"), ("DaemonSet", "b")]


def test_selector_and_all():
    query = parse_targets(["deploy,sts"], selector="app=ml")
    assert [k.kind for k in query.kinds] == ["Deployment", "StatefulSet"]
    assert query.selector == "app=ml" and query.listed
    every = parse_targets(["deploy"], all_objects=True)
    assert every.listed and every.selector is None


@pytest.mark.parametrize(
    ("words", "flags", "message"),
    [
        ([], {}, "no target"),
        (["deploy"], {}, "no Deployment named"),
        (["deploy/"], {}, "expected TYPE/NAME"),
        (["deploy/a/b"], {}, "expected TYPE/NAME"),
        (["deploy/a", "web"], {}, "expected TYPE/NAME"),
        (["deploy", "a/b"], {}, "mix of TYPE NAME and TYPE/NAME"),
        (["deploy/web"], {"selector": "a=b"}, "-l takes resource types only"),
        (["deploy", "web"], {"all_objects": True}, "--all takes resource types only"),
        (["deploy"], {"selector": "a=b", "all_objects": True}, "cannot be used together"),
    ],
)
def test_bad_targets(words, flags, message):
    with pytest.raises(InputError, match=message):
        parse_targets(words, **flags)


def test_targets_in_manifests():
    objects = [
        {"kind": "ConfigMap", "metadata": {"name": "c"}},
        {"kind": "Deployment", "metadata": {"name": "web", "namespace": "prod"}},
        {"kind": "List", "items": [{"kind": "CronJob", "metadata": {"name": "nightly"}}]},
    ]
    query = targets_in_manifests(objects)
    assert query.named == (
        Target(BY_KIND["Deployment"], "web", "prod"),
        Target(BY_KIND["CronJob"], "nightly", None),
    )
    with pytest.raises(InputError, match="for other kinds use --local"):
        targets_in_manifests([{"kind": "PyTorchJob", "metadata": {"name": "x"}}])
