"""Modules imported in a thread while the command waits for the API server.

Importing rich costs ~30 ms of CPU, and a live audit's main thread spends most of its
listing waiting for the next page (DESIGN section 8): imported beside it, the table
costs nothing more at the end. The thread is not a daemon, so the interpreter never
stops in the middle of an import; the main thread importing the same module waits for
it, as for any import.
"""

from __future__ import annotations

import importlib
import threading


def preload(*modules: str) -> threading.Thread:
    """Start importing `modules`, in order, in a thread of their own."""
    thread = threading.Thread(target=_import_all, args=(modules,), name="preload")
    thread.start()
    return thread


def _import_all(modules: tuple[str, ...]) -> None:
    for name in modules:
        try:
            importlib.import_module(name)
        except Exception:  # the main thread's own import reports what is wrong
            return
