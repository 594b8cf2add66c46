"""What libraries print on their own stays off stderr, unless -v asks for it.

urllib3 warns through `warnings` (InsecureRequestWarning under
insecure-skip-tls-verify: urllib3 2.x, connectionpool.py _validate_conn) and
logs on the "urllib3" logger; the Kubernetes client logs through the root logger
(kubernetes 37.0.2, config/kube_config.py: `logging.error(...)`), which with no
handler configures one and prints "ERROR:root:...". Our own errors and warnings
go through the Terminal, never through these.

For one run: warnings are ignored, and once a command is about to connect (the
libraries that log are imported then; `logging` costs start-up time otherwise)
the root logger gets a handler that drops every record, so logging never falls
back to printing. -v shows warnings (as records of "py.warnings") and WARNING
records on stderr, -vv every record (urllib3's connections included).
"""

from __future__ import annotations

import warnings
from types import TracebackType
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    import logging


class LibraryOutput:
    """A context manager: libraries are silent inside it, unless `show()` was called."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.verbosity = 0
        self.warnings = warnings.catch_warnings()
        self.handler: logging.Handler | None = None
        self.root_level: int | None = None

    def __enter__(self) -> LibraryOutput:
        self.warnings.__enter__()
        warnings.simplefilter("ignore")
        return self

    def show(self, verbosity: int) -> None:
        """-v: warnings and WARNING records; -vv and more: every record."""
        self.verbosity = max(verbosity, 0)
        if self.verbosity:
            import logging

            warnings.simplefilter("default")
            self.capture_logging()
            logging.captureWarnings(True)  # through our handler, from any thread

    def capture_logging(self) -> None:
        """Route log records to our handler (dropped unless -v); idempotent."""
        import logging

        if self.handler is None:
            self.handler = logging.StreamHandler(self.stream)
            self.handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
            root = logging.getLogger()
            self.root_level = root.level
            root.addHandler(self.handler)
        level = {0: logging.CRITICAL + 1, 1: logging.WARNING}.get(self.verbosity, logging.DEBUG)
        self.handler.setLevel(level)
        root = logging.getLogger()
        root.setLevel(min(root.level if self.root_level is None else self.root_level, level))

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self.handler is not None:
            import logging

            logging.captureWarnings(False)
            root = logging.getLogger()
            root.removeHandler(self.handler)
            if self.root_level is not None:
                root.setLevel(self.root_level)
            self.handler = None
        self.warnings.__exit__(kind, error, traceback)
