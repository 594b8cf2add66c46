"""Where output goes: stdout for data, stderr for progress, warnings and errors.

Tests swap the streams; rich is imported only when a table or progress bar is
drawn, which keeps `--help` and `-o json` fast to start.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from rich.console import Console

# Wide enough for a full audit row when output goes to a pipe or a file.
PIPE_WIDTH = 160


@dataclass
class Terminal:
    """The three standard streams, swappable by tests."""

    stdout: TextIO = field(default_factory=lambda: sys.stdout)
    stderr: TextIO = field(default_factory=lambda: sys.stderr)
    stdin: TextIO = field(default_factory=lambda: sys.stdin)

    @property
    def stdout_is_tty(self) -> bool:
        return _isatty(self.stdout)

    @property
    def stderr_is_tty(self) -> bool:
        return _isatty(self.stderr)

    @property
    def color(self) -> bool:
        return "NO_COLOR" not in os.environ and os.environ.get("TERM") != "dumb"

    def console(self) -> Console:
        """A rich console on stdout; markup off so user data cannot inject styles."""
        from rich.console import Console

        tty = self.stdout_is_tty
        width = None if tty or "COLUMNS" in os.environ else PIPE_WIDTH
        return Console(
            file=self.stdout,
            width=width,
            markup=False,
            highlight=False,
            emoji=False,
            force_terminal=tty,
            no_color=not (tty and self.color),
            soft_wrap=False,
        )

    def error_console(self) -> Console:
        from rich.console import Console

        tty = self.stderr_is_tty
        return Console(
            file=self.stderr,
            markup=False,
            highlight=False,
            emoji=False,
            force_terminal=tty,
            no_color=not (tty and self.color),
        )

    def error(self, message: str) -> None:
        """One line, kubectl style: `error: ...`."""
        self.stderr.write(f"error: {_one_line(message)}\n")
        self.stderr.flush()

    def warning(self, message: str) -> None:
        self.stderr.write(f"Warning: {_one_line(message)}\n")
        self.stderr.flush()

    def note(self, message: str) -> None:
        """Progress or information for a person, never data."""
        self.stderr.write(f"{message}\n")
        self.stderr.flush()


def _one_line(message: str) -> str:
    return " ".join(message.split())


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
