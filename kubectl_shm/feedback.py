"""What a use case tells the person while it works, without knowing how it is drawn.

The use cases beside the domain (`audit.live`, `set.live`, `inspect.live`) take a
`Feedback`; the CLI hands them `render.feedback.TerminalFeedback` (stderr, rich
progress on a terminal) and tests can hand them anything with these methods.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any, Protocol

# advance(number of items just done)
Advance = Callable[[int], None]
# update(pods done, pods wanted, the controller's message)
RolloutUpdate = Callable[[int, int, str], None]


class Feedback(Protocol):
    def note(self, message: str) -> None:
        """Progress or information for a person, never data."""

    def warning(self, message: str) -> None:
        """Something the person should know; the command goes on."""

    def progress(self, label: str) -> AbstractContextManager[Advance]:
        """A counter while a long list is read."""

    def rollout(self, label: str) -> AbstractContextManager[RolloutUpdate]:
        """Pods of a rollout as they become ready."""

    def diff(self, before: Any, after: Any, label: str) -> None:
        """A pod template before and after a change, for a person watching a terminal."""


class Silent:
    """Feedback that shows nothing and keeps the warnings (for tests and scripts)."""

    def __init__(self) -> None:
        self.warnings: list[str] = []
        self.notes: list[str] = []

    def note(self, message: str) -> None:
        self.notes.append(message)

    def warning(self, message: str) -> None:
        self.warnings.append(message)

    def progress(self, label: str) -> AbstractContextManager[Advance]:
        from contextlib import nullcontext

        return nullcontext(_ignore)

    def rollout(self, label: str) -> AbstractContextManager[RolloutUpdate]:
        from contextlib import nullcontext

        return nullcontext(_ignore)

    def diff(self, before: Any, after: Any, label: str) -> None:
        pass


def _ignore(*_args: Any) -> None:
    pass
