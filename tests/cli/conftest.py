import io
from dataclasses import dataclass

import pytest

from kubectl_shm.cli.main import run
from kubectl_shm.render.terminal import Terminal


@dataclass
class Result:
    status: int
    stdout: str
    stderr: str


@pytest.fixture
def shm():
    """Run `kubectl shm ARGS` in-process with captured streams."""

    def invoke(*args: str, stdin: str = "") -> Result:
        terminal = Terminal(stdout=io.StringIO(), stderr=io.StringIO(), stdin=io.StringIO(stdin))
        status = run(list(args), terminal)
        stderr = terminal.stderr.getvalue()
        # Every line on stderr is whole: a shell prompt must not start after a warning.
        assert stderr == "" or stderr.endswith("\n"), f"no final newline: {stderr[-200:]!r}"
        return Result(status, terminal.stdout.getvalue(), stderr)

    return invoke
