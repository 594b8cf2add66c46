"""Inspect targets and label selectors, as kubectl writes them."""

import pytest

from kubectl_shm.errors import InputError
from kubectl_shm.kube.exec import exec_status
from kubectl_shm.model.targets import label_selector, parse_target


@pytest.mark.parametrize(
    ("text", "target"),
    [
        ("trainer-0", ("Pod", "trainer-0")),
        ("pod/trainer-0", ("Pod", "trainer-0")),
        ("po/trainer-0", ("Pod", "trainer-0")),
        ("deploy/web", ("Deployment", "web")),
        ("deployments.apps/web", ("Deployment", "web")),
        ("STS/db", ("StatefulSet", "db")),
        ("ds/agent", ("DaemonSet", "agent")),
        ("rs/web-1", ("ReplicaSet", "web-1")),
        ("rc/old", ("ReplicationController", "old")),
        ("job/train", ("Job", "train")),
        ("cronjobs.batch/nightly", ("CronJob", "nightly")),
    ],
)
def test_targets(text, target):
    parsed = parse_target(text)
    assert (parsed.kind.kind, parsed.name) == target


def test_target_labels():
    assert parse_target("deploy/web").label == "deployment/web"
    cronjob = parse_target("cj/x").kind
    assert (cronjob.group, cronjob.plural) == ("batch", "cronjobs")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "no target"),
        ("svc/web", "unknown resource type 'svc'"),
        ("deploy/", "expected pod/NAME"),
        ("/web", "expected pod/NAME"),
        ("deploy/a/b", "expected pod/NAME"),
    ],
)
def test_bad_targets(text, message):
    with pytest.raises(InputError, match=message):
        parse_target(text)


def test_label_selectors():
    assert label_selector({"matchLabels": {"b": "2", "a": "1"}}) == "a=1,b=2"
    assert label_selector({"app": "web"}) == "app=web"  # ReplicationController
    selector = {
        "matchLabels": {"app": "web"},
        "matchExpressions": [
            {"key": "tier", "operator": "In", "values": ["a", "b"]},
            {"key": "env", "operator": "NotIn", "values": ["dev"]},
            {"key": "gpu", "operator": "Exists"},
            {"key": "spot", "operator": "DoesNotExist"},
        ],
    }
    assert label_selector(selector) == "app=web,tier in (a,b),env notin (dev),gpu,!spot"
    for empty in (None, {}, {"matchLabels": {}}):
        with pytest.raises(ValueError, match="empty selector"):
            label_selector(empty)
    with pytest.raises(ValueError, match="operator 'Near'"):
        label_selector({"matchExpressions": [{"key": "k", "operator": "Near"}]})


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ('{"metadata":{},"status":"Success"}', (0, None)),
        (
            '{"metadata":{},"status":"Failure","message":"command terminated with non-zero exit '
            'code: error executing command [df -k /dev/shm], exit code 1","reason":'
            '"NonZeroExitCode","details":{"causes":[{"reason":"ExitCode","message":"1"}]}}',
            (1, None),
        ),
        (
            '{"metadata":{},"status":"Failure","message":"Internal error occurred: error executing'
            " command in container: failed to exec in container: OCI runtime exec failed: exec: "
            '\\"df\\": executable file not found in $PATH: unknown","reason":"InternalError",'
            '"code":500}',
            (
                None,
                "Internal error occurred: error executing command in container: failed to exec "
                'in container: OCI runtime exec failed: exec: "df": executable file not found in '
                "$PATH: unknown",
            ),
        ),
        ("", (None, "the exec ended without an exit status")),
        ("not json\nmore", (None, "not json")),
        (
            '{"status":"Failure","details":{"causes":[{"reason":"ExitCode","message":"x"}]}}',
            (None, "the exec failed"),
        ),
    ],
    ids=["success", "exit-1", "runtime-failure", "empty", "not-json", "bad-code"],
)
def test_exec_status_from_the_error_channel(text, status):
    assert exec_status(text) == status
