"""Inspect as a table for people: one row per container, then why each size is what it is.

Rows fit 100 columns; the node, its kubelet and the explanation follow the
table, one block per distinct explanation (a DaemonSet's pods on nodes that
behave alike share one).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kubectl_shm.inspection import ContainerInspection, InspectReport, Method, PodInspection
from kubectl_shm.quantity import format_bytes
from kubectl_shm.render.audit_table import _BASIS_LABELS as BASIS_LABELS
from kubectl_shm.render.terminal import Terminal

if TYPE_CHECKING:
    from rich.console import Console

_METHOD_LABELS = {
    Method.EXEC_DF: "df",
    Method.EXEC_PROC_MOUNTS: "mounts",
    Method.STATS_SUMMARY: "stats",
    Method.NONE: "-",
}
_MATCH_CELLS = {True: ("yes", "green"), False: ("NO", "bold red"), None: ("-", "dim")}


def render_inspect_table(report: InspectReport, terminal: Terminal) -> None:
    from rich.table import Table
    from rich.text import Text

    console = terminal.console()
    table = Table(box=None, pad_edge=False, show_edge=False, header_style="bold")
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


def node_label(pod: PodInspection) -> str:
    """'on node-legacy' (the explanation names its kubelet where that matters)."""
    return f"on {pod.node.name}" if pod.node.name else "not scheduled"


def _print_explanations(report: InspectReport, console: Console) -> None:
    from rich.padding import Padding
    from rich.text import Text

    groups: dict[tuple[str, str, str], list[tuple[PodInspection, ContainerInspection]]] = {}
    for pod in report.pods:
        for container in pod.containers:
            key = (container.name, node_label(pod), container.explanation)
            groups.setdefault(key, []).append((pod, container))
    for (name, node, explanation), members in groups.items():
        label, style = _MATCH_CELLS[members[0][1].match]
        heading = Text("\n")
        heading.append(f"{label:4}", style=style)
        pods = ", ".join(pod.name for pod, _ in members)
        heading.append(f"{pods} [{name}] {node}", style="bold")
        console.print(heading)
        console.print(Padding(Text(explanation), (0, 0, 0, 4)))
    containers = report.containers()
    summary = (
        f"\n{len(containers)} containers in {len(report.pods)} pods: "
        f"{sum(1 for c in containers if c.match)} match, {report.mismatches} differ, "
        f"{report.unobserved} not observed"
    )
    console.print(Text(summary, style="dim"))
