"""Which logs diagnose reads: only where a crash can be, most recent first."""

from datetime import datetime, timedelta, timezone

from kubectl_shm.diagnose.log_plan import LogRead, plan_log_reads
from kubectl_shm.diagnose.window import cutoff, within


def pod(name, *statuses):
    return {
        "metadata": {"name": name, "namespace": "ml"},
        "status": {"containerStatuses": list(statuses)},
    }


def ended(at):
    return {"terminated": {"exitCode": 1, "finishedAt": at}}


def test_restarted_and_ended_containers_only_newest_first():
    pods = [
        pod(
            "a",
            {"name": "main", "state": {"running": {}}, "lastState": ended("2026-12-01T10:00:00Z")},
        ),
        pod("b", {"name": "main", "state": ended("2026-12-01T11:00:00Z")}),
        pod("c", {"name": "main", "state": {"running": {}}}),
        pod("d", {"name": "main", "state": {"waiting": {"reason": "ContainerCreating"}}}),
    ]
    assert plan_log_reads(pods, every_container=False) == [
        LogRead("ml", "b", "main", False, "2026-12-01T11:00:00Z"),
        LogRead("ml", "a", "main", True, "2026-12-01T10:00:00Z"),
    ]


def test_a_named_target_reads_running_containers_too():
    pods = [pod("c", {"name": "main", "state": {"running": {}}})]
    assert plan_log_reads(pods, every_container=True) == [LogRead("ml", "c", "main", False, "")]


def test_init_containers_are_read_too():
    crashed = pod("a")
    crashed["status"]["initContainerStatuses"] = [{"name": "init", "state": ended("x")}]
    assert [r.container for r in plan_log_reads([crashed], every_container=False)] == ["init"]


def test_the_window_keeps_what_it_cannot_date():
    now = datetime(2026, 12, 1, 12, tzinfo=timezone.utc)
    start = cutoff(now, 3600)
    assert start == now - timedelta(hours=1)
    assert within("2026-12-01T11:30:00Z", start)
    assert not within("2026-12-01T10:30:00Z", start)
    assert within(None, start)
    assert within("2020-01-01T00:00:00Z", None)
