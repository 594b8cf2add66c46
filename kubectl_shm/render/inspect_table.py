"""Inspect as a table for people: one row per container, then why each size is what it is.

Rows fit 100 columns; the node, its kubelet and the explanation follow the
table, one block per distinct explanation (a DaemonSet's pods on nodes that
behave alike share one).
"""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING

from kubectl_shm.inspect.comparison import InspectReport, Method, PodInspection
from kubectl_shm.model.quantity import format_bytes
from kubectl_shm.render.columns import BASIS_LABELS, columns_table, counted
from kubectl_shm.render.terminal import Terminal

if TYPE_CHECKING:
    from rich.console import Console

_METHOD_LABELS = {
    Method.EXEC_DF: "df",
    Method.EXEC_PROC_MOUNTS: "mounts",
    Method.STATS_SUMMARY: "stats",
    Method.NONE: "-",
}
_INDENT = "    "
_LISTED = 3
_MATCH_CELLS = {True: ("yes", "green"), False: ("NO", "bold red"), None: ("-", "dim")}


def render_inspect_table(report: InspectReport, terminal: Terminal) -> None:
    from rich.text import Text

    console = terminal.console()
    table = columns_table()
    table.add_column("POD", overflow="fold", min_width=12)
    table.add_column("CONTAINER", overflow="fold", min_width=9)
    for header in ("SIZELIMIT", "EXPECTED"):
        table.add_column(header, justify="right", no_wrap=True)
    table.add_column("BECAUSE", no_wrap=True)
    for header in ("OBSERVED", "USED"):
        table.add_column(header, justify="right", no_wrap=True)
    table.add_column("VIA", no_wrap=True)
    table.add_column("MATCH", no_wrap=True)
    for pod in report.pods:
        for container in pod.containers:
            label, style = _MATCH_CELLS[container.match]
            table.add_row(
                pod.name,
                container.name,
                format_bytes(container.size_limit_bytes),
                format_bytes(container.expected_bytes),
                BASIS_LABELS[container.basis],
                format_bytes(container.observed_bytes),
                format_bytes(container.observed_used_bytes),
                _METHOD_LABELS[container.method],
                Text(label, style=style),
            )
    console.print(table)
    _print_explanations(report, console)


def _indented(text: str, width: int) -> str:
    return textwrap.fill(text, width, initial_indent=_INDENT, subsequent_indent=_INDENT)


def _some(names: list[str]) -> str:
    """'a, b, c and 4 more': a DaemonSet on a hundred nodes keeps a short heading."""
    shown = ", ".join(names[:_LISTED])
    return f"{shown} and {len(names) - _LISTED} more" if len(names) > _LISTED else shown


def _print_explanations(report: InspectReport, console: Console) -> None:
    from rich.text import Text

    groups: dict[tuple[str, str], list[PodInspection]] = {}
    for pod in report.pods:
        for container in pod.containers:
            groups.setdefault((container.name, container.explanation), []).append(pod)
    matches = {(c.name, c.explanation): c.match for pod in report.pods for c in pod.containers}
    for (name, explanation), pods in groups.items():
        label, style = _MATCH_CELLS[matches[(name, explanation)]]
        nodes = list(dict.fromkeys(pod.node.name for pod in pods if pod.node.name))
        where = f" on {_some(nodes)}" if nodes else " (not scheduled)"
        heading = Text("\n")
        heading.append(f"{label:4}", style=style)
        heading.append(f"{_some([pod.name for pod in pods])} [{name}]{where}", style="bold")
        console.print(heading)
        # Wrapped here, not by a rich Padding, which would pad every line with spaces.
        console.print(Text(_indented(explanation, console.width)))
    containers = report.containers()
    summary = (
        f"\n{counted(len(containers), 'container')} in {counted(len(report.pods), 'pod')}: "
        f"{sum(1 for c in containers if c.match)} match, {report.mismatches} differ, "
        f"{report.unobserved} not observed"
    )
    console.print(Text(summary, style="dim"))
