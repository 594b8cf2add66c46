"""Progress on stderr while listing large clusters: only on a TTY, never in data output."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from kubectl_shm.render.terminal import Terminal

# A listing done sooner needs no progress: nothing is drawn, and rich's display is not
# even imported (a large audit's table would otherwise pay for it, DESIGN section 8).
SHOW_AFTER_SECONDS = 1.0


@contextmanager
def progress_for(
    terminal: Terminal, label: str, *, enabled: bool = True
) -> Iterator[Callable[[int], None]]:
    """Yields `advance(n)`; draws a counter on stderr when it is a terminal."""
    if not (enabled and terminal.stderr_is_tty):
        yield lambda _count: None
        return
    counter = _Counter(terminal, label)
    try:
        yield counter.advance
    finally:
        counter.close()


class _Counter:
    """Counts from the start; drawn once the listing has taken SHOW_AFTER_SECONDS, by a
    thread of its own that imports and starts rich's progress display."""

    def __init__(self, terminal: Terminal, label: str) -> None:
        self._terminal = terminal
        self._label = label
        self._lock = threading.Lock()
        self._count = 0
        self._closed = threading.Event()
        self._shown: tuple[Any, Any] | None = None  # (the Progress, its task)
        self._thread = threading.Thread(target=self._show, name="progress")
        self._thread.start()

    def advance(self, count: int) -> None:
        with self._lock:
            self._count += count
            if self._shown is not None:
                progress, task = self._shown
                progress.advance(task, count)

    def close(self) -> None:
        with self._lock:
            self._closed.set()
        self._thread.join()
        if self._shown is not None:
            self._shown[0].stop()

    def _show(self) -> None:
        if self._closed.wait(SHOW_AFTER_SECONDS):
            return
        from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}: {task.completed} so far"),
            TimeElapsedColumn(),
            console=self._terminal.error_console(),
            transient=True,
        )
        with self._lock:
            if self._closed.is_set():
                return
            task = progress.add_task(self._label, total=None, completed=self._count)
            progress.start()
            self._shown = (progress, task)
