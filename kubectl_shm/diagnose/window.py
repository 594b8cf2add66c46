"""`--since`: whether a record's time falls in the window asked about: pure."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

_FRACTION = re.compile(r"\.(\d+)")


def parse_time(text: str | None) -> datetime | None:
    """An RFC 3339 time as the API server and the kubelet write it (up to nanoseconds)."""
    if not text:
        return None
    text = text.strip().replace("Z", "+00:00").replace("z", "+00:00")
    # Python before 3.11 reads only 3 or 6 fraction digits.
    text = _FRACTION.sub(lambda m: "." + (m.group(1) + "000000")[:6], text, count=1)
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def cutoff(now: datetime, since_seconds: int | None) -> datetime | None:
    return now - timedelta(seconds=since_seconds) if since_seconds is not None else None


def within(time: str | None, start: datetime | None) -> bool:
    """True when there is no window, or the time is in it, or the time is unknown (kept:
    dropping evidence for want of a date would hide it)."""
    if start is None:
        return True
    parsed = parse_time(time)
    return parsed is None or parsed >= start
