"""The audit as a table for people: one row per container, then the findings.

On a terminal, a table longer than the screen shows the workloads that have findings
and, per namespace, one line counting the clean ones: thousands of clean rows are
noise there. `-o wide` shows every row; so do pipes and files, and JSON and YAML.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from functools import lru_cache
from itertools import groupby
from typing import TYPE_CHECKING

from kubectl_shm.audit.report import AuditReport, ContainerReport, WorkloadReport
from kubectl_shm.audit.rules import Severity
from kubectl_shm.model.quantity import format_bytes
from kubectl_shm.render.audit_findings import SEVERITY_STYLES, print_findings
from kubectl_shm.render.columns import BASIS_LABELS, SOURCE_LABELS
from kubectl_shm.render.plain_table import (
    Column,
    Row,
    plain_widths,
    rich_table,
    write_plain_table,
)
from kubectl_shm.render.terminal import Terminal

if TYPE_CHECKING:
    from rich.console import Console

_COLUMNS = (
    Column("NAMESPACE", no_wrap=True),
    Column("WORKLOAD", overflow="fold", min_width=16),
    Column("CONTAINER", overflow="fold", min_width=9),
    Column("SHM", no_wrap=True),
    Column("SIZELIMIT", justify="right", no_wrap=True),
    Column("GETS", justify="right", no_wrap=True),
    Column("BECAUSE", no_wrap=True),
)
_WIDE_COLUMNS = (
    Column("POD MEM LIMIT", justify="right", no_wrap=True),
    Column("USED", justify="right", no_wrap=True),
    Column("NODES", overflow="fold"),
)
_FINDINGS_COLUMN = Column("FINDINGS", overflow="fold", min_width=10)
# Lines a terminal keeps for the headings, the findings' first lines and the prompt.
_SCREEN_MARGIN = 5


def render_audit_table(report: AuditReport, terminal: Terminal, *, wide: bool = False) -> None:
    from rich.text import Text

    console = terminal.console()
    columns = audit_columns(wide=wide)
    rows = list(audit_rows(report, wide=wide))
    grouped = 0
    if not wide and terminal.stdout_is_tty and len(rows) > console.height - _SCREEN_MARGIN:
        rows, grouped = _grouped(report, len(columns))
    write_table(console, columns, rows)
    print_findings(report, console, workload_label)
    counts = ", ".join(f"{report.count_findings(s)} {s.value}" for s in Severity)
    summary = f"\n{len(report.workloads)} workloads: {counts}"
    if grouped:
        summary += f"; {grouped} without findings counted per namespace (-o wide lists them)"
    console.print(Text(summary, style="dim"))


def audit_columns(*, wide: bool) -> list[Column]:
    """The columns of an audit row (render.fleet_table puts CLUSTER before them)."""
    return [*_COLUMNS, *(_WIDE_COLUMNS if wide else ()), _FINDINGS_COLUMN]


def audit_rows(report: AuditReport, *, wide: bool) -> Iterator[Row]:
    """Every container's row, in the order of the report."""
    for workload in report.workloads:
        yield from _rows(workload, wide=wide)


def write_table(console: Console, columns: Sequence[Column], rows: Sequence[Row]) -> None:
    """Written as text where rich's layout would change nothing, else drawn by rich."""
    widths = plain_widths(columns, rows, console.width)
    if widths is None:
        console.print(rich_table(columns, rows))
    else:
        write_plain_table(console, columns, rows, widths)


def workload_label(workload: WorkloadReport) -> str:
    label = f"{workload.kind.lower()}/{workload.name}"
    return f"{label} ({workload.template_path})" if workload.template_path else label


def _rows(workload: WorkloadReport, *, wide: bool) -> Iterator[Row]:
    for container in workload.containers or (None,):
        if not workload.findings:  # most rows: nothing to look up
            yield Row([*_cells(workload, container, wide=wide), "-"])
            continue
        severity = _container_severity(workload, container)
        style = SEVERITY_STYLES.get(severity) if severity else None
        findings = _findings_cell(workload, container.name if container else None, wide=wide)
        yield Row([*_cells(workload, container, wide=wide), findings], style)


def _grouped(report: AuditReport, width: int) -> tuple[list[Row], int]:
    """The rows of workloads with findings and, after each namespace's, one row counting its
    workloads without findings; and how many those are."""
    rows: list[Row] = []
    counted = 0
    for namespace, workloads in groupby(report.workloads, key=lambda w: w.namespace):
        clean = 0
        for workload in workloads:
            if workload.findings:
                rows.extend(_rows(workload, wide=False))
            else:
                clean += 1
        if clean:
            noun = "workload" if clean == 1 else "workloads"
            cells = [namespace, f"{clean} {noun} without findings", *[""] * (width - 3), "-"]
            rows.append(Row(cells))
            counted += clean
    return rows, counted


def _cells(workload: WorkloadReport, container: ContainerReport | None, *, wide: bool) -> list[str]:
    """Every cell but the findings."""
    if container is None:
        cells = [workload.namespace, workload_label(workload), "-", "-", "-", "-", "-"]
        return [*cells, "-", "-", "-"] if wide else cells
    cells = [
        workload.namespace,
        workload_label(workload),
        container.name,
        SOURCE_LABELS[container.source],
        _bytes(container.size_limit_bytes),
        _bytes(container.expected_bytes) if container.expected_bytes else "?",
        BASIS_LABELS[container.basis],
    ]
    if wide:
        cells += [
            _bytes(workload.pod_memory_limit_bytes),
            _bytes(container.used_bytes),
            ",".join(container.nodes) or "-",
        ]
    return cells


# A cluster has few distinct sizes: each is spelled once.
_bytes = lru_cache(maxsize=4096)(format_bytes)


def _findings_cell(workload: WorkloadReport, container: str | None, *, wide: bool) -> str:
    """Rule ids with -o wide; else the worst severity and how many (details follow the table)."""
    mine = [f for f in workload.findings if f.container in (container, None)]
    if not mine:
        return "-"
    if wide:
        return ", ".join(sorted({f.rule.value for f in mine}))
    worst = max((f.severity for f in mine), key=lambda s: s.rank).value
    return worst if len(mine) == 1 else f"{worst} (+{len(mine) - 1})"


def _container_severity(
    workload: WorkloadReport, container: ContainerReport | None
) -> Severity | None:
    name = container.name if container else None
    severities = [f.severity for f in workload.findings if f.container in (name, None)]
    return max(severities, key=lambda s: s.rank, default=None)
