"""What a command run in a container printed: shared by the exec adapter and its readers."""

from __future__ import annotations

import re
from dataclasses import dataclass

# A runtime that cannot start the command reports it in words, not an exit code:
# runc 'exec: "df": executable file not found in $PATH', crun 'executable file `df`
# not found in $PATH: No such file or directory', a shell '/bin/sh: df: not found'.
_MISSING_BINARY = re.compile(r"executable file .*not found|no such file or directory", re.I)
# POSIX shells: 127 command not found, 126 found but not executable.
MISSING_BINARY_EXIT_CODES = (126, 127)
# How a reason for a missing binary ends ("no df in the image").
MISSING_IN_IMAGE = " in the image"


@dataclass(frozen=True)
class ExecOutput:
    """What a command run in a container produced.

    `exit_code` is None when the process never ran to an exit status: the
    runtime could not start it (`failure` says why) or the exec timed out.
    """

    stdout: str
    stderr: str
    exit_code: int | None
    failure: str | None = None
    timed_out: bool = False

    @property
    def succeeded(self) -> bool:
        return self.exit_code == 0 and not self.timed_out

    @property
    def missing_binary(self) -> bool:
        """The image has no such command (distroless), as opposed to a command that failed."""
        if self.exit_code in MISSING_BINARY_EXIT_CODES:
            return True
        return self.exit_code is None and bool(_MISSING_BINARY.search(self.failure or ""))

    def reason(self, command: str) -> str:
        """Why the command gave no answer, in one short line."""
        if self.timed_out:
            return f"{command} timed out"
        if self.missing_binary:
            return f"no {command.split()[0]}{MISSING_IN_IMAGE}"
        detail = _first_line(self.stderr) or _first_line(self.failure or "")
        status = f"exited {self.exit_code}" if self.exit_code is not None else "failed"
        return f"{command} {status}" + (f": {detail}" if detail else "")


def _first_line(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            return line.strip()
    return ""
