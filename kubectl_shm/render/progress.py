"""Progress on stderr while listing large clusters: only on a TTY, never in data output."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from kubectl_shm.render.terminal import Terminal


@contextmanager
def progress_for(
    terminal: Terminal, label: str, *, enabled: bool = True
) -> Iterator[Callable[[int], None]]:
    """Yields `advance(n)`; draws a counter on stderr when it is a terminal."""
    if not (enabled and terminal.stderr_is_tty):
        yield lambda _count: None
        return
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}: {task.completed} so far"),
        TimeElapsedColumn(),
        console=terminal.error_console(),
        transient=True,
    ) as progress:
        task = progress.add_task(label, total=None)
        yield lambda count: progress.advance(task, count)
