"""The use cases' feedback on a terminal: notes and warnings on stderr, rich progress on a TTY."""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any

from kubectl_shm.feedback import Advance, RolloutUpdate
from kubectl_shm.render.terminal import Terminal


class TerminalFeedback:
    """Implements kubectl_shm.feedback.Feedback on a Terminal.

    `show_progress` is off where stdout carries a document (-o json|yaml), so
    that nothing but data and plain lines is ever written.
    """

    def __init__(self, terminal: Terminal, *, show_progress: bool = True) -> None:
        self.terminal = terminal
        self.show_progress = show_progress

    def note(self, message: str) -> None:
        self.terminal.note(message)

    def warning(self, message: str) -> None:
        self.terminal.warning(message)

    def progress(self, label: str) -> AbstractContextManager[Advance]:
        from kubectl_shm.render.progress import progress_for

        return progress_for(self.terminal, label, enabled=self.show_progress)

    def rollout(self, label: str) -> AbstractContextManager[RolloutUpdate]:
        from kubectl_shm.render.rollout_progress import rollout_progress

        return rollout_progress(self.terminal, label)

    def diff(self, before: Any, after: Any, label: str) -> None:
        if not self.terminal.stderr_is_tty:
            return
        from kubectl_shm.render.manifest_output import show_diff, template_diff

        show_diff(self.terminal, template_diff(before, after, label))
