"""What every command is handed: the terminal and the verbosity."""

from __future__ import annotations

from dataclasses import dataclass

from kubectl_shm.render.terminal import Terminal


@dataclass
class App:
    """What every command gets from the group: the terminal and the -v level."""

    terminal: Terminal
    verbose: int = 0
