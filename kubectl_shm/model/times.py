"""Times as Kubernetes writes them: RFC 3339 (metav1.Time, MicroTime, the kubelet's log
timestamps with nanoseconds), read the same way everywhere: pure."""

from __future__ import annotations

import re
from datetime import datetime

_RFC3339 = re.compile(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)", re.I)


def parse_rfc3339(text: object) -> datetime | None:
    """A timezone-aware time, to the microsecond (finer digits dropped); None when `text`
    is not an RFC 3339 time with a zone."""
    found = _RFC3339.fullmatch(str(text)) if text is not None else None
    if found is None:
        return None
    seconds, fraction, zone = found.groups()
    try:
        parsed = datetime.fromisoformat(seconds + ("+00:00" if zone.upper() == "Z" else zone))
    except ValueError:  # the right shape, not a date (month 13)
        return None
    # Python before 3.11 reads only 3 or 6 fraction digits: the microseconds are set here.
    return parsed.replace(microsecond=int((fraction or "0")[:6].ljust(6, "0")))
