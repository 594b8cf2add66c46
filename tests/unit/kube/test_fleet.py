"""kube.fleet: work over several contexts at once, bounded, each failure its own."""

from __future__ import annotations

import threading
import time

import pytest

from kubectl_shm.errors import InputError
from kubectl_shm.kube import fleet
from kubectl_shm.kube.connection import ConnectionOptions
from kubectl_shm.kube.errors import ConfigError, Forbidden


class FakeKube:
    def __init__(self, context: str) -> None:
        self.context = context
        self.closed = False

    def close(self) -> None:
        self.closed = True


@pytest.fixture
def kubes(monkeypatch):
    made: list[FakeKube] = []

    def connect(options: ConnectionOptions) -> FakeKube:
        if options.context == "unknown":
            raise ConfigError(f"context {options.context!r} does not exist")
        made.append(FakeKube(options.context))
        return made[-1]

    monkeypatch.setattr(fleet, "connect", connect)
    return made


def test_in_order_bounded_and_every_failure_its_own(kubes):
    running = 0
    most = 0
    together = threading.Condition()

    def work(context, kube):
        nonlocal running, most
        with together:
            running += 1
            most = max(most, running)
            together.notify_all()
            # Wait (a little) for a second one to run beside this one: more than the
            # bound would show here.
            together.wait_for(lambda: running >= 2, timeout=2)
        time.sleep(0.02)
        with together:
            running -= 1
        if context == "locked":
            raise Forbidden("pods is forbidden")
        if context == "odd":
            raise InputError("container 'x' not found")
        return f"{kube.context}!"

    names = ["a", "locked", "b", "unknown", "c", "odd", "d"]
    done = []
    outcomes = fleet.for_each_context(
        ConnectionOptions(), names, work, on_done=lambda o: done.append(o.context), limit=2
    )
    assert [o.context for o in outcomes] == names
    assert [o.value for o in outcomes] == ["a!", None, "b!", None, "c!", None, "d!"]
    assert [o.error for o in outcomes] == [
        None,
        "pods is forbidden",
        None,
        "context 'unknown' does not exist",
        None,
        "container 'x' not found",
        None,
    ]
    assert most == 2  # never more than the bound, and more than one at once
    assert sorted(done) == sorted(names)
    assert all(kube.closed for kube in kubes)


def test_internal_errors_are_not_swallowed(kubes):
    def work(context, kube):
        raise RuntimeError("a bug")

    with pytest.raises(RuntimeError, match="a bug"):
        fleet.for_each_context(ConnectionOptions(), ["a"], work)


def test_all_context_names_in_kubeconfig_order(tmp_path):
    path = tmp_path / "config"
    path.write_text(
        "apiVersion: v1\nkind: Config\nclusters: []\nusers: []\n"
        "contexts:\n- name: zeta\n  context: {cluster: x}\n- name: alpha\n  context: {cluster: x}\n"
    )
    assert fleet.all_context_names(str(path)) == ["zeta", "alpha"]
    empty = tmp_path / "empty"
    empty.write_text("apiVersion: v1\nkind: Config\ncontexts: []\n")
    with pytest.raises(ConfigError, match="--all-contexts: no context in"):
        fleet.all_context_names(str(empty))
