"""Evidence read from pod status, events and logs: what counts, for which container."""

from kubectl_shm.diagnose.evidence import (
    EvidenceKind,
    from_container_statuses,
    from_events,
    from_log,
    from_pod_status,
    without_repeats,
)
from kubectl_shm.model.crash_signatures import scan_log

SHM_MOUNT = {"name": "dshm", "mountPath": "/dev/shm"}


def pod(*, containers=None, volumes=None, status=None):
    return {
        "metadata": {"name": "p", "namespace": "ml"},
        "spec": {
            "containers": containers
            or [{"name": "main", "volumeMounts": [SHM_MOUNT]}, {"name": "side"}],
            "volumes": volumes
            if volumes is not None
            else [{"name": "dshm", "emptyDir": {"medium": "Memory", "sizeLimit": "64Mi"}}],
        },
        "status": status or {},
    }


def terminated(**fields):
    return {"terminated": {"finishedAt": "2026-12-01T10:00:00Z", **fields}}


def test_exit_135_and_signal_7_are_sigbus_in_state_and_last_state():
    status = {
        "containerStatuses": [
            {"name": "main", "state": terminated(exitCode=135, reason="Error")},
            {
                "name": "side",
                "state": {"running": {}},
                "lastState": terminated(exitCode=1, signal=7),
            },
        ]
    }
    found = from_container_statuses(pod(status=status))
    assert [(e.kind, e.container, e.where) for e in found] == [
        (EvidenceKind.SIGBUS, "main", "state"),
        (EvidenceKind.SIGBUS, "side", "lastState"),
    ]
    assert found[0].quote == "terminated: Error, exit code 135 (SIGBUS)"
    assert found[0].time == "2026-12-01T10:00:00Z"


def test_oom_kill_counts_only_where_dev_shm_is_a_memory_volume():
    status = {
        "containerStatuses": [
            {"name": "main", "lastState": terminated(exitCode=137, reason="OOMKilled")},
            {"name": "side", "lastState": terminated(exitCode=137, reason="OOMKilled")},
        ]
    }
    found = from_container_statuses(pod(status=status))
    assert [(e.kind, e.container) for e in found] == [(EvidenceKind.OOM_KILLED, "main")]
    disk = pod(status=status, volumes=[{"name": "dshm", "emptyDir": {}}])
    assert from_container_statuses(disk) == []


def test_other_exits_are_not_evidence():
    status = {"containerStatuses": [{"name": "main", "state": terminated(exitCode=1)}]}
    assert from_container_statuses(pod(status=status)) == []


def test_a_refused_container_creation_counts_when_it_names_dev_shm():
    waiting = {"waiting": {"reason": "CreateContainerError", "message": "mount /dev/shm: bad"}}
    other = {"waiting": {"reason": "CreateContainerError", "message": "no such image"}}
    status = {
        "containerStatuses": [{"name": "main", "state": waiting}, {"name": "side", "state": other}]
    }
    found = from_container_statuses(pod(status=status))
    assert [(e.kind, e.container) for e in found] == [(EvidenceKind.CREATE_FAILED, "main")]


EVICTED_MESSAGE = 'Usage of EmptyDir volume "dshm" exceeds the limit "64Mi". '


def test_an_eviction_for_the_shm_volume_is_evidence_for_the_containers_that_mount_it():
    status = {
        "reason": "Evicted",
        "message": EVICTED_MESSAGE,
        "conditions": [{"type": "DisruptionTarget", "lastTransitionTime": "2026-12-01T10:00:00Z"}],
    }
    (found,) = from_pod_status(pod(status=status))
    assert (found.kind, found.container, found.volume) == (EvidenceKind.EVICTED, "main", "dshm")
    assert found.time == "2026-12-01T10:00:00Z"


def test_an_eviction_for_another_volume_or_for_memory_is_not():
    other = 'Usage of EmptyDir volume "cache" exceeds the limit "1Gi". '
    assert from_pod_status(pod(status={"reason": "Evicted", "message": other})) == []
    pressure = "The node was low on resource: memory."
    assert from_pod_status(pod(status={"reason": "Evicted", "message": pressure})) == []


def test_events_give_evictions_and_failed_mounts_of_the_shm_volume():
    events = [
        {"reason": "Evicted", "message": EVICTED_MESSAGE, "time": "2026-12-01T10:00:00Z"},
        {
            "reason": "FailedMount",
            "message": 'MountVolume.SetUp failed for volume "dshm" : no space',
            "time": "2026-12-01T09:00:00Z",
        },
        {"reason": "FailedMount", "message": 'MountVolume.SetUp failed for volume "data"'},
        {"reason": "BackOff", "message": "Back-off restarting failed container"},
    ]
    found = from_events(events, pod())
    assert [(e.kind, e.container, e.where) for e in found] == [
        (EvidenceKind.EVICTED, "main", "event"),
        (EvidenceKind.MOUNT_FAILED, "main", "event"),
    ]


def test_an_event_about_one_container_names_it():
    events = [
        {
            "reason": "Failed",
            "message": "Error: failed to create containerd task: mount /dev/shm: no space",
            "fieldPath": "spec.containers{side}",
        }
    ]
    (found,) = from_events(events, pod())
    assert (found.kind, found.container) == (EvidenceKind.CREATE_FAILED, "side")


def test_log_matches_become_evidence_with_their_source_and_bytes():
    text = "2026-12-01T10:00:00Z NCCL WARN Error: failed to extend /dev/shm/nccl-x to 1024 bytes\n"
    (found,) = from_log("main", scan_log(text), previous=True)
    assert found.kind is EvidenceKind.LOG
    assert (found.where, found.signature, found.bytes) == ("previous log", "nccl-shm-extend", 1024)
    assert found.bytes_meaning == "requested"
    assert found.source and found.meaning


def test_without_a_condition_the_eviction_is_dated_by_its_stopped_containers():
    status = {
        "reason": "Evicted",
        "message": EVICTED_MESSAGE,
        "containerStatuses": [{"name": "main", "state": terminated(exitCode=137)}],
    }
    (found,) = from_pod_status(pod(status=status))
    assert found.time == "2026-12-01T10:00:00Z"


def test_an_eviction_told_by_an_event_is_not_repeated_from_the_status():
    target = pod(status={"reason": "Evicted", "message": EVICTED_MESSAGE})
    events = from_events([{"reason": "Evicted", "message": EVICTED_MESSAGE, "time": "t"}], target)
    assert without_repeats(from_pod_status(target), events) == []
    assert len(without_repeats(from_pod_status(target), [])) == 1
