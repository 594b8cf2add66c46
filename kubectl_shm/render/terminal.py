"""Where output goes: stdout for data, stderr for progress, warnings and errors.

Tests swap the streams; rich is imported only when a table or progress bar is
drawn, which keeps `--help` and `-o json` fast to start. Failures of the streams
themselves are errors a user can read: stdout that cannot be written (`> /dev/full`)
raises OutputError, stdin that is closed or unreadable an InputError.
"""

from __future__ import annotations

import io
import os
import sys
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, Any, TextIO, cast

from kubectl_shm.errors import InputError, ShmError

if TYPE_CHECKING:
    from rich.console import Console

# Wide enough for a full audit row when output goes to a pipe or a file.
PIPE_WIDTH = 160


class OutputError(ShmError):
    """Standard output cannot be written: a full disk, an I/O error (exit 2)."""


@dataclass
class Terminal:
    """The three standard streams, swappable by tests."""

    # sys.stdout, sys.stdin are None when the process starts with descriptor 1 or 0 closed.
    stdout: TextIO = field(default_factory=lambda: sys.stdout or _closed_stdout())
    stderr: TextIO = field(default_factory=lambda: sys.stderr or io.StringIO())
    stdin: TextIO = field(default_factory=lambda: sys.stdin or _closed_stdin())

    def __post_init__(self) -> None:
        self.stdout = cast(TextIO, _GuardedOutput(self.stdout))
        self.stdin = cast(TextIO, _GuardedInput(self.stdin))

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


class _GuardedOutput:
    """A stream whose write errors become OutputError; a closed pipe stays BrokenPipeError
    (`| head` is no error). Everything else is the stream's own."""

    def __init__(self, stream: IO[Any]) -> None:
        self._stream = stream

    def write(self, text: Any) -> int:
        try:
            return self._stream.write(text)
        except BrokenPipeError:
            raise
        except (OSError, ValueError) as error:  # ValueError: the stream is closed
            raise _output_error(error) from error

    def flush(self) -> None:
        try:
            self._stream.flush()
        except BrokenPipeError:
            raise
        except (OSError, ValueError) as error:
            raise _output_error(error) from error

    @property
    def buffer(self) -> Any:
        """The binary stream below (manifests written in their own encoding), guarded too."""
        return _GuardedOutput(getattr(self._stream, "buffer"))  # noqa: B009 (TextIO only)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


class _GuardedInput:
    """A stream whose read errors (an I/O error, bytes that are not UTF-8) become InputError."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def read(self, size: int = -1) -> str:
        try:
            text = self._stream.read(size)
            # sys.stdin decodes with surrogateescape in some locales: bad bytes arrive as
            # lone surrogates, which fail later and far from here unless caught now.
            text.encode("utf-8")
        except (UnicodeDecodeError, UnicodeEncodeError) as error:
            raise InputError("standard input is not UTF-8 text") from error
        except OSError as error:
            reason = error.strerror or str(error)
            raise InputError(f"cannot read standard input: {reason}") from error
        return text

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


class _ClosedStdin:
    """Standard input when descriptor 0 is closed (`<&-`): reading it is an InputError."""

    _READS = frozenset({"read", "readline", "readlines", "buffer", "fileno"})

    def isatty(self) -> bool:
        return False

    def __getattr__(self, name: str) -> Any:
        if name in self._READS:
            raise InputError("standard input is closed: there is nothing for '-f -' to read")
        raise AttributeError(name)


def _closed_stdin() -> TextIO:
    return cast(TextIO, _ClosedStdin())


def _closed_stdout() -> TextIO:
    """Standard output when descriptor 1 is closed (`>&-`): writing to it is an OutputError."""
    closed = io.StringIO()
    closed.close()  # writes raise ValueError, which _GuardedOutput reports
    return closed


def _output_error(error: OSError | ValueError) -> OutputError:
    if isinstance(error, UnicodeEncodeError):
        return OutputError(
            f"cannot write to standard output: its encoding ({error.encoding}) has no "
            f"{error.object[error.start : error.end]!r}; set PYTHONIOENCODING=utf-8"
        )
    if isinstance(error, ValueError):
        return OutputError("cannot write to standard output: it is closed")
    return OutputError(f"cannot write to standard output: {error.strerror or error}")


def _one_line(message: str) -> str:
    return " ".join(message.split())


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
