"""Log lines that mean a program ran out of /dev/shm: the signatures of `crash_signatures.json`.

The catalogue is data, one entry per message a framework prints, each with the regex that
finds it on one log line, what it means, and the source line it comes from. An entry may
name `near`: a second regex that must match one of the few lines before it (a Python
traceback's `SemLock(` line before its `OSError`). Where the message carries a byte count,
the regex names it `bytes`, and `bytes` in the entry says whether it is the size the program
tried to allocate ("requested") or what /dev/shm had left ("available"). An entry with
`"cause": "unusable"` means /dev/shm was missing or not writable rather than too small.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from functools import cache
from importlib import resources
from typing import NamedTuple

GENERIC = "generic"  # families of signatures any program may print
NEAR_LINES = 8  # how far back a `near` pattern may be
QUOTE_CHARS = 240  # a quoted line is cut to this length
# `kubectl logs --timestamps` puts an RFC 3339 time and a space before each line.
_TIMESTAMP = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)) ")


class Signature(NamedTuple):
    """One entry of the catalogue."""

    id: str
    family: str
    pattern: re.Pattern[str]
    meaning: str
    source: str
    bytes_meaning: str | None = None  # "requested" or "available"
    near: re.Pattern[str] | None = None
    unusable: bool = False  # /dev/shm missing or not writable, not too small


class LogMatch(NamedTuple):
    """A signature found in a log: the line (cut short), its time and its byte count."""

    signature: Signature
    line: str
    time: str | None
    bytes: int | None
    lines: int  # how many lines of the log matched this signature


@cache
def catalogue() -> tuple[Signature, ...]:
    text = resources.files("kubectl_shm.model").joinpath("crash_signatures.json").read_text()
    return tuple(_signature(entry) for entry in json.loads(text)["signatures"])


def _signature(entry: dict[str, str]) -> Signature:
    near = entry.get("near")
    return Signature(
        id=entry["id"],
        family=entry["family"],
        pattern=re.compile(entry["pattern"]),
        meaning=entry["meaning"],
        source=entry["source"],
        bytes_meaning=entry.get("bytes"),
        near=re.compile(near) if near else None,
        unusable=entry.get("cause") == "unusable",
    )


def scan_log(text: str, signatures: Iterable[Signature] | None = None) -> list[LogMatch]:
    """Every signature found in `text` (one match per signature: its last line, with the
    number of lines that matched), in catalogue order. A line a framework's own signature
    explains does not also count for the generic ones (family "generic")."""
    signatures = catalogue() if signatures is None else tuple(signatures)
    specific = [s for s in signatures if s.family != GENERIC]
    generic = [s for s in signatures if s.family == GENERIC]
    lines = text.splitlines()
    found: dict[str, LogMatch] = {}
    for index, raw in enumerate(lines):
        time, line = split_timestamp(raw)
        # PyTorch's SIGBUS handler writes its message with the string's NUL byte.
        line = line.replace("\x00", "")
        if not _match_line(specific, lines, index, line, time, found):
            _match_line(generic, lines, index, line, time, found)
    return [found[s.id] for s in signatures if s.id in found]


def _match_line(
    signatures: Iterable[Signature],
    lines: list[str],
    index: int,
    line: str,
    time: str | None,
    found: dict[str, LogMatch],
) -> bool:
    matched = False
    for signature in signatures:
        match = signature.pattern.search(line)
        if match is None or not _near(signature, lines, index):
            continue
        seen = found.get(signature.id)
        repeats = (seen.lines if seen else 0) + 1
        found[signature.id] = LogMatch(signature, quote(line), time, _bytes(match), repeats)
        matched = True
    return matched


def split_timestamp(line: str) -> tuple[str | None, str]:
    """('2026-12-01T10:00:00.1Z', 'the line') from a line of `--timestamps` output."""
    match = _TIMESTAMP.match(line)
    if match is None:
        return None, line
    return match.group(1), line[match.end() :]


def quote(line: str) -> str:
    """The line as evidence: control characters shown, cut to QUOTE_CHARS."""
    line = "".join(c if c.isprintable() else repr(c)[1:-1] for c in line.strip())
    return line if len(line) <= QUOTE_CHARS else line[: QUOTE_CHARS - 1] + "…"


def _near(signature: Signature, lines: list[str], index: int) -> bool:
    if signature.near is None:
        return True
    before = lines[max(0, index - NEAR_LINES) : index]
    return any(signature.near.search(split_timestamp(line)[1]) for line in before)


def _bytes(match: re.Match[str]) -> int | None:
    value = match.groupdict().get("bytes")
    return int(value) if value and value.isdigit() else None
