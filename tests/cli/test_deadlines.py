"""Deadlines: a call ends by its deadline whatever the server does, and says so in one line."""

import threading
import time

import pytest

from kubectl_shm.kube.client import connect
from kubectl_shm.kube.connection import DEFAULT_REQUEST_TIMEOUT, ConnectionOptions
from kubectl_shm.kube.deadlines import Deadline, DeadlineExceeded, finish_before
from kubectl_shm.kube.errors import TimedOut, Unreachable
from kubectl_shm.kube.exec import ReadCommand, run_read_command
from tests.faults import endpoints as fake
from tests.faults.kubeconfigs import live_kubeconfig


def test_a_deadline_is_the_sooner_of_timeout_and_not_after():
    now = time.monotonic()
    assert Deadline.start(None) == (None, None)
    assert Deadline.start(10).at == pytest.approx(now + 10, abs=0.5)
    assert Deadline.start(10, not_after=now + 1).at == now + 1
    assert Deadline.start(None, not_after=now + 1).seconds == pytest.approx(1, abs=0.5)
    passed = Deadline.start(None, not_after=now - 1)
    assert passed.passed() and passed.remaining() == 0
    assert passed.socket_timeout() > 0  # 0 would mean "no timeout" to a socket


def test_finish_before_gives_the_result_or_the_exception():
    assert finish_before(Deadline.start(5), lambda: 42, name="answer") == 42
    with pytest.raises(KeyError):
        finish_before(Deadline.start(5), lambda: {}["x"], name="fails")


def test_finish_before_stops_waiting_at_the_deadline():
    release = threading.Event()
    started = time.monotonic()
    with pytest.raises(DeadlineExceeded):
        finish_before(Deadline.start(0.3), release.wait, name="stuck")
    assert time.monotonic() - started < 2
    release.set()


def test_without_a_limit_the_work_runs_in_the_callers_thread():
    assert finish_before(Deadline.start(None), threading.current_thread, name="x") is (
        threading.current_thread()
    )


def test_the_default_request_timeout():
    assert ConnectionOptions().request_timeout == DEFAULT_REQUEST_TIMEOUT == 30.0


@pytest.fixture
def kube_at(tmp_path):
    endpoints = []

    def start(behaviour, timeout=0.5, scheme="http"):
        endpoints.append(fake.Endpoint(behaviour))
        path = tmp_path / "config"
        path.write_text(live_kubeconfig(endpoints[-1].url(scheme)))
        return connect(ConnectionOptions(kubeconfig=str(path), request_timeout=timeout))

    yield start
    for endpoint in endpoints:
        endpoint.stop()


@pytest.mark.parametrize(
    ("behaviour", "scheme"),
    [(fake.drip_head, "http"), (fake.drip_body, "http"), (fake.silent, "https")],
    ids=["drip-head", "drip-body", "tls-hang"],
)
def test_a_call_ends_at_its_deadline_however_the_server_stalls(kube_at, behaviour, scheme):
    kube = kube_at(behaviour, scheme=scheme)
    started = time.monotonic()
    with pytest.raises(TimedOut) as raised:
        kube.get("/version", doing="reading the version")
    assert 0.4 < time.monotonic() - started < 2
    assert str(raised.value).endswith("did not answer within 0.5s (see --request-timeout)")
    assert isinstance(raised.value, Unreachable)


def test_the_exec_handshake_has_the_request_deadline(kube_at):
    kube = kube_at(fake.silent, timeout=0.5)
    started = time.monotonic()
    with pytest.raises(TimedOut):
        run_read_command(
            kube, namespace="ml", pod="p", container="c", command=ReadCommand.DF, timeout=10
        )
    assert time.monotonic() - started < 3


def test_a_shorter_exec_timeout_still_times_the_command_out(kube_at):
    kube = kube_at(fake.silent, timeout=10)
    output = run_read_command(
        kube, namespace="ml", pod="p", container="c", command=ReadCommand.DF, timeout=0.5
    )
    assert output.timed_out
