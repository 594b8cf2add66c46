"""What every command is handed: the terminal and the verbosity."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from kubectl_shm.cli.library_output import LibraryOutput
from kubectl_shm.render.terminal import Terminal

if TYPE_CHECKING:
    from kubectl_shm.kube.client import Kube
    from kubectl_shm.kube.connection import ConnectionOptions


@dataclass
class App:
    """What every command gets from the group: the terminal and the -v level."""

    terminal: Terminal
    verbose: int = 0
    # Libraries' warnings and logs, silent unless -v (None outside `run`).
    library_output: LibraryOutput | None = None

    def set_verbose(self, level: int) -> None:
        self.verbose = level
        if self.library_output is not None:
            self.library_output.show(level)

    def connect(self, connection: ConnectionOptions) -> Kube:
        """The kube adapter for `connection`; what its libraries log stays quiet."""
        from kubectl_shm.kube.client import connect

        if self.library_output is not None:
            self.library_output.capture_logging()
        return connect(connection)
