"""The fault corpus: each case runs the real `kubectl-shm` in a child process, as a user would,
with a wall-clock budget and an address-space cap, and checks what a user of kubectl expects:
the exit code, exactly one `error: ...` line on stderr (or none), no traceback, nothing on
stdout when it fails, and no more time or memory than the budget.

A case is a `Fault`; modules beside this one list them by area (manifests, flags, connection,
...) and parametrize one test over them, so a new case is one entry.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

# Every case gets this much wall time and address space unless it says otherwise.
DEFAULT_SECONDS = 10.0
DEFAULT_MEMORY_MIB = 1024
# The programs a case can run: ours, or the one kubectl runs to complete `kubectl shm`.
KUBECTL_SHM = "kubectl-shm"
COMPLETION = "kubectl_complete-shm"
# Python with our imports maps ~300 MiB of address space before doing anything;
# the cap guards against blow-ups (alias bombs, /dev/zero), not against normal use.


@dataclass(frozen=True)
class Fault:
    """One bad input or fault and what the user must see."""

    id: str
    args: Sequence[str]
    exit_code: int
    stderr_has: str | None = None  # a fragment of the error line
    stdin: bytes | None = None  # None: stdin closed (/dev/null)
    env: Mapping[str, str] = field(default_factory=dict)
    files: Mapping[str, bytes | str] = field(default_factory=dict)  # name -> content in tmp dir
    seconds: float = DEFAULT_SECONDS
    memory_mib: int = DEFAULT_MEMORY_MIB
    # Faults where the one line is a warning, not an error (exit 0 or 1 with a note).
    error_lines: int = 1
    program: str = KUBECTL_SHM
    executables: Mapping[str, str] = field(default_factory=dict)  # name -> script, mode 755
    stdout_is: str | None = None
    stderr_is: str | None = None  # the whole of stderr, e.g. "" for completion


@dataclass
class Outcome:
    exit_code: int
    stdout: str
    stderr: str
    seconds: float


def run_fault(
    fault: Fault, tmp_path: Path, *, prepare: Callable[[Path], Mapping[str, str]] | None = None
) -> Outcome:
    """Run `fault` in `tmp_path`: its files written there, `{tmp}` in args replaced by the path.

    `prepare` may start a fake endpoint and return extra environment (e.g. KUBECONFIG).
    """
    for name, content in fault.files.items():
        target = tmp_path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        (target.write_bytes if isinstance(content, bytes) else target.write_text)(content)
    for name, script in fault.executables.items():
        (tmp_path / name).write_text(script)
        (tmp_path / name).chmod(0o755)
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("KUBECONFIG", "SHM_"))},
        "KUBECONFIG": str(tmp_path / "no-kubeconfig"),  # never the developer's cluster
        "HOME": str(tmp_path),
        "NO_COLOR": "1",
        "COLUMNS": "160",
        **(prepare(tmp_path) if prepare else {}),
        **{k: v.replace("{tmp}", str(tmp_path)) for k, v in fault.env.items()},
    }
    args = [a.replace("{tmp}", str(tmp_path)) for a in fault.args]
    if fault.program == COMPLETION:  # the installed executable, as kubectl runs it
        command = [str(Path(sys.executable).parent / COMPLETION), *args]
    else:
        command = [sys.executable, "-m", "kubectl_shm", *args]
    limit = fault.memory_mib * 2**20

    def cap_memory() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    started = time.monotonic()
    try:
        done = subprocess.run(
            command,
            input=fault.stdin,
            stdin=None if fault.stdin is not None else subprocess.DEVNULL,
            capture_output=True,
            env=env,
            cwd=tmp_path,
            timeout=fault.seconds,
            preexec_fn=cap_memory,
        )
    except subprocess.TimeoutExpired as expired:
        raise AssertionError(
            f"{fault.id}: still running after {fault.seconds:g}s; stderr so far: "
            f"{(expired.stderr or b'').decode(errors='replace')[-500:]!r}"
        ) from None
    return Outcome(
        done.returncode,
        done.stdout.decode(errors="replace"),
        done.stderr.decode(errors="replace"),
        time.monotonic() - started,
    )


def check(fault: Fault, outcome: Outcome) -> None:
    """What every case must show; the message says which promise was broken."""
    where = f"{fault.id} ({' '.join(fault.args)})"
    assert "Traceback" not in outcome.stderr, f"{where}: traceback:\n{outcome.stderr}"
    assert outcome.exit_code == fault.exit_code, (
        f"{where}: exit {outcome.exit_code}, wanted {fault.exit_code}; stderr: {outcome.stderr!r}"
    )
    errors = [line for line in outcome.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == fault.error_lines, f"{where}: error lines {errors!r}"
    assert "internal error" not in outcome.stderr, f"{where}: {outcome.stderr!r}"
    if fault.stderr_is is not None:
        assert outcome.stderr == fault.stderr_is, f"{where}: stderr {outcome.stderr!r}"
    if fault.stdout_is is not None:
        assert outcome.stdout == fault.stdout_is, f"{where}: stdout {outcome.stdout!r}"
    if fault.stderr_has is not None:
        assert fault.stderr_has in outcome.stderr, (
            f"{where}: {fault.stderr_has!r} not in {outcome.stderr!r}"
        )
    if fault.exit_code >= 2:
        assert outcome.stdout == "", f"{where}: stdout on failure: {outcome.stdout[:300]!r}"
    assert outcome.stderr == "" or outcome.stderr.endswith("\n"), f"{where}: no final newline"


class FaultPool:
    """Runs cases a few at a time, ahead of the tests that check them.

    Most connection faults wait on a deadline, not on the CPU; run one after the
    other they would take minutes. Each case's time is measured from its own start.
    """

    def __init__(self, workers: int) -> None:
        self.executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="fault")
        self.futures: dict[str, Future[Outcome]] = {}

    def submit(self, fault: Fault, run: Callable[[], Outcome]) -> None:
        self.futures[fault.id] = self.executor.submit(run)

    def outcome(self, fault: Fault) -> Outcome:
        return self.futures[fault.id].result()

    def close(self) -> None:
        for future in self.futures.values():
            future.cancel()
        self.executor.shutdown(wait=True)
