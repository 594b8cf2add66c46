"""Wall time and peak RSS of one command, its output discarded or drawn on a pseudo-terminal.

Each command runs under a fresh Python process (this file run as a script), so that
RUSAGE_CHILDREN of that process is the command's own peak RSS and nothing else's.

    python bench/scale_measure.py [--pty COLUMNSxROWS] -- COMMAND...
prints `WALL_SECONDS PEAK_RSS_KIB EXIT_STATUS`.
"""

from __future__ import annotations

import fcntl
import os
import pty
import resource
import struct
import subprocess
import sys
import termios
import time


def measure_command(
    command: list[str], env: dict[str, str], *, terminal_size: tuple[int, int] | None = None
) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of one run of `command`; exits on a failure.

    With `terminal_size` (columns, rows) its stdout and stderr are a terminal of that size.
    Exit 1 is accepted: it is `audit` reporting findings.
    """
    size = ["--pty", "{}x{}".format(*terminal_size)] if terminal_size else []
    wrapper = [sys.executable, __file__, *size, "--", *command]
    if terminal_size:
        env = {**env, "TERM": "xterm-256color"}
    out = subprocess.run(wrapper, env=env, capture_output=True, text=True, check=True).stdout
    wall, rss_kib, status = out.split()
    if int(status) not in (0, 1):
        raise SystemExit(f"{' '.join(command)} failed with exit {status}")
    return float(wall), int(rss_kib) / 1024


def _run_piped(command: list[str]) -> int:
    return subprocess.run(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL).returncode


def _run_on_pty(command: list[str], columns: int, rows: int) -> int:
    """Run with stdout and stderr on a new pseudo-terminal, reading all it draws."""
    controller, terminal = pty.openpty()
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
    process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=terminal, stderr=terminal)
    os.close(terminal)
    while True:
        try:
            if not os.read(controller, 1 << 16):
                break
        except OSError:  # EIO: every writer has closed the terminal
            break
    os.close(controller)
    return process.wait()


def main(argv: list[str]) -> int:
    separator = argv.index("--")
    options, command = argv[:separator], argv[separator + 1 :]
    started = time.perf_counter()
    if options[:1] == ["--pty"]:
        columns, rows = (int(n) for n in options[1].split("x"))
        status = _run_on_pty(command, columns, rows)
    else:
        status = _run_piped(command)
    wall = time.perf_counter() - started
    print(wall, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, status)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
