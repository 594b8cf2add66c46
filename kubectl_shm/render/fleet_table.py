"""Several clusters' audits as one table: a CLUSTER column first, one row per container
as for one cluster, and one row for a cluster that could not be audited."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from kubectl_shm.audit.fleet import ClusterAudit
from kubectl_shm.audit.rules import Severity
from kubectl_shm.render.audit_table import (
    _SEVERITY_STYLES,
    add_audit_columns,
    audit_rows,
    workload_label,
)
from kubectl_shm.render.columns import columns_table
from kubectl_shm.render.terminal import Terminal

if TYPE_CHECKING:
    from rich.console import Console


def render_fleet_table(
    clusters: Sequence[ClusterAudit], terminal: Terminal, *, wide: bool = False
) -> None:
    from rich.text import Text

    console = terminal.console()
    table = columns_table()
    table.add_column("CLUSTER", no_wrap=True)
    add_audit_columns(table, wide=wide)
    blanks = len(table.columns) - 2  # every column but CLUSTER and FINDINGS
    for cluster in clusters:
        if cluster.report is not None:
            for cells, style in audit_rows(cluster.report, wide=wide):
                table.add_row(cluster.context, *cells[:-1], Text(cells[-1], style=style or ""))
            if not cluster.report.workloads and cluster.error is None:
                table.add_row(cluster.context, *["-"] * blanks, "no workloads")
        if cluster.error is not None:
            failed = Text(f"cluster error: {cluster.error}", style="bold red")
            table.add_row(cluster.context, *["-"] * blanks, failed)
    console.print(table)
    _print_findings(clusters, console)


def _print_findings(clusters: Sequence[ClusterAudit], console: Console) -> None:
    from rich.padding import Padding
    from rich.text import Text

    findings = [
        (cluster.context, workload, finding)
        for cluster in clusters
        if cluster.report is not None
        for workload in cluster.report.workloads
        for finding in workload.findings
    ]
    if findings:
        console.print()
    for context, workload, finding in sorted(findings, key=lambda cwf: -cwf[2].severity.rank):
        where = f"{context}: {workload.namespace}/{workload_label(workload)}"
        if finding.container:
            where += f" [{finding.container}]"
        heading = Text()
        heading.append(
            f"{finding.severity.value.upper():8}", style=_SEVERITY_STYLES[finding.severity]
        )
        heading.append(f"{finding.rule.value}  {where}", style="bold")
        console.print(heading)
        console.print(Padding(Text(finding.message), (0, 0, 0, 8)))
    reports = [cluster.report for cluster in clusters if cluster.report is not None]
    workloads = sum(len(report.workloads) for report in reports)
    counts = ", ".join(
        f"{sum(report.count_findings(s) for report in reports)} {s.value}" for s in Severity
    )
    failed = sum(1 for cluster in clusters if cluster.error is not None)
    summary = f"\n{len(clusters)} clusters ({failed} failed), {workloads} workloads: {counts}"
    console.print(Text(summary, style="dim"))
