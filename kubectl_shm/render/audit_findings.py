"""The findings under the audit table: a heading per finding, its message indented by 8.

Drawn as rich draws them (a heading Text, the message in a Padding), but each written
as text where that changes nothing: a heading of printable ASCII that fits the width,
a message of printable ASCII wrapped as rich wraps words (`_break_offsets`: rich 15's
rich._wrap.divide_line where a character is one cell, proven equal to rich's drawing by
tests/unit/render/test_plain_table.py) and padded to the width as a Padding pads it.
One console.print per finding is ~0.5 ms: a thousand findings took longer than listing
the cluster.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from itertools import pairwise
from typing import TYPE_CHECKING

from kubectl_shm.audit.report import AuditReport, WorkloadReport
from kubectl_shm.audit.rules import Finding, Severity
from kubectl_shm.render.plain_table import plain_text, style_codes

if TYPE_CHECKING:
    from rich.console import Console

SEVERITY_STYLES = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}
HEADING_STYLE = "bold"
INDENT = 8


def print_findings(
    report: AuditReport, console: Console, label: Callable[[WorkloadReport], str]
) -> None:
    """Every finding, errors first; `label` names a workload."""
    findings = [(w, f) for w in report.workloads for f in w.findings]
    writer = _Writer(console)
    if findings:
        writer.text("\n")
    for workload, finding in sorted(findings, key=lambda wf: -wf[1].severity.rank):
        _finding(writer, workload, finding, label)
    writer.flush()


class _Writer:
    """Text gathered into one write; rich's own printing in between where it is needed."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.width = console.width
        self.parts: list[str] = []
        self.codes: dict[str, tuple[str, str]] = {}

    def text(self, text: str) -> None:
        self.parts.append(text)

    def styled(self, text: str, style: str) -> None:
        if style not in self.codes:
            self.codes[style] = style_codes(self.console, style)
        before, after = self.codes[style]
        self.parts.append(f"{before}{text}{after}")

    def rich(self, renderable: object) -> None:
        self.flush()
        self.console.print(renderable)

    def flush(self) -> None:
        if self.parts:
            self.console.file.write("".join(self.parts))
            self.parts.clear()


def _finding(
    writer: _Writer,
    workload: WorkloadReport,
    finding: Finding,
    label: Callable[[WorkloadReport], str],
) -> None:
    where = f"{workload.namespace}/{label(workload)}"
    if finding.container:
        where += f" [{finding.container}]"
    severity = f"{finding.severity.value.upper():8}"
    heading = f"{finding.rule.value}  {where}"
    if plain_text(severity + heading) and len(severity + heading) <= writer.width:
        writer.styled(severity, SEVERITY_STYLES[finding.severity])
        writer.styled(heading, HEADING_STYLE)
        writer.text("\n")
    else:
        writer.rich(_rich_heading(severity, heading, finding.severity))
    lines = _wrapped(finding.message, writer.width - INDENT)
    if lines is None:
        writer.rich(_rich_message(finding.message))
        return
    indent = " " * INDENT
    writer.text("".join(f"{indent}{line}\n" for line in lines))


def _wrapped(message: str, width: int) -> list[str] | None:
    """The lines of `message` as rich wraps a Text to `width` and a Padding pads them;
    None where that takes rich itself (not printable ASCII, no room)."""
    if width < 1 or not plain_text(message):
        return None
    offsets = [0, *_break_offsets(message, width), len(message)]
    return [message[start:end][:width].ljust(width) for start, end in pairwise(offsets)]


_LETTER = re.compile(r"\S")


def _break_offsets(text: str, width: int) -> list[int]:
    """Where rich breaks `text` (printable ASCII: its only space is " ") into lines of
    `width` (rich 15's rich._wrap.divide_line): a word and the spaces after it go on the
    line if the word fits, else start the next one; a word longer than a line is cut
    into pieces of `width`; the first word starts at 0, with any spaces before it.

    A line at a time, not a word at a time: the words that fit on a line are exactly those
    whose letters end by a fixed column (each adds its own length and its spaces to the
    line), so only the first word that does not fit is looked at (1,500 findings: 14 ms a
    word at a time, 1 ms so)."""
    breaks: list[int] = []
    size = len(text)
    lead = size - len(text.lstrip(" "))
    position, used = 0, 0  # where the next word starts; the columns of this line in use
    while True:
        limit = position + width - used
        if limit >= size:
            return breaks
        if text[limit] == " ":
            found = _LETTER.search(text, limit)
            if found is None:
                return breaks
            letters = found.start()
        else:
            letters = max(text.rfind(" ", 0, limit) + 1, position)
        # The first word that does not fit: its start, the end of its letters, the next.
        start = 0 if letters <= lead else letters
        end = text.find(" ", max(letters, lead))
        end = size if end < 0 else end
        found = _LETTER.search(text, end)
        following = found.start() if found else size
        if end - start > width:
            while following - start > width:
                if start:
                    breaks.append(start)
                start += width
            if start:
                breaks.append(start)
        else:
            breaks.append(start)
        used = following - start
        position = following


def _rich_heading(severity: str, heading: str, level: Severity) -> object:
    from rich.text import Text

    text = Text()
    text.append(severity, style=SEVERITY_STYLES[level])
    text.append(heading, style=HEADING_STYLE)
    return text


def _rich_message(message: str) -> object:
    from rich.padding import Padding
    from rich.text import Text

    return Padding(Text(message), (0, 0, 0, INDENT))
