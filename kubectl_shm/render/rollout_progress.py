"""Following a rollout on stderr: a progress bar on a terminal, one line per change elsewhere."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from kubectl_shm.render.terminal import Terminal

# update(done, total, message)
Update = Callable[[int, int, str], None]


@contextmanager
def rollout_progress(terminal: Terminal, label: str) -> Iterator[Update]:
    """Yields `update`; draws a bar of updated-and-ready pods when stderr is a terminal."""
    if not terminal.stderr_is_tty:
        last: list[str] = []

        def note(done: int, total: int, message: str) -> None:
            if [message] != last:
                last[:] = [message]
                terminal.note(f"{label}: {message}")

        yield note
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[message]}"),
        TimeElapsedColumn(),
        console=terminal.error_console(),
        transient=True,
    ) as progress:
        task = progress.add_task(label, total=None, message="")

        def update(done: int, total: int, message: str) -> None:
            progress.update(task, completed=done, total=total or None, message=message)

        yield update
