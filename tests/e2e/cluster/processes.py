"""Start components detached from the caller, each logging to its own file, and
stop exactly the processes that were started (by the PID recorded at start)."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable

from tests.e2e.cluster import config

PID_DIR = config.STATE_DIR / "pids"
LOG_DIR = config.STATE_DIR / "logs"


def spawn(name: str, argv: list[str], *, env: dict[str, str] | None = None) -> int:
    """Start `argv` in a session of its own; its output goes to logs/<name>.log."""
    PID_DIR.mkdir(parents=True, exist_ok=True)
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    with open(LOG_DIR / f"{name}.log", "ab") as log:
        process = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env={**os.environ, **(env or {})},
        )
    (PID_DIR / f"{name}.pid").write_text(f"{process.pid} {_start_time(process.pid)}\n")
    return process.pid


def running(name: str) -> bool:
    return _recorded(name) is not None


def stop(name: str, *, grace: float = 10.0) -> None:
    """SIGTERM the recorded process, SIGKILL after `grace` seconds; forget it."""
    pid = _recorded(name)
    if pid is not None:
        terminate(pid, grace=grace)
    (PID_DIR / f"{name}.pid").unlink(missing_ok=True)


def terminate(pid: int, *, grace: float) -> None:
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    if not wait_for(lambda: not _alive(pid), timeout=grace, interval=0.1):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            return
        wait_for(lambda: not _alive(pid), timeout=5, interval=0.1)


def log_tail(name: str, lines: int = 25) -> str:
    path = LOG_DIR / f"{name}.log"
    if not path.exists():
        return f"(no log for {name})"
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def wait_for(condition: Callable[[], bool], *, timeout: float, interval: float = 0.5) -> bool:
    deadline = time.monotonic() + timeout
    while True:
        if condition():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)


def _recorded(name: str) -> int | None:
    """The recorded PID if that very process (same start time) is still alive."""
    try:
        pid_text, started = (PID_DIR / f"{name}.pid").read_text().split()
    except (OSError, ValueError):
        return None
    pid = int(pid_text)
    return pid if _alive(pid) and _start_time(pid) == started else None


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _start_time(pid: int) -> str:
    """Field 22 of /proc/PID/stat: guards against a recycled PID."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return "?"
