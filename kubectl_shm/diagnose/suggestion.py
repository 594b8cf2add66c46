"""The /dev/shm size to suggest after a crash, with every step of the reasoning: pure.

Never a magic number: the size is the largest of what the evidence shows was needed (twice
the /dev/shm that proved too small, the peak use the kubelet saw, what a framework said it
tried to allocate on top of that), rounded up to a power of two, and bounded by the pod's
memory limit, since tmpfs pages count against it (and a kubelet that sizes memory volumes
never makes the tmpfs larger than that limit).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from kubectl_shm.model.quantity import format_bytes

MEBIBYTE = 2**20
# The runtimes' own /dev/shm: a suggestion never goes below it.
RUNTIME_DEFAULT_BYTES = 64 * MEBIBYTE


class Suggestion(NamedTuple):
    """A size (None when nothing is known to base one on) and why."""

    size_bytes: int | None
    reasons: tuple[str, ...]
    # The size that was needed exceeds the pod's memory limit: raise it too.
    raise_memory_limit: bool = False


def suggest_size(
    *,
    current_bytes: int | None,
    peak_used_bytes: int | None,
    requested_bytes: Iterable[int],
    pod_memory_limit_bytes: int | None,
    current_is: str = "the current /dev/shm",
) -> Suggestion:
    """What /dev/shm should be, given what it is (`current_bytes`, described by
    `current_is`), the peak use seen and the byte counts frameworks said they tried to
    allocate."""
    candidates: list[tuple[int, str]] = []
    if current_bytes:
        candidates.append(
            (
                2 * current_bytes,
                f"twice {current_is} ({format_bytes(current_bytes)}), "
                f"which the evidence shows is too small",
            )
        )
    if peak_used_bytes:
        candidates.append((peak_used_bytes, f"the peak use seen: {format_bytes(peak_used_bytes)}"))
    largest_request = max(requested_bytes, default=0)
    if largest_request:
        base = peak_used_bytes or 0
        what = f"the {format_bytes(largest_request)} a framework tried to allocate"
        if base:
            what += f" on top of the {format_bytes(base)} in use"
        candidates.append((base + largest_request, what))
    if not candidates:
        return Suggestion(None, ("nothing known to size it from: read its use first",))
    needed, why = max(candidates)
    size = max(_power_of_two(needed), RUNTIME_DEFAULT_BYTES)
    reasons = [f"at least {format_bytes(needed)}: {why}"]
    if size != needed:
        reasons.append(f"rounded up to {format_bytes(size)}")
    if pod_memory_limit_bytes is not None and size > pod_memory_limit_bytes:
        too_small = needed > pod_memory_limit_bytes
        reasons.append(
            f"capped at the pod's memory limit ({format_bytes(pod_memory_limit_bytes)}): "
            f"/dev/shm pages count against it"
            + (", so raise the memory limit as well" if too_small else "")
        )
        return Suggestion(pod_memory_limit_bytes, tuple(reasons), raise_memory_limit=too_small)
    return Suggestion(size, tuple(reasons))


def _power_of_two(size: int) -> int:
    """The smallest power-of-two number of MiB that holds `size` bytes."""
    mebibytes = -(-size // MEBIBYTE)
    return (1 << (mebibytes - 1).bit_length()) * MEBIBYTE
