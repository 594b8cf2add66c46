"""Progress on stderr while listing large clusters: only on a TTY, never in data output."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from kubectl_shm.render.terminal import Terminal


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
    """Counts from the start; drawn from when rich's progress display is imported and
    started, in a thread of its own, while the listing waits for the API server."""

    def __init__(self, terminal: Terminal, label: str) -> None:
        self._terminal = terminal
        self._label = label
        self._lock = threading.Lock()
        self._count = 0
        self._closed = False
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
            self._closed = True
        self._thread.join()
        if self._shown is not None:
            self._shown[0].stop()

    def _show(self) -> None:
        from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}: {task.completed} so far"),
            TimeElapsedColumn(),
            console=self._terminal.error_console(),
            transient=True,
        )
        with self._lock:
            if self._closed:
                return
            task = progress.add_task(self._label, total=None, completed=self._count)
            progress.start()
            self._shown = (progress, task)
