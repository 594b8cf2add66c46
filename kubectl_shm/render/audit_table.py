"""The audit as a table for people: one row per container, then the findings."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kubectl_shm.audit.report import AuditReport, ContainerReport, WorkloadReport
from kubectl_shm.audit.rules import Severity
from kubectl_shm.model.quantity import format_bytes
from kubectl_shm.render.columns import BASIS_LABELS, SOURCE_LABELS, columns_table
from kubectl_shm.render.terminal import Terminal

if TYPE_CHECKING:
    from collections.abc import Iterator

    from rich.console import Console
    from rich.table import Table

_SEVERITY_STYLES = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}


def render_audit_table(report: AuditReport, terminal: Terminal, *, wide: bool = False) -> None:
    from rich.text import Text

    console = terminal.console()
    table = columns_table()
    add_audit_columns(table, wide=wide)
    for cells, style in audit_rows(report, wide=wide):
        table.add_row(*cells[:-1], Text(cells[-1], style=style or ""))
    console.print(table)
    _print_findings(report, console)


def add_audit_columns(table: Table, *, wide: bool) -> None:
    """The columns of an audit row (render.fleet_table puts CLUSTER before them)."""
    table.add_column("NAMESPACE", no_wrap=True)
    table.add_column("WORKLOAD", overflow="fold", min_width=16)
    table.add_column("CONTAINER", overflow="fold", min_width=9)
    table.add_column("SHM", no_wrap=True)
    table.add_column("SIZELIMIT", justify="right", no_wrap=True)
    table.add_column("GETS", justify="right", no_wrap=True)
    table.add_column("BECAUSE", no_wrap=True)
    if wide:
        table.add_column("POD MEM LIMIT", justify="right", no_wrap=True)
        table.add_column("USED", justify="right", no_wrap=True)
        table.add_column("NODES", overflow="fold")
    table.add_column("FINDINGS", overflow="fold", min_width=10)


def audit_rows(report: AuditReport, *, wide: bool) -> Iterator[tuple[list[str], str | None]]:
    """Each row's cells, and the style of its findings cell."""
    for workload in report.workloads:
        for container in workload.containers or (None,):
            severity = _container_severity(workload, container)
            style = _SEVERITY_STYLES.get(severity) if severity else None
            yield _row(workload, container, wide=wide), style


def workload_label(workload: WorkloadReport) -> str:
    label = f"{workload.kind.lower()}/{workload.name}"
    return f"{label} ({workload.template_path})" if workload.template_path else label


def _row(workload: WorkloadReport, container: ContainerReport | None, *, wide: bool) -> list[str]:
    if container is None:
        cells = [workload.namespace, workload_label(workload), "-", "-", "-", "-", "-"]
        if wide:
            cells += ["-", "-", "-"]
        return [*cells, _findings_cell(workload, None, wide=wide)]
    cells = [
        workload.namespace,
        workload_label(workload),
        container.name,
        SOURCE_LABELS[container.source],
        format_bytes(container.size_limit_bytes),
        format_bytes(container.expected_bytes) if container.expected_bytes else "?",
        BASIS_LABELS[container.basis],
    ]
    if wide:
        cells += [
            format_bytes(workload.pod_memory_limit_bytes),
            format_bytes(container.used_bytes),
            ",".join(container.nodes) or "-",
        ]
    return [*cells, _findings_cell(workload, container.name, wide=wide)]


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


def _print_findings(report: AuditReport, console: Console) -> None:
    from rich.padding import Padding
    from rich.text import Text

    findings = [(w, f) for w in report.workloads for f in w.findings]
    if findings:
        console.print()
    for workload, finding in sorted(findings, key=lambda wf: -wf[1].severity.rank):
        where = f"{workload.namespace}/{workload_label(workload)}"
        if finding.container:
            where += f" [{finding.container}]"
        heading = Text()
        heading.append(
            f"{finding.severity.value.upper():8}", style=_SEVERITY_STYLES[finding.severity]
        )
        heading.append(f"{finding.rule.value}  {where}", style="bold")
        console.print(heading)
        console.print(Padding(Text(finding.message), (0, 0, 0, 8)))
    counts = ", ".join(f"{report.count_findings(s)} {s.value}" for s in Severity)
    console.print(Text(f"\n{len(report.workloads)} workloads: {counts}", style="dim"))
