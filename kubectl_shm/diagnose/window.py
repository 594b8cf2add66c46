"""`--since`: whether a record's time falls in the window asked about: pure."""

from __future__ import annotations

from datetime import datetime, timedelta

from kubectl_shm.model.times import parse_rfc3339


def cutoff(now: datetime, since_seconds: int | None) -> datetime | None:
    return now - timedelta(seconds=since_seconds) if since_seconds is not None else None


def within(time: str | None, start: datetime | None) -> bool:
    """True when there is no window, or the time is in it, or the time is unknown (kept:
    dropping evidence for want of a date would hide it)."""
    if start is None:
        return True
    parsed = parse_rfc3339(time)
    return parsed is None or parsed >= start
