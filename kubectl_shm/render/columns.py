"""What the tables share: kubectl's borderless columns, and the source and basis labels."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kubectl_shm.model.sizing import Basis, ShmSource

if TYPE_CHECKING:
    from rich.table import Table

# Short labels keep a row within 100 columns; JSON carries the exact names.
BASIS_LABELS = {
    Basis.RUNTIME_DEFAULT: "runtime",
    Basis.SIZE_LIMIT: "sizeLimit",
    Basis.POD_MEMORY_LIMIT: "mem limit",
    Basis.NODE_ALLOCATABLE: "allocatable",
    Basis.HALF_NODE_MEMORY: "half RAM",
    Basis.HOST: "host",
    Basis.RUNTIME_ANNOTATION: "annotation?",
    Basis.WINDOWS: "windows",
    Basis.MOUNTED: "mounted",
    Basis.UNKNOWN: "unknown",
}
SOURCE_LABELS = {
    ShmSource.RUNTIME_DEFAULT: "default",
    ShmSource.EMPTYDIR_MEMORY: "memory",
    ShmSource.EMPTYDIR_DISK: "disk",
    ShmSource.HOST_PATH: "hostPath",
    ShmSource.HOST_IPC: "hostIPC",
    ShmSource.OTHER: "other",
}


def columns_table() -> Table:
    """A table drawn like `kubectl get`: no borders, bold headers; columns are the caller's."""
    from rich.table import Table

    return Table(box=None, pad_edge=False, show_edge=False, header_style="bold")


def counted(number: int, noun: str) -> str:
    """'1 pod', '3 pods', '0 pods'."""
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"
